//! Adaptive jitter buffer for streams pbxd decodes (transcoding, conferences, recording,
//! DTMF-by-audio): turns RTP arriving with variable delay, out of order, duplicated or
//! lost into one piece of audio per frame period. Sans-IO: packets and pops carry `now`.
//! This file holds the one state machine of the buffer; the delay estimate and the
//! packet storage live in `estimator.rs` and `ring.rs`.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use rotary_rtp::{JitterBuffer, JitterConfig, Playout, Ssrc};
//!
//! let t0 = Instant::now();
//! let mut jb = JitterBuffer::new(JitterConfig::default());
//! // The relay shell, per received packet (or `jb.handle_rtp(now, &packet)`):
//! jb.push(t0, Ssrc(1), 7, 160, true, &[0xd5; 160]);
//! // The mixer, every 20 ms:
//! assert_eq!(jb.pop(t0), Playout::Empty); // waiting out the minimum delay
//! match jb.pop(t0 + Duration::from_millis(20)) {
//!     Playout::Frame(f) => assert_eq!(f.sequence, 7), // decode f.payload
//!     Playout::Lost { samples } => panic!("conceal {samples} ticks"),
//!     Playout::Empty => panic!("play silence"),
//! }
//! ```
#![doc = include_str!("../../docs/jitter.md")]

mod estimator;
mod ring;
mod types;

use std::time::{Duration, Instant};

use crate::id::Ssrc;
use crate::packet::RtpPacket;

use self::estimator::DelayEstimator;
use self::ring::{Meta, Ring};
pub use self::types::{Frame, JitterConfig, JitterStats, Playout, PushOutcome};

/// Adaptive jitter buffer for one received stream, a sans-IO core (see the module docs
/// for the algorithm). Feed packets with [`JitterBuffer::push`] as they arrive; call
/// [`JitterBuffer::pop`] every frame period (see its doc for packets longer or shorter
/// than a frame). Memory is allocated once, in `new`.
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    rate: u32,
    frame: i64,
    max_delay: i64,
    idle_after: i64,
    resync_jump: i64,
    max_span: i64,
    shrink_hold: Duration,
    ring: Ring,
    est: DelayEstimator,
    epoch: Option<Instant>,
    ssrc: Option<Ssrc>,
    highest: Option<Highest>,
    /// Bit i set: `highest.seq - i` was received.
    window: u128,
    phase: Phase,
    /// Next sequence number to play.
    next_seq: i64,
    /// No packet consumed since the last resync: earlier sequence numbers may still
    /// be the stream's first.
    fresh: bool,
    /// Timestamp of the next audio to hand out.
    play_ts: i64,
    /// Learned packet duration in ticks.
    span: i64,
    /// Sequence number and timestamp of the last packet played.
    last_played: Option<(i64, i64)>,
    /// Ticks concealed in the current underrun.
    underrun: i64,
    excess_since: Option<Instant>,
    last_shrink: Option<Instant>,
    delay: i64,
    counts: Counts,
}

impl JitterBuffer {
    /// An empty buffer; allocates its `capacity × max_payload` bytes now.
    #[must_use]
    pub fn new(config: JitterConfig) -> Self {
        let rate = config.clock_rate.0.max(1);
        let frame = to_ticks(config.frame, rate).max(1);
        let min_delay = to_ticks(config.min_delay, rate);
        let max_delay = to_ticks(config.max_delay, rate).max(min_delay);
        let release = config.release.as_secs_f64();
        let capacity = config.capacity.clamp(4, 4096);
        JitterBuffer {
            rate,
            frame,
            max_delay,
            idle_after: to_ticks(config.idle_after, rate),
            resync_jump: to_ticks(config.resync_jump, rate).max(frame),
            max_span: (8 * frame).max(max_delay),
            shrink_hold: config.shrink_hold,
            ring: Ring::new(capacity, config.max_payload),
            est: DelayEstimator::new(
                to_ticks(TRANSIT_WINDOW, rate),
                release,
                min_delay,
                max_delay,
            ),
            epoch: None,
            ssrc: None,
            highest: None,
            window: 0,
            phase: Phase::Idle,
            next_seq: 0,
            fresh: true,
            play_ts: 0,
            span: frame,
            last_played: None,
            underrun: 0,
            excess_since: None,
            last_shrink: None,
            delay: 0,
            counts: Counts::default(),
        }
    }

    /// A packet arrived at `now`. The payload is copied into a preallocated slot.
    /// Changes what `pop` returns and `poll_timeout`.
    pub fn push(
        &mut self,
        now: Instant,
        ssrc: Ssrc,
        seq: u16,
        timestamp: u32,
        marker: bool,
        payload: &[u8],
    ) -> PushOutcome {
        let arrival = self.ticks(now);
        if payload.len() > self.ring.max_payload() {
            self.counts.overflow += 1;
            return PushOutcome::TooLarge;
        }
        let mut outcome = PushOutcome::Stored;
        if self.ssrc != Some(ssrc) {
            if self.ssrc.is_some() {
                self.counts.resyncs += 1;
                outcome = PushOutcome::Resynced;
            }
            self.resync(ssrc);
        }
        let h = *self.highest.get_or_insert(Highest {
            seq: i64::from(seq) + SEQ_BASE,
            wire_seq: seq,
            ts: i64::from(timestamp),
            wire_ts: timestamp,
            arrival,
        });
        let mut ext_seq = h.seq + i64::from(seq.wrapping_sub(h.wire_seq) as i16);
        let mut ext_ts = h.ts + i64::from(timestamp.wrapping_sub(h.wire_ts) as i32);
        let dseq = ext_seq - h.seq;
        let expected_ts = h.ts.saturating_add(arrival.saturating_sub(h.arrival));
        let jumped = !(-MAX_MISORDER..=MAX_DROPOUT).contains(&dseq)
            || (dseq > 0
                && ext_ts.saturating_sub(expected_ts).unsigned_abs()
                    > self.resync_jump.unsigned_abs());
        if jumped {
            self.counts.resyncs += 1;
            outcome = PushOutcome::Resynced;
            self.resync(ssrc);
            self.highest = Some(Highest {
                seq: i64::from(seq) + SEQ_BASE,
                wire_seq: seq,
                ts: i64::from(timestamp),
                wire_ts: timestamp,
                arrival,
            });
            ext_seq = i64::from(seq) + SEQ_BASE;
            ext_ts = i64::from(timestamp);
        }
        if !self.mark_received(ext_seq, seq, ext_ts, timestamp, arrival) {
            self.counts.duplicates += 1;
            return PushOutcome::Duplicate;
        }
        self.counts.received += 1;
        let variation = self.est.observe(arrival, ext_ts);
        if self.fresh && self.phase != Phase::Playing {
            // Nothing played yet: the lowest sequence number seen starts the stream, as
            // long as the window from it to the highest fits the capacity.
            if self.ring.len() == 0 || ext_seq < self.next_seq {
                let highest = self.highest.map_or(ext_seq, |h| h.seq);
                if highest - ext_seq >= self.cap() {
                    self.counts.late += 1;
                    return PushOutcome::Late;
                }
                self.next_seq = ext_seq;
            }
        } else if ext_seq < self.next_seq {
            self.counts.late += 1;
            return PushOutcome::Late;
        }
        if ext_seq >= self.next_seq + self.cap() {
            // Full: keep the newest audio. The oldest packets go, so that a burst can
            // never hold playout further behind than the slots reach.
            self.make_room(ext_seq);
            outcome = PushOutcome::Overflow;
        }
        if self.phase == Phase::Playing && ext_ts + self.span <= self.play_ts {
            // Its sequence number is still ahead, but its time has passed (after an
            // underrun): it would only be dropped at playout.
            self.counts.late += 1;
            self.retire(ext_seq);
            return PushOutcome::Late;
        }
        let meta = Meta {
            seq: ext_seq,
            ts: ext_ts,
            wire_seq: seq,
            wire_ts: timestamp,
            marker,
            len: payload.len(),
        };
        if !self.ring.insert(meta, payload) {
            self.counts.overflow += 1;
            return PushOutcome::TooLarge;
        }
        if outcome == PushOutcome::Overflow && self.phase == Phase::Playing {
            if let Some(first) = self.ring.first_from(self.next_seq, ext_seq) {
                self.play_ts = self.play_ts.max(first.ts);
            }
        }
        self.learn_span(&meta);
        if self.phase == Phase::Idle {
            // RFC 3551 §4.1 talkspurt start (or the first packet): playout begins once
            // this packet has waited the target delay beyond the fastest transit.
            let wait = (self.est.target() - variation).max(0);
            let start = now.checked_add(from_ticks(wait, self.rate)).unwrap_or(now);
            self.phase = Phase::Waiting(start);
        }
        outcome
    }

    /// [`JitterBuffer::push`] for a parsed packet.
    pub fn handle_rtp(&mut self, now: Instant, packet: &RtpPacket<'_>) -> PushOutcome {
        self.push(
            now,
            packet.ssrc(),
            packet.sequence(),
            packet.timestamp(),
            packet.marker(),
            packet.payload(),
        )
    }

    /// The next piece of audio, due at `now`. Call it whenever the output holds less
    /// than a frame period of audio: once per period for packets of one frame, less
    /// often for longer packets, more often for shorter ones (each `Frame` and `Lost`
    /// says how many ticks it covers; `Empty` stands for one frame period).
    pub fn pop(&mut self, now: Instant) -> Playout<'_> {
        let now_t = self.ticks(now);
        match self.phase {
            Phase::Idle => return Playout::Empty,
            Phase::Waiting(at) if now < at => return Playout::Empty,
            Phase::Waiting(_) => {
                if !self.begin() {
                    return Playout::Empty;
                }
            }
            Phase::Playing => {}
        }
        let target = self.est.target();
        let base = self.est.base().unwrap_or(now_t - self.play_ts - target);
        let mut delay = now_t - base - self.play_ts;
        self.delay = delay;
        let mut drop_one = self.shrink_due(now, delay);
        for _ in 0..=self.ring.capacity() {
            let Some(m) = self.ring.get(self.next_seq) else {
                match self.missing(delay, target) {
                    Some(out) => return out,
                    None => continue,
                }
            };
            if m.ts + self.span <= self.play_ts {
                // Its time passed while we concealed: late after all.
                self.counts.late += 1;
                self.retire(m.seq);
                continue;
            }
            let mut gap = m.ts - self.play_ts;
            if gap >= self.frame {
                // Contiguous sequence numbers, a timestamp gap: the sender was silent
                // (RFC 3551 §4.1). A talkspurt boundary: the delay may shrink here.
                let skip =
                    ((delay - target - self.frame / 2) / self.frame * self.frame).clamp(0, gap);
                if skip > 0 {
                    self.counts.shrinks += 1;
                    self.play_ts += skip;
                    delay -= skip;
                    gap -= skip;
                    self.delay = delay;
                }
                if gap >= self.frame {
                    self.play_ts += self.frame;
                    self.underrun = 0;
                    return Playout::Empty;
                }
            }
            let over_max = delay > self.max_delay + self.frame;
            if (drop_one || over_max) && self.ring.get(m.seq + 1).is_some() {
                drop_one = false;
                self.counts.shrinks += 1;
                self.last_shrink = Some(now);
                self.excess_since = None;
                self.ring.remove(m.seq);
                self.next_seq = m.seq + 1;
                self.play_ts = m.ts + self.span;
                self.fresh = false;
                delay -= self.span;
                self.delay = delay;
                continue;
            }
            return self.play(m);
        }
        Playout::Empty
    }

    /// Flushes everything and waits for the next packet as if it were the first (a
    /// re-INVITE that changed the codec or the source). Statistics carry on.
    pub fn reset(&mut self) {
        if let Some(ssrc) = self.ssrc {
            self.resync(ssrc);
        }
        self.ssrc = None;
    }

    /// When playout will start, while waiting for it; `None` otherwise (once playing,
    /// the caller's frame clock drives `pop`). Changed by `push` and `pop`.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::Waiting(at) => Some(at),
            _ => None,
        }
    }

    /// Counters, current and target delay.
    #[must_use]
    pub fn stats(&self) -> JitterStats {
        let c = self.counts;
        JitterStats {
            received: c.received,
            lost: c.lost,
            late: c.late,
            duplicates: c.duplicates,
            overflow: c.overflow,
            resyncs: c.resyncs,
            stalls: c.stalls,
            shrinks: c.shrinks,
            delay: from_ticks(self.delay, self.rate),
            target: from_ticks(self.est.target(), self.rate),
            jitter: from_ticks(self.est.jitter().round() as i64, self.rate),
            buffered: self.ring.len(),
        }
    }

    /// Whether playout is running (started and not idle after a silence).
    #[must_use]
    pub fn is_playing(&self) -> bool {
        self.phase == Phase::Playing
    }

    /// Starts playout at the lowest buffered sequence number. `false` when nothing is
    /// buffered (back to idle).
    fn begin(&mut self) -> bool {
        let to = self.highest.map_or(self.next_seq, |h| h.seq);
        let Some(first) = self.ring.first_from(self.next_seq, to) else {
            self.phase = Phase::Idle;
            return false;
        };
        if !self.fresh {
            self.counts.lost += u64::try_from(first.seq - self.next_seq).unwrap_or(0);
        }
        self.next_seq = first.seq;
        self.play_ts = first.ts;
        self.underrun = 0;
        self.excess_since = None;
        self.phase = Phase::Playing;
        true
    }

    /// The packet due now is not here: what to hand out instead, or `None` when the
    /// missing packets were given up and the next one should be looked at now.
    fn missing(&mut self, delay: i64, target: i64) -> Option<Playout<'static>> {
        let to = self.highest.map_or(self.next_seq, |h| h.seq);
        if delay < target {
            // Growing: wait for it one more frame period rather than give it up.
            self.counts.stalls += 1;
            return Some(self.lost(self.frame));
        }
        let Some(next) = self.ring.first_from(self.next_seq + 1, to) else {
            // Underrun: a late packet, a loss at the end of the buffer, or silence.
            self.underrun += self.frame;
            if self.underrun > self.idle_after {
                self.phase = Phase::Idle;
                return Some(Playout::Empty);
            }
            self.play_ts += self.frame;
            return Some(self.lost(self.frame));
        };
        let missing = next.seq - self.next_seq;
        let gap = next.ts - self.play_ts;
        if gap < self.frame {
            // The missing packets' time has already been concealed.
            self.counts.lost += u64::try_from(missing).unwrap_or(0);
            self.ring.remove_below(next.seq);
            self.next_seq = next.seq;
            self.fresh = false;
            return None;
        }
        let samples = gap.min(self.span);
        self.play_ts += samples;
        let remaining = (next.ts - self.play_ts + self.span - 1) / self.span;
        let retired = (missing - remaining).clamp(1, missing);
        self.counts.lost += u64::try_from(retired).unwrap_or(0);
        self.next_seq += retired;
        self.fresh = false;
        Some(self.lost(samples))
    }

    fn lost(&self, samples: i64) -> Playout<'static> {
        Playout::Lost {
            samples: u32::try_from(samples.max(0)).unwrap_or(u32::MAX),
        }
    }

    fn play(&mut self, m: Meta) -> Playout<'_> {
        self.ring.remove(m.seq);
        let samples = match self.ring.get(m.seq + 1) {
            Some(n) if n.ts > m.ts && n.ts - m.ts < self.span => n.ts - m.ts,
            _ => self.span,
        };
        self.next_seq = m.seq + 1;
        self.play_ts = m.ts + samples;
        self.last_played = Some((m.seq, m.ts));
        self.underrun = 0;
        self.fresh = false;
        Playout::Frame(Frame {
            payload: self.ring.payload(&m),
            timestamp: m.wire_ts,
            sequence: m.wire_seq,
            marker: m.marker,
            samples: u32::try_from(samples).unwrap_or(u32::MAX),
        })
    }

    /// Drops the oldest packets so that `seq` fits in the window.
    fn make_room(&mut self, seq: i64) {
        let new_next = seq - self.cap() + 1;
        let removed = self.ring.remove_below(new_next);
        self.counts.overflow += removed;
        if !self.fresh {
            let skipped = u64::try_from(new_next - self.next_seq).unwrap_or(0);
            self.counts.lost += skipped.saturating_sub(removed);
        }
        self.next_seq = new_next;
    }

    /// Gives up a sequence number at or after `next_seq` whose time has passed.
    fn retire(&mut self, seq: i64) {
        self.ring.remove(seq);
        if seq == self.next_seq {
            self.counts.lost += 1;
            self.next_seq += 1;
            self.fresh = false;
        }
    }

    /// Whether a frame should be dropped to shrink a delay that has stayed above the
    /// target for `shrink_hold` in a stream without silences.
    fn shrink_due(&mut self, now: Instant, delay: i64) -> bool {
        let excess = delay - self.est.target();
        if excess < self.span + self.frame / 2 {
            self.excess_since = None;
            return false;
        }
        let since = *self.excess_since.get_or_insert(now);
        let held = now.saturating_duration_since(since) >= self.shrink_hold;
        let spaced = self
            .last_shrink
            .is_none_or(|t| now.saturating_duration_since(t) >= self.shrink_hold);
        held && spaced
    }

    /// Records a received sequence number; `false` for a duplicate.
    fn mark_received(&mut self, ext_seq: i64, seq: u16, ext_ts: i64, ts: u32, at: i64) -> bool {
        let Some(h) = &mut self.highest else {
            return false;
        };
        let d = ext_seq - h.seq;
        if d > 0 {
            self.window = if d >= 128 { 0 } else { self.window << d };
            self.window |= 1;
            *h = Highest {
                seq: ext_seq,
                wire_seq: seq,
                ts: ext_ts,
                wire_ts: ts,
                arrival: at,
            };
            return true;
        }
        // d ≥ -MAX_MISORDER here (larger steps back resynced), inside the window.
        let bit = 1u128 << (-d).clamp(0, 127);
        if self.window & bit != 0 {
            return false;
        }
        self.window |= bit;
        true
    }

    /// Learns the packet duration from neighbours in sequence (not across a marker).
    fn learn_span(&mut self, meta: &Meta) {
        let mut candidate = None;
        let prev = match (self.ring.get(meta.seq - 1), self.last_played) {
            (Some(p), _) => Some(p.ts),
            (None, Some((seq, ts))) if seq == meta.seq - 1 => Some(ts),
            _ => None,
        };
        if let Some(prev) = prev.filter(|_| !meta.marker) {
            candidate = Some(meta.ts - prev);
        }
        if let Some(next) = self.ring.get(meta.seq + 1) {
            if !next.marker {
                candidate = Some(next.ts - meta.ts);
            }
        }
        if let Some(c) = candidate.filter(|c| *c > 0 && *c <= self.max_span) {
            self.span = c;
        }
    }

    /// Flushes everything for a new stream. Counters and the jitter peak carry on.
    fn resync(&mut self, ssrc: Ssrc) {
        self.ssrc = Some(ssrc);
        self.ring.clear();
        self.est.reset_stream();
        self.highest = None;
        self.window = 0;
        self.phase = Phase::Idle;
        self.next_seq = i64::MIN / 4;
        self.fresh = true;
        self.underrun = 0;
        self.excess_since = None;
        self.span = self.frame;
        self.last_played = None;
    }

    fn cap(&self) -> i64 {
        self.ring.capacity() as i64
    }

    /// `now` in ticks since the first call.
    fn ticks(&mut self, now: Instant) -> i64 {
        let epoch = *self.epoch.get_or_insert(now);
        match now.checked_duration_since(epoch) {
            Some(d) => to_ticks(d, self.rate),
            None => -to_ticks(epoch.saturating_duration_since(now), self.rate),
        }
    }
}

/// Where playout stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No packet to play: before the first, or after a silence.
    Idle,
    /// Packets buffered; playout starts at the instant given.
    Waiting(Instant),
    /// Handing out audio.
    Playing,
}

/// The highest sequence number received and its timestamp and arrival (ticks).
#[derive(Debug, Clone, Copy)]
struct Highest {
    seq: i64,
    wire_seq: u16,
    ts: i64,
    wire_ts: u32,
    arrival: i64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    received: u64,
    lost: u64,
    late: u64,
    duplicates: u64,
    overflow: u64,
    resyncs: u64,
    stalls: u64,
    shrinks: u64,
}

fn to_ticks(d: Duration, rate: u32) -> i64 {
    let t = d.as_nanos().saturating_mul(u128::from(rate)) / 1_000_000_000;
    i64::try_from(t).unwrap_or(i64::MAX / 4)
}

fn from_ticks(ticks: i64, rate: u32) -> Duration {
    let ticks = u64::try_from(ticks.max(0)).unwrap_or(0);
    let nanos = u128::from(ticks) * 1_000_000_000 / u128::from(rate.max(1));
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// Extended sequence numbers start here so that reordering before the first packet
/// never goes below zero.
const SEQ_BASE: i64 = 1 << 20;
/// RFC 3550 A.1: largest forward jump still treated as loss rather than a restart.
const MAX_DROPOUT: i64 = 3000;
/// RFC 3550 A.1: largest backward step still treated as reordering.
const MAX_MISORDER: i64 = 100;
/// Length of one window of the transit minimum (the delay baseline).
const TRANSIT_WINDOW: Duration = Duration::from_secs(10);
