//! Receive statistics for one RTP stream: counts, loss from extended sequence gaps
//! (RFC 3550 A.3), interarrival jitter (RFC 3550 A.8), reordering and duplicates, the
//! RTCP report block they make (RFC 3550 §6.4.1) and a quality estimate (E-model).
//! Plain fields updated in O(1) per packet, no allocation: cheap enough for the relay's
//! hot path.

use std::time::{Duration, Instant};

use crate::id::{ClockRate, SeqNo, Ssrc};
use crate::packet::RtpPacket;
use crate::quality::{CodecImpairment, Quality, QualityInputs};
use crate::rtcp::{ReportBlock, SenderInfo};

/// Running receive statistics of the RTP arriving from one phone. Feed every accepted
/// packet to [`StreamStats::handle_rtp`]; read [`StreamStats::report`] whenever needed.
///
/// A new SSRC (RFC 3550 §8.2) or a sequence restart (two consecutive packets after a
/// jump of more than 3,000 forward or 100 back, RFC 3550 A.1) starts a new stream:
/// sequence and jitter tracking restart, totals carry on, and the change is counted.
#[derive(Debug, Clone)]
pub struct StreamStats {
    clock_rate: ClockRate,
    packets: u64,
    bytes: u64,
    duplicates: u64,
    reordered: u64,
    ssrc_changes: u64,
    restarts: u64,
    lost_before: u64,
    jitter: f64,
    last_packet: Option<Instant>,
    stream: Option<SeqState>,
    /// LSR of the last SR from the source, and when it arrived.
    last_sr: Option<(u32, Instant)>,
}

/// A snapshot of [`StreamStats`], plain data for reports and APIs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamReport {
    /// SSRC of the current stream, once a packet has arrived.
    pub ssrc: Option<Ssrc>,
    /// Valid packets received, duplicates included.
    pub packets: u64,
    /// Datagram bytes of those packets (headers included).
    pub bytes: u64,
    /// Packets never received: expected (from the extended sequence range) minus
    /// received, summed over all streams (RFC 3550 A.3, duplicates not counted as
    /// received).
    pub lost: u64,
    /// Packets whose sequence number had already been received.
    pub duplicates: u64,
    /// Packets that arrived after a higher sequence number (late, not duplicate).
    pub reordered: u64,
    /// Times the SSRC changed (a new stream from the same phone).
    pub ssrc_changes: u64,
    /// Times the sequence number jumped and restarted within one SSRC (RFC 3550 A.1).
    pub restarts: u64,
    /// Interarrival jitter in timestamp units (RFC 3550 A.8).
    pub jitter: f64,
    /// The same jitter in milliseconds, given the stream's clock rate.
    pub jitter_ms: f64,
    /// Highest extended sequence number of the current stream.
    pub highest_seq: Option<SeqNo>,
    /// When the last valid packet arrived.
    pub last_packet: Option<Instant>,
}

impl StreamStats {
    /// Empty statistics for a stream whose RTP clock runs at `clock_rate`.
    #[must_use]
    pub fn new(clock_rate: ClockRate) -> Self {
        StreamStats {
            clock_rate,
            packets: 0,
            bytes: 0,
            duplicates: 0,
            reordered: 0,
            ssrc_changes: 0,
            restarts: 0,
            lost_before: 0,
            jitter: 0.0,
            last_packet: None,
            stream: None,
            last_sr: None,
        }
    }

    /// Accounts one received packet that arrived at `now`.
    pub fn handle_rtp(&mut self, now: Instant, packet: &RtpPacket<'_>) {
        self.packets += 1;
        self.bytes += packet.len() as u64;
        self.last_packet = Some(now);
        let ssrc = packet.ssrc();
        let wire = packet.sequence();
        let Some(s) = &mut self.stream else {
            self.stream = Some(SeqState::start(now, packet));
            return;
        };
        if s.ssrc != ssrc {
            // RFC 3550 §8.2: a new SSRC is a new stream; its jitter is its own.
            self.ssrc_changes += 1;
            self.lost_before += s.lost();
            self.jitter = 0.0;
            self.stream = Some(SeqState::start(now, packet));
            return;
        }
        let ext = s.highest.extend(wire);
        if ext > s.highest {
            if ext.0 - s.highest.0 > MAX_DROPOUT {
                self.bad_sequence(now, packet);
                return;
            }
            let shift = ext.0 - s.highest.0;
            s.window = if shift >= 128 { 0 } else { s.window << shift };
            s.window |= 1;
            s.highest = ext;
        } else {
            let back = s.highest.0 - ext.0;
            if back > MAX_MISORDER {
                self.bad_sequence(now, packet);
                return;
            }
            // MAX_MISORDER < 128, so `back` is inside the window.
            let bit = 1u128 << back;
            if s.window & bit != 0 {
                self.duplicates += 1;
                return;
            }
            s.window |= bit;
            self.reordered += 1;
            if ext < s.base {
                s.base = ext;
            }
        }
        s.unique += 1;
        s.bad_seq = None;
        self.jitter = s.update_jitter(self.jitter, self.clock_rate, now, packet.timestamp());
    }

    /// An SR from the source arrived at `now`: remembered for the LSR and DLSR fields
    /// of the next report block.
    pub fn handle_sender_report(&mut self, now: Instant, info: &SenderInfo) {
        self.last_sr = Some((info.ntp.middle32(), now));
    }

    /// The reception report block for the current stream at `now` (RFC 3550 §6.4.1,
    /// A.3), for an RR or SR pbxd sends; `None` before the first packet. Starts a new
    /// reporting interval: the next block's fraction lost counts from here.
    pub fn report_block(&mut self, now: Instant) -> Option<ReportBlock> {
        let s = self.stream.as_mut()?;
        let expected = s.highest.0 - s.base.0 + 1;
        let expected_interval = expected.saturating_sub(s.expected_prior);
        let received_interval = s.unique.saturating_sub(s.received_prior);
        s.expected_prior = expected;
        s.received_prior = s.unique;
        let lost_interval = expected_interval.saturating_sub(received_interval);
        // lost ≤ expected, so the quotient is at most 256; 256 is reported as 255.
        let fraction_lost = (lost_interval << 8)
            .checked_div(expected_interval)
            .map_or(0, |f| u8::try_from(f).unwrap_or(u8::MAX));
        let (lsr, dlsr) = match self.last_sr {
            Some((lsr, at)) => (lsr, to_1_65536(now.saturating_duration_since(at))),
            None => (0, 0),
        };
        Some(ReportBlock {
            ssrc: s.ssrc,
            fraction_lost,
            cumulative_lost: i32::try_from(s.lost()).unwrap_or(i32::MAX).min(0x7f_ffff),
            // The low 32 bits: 16 bits of cycles and the sequence number.
            highest_seq: s.highest.0 as u32,
            jitter: self.jitter.round().clamp(0.0, f64::from(u32::MAX)) as u32,
            lsr,
            dlsr,
        })
    }

    /// Total packets lost so far (RFC 3550 A.3), over all streams.
    #[must_use]
    pub fn lost(&self) -> u64 {
        self.lost_before + self.stream.as_ref().map_or(0, SeqState::lost)
    }

    /// Interarrival jitter in timestamp units (RFC 3550 A.8).
    #[must_use]
    pub fn jitter(&self) -> f64 {
        self.jitter
    }

    /// Interarrival jitter in milliseconds.
    #[must_use]
    pub fn jitter_ms(&self) -> f64 {
        if self.clock_rate.0 == 0 {
            return 0.0;
        }
        self.jitter * 1000.0 / f64::from(self.clock_rate.0)
    }

    /// When the last valid packet arrived; `None` before the first.
    #[must_use]
    pub fn last_packet(&self) -> Option<Instant> {
        self.last_packet
    }

    /// Valid packets received, duplicates included.
    #[must_use]
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// All counters at once.
    #[must_use]
    pub fn report(&self) -> StreamReport {
        StreamReport {
            ssrc: self.stream.as_ref().map(|s| s.ssrc),
            packets: self.packets,
            bytes: self.bytes,
            lost: self.lost(),
            duplicates: self.duplicates,
            reordered: self.reordered,
            ssrc_changes: self.ssrc_changes,
            restarts: self.restarts,
            jitter: self.jitter,
            jitter_ms: self.jitter_ms(),
            highest_seq: self.stream.as_ref().map(|s| s.highest),
            last_packet: self.last_packet,
        }
    }

    /// RFC 3550 A.1: a large jump is believed only when the next packet follows it.
    fn bad_sequence(&mut self, now: Instant, packet: &RtpPacket<'_>) {
        let Some(s) = &mut self.stream else { return };
        let wire = packet.sequence();
        if s.bad_seq == Some(wire) {
            self.restarts += 1;
            self.lost_before += s.lost();
            let (prev_arrival, prev_ts) = (s.prev_arrival, s.prev_ts);
            let mut fresh = SeqState::start(now, packet);
            // Same source and clock: jitter continues across the restart.
            fresh.prev_arrival = prev_arrival;
            fresh.prev_ts = prev_ts;
            self.jitter =
                fresh.update_jitter(self.jitter, self.clock_rate, now, packet.timestamp());
            self.stream = Some(fresh);
        } else {
            s.bad_seq = Some(wire.wrapping_add(1));
        }
    }
}

impl StreamReport {
    /// Fraction of the expected packets that never arrived, 0–1.
    #[must_use]
    pub fn loss(&self) -> f64 {
        let received = self.packets.saturating_sub(self.duplicates);
        let expected = received + self.lost;
        if expected == 0 {
            return 0.0;
        }
        self.lost as f64 / expected as f64
    }

    /// Quality of what was received, by the simplified E-model: this report's loss and
    /// jitter, a one-way network delay and the codec.
    #[must_use]
    pub fn quality(&self, one_way_delay: Duration, codec: CodecImpairment) -> Quality {
        Quality::estimate(QualityInputs {
            loss: self.loss(),
            jitter: Duration::from_secs_f64(self.jitter_ms.clamp(0.0, 1e9) / 1000.0),
            delay: one_way_delay,
            codec,
            ..QualityInputs::default()
        })
    }
}

/// Sequence and transit tracking of the current stream.
#[derive(Debug, Clone)]
struct SeqState {
    ssrc: Ssrc,
    base: SeqNo,
    highest: SeqNo,
    /// Distinct sequence numbers received in `base..=highest`.
    unique: u64,
    /// Bit i set: `highest - i` has been received (duplicate detection).
    window: u128,
    bad_seq: Option<u16>,
    prev_arrival: Instant,
    prev_ts: u32,
    /// Expected and received counts at the last report block (RFC 3550 A.3).
    expected_prior: u64,
    received_prior: u64,
}

impl SeqState {
    fn start(now: Instant, packet: &RtpPacket<'_>) -> Self {
        let first = SeqNo(u64::from(packet.sequence()));
        SeqState {
            ssrc: packet.ssrc(),
            base: first,
            highest: first,
            unique: 1,
            window: 1,
            bad_seq: None,
            prev_arrival: now,
            prev_ts: packet.timestamp(),
            expected_prior: 0,
            received_prior: 0,
        }
    }

    fn lost(&self) -> u64 {
        let expected = self.highest.0 - self.base.0 + 1;
        expected.saturating_sub(self.unique)
    }

    /// RFC 3550 A.8: D(i,j) = (Rj − Ri) − (Sj − Si); J += (|D| − J) / 16.
    fn update_jitter(&mut self, jitter: f64, rate: ClockRate, now: Instant, ts: u32) -> f64 {
        let arrival = now
            .saturating_duration_since(self.prev_arrival)
            .as_secs_f64()
            * f64::from(rate.0);
        // Timestamps wrap at 2^32; the signed difference is what matters.
        let sent = f64::from(ts.wrapping_sub(self.prev_ts) as i32);
        let d = (arrival - sent).abs();
        self.prev_arrival = now;
        self.prev_ts = ts;
        jitter + (d - jitter) / 16.0
    }
}

/// A duration in the 1/65,536 s units of DLSR, saturating.
fn to_1_65536(d: Duration) -> u32 {
    let units = d.as_nanos().saturating_mul(65_536) / 1_000_000_000;
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// RFC 3550 A.1: largest forward jump still treated as loss rather than a restart.
const MAX_DROPOUT: u64 = 3000;
/// RFC 3550 A.1: largest backward step still treated as reordering.
const MAX_MISORDER: u64 = 100;
