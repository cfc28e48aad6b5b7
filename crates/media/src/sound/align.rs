//! Lines up the two sides of a call recording in time. Each side's frames arrive on
//! their own (with jitter, gaps during hold or loss, or not at all from a muted phone);
//! the aligner pads gaps with silence from the arrival times, so that second 10 of the
//! caller is beside second 10 of the callee, and emits mono-mixed or stereo samples as
//! soon as both sides are known. No I/O, no clock: the recorder thread feeds it.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Which party a recorded frame comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The calling party (left channel of a stereo recording).
    Caller,
    /// The called party (right channel).
    Callee,
}

impl Side {
    fn index(self) -> usize {
        match self {
            Side::Caller => 0,
            Side::Callee => 1,
        }
    }
}

/// How the two sides are stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RecordingLayout {
    /// One channel: both sides summed (saturating). Half the size; what most PBXs do.
    #[default]
    Mono,
    /// Two channels: caller left, callee right (for QA tools and speech analytics).
    Stereo,
}

impl RecordingLayout {
    /// Channels in the file.
    #[must_use]
    pub fn channels(self) -> u16 {
        match self {
            RecordingLayout::Mono => 1,
            RecordingLayout::Stereo => 2,
        }
    }
}

/// The alignment state of one recording: samples of each side not yet emitted, both
/// starting at the absolute position `base` (in samples since `start`).
#[derive(Debug)]
pub(crate) struct Aligner {
    start: Instant,
    rate: u32,
    layout: RecordingLayout,
    base: u64,
    pending: [VecDeque<i16>; 2],
    jitter: u64,
    max_ahead: u64,
}

impl Aligner {
    pub(crate) fn new(start: Instant, rate: u32, layout: RecordingLayout) -> Self {
        Self {
            start,
            rate,
            layout,
            base: 0,
            pending: [VecDeque::new(), VecDeque::new()],
            jitter: samples(JITTER, rate),
            max_ahead: samples(MAX_AHEAD, rate),
        }
    }

    /// Takes one frame of `side` that arrived at `now`, and appends to `out` every
    /// output sample now known on both sides (interleaved for stereo). Returns `false`
    /// if the frame was dropped because that side runs too far ahead of the clock
    /// (a burst of stale packets).
    pub(crate) fn push(
        &mut self,
        now: Instant,
        side: Side,
        frame: &[i16],
        out: &mut Vec<i16>,
    ) -> bool {
        let end = samples(now.saturating_duration_since(self.start), self.rate);
        let begin = end.saturating_sub(frame.len() as u64);
        let me = side.index();
        let cursor = self.cursor(me);
        if cursor > begin + self.max_ahead {
            return false;
        }
        if begin > cursor + self.jitter {
            self.pad(me, begin); // a gap: hold, loss, a pause in RTP
        }
        self.pending[me].extend(frame);
        // The other side has said nothing up to a while before this frame: silence
        // there. The margin is twice the jitter allowance, so that when that side
        // speaks again after a gap its frame is still seen as a gap and placed at its
        // own time, not appended early.
        self.pad(1 - me, begin.saturating_sub(2 * self.jitter));
        self.emit(out);
        true
    }

    /// Emits everything left, the shorter side padded with silence.
    pub(crate) fn finish(&mut self, out: &mut Vec<i16>) {
        let end = self.cursor(0).max(self.cursor(1));
        self.pad(0, end);
        self.pad(1, end);
        self.emit(out);
    }

    /// Samples emitted so far (per channel).
    pub(crate) fn emitted(&self) -> u64 {
        self.base
    }

    fn cursor(&self, side: usize) -> u64 {
        self.base + self.pending[side].len() as u64
    }

    fn pad(&mut self, side: usize, to: u64) {
        let cursor = self.cursor(side);
        if to > cursor {
            let n = usize::try_from(to - cursor).unwrap_or(usize::MAX);
            self.pending[side].extend(std::iter::repeat_n(0, n));
        }
    }

    fn emit(&mut self, out: &mut Vec<i16>) {
        let ready = self.pending[0].len().min(self.pending[1].len());
        let [a, b] = &mut self.pending;
        let pairs = a.drain(..ready).zip(b.drain(..ready));
        match self.layout {
            RecordingLayout::Mono => out.extend(pairs.map(|(x, y)| x.saturating_add(y))),
            RecordingLayout::Stereo => {
                out.reserve(ready * 2);
                for (x, y) in pairs {
                    out.push(x);
                    out.push(y);
                }
            }
        }
        self.base += ready as u64;
    }
}

fn samples(d: Duration, rate: u32) -> u64 {
    u64::try_from(d.as_micros() * u128::from(rate) / 1_000_000).unwrap_or(u64::MAX)
}

/// Lateness of a side's frames that is absorbed without inserting silence.
const JITTER: Duration = Duration::from_millis(60);
/// How far a side may run ahead of the arrival clock before its frames are dropped.
const MAX_AHEAD: Duration = Duration::from_millis(200);

#[cfg(test)]
mod tests {
    use super::*;

    const MS20: Duration = Duration::from_millis(20);

    #[test]
    fn both_sides_steady_mix_in_lockstep() {
        let t0 = Instant::now();
        let mut al = Aligner::new(t0, 8_000, RecordingLayout::Mono);
        let mut out = Vec::new();
        for i in 1..=50u32 {
            assert!(al.push(t0 + MS20 * i, Side::Caller, &[100; 160], &mut out));
            assert!(al.push(t0 + MS20 * i, Side::Callee, &[i16::MAX; 160], &mut out));
        }
        al.finish(&mut out);
        assert_eq!(out.len(), 50 * 160);
        assert!(out.iter().all(|&s| s == i16::MAX), "saturating sum");
    }

    #[test]
    fn silent_side_is_padded_and_output_keeps_flowing() {
        let t0 = Instant::now();
        let mut al = Aligner::new(t0, 8_000, RecordingLayout::Stereo);
        let mut out = Vec::new();
        for i in 1..=50u32 {
            al.push(t0 + MS20 * i, Side::Callee, &[7; 160], &mut out);
        }
        // Everything but the jitter allowance is already out.
        assert!(al.emitted() >= 50 * 160 - 2 * 480 - 160);
        al.finish(&mut out);
        assert_eq!(out.len(), 2 * 50 * 160);
        assert!(out.chunks(2).all(|lr| lr == [0, 7]));
    }

    #[test]
    fn gap_becomes_silence_and_jitter_does_not() {
        let t0 = Instant::now();
        let mut al = Aligner::new(t0, 8_000, RecordingLayout::Stereo);
        let mut out = Vec::new();
        // Caller: frames 1..=10 arrive a bit late (jitter), then a 1 s gap, then 10 more.
        for i in 1..=10u32 {
            al.push(
                t0 + MS20 * i + Duration::from_millis(15),
                Side::Caller,
                &[1; 160],
                &mut out,
            );
        }
        for i in 61..=70u32 {
            al.push(t0 + MS20 * i, Side::Caller, &[2; 160], &mut out);
        }
        al.finish(&mut out);
        let left: Vec<i16> = out.chunks(2).map(|lr| lr[0]).collect();
        assert!(out.chunks(2).all(|lr| lr[1] == 0));
        assert_eq!(left.len(), 70 * 160);
        assert!(
            left[..1600].iter().all(|&s| s == 1),
            "no silence from jitter"
        );
        assert!(left[1600..60 * 160].iter().all(|&s| s == 0));
        assert!(
            left[60 * 160..].iter().all(|&s| s == 2),
            "resumes at its time"
        );
    }

    #[test]
    fn burst_far_ahead_is_dropped() {
        let t0 = Instant::now();
        let mut al = Aligner::new(t0, 8_000, RecordingLayout::Mono);
        let mut out = Vec::new();
        let mut accepted = 0;
        for _ in 0..30 {
            accepted += usize::from(al.push(t0 + MS20, Side::Caller, &[1; 160], &mut out));
        }
        // 20 ms of clock allows the frame itself plus 200 ms ahead.
        assert_eq!(accepted, 11);
    }
}
