//! Receiving RFC 4733 telephone-events: turns the packet stream of each event (first
//! packet maybe lost, ends retransmitted, packets reordered, long events segmented)
//! into exactly one key press with its duration. Sans-IO; events are keyed by their RTP
//! timestamp (RFC 4733 §2.5.2).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::{dtmf_event, DtmfEvent, EventCode};
use crate::id::ClockRate;
use crate::packet::RtpPacket;

/// Receiver settings. Immutable for the life of a [`DtmfReceiver`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfReceiverConfig {
    /// Clock of the negotiated telephone-event payload type.
    pub clock_rate: ClockRate,
    /// An event with no packet for this long is over even without an E bit (all its
    /// end packets were lost). Default 250 ms.
    pub end_timeout: Duration,
}

impl Default for DtmfReceiverConfig {
    fn default() -> Self {
        DtmfReceiverConfig {
            clock_rate: ClockRate::NARROWBAND,
            end_timeout: Duration::from_millis(250),
        }
    }
}

/// One key press, reported once when its event is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfDigit {
    /// The event (digit, or another event code).
    pub code: EventCode,
    /// RTP timestamp of the event's start (its first segment).
    pub timestamp: u32,
    /// Duration in timestamp ticks, all segments added up.
    pub ticks: u64,
    /// The same in time.
    pub duration: Duration,
    /// Power level of the last packet, in −dBm0.
    pub volume: u8,
    /// How the end was recognised.
    pub ended: DigitEnd,
}

impl DtmfDigit {
    /// The key, for codes 0–15.
    #[must_use]
    pub fn digit(&self) -> Option<char> {
        self.code.digit()
    }
}

/// How a [`DtmfDigit`]'s end was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigitEnd {
    /// A packet with the E bit.
    EndBit,
    /// No packet for `end_timeout` (end packets lost).
    Timeout,
    /// A newer event started before this one's end arrived.
    Superseded,
}

/// RFC 4733 receiver for one incoming stream, a sans-IO core: feed telephone-event
/// packets with [`DtmfReceiver::handle_event`] (or `handle_rtp`), call
/// [`DtmfReceiver::handle_timeout`] at [`DtmfReceiver::poll_timeout`], and drain
/// [`DtmfReceiver::poll_event`].
#[derive(Debug, Clone)]
pub struct DtmfReceiver {
    rate: u32,
    end_timeout: Duration,
    current: Option<Current>,
    /// Timestamps of recently finished events and segments: their stragglers and
    /// retransmitted ends are ignored.
    done: [Option<u32>; DONE],
    done_next: usize,
    /// Start timestamp of the newest finished event, to ignore anything older.
    last_done: Option<u32>,
    events: VecDeque<DtmfDigit>,
}

impl DtmfReceiver {
    /// An idle receiver. Its small queues are allocated here, once.
    #[must_use]
    pub fn new(config: DtmfReceiverConfig) -> Self {
        DtmfReceiver {
            rate: config.clock_rate.0.max(1),
            end_timeout: config.end_timeout,
            current: None,
            done: [None; DONE],
            done_next: 0,
            last_done: None,
            events: VecDeque::with_capacity(EVENTS),
        }
    }

    /// One telephone-event packet (RTP timestamp and marker, parsed payload) arrived at
    /// `now`. Changes `poll_event` and `poll_timeout`.
    pub fn handle_event(&mut self, now: Instant, timestamp: u32, marker: bool, event: DtmfEvent) {
        let _ = marker; // A lost first packet must not lose the digit: not relied on.
        if self.is_done(timestamp) || self.last_done.is_some_and(|d| !newer(timestamp, d)) {
            return;
        }
        if let Some(cur) = &mut self.current {
            if timestamp == cur.segment_ts {
                cur.update(now, event);
                if event.end {
                    self.finish(DigitEnd::EndBit);
                }
                return;
            }
            let step = timestamp.wrapping_sub(cur.segment_ts);
            if event.code == cur.code && step == u32::from(u16::MAX) {
                // RFC 4733 §2.5.2.3: the next segment of a long event.
                let old = cur.segment_ts;
                cur.previous += u64::from(u16::MAX);
                cur.segment_ts = timestamp;
                cur.duration = 0;
                cur.update(now, event);
                self.remember(old);
                if event.end {
                    self.finish(DigitEnd::EndBit);
                }
                return;
            }
            if !newer(timestamp, cur.segment_ts) {
                return; // a straggler from before the current event
            }
            self.finish(DigitEnd::Superseded);
        }
        let mut cur = Current {
            code: event.code,
            start_ts: timestamp,
            segment_ts: timestamp,
            previous: 0,
            duration: 0,
            volume: event.volume,
            last_packet: now,
        };
        cur.update(now, event);
        self.current = Some(cur);
        if event.end {
            self.finish(DigitEnd::EndBit);
        }
    }

    /// [`DtmfReceiver::handle_event`] for a parsed packet whose payload type is the
    /// negotiated telephone-event; payloads shorter than 4 bytes are ignored.
    pub fn handle_rtp(&mut self, now: Instant, packet: &RtpPacket<'_>) {
        if let Some(event) = dtmf_event(packet.payload()) {
            self.handle_event(now, packet.timestamp(), packet.marker(), event);
        }
    }

    /// Ends an event whose packets stopped `end_timeout` ago. Idempotent.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_some_and(|t| now >= t) {
            self.finish(DigitEnd::Timeout);
        }
    }

    /// Forgets everything (a new SSRC or a re-negotiation); an event in progress is
    /// dropped without being reported.
    pub fn reset(&mut self) {
        self.current = None;
        self.done = [None; DONE];
        self.last_done = None;
    }

    /// The next finished key press. Changed by `handle_event` and `handle_timeout`.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<DtmfDigit> {
        self.events.pop_front()
    }

    /// When `handle_timeout` must be called to end a silent event; `None` when no
    /// event is in progress. Changed by `handle_event` and `handle_timeout`.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.current
            .as_ref()
            .and_then(|c| c.last_packet.checked_add(self.end_timeout))
    }

    /// The event in progress, if any (for barge-in: a key is being held).
    #[must_use]
    pub fn current(&self) -> Option<EventCode> {
        self.current.as_ref().map(|c| c.code)
    }

    fn finish(&mut self, ended: DigitEnd) {
        let Some(cur) = self.current.take() else {
            return;
        };
        self.remember(cur.segment_ts);
        self.last_done = Some(cur.start_ts);
        let ticks = cur.previous + u64::from(cur.duration);
        let nanos = u128::from(ticks) * 1_000_000_000 / u128::from(self.rate);
        if self.events.len() >= EVENTS {
            self.events.pop_front(); // nobody drains: keep the newest
        }
        self.events.push_back(DtmfDigit {
            code: cur.code,
            timestamp: cur.start_ts,
            ticks,
            duration: Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX)),
            volume: cur.volume,
            ended,
        });
    }

    fn remember(&mut self, timestamp: u32) {
        self.done[self.done_next] = Some(timestamp);
        self.done_next = (self.done_next + 1) % DONE;
    }

    fn is_done(&self, timestamp: u32) -> bool {
        self.done.contains(&Some(timestamp))
    }
}

/// The event being received.
#[derive(Debug, Clone, Copy)]
struct Current {
    code: EventCode,
    start_ts: u32,
    segment_ts: u32,
    /// Ticks of the finished segments before this one.
    previous: u64,
    /// Longest duration reported for this segment (packets may arrive out of order).
    duration: u16,
    volume: u8,
    last_packet: Instant,
}

impl Current {
    fn update(&mut self, now: Instant, event: DtmfEvent) {
        self.duration = self.duration.max(event.duration);
        self.volume = event.volume;
        if now > self.last_packet {
            self.last_packet = now;
        }
    }
}

/// Whether timestamp `a` is after `b` on the 32-bit circle.
fn newer(a: u32, b: u32) -> bool {
    // Reinterpreting the wrapped difference as signed is the point.
    (a.wrapping_sub(b) as i32) > 0
}

/// Finished timestamps remembered.
const DONE: usize = 16;
/// Unpolled key presses kept.
const EVENTS: usize = 16;
