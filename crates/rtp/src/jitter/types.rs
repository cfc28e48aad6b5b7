//! The jitter buffer's settings, outputs and counters: plain data.

use std::time::Duration;

#[cfg(doc)]
use super::JitterBuffer;
use crate::id::ClockRate;

/// Jitter buffer settings. Immutable for the life of a [`JitterBuffer`]; values out of
/// range are clamped by [`JitterBuffer::new`] (clock rate and frame at least one tick,
/// capacity 4–4096 packets, `max_delay` at least `min_delay`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JitterConfig {
    /// RTP clock of the stream (8,000 for G.711).
    pub clock_rate: ClockRate,
    /// How often the caller pops: one frame period (20 ms).
    pub frame: Duration,
    /// Smallest playout delay beyond the fastest packet. Default 20 ms.
    pub min_delay: Duration,
    /// Largest playout delay; beyond it frames are dropped at once. Default 200 ms.
    pub max_delay: Duration,
    /// Packets held at most; when full, the oldest are dropped. Default 32.
    pub capacity: usize,
    /// Largest payload stored, in bytes; longer payloads are dropped. Default 1,024.
    pub max_payload: usize,
    /// How fast the target delay may fall after a jitter spike, per second of stream
    /// time. Default 10 ms (a 200 ms spike is forgotten in about 20 s).
    pub release: Duration,
    /// How long the delay must stay well above target, in a stream without silences,
    /// before one frame is dropped to shrink it; also the least time between two such
    /// drops. Default 1 s.
    pub shrink_hold: Duration,
    /// Concealment handed out in one underrun before the buffer assumes the sender
    /// fell silent and waits for the next talkspurt. Default 100 ms.
    pub idle_after: Duration,
    /// A timestamp this far from where the wall clock says it should be, or a sequence
    /// jump beyond RFC 3550 A.1 limits, restarts playout. Default 1 s.
    pub resync_jump: Duration,
}

impl Default for JitterConfig {
    fn default() -> Self {
        JitterConfig {
            clock_rate: ClockRate::NARROWBAND,
            frame: Duration::from_millis(20),
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            capacity: 32,
            max_payload: 1024,
            release: Duration::from_millis(10),
            shrink_hold: Duration::from_secs(1),
            idle_after: Duration::from_millis(100),
            resync_jump: Duration::from_secs(1),
        }
    }
}

/// What one [`JitterBuffer::pop`] hands to the decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Playout<'a> {
    /// Decode and play this packet.
    Frame(Frame<'a>),
    /// Audio of `samples` ticks is missing (lost, late, or the buffer is growing):
    /// conceal it (packet loss concealment, or repeat-and-fade).
    Lost {
        /// Ticks to conceal.
        samples: u32,
    },
    /// Nothing to play for this frame period: playout has not started, or the sender is
    /// silent (a gap in timestamps with no missing sequence number, or a long
    /// underrun). Play silence or comfort noise.
    Empty,
}

/// One packet released for playout. Borrowed from the buffer until the next call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The codec payload.
    pub payload: &'a [u8],
    /// Its RTP timestamp.
    pub timestamp: u32,
    /// Its RTP sequence number.
    pub sequence: u16,
    /// Its marker bit (start of a talkspurt).
    pub marker: bool,
    /// Ticks of media it is taken to cover (the stream's packet duration).
    pub samples: u32,
}

/// What [`JitterBuffer::push`] did with a packet, for counters and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PushOutcome {
    /// Stored for playout.
    Stored,
    /// Stored after flushing everything: a new SSRC, or a sequence or timestamp jump.
    Resynced,
    /// Already received; dropped.
    Duplicate,
    /// Its playout time has passed; dropped.
    Late,
    /// Stored, but the buffer was full: the oldest packets were dropped to make room.
    Overflow,
    /// Payload longer than `max_payload`; dropped.
    TooLarge,
}

/// Counters and the current delay of a [`JitterBuffer`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JitterStats {
    /// Packets accepted for consideration (not duplicates, not too large).
    pub received: u64,
    /// Sequence numbers playout passed without playing a packet (lost in the network
    /// or arrived too late; `late` ones are included).
    pub lost: u64,
    /// Packets that arrived after their playout time.
    pub late: u64,
    /// Packets received twice.
    pub duplicates: u64,
    /// Packets dropped unplayed because the buffer was full (the oldest go), or
    /// because they were too large.
    pub overflow: u64,
    /// Times playout restarted on a new SSRC or a jump.
    pub resyncs: u64,
    /// Frame periods concealed to grow the delay.
    pub stalls: u64,
    /// Times the delay was shrunk (silence skipped or a frame dropped).
    pub shrinks: u64,
    /// Playout delay beyond the fastest packet, measured at the last pop.
    pub delay: Duration,
    /// The delay the buffer is steering towards.
    pub target: Duration,
    /// RFC 3550 interarrival jitter.
    pub jitter: Duration,
    /// Packets held now.
    pub buffered: usize,
}
