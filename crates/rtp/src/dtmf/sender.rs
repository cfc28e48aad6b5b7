//! Sending DTMF as RFC 4733 telephone-events, sans-IO: which event packet to send when.
//! The caller wraps each [`DtmfPacket`] in RTP with [`crate::RtpSender::next_at`] and
//! suppresses audio while [`DtmfSender::is_active`].

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use thiserror::Error;

use super::{DtmfEvent, EventCode};
use crate::id::ClockRate;

/// How digits are sent. Immutable for the life of a [`DtmfSender`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfSenderConfig {
    /// Clock of the telephone-event payload type (8,000 unless negotiated otherwise).
    pub clock_rate: ClockRate,
    /// Time between packets of one event (RFC 4733 §2.5.1.2 suggests 50 ms; phones and
    /// pbxd use the audio packet time). Default 20 ms.
    pub interval: Duration,
    /// Power level sent, in −dBm0 (0–63). Default 10.
    pub volume: u8,
    /// How many times the final (E bit) packet is sent (RFC 4733 §2.5.1.4: three).
    pub end_repeats: u8,
    /// Pause between the last packet of one queued digit and the start of the next.
    /// Default 40 ms.
    pub gap: Duration,
}

impl Default for DtmfSenderConfig {
    fn default() -> Self {
        DtmfSenderConfig {
            clock_rate: ClockRate::NARROWBAND,
            interval: Duration::from_millis(20),
            volume: 10,
            end_repeats: 3,
            gap: Duration::from_millis(40),
        }
    }
}

/// One telephone-event packet to send: its RTP timestamp and marker bit and the
/// payload. Plain data; build the RTP header with [`crate::RtpSender::next_at`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfPacket {
    /// The event's (or segment's) start time in RTP ticks, the same for all its packets.
    pub timestamp: u32,
    /// Set on the first packet of an event only.
    pub marker: bool,
    /// The payload fields.
    pub event: DtmfEvent,
}

impl DtmfPacket {
    /// The 4-byte RTP payload.
    #[must_use]
    pub fn payload(&self) -> [u8; 4] {
        self.event.to_bytes()
    }
}

/// Why a digit could not be queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DtmfSendError {
    /// Too many digits are waiting already.
    #[error("DTMF queue full ({capacity} digits)")]
    QueueFull {
        /// Digits the queue holds.
        capacity: usize,
    },
}

/// RFC 4733 event generator for one outgoing stream, a sans-IO core: queue digits with
/// [`DtmfSender::start`], then call [`DtmfSender::poll_packet`] at
/// [`DtmfSender::poll_timeout`] until it returns `None`.
///
/// Each event: the first packet carries the marker bit; all carry the timestamp of the
/// event's start; the duration grows by one interval per packet (each packet reports
/// the duration through the end of its interval, as an audio packet covers the audio
/// after its timestamp); the final duration is sent with the E bit `end_repeats` times.
/// An event longer than 0xFFFF ticks is split into segments (RFC 4733 §2.5.1.3): a
/// segment's last report says 0xFFFF without the E bit, and the next segment's packets
/// carry a timestamp 0xFFFF later and no marker.
#[derive(Debug, Clone)]
pub struct DtmfSender {
    rate: u32,
    interval: Duration,
    interval_ticks: u64,
    volume: u8,
    end_repeats: u8,
    gap: Duration,
    queue: VecDeque<Queued>,
    clock: Option<(Instant, u32)>,
    active: Option<Active>,
    free_at: Option<Instant>,
}

impl DtmfSender {
    /// Digits the queue holds at most.
    pub const QUEUE: usize = 32;

    /// An idle sender. The queue is allocated here, once.
    #[must_use]
    pub fn new(config: DtmfSenderConfig) -> Self {
        let rate = config.clock_rate.0.max(1);
        let interval = config.interval.max(Duration::from_millis(1));
        DtmfSender {
            rate,
            interval,
            interval_ticks: ticks(interval, rate).max(1),
            volume: config.volume.min(63),
            end_repeats: config.end_repeats.max(1),
            gap: config.gap,
            queue: VecDeque::with_capacity(Self::QUEUE),
            clock: None,
            active: None,
            free_at: None,
        }
    }

    /// Queues event `code` lasting `duration` (at least one interval). `timestamp` is
    /// the stream's RTP timestamp at `now` (e.g. [`crate::RtpSender::timestamp`]); the
    /// event's timestamp is derived from it when the event begins, right away if the
    /// sender is idle. Changes `poll_packet` and `poll_timeout`.
    pub fn start(
        &mut self,
        now: Instant,
        timestamp: u32,
        code: EventCode,
        duration: Duration,
    ) -> Result<(), DtmfSendError> {
        if self.queue.len() >= Self::QUEUE {
            return Err(DtmfSendError::QueueFull {
                capacity: Self::QUEUE,
            });
        }
        self.clock = Some((now, timestamp));
        self.queue.push_back(Queued {
            code,
            duration: duration.max(self.interval),
            at: now,
        });
        Ok(())
    }

    /// Ends the event in progress at `now` (the key was released): its next packet is
    /// the final one. Queued digits are kept.
    pub fn stop(&mut self, now: Instant) {
        let interval = self.interval;
        if let Some(a) = self.active.as_mut().filter(|a| a.end_left.is_none()) {
            let held = now.saturating_duration_since(a.start).max(interval);
            // Never end before the segment already announced.
            let floor = a.segment_offset.saturating_add(1);
            a.length = ticks(held, self.rate).max(floor).min(a.length);
        }
    }

    /// Drops the queued digits and the event in progress without sending its end
    /// (the call is going away).
    pub fn cancel(&mut self) {
        self.queue.clear();
        self.active = None;
    }

    /// The next packet due at `now`, if any. Call until `None`.
    pub fn poll_packet(&mut self, now: Instant) -> Option<DtmfPacket> {
        if self.active.is_none() {
            self.begin(now);
        }
        let (volume, end_repeats) = (self.volume, self.end_repeats);
        let a = self.active.as_mut()?;
        if now < a.next_at {
            return None;
        }
        a.next_at = a.next_at.checked_add(self.interval).unwrap_or(now);
        let marker = a.sent == 0;
        a.sent = a.sent.saturating_add(1);
        let (code, timestamp) = (a.code, a.segment_ts);
        let packet = |duration: u16, end: bool| DtmfPacket {
            timestamp,
            marker,
            event: DtmfEvent {
                code,
                end,
                volume,
                duration,
            },
        };
        let out;
        let finished;
        if let Some(left) = a.end_left {
            // RFC 4733 §2.5.1.4: the final packet is retransmitted.
            out = packet(a.end_duration, true);
            a.end_left = Some(left.saturating_sub(1));
            finished = left <= 1;
        } else {
            let elapsed = (u64::from(a.sent).saturating_mul(self.interval_ticks)).min(a.length);
            let in_segment = elapsed.saturating_sub(a.segment_offset);
            if in_segment > u64::from(u16::MAX) {
                // RFC 4733 §2.5.1.3: close this segment, the next starts 0xFFFF later.
                a.segment_offset += u64::from(u16::MAX);
                a.segment_ts = a.segment_ts.wrapping_add(u32::from(u16::MAX));
                return Some(packet(u16::MAX, false));
            }
            // At most 0xFFFF: checked just above.
            let duration = u16::try_from(in_segment).unwrap_or(u16::MAX);
            let end = elapsed >= a.length;
            if end {
                a.end_duration = duration;
                a.end_left = Some(end_repeats - 1);
            }
            out = packet(duration, end);
            finished = end && end_repeats <= 1;
        }
        if finished {
            self.active = None;
            self.free_at = Some(now.checked_add(self.gap).unwrap_or(now));
        }
        Some(out)
    }

    /// When `poll_packet` next has something to send; `None` when idle. Changed by
    /// `start`, `stop`, `cancel` and `poll_packet`.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if let Some(a) = &self.active {
            return Some(a.next_at);
        }
        let q = self.queue.front()?;
        Some(self.free_at.map_or(q.at, |f| f.max(q.at)))
    }

    /// Whether an event is being sent (including its end retransmissions): the caller
    /// sends no audio meanwhile but keeps its RTP timestamp running.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.active.is_some()
    }

    /// Digits waiting behind the one in progress.
    #[must_use]
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    fn begin(&mut self, now: Instant) {
        let Some(q) = self.queue.front() else { return };
        let ready = self.free_at.map_or(q.at, |f| f.max(q.at));
        if now < ready {
            return;
        }
        let Some(q) = self.queue.pop_front() else {
            return;
        };
        let timestamp = match self.clock {
            Some((at, ts)) => {
                let d = ticks(now.saturating_duration_since(at), self.rate);
                // Media time wraps at 2^32: truncation is the point.
                ts.wrapping_add(d as u32)
            }
            None => 0,
        };
        self.active = Some(Active {
            code: q.code,
            start: now,
            length: ticks(q.duration, self.rate).max(self.interval_ticks),
            sent: 0,
            next_at: now,
            segment_ts: timestamp,
            segment_offset: 0,
            end_left: None,
            end_duration: 0,
        });
    }
}

/// A digit waiting to be sent.
#[derive(Debug, Clone, Copy)]
struct Queued {
    code: EventCode,
    duration: Duration,
    at: Instant,
}

/// The event being sent.
#[derive(Debug, Clone, Copy)]
struct Active {
    code: EventCode,
    start: Instant,
    /// Planned length in ticks.
    length: u64,
    /// Packets sent so far.
    sent: u32,
    next_at: Instant,
    segment_ts: u32,
    segment_offset: u64,
    /// End packets still to send, once the final duration went out.
    end_left: Option<u8>,
    end_duration: u16,
}

fn ticks(d: Duration, rate: u32) -> u64 {
    let t = d.as_nanos().saturating_mul(u128::from(rate)) / 1_000_000_000;
    u64::try_from(t).unwrap_or(u64::MAX)
}
