//! Call-progress tones (dial, ringback, busy, congestion, call waiting, confirmation)
//! for the "Tone Zone" region setting, and a streaming generator that plays any tone
//! cadence.

mod zones;

use std::borrow::Cow;

use super::gain::dbm0_to_peak;
use super::osc::Phasor;
use super::{check_rate, DspError};

/// What a segment of a tone sounds like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ToneFreqs {
    /// Silence (the "off" part of a cadence).
    Silence,
    /// One frequency, Hz.
    Single(f32),
    /// Two frequencies added, Hz, each at the segment's level.
    Dual(f32, f32),
    /// A carrier amplitude-modulated at 50 % depth by a low frequency (Japan's
    /// 400 Hz × 16 Hz ringback, India's 400 Hz × 25 Hz dial tone), Hz.
    Modulated {
        /// Audible frequency.
        carrier: f32,
        /// Modulating frequency.
        modulator: f32,
    },
}

/// One step of a cadence: a sound for a time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToneSegment {
    /// What plays.
    pub freqs: ToneFreqs,
    /// Level of each frequency (of the carrier, for modulated tones), dBm0.
    pub level_dbm0: f32,
    /// How long, in ms; 0 holds the segment forever (a continuous dial tone).
    pub duration_ms: u32,
}

impl ToneSegment {
    /// A sounding segment.
    #[must_use]
    pub const fn tone(freqs: ToneFreqs, level_dbm0: f32, duration_ms: u32) -> ToneSegment {
        ToneSegment {
            freqs,
            level_dbm0,
            duration_ms,
        }
    }

    /// A silent segment.
    #[must_use]
    pub const fn silence(duration_ms: u32) -> ToneSegment {
        ToneSegment {
            freqs: ToneFreqs::Silence,
            level_dbm0: 0.0,
            duration_ms,
        }
    }
}

/// A complete tone: its cadence, and whether the cadence loops.
#[derive(Debug, Clone, PartialEq)]
pub struct ToneSpec {
    /// The cadence, played in order.
    pub segments: Cow<'static, [ToneSegment]>,
    /// Loop the cadence (busy, ringback); otherwise play it once, then silence
    /// (confirmation).
    pub repeat: bool,
}

impl ToneSpec {
    /// Length of one pass through the cadence in ms; `None` when a segment holds
    /// forever.
    #[must_use]
    pub fn cycle_ms(&self) -> Option<u64> {
        let mut total = 0u64;
        for s in self.segments.iter() {
            if s.duration_ms == 0 {
                return None;
            }
            total += u64::from(s.duration_ms);
        }
        Some(total)
    }
}

/// Which call-progress tone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToneKind {
    /// The line is ready for digits.
    Dial,
    /// The called party is being alerted.
    Ringback,
    /// The called party is busy.
    Busy,
    /// The network (or a trunk, or a route) is congested: "reorder" in North America.
    Congestion,
    /// Another call is waiting (played over the conversation).
    CallWaiting,
    /// A feature code or setting was accepted. Where E.180 has no such tone, three
    /// 100 ms bursts of the dial-tone frequency, played once.
    Confirmation,
}

impl ToneKind {
    /// Every kind.
    pub const ALL: [ToneKind; 6] = [
        ToneKind::Dial,
        ToneKind::Ringback,
        ToneKind::Busy,
        ToneKind::Congestion,
        ToneKind::CallWaiting,
        ToneKind::Confirmation,
    ];

    /// Config name: `dial`, `ringback`, `busy`, `congestion`, `callwaiting`, `confirm`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ToneKind::Dial => "dial",
            ToneKind::Ringback => "ringback",
            ToneKind::Busy => "busy",
            ToneKind::Congestion => "congestion",
            ToneKind::CallWaiting => "callwaiting",
            ToneKind::Confirmation => "confirm",
        }
    }

    /// Parses [`ToneKind::name`] (also `ring`, `reorder`, `call-waiting`,
    /// `confirmation`), case-insensitively.
    #[must_use]
    pub fn from_name(name: &str) -> Option<ToneKind> {
        let n = name.trim().to_ascii_lowercase();
        Some(match n.as_str() {
            "dial" => ToneKind::Dial,
            "ringback" | "ring" => ToneKind::Ringback,
            "busy" => ToneKind::Busy,
            "congestion" | "reorder" => ToneKind::Congestion,
            "callwaiting" | "call-waiting" | "call_waiting" => ToneKind::CallWaiting,
            "confirm" | "confirmation" => ToneKind::Confirmation,
            _ => return None,
        })
    }
}

pub use zones::ToneZone;

/// Streaming generator for one [`ToneSpec`]: fill frames, the cadence loops, the
/// oscillators never jump in phase (also across segments).
#[derive(Debug, Clone)]
pub struct ToneGenerator {
    segments: Vec<Segment>,
    repeat: bool,
    index: usize,
    /// Samples already played of the current segment.
    pos: u64,
    finished: bool,
    /// Oscillators (unit phasors; the sine is the imaginary part): two tones and
    /// the modulator. They keep turning across segments, so a frequency change
    /// never jumps in phase.
    osc: [Phasor; 3],
    /// Samples since the phasors were last renormalised.
    since_norm: u32,
}

impl ToneGenerator {
    /// A generator playing `spec` at `sample_rate`, from the start of the cadence.
    pub fn new(spec: &ToneSpec, sample_rate: u32) -> Result<ToneGenerator, DspError> {
        let rate = check_rate(sample_rate)?;
        let segments: Vec<Segment> = spec
            .segments
            .iter()
            .map(|s| Segment::new(s, rate))
            .collect();
        let holds = segments.iter().any(|s| s.len == u64::MAX);
        let empty = !holds && segments.iter().all(|s| s.len == 0);
        Ok(ToneGenerator {
            segments,
            repeat: spec.repeat,
            index: 0,
            pos: 0,
            finished: empty,
            osc: [Phasor::START; 3],
            since_norm: 0,
        })
    }

    /// Writes the next `out.len()` samples of the tone (silence once a non-repeating
    /// tone is over).
    pub fn fill(&mut self, out: &mut [i16]) {
        let mut i = 0;
        while i < out.len() {
            let Some(seg) = self.segments.get(self.index).copied() else {
                out[i..].fill(0);
                return;
            };
            if self.finished {
                out[i..].fill(0);
                return;
            }
            let left = seg.len.saturating_sub(self.pos);
            let n = usize::try_from(left).map_or(out.len() - i, |l| l.min(out.len() - i));
            self.render(&seg, &mut out[i..i + n]);
            i += n;
            self.pos = self.pos.saturating_add(n as u64);
            if self.pos >= seg.len {
                self.next_segment();
            }
        }
    }

    /// True once a non-repeating tone has played to its end.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Back to the start of the cadence.
    pub fn reset(&mut self) {
        self.index = 0;
        self.pos = 0;
        self.finished = false;
        self.osc = [Phasor::START; 3];
        self.since_norm = 0;
    }

    fn next_segment(&mut self) {
        self.pos = 0;
        self.index += 1;
        if self.index >= self.segments.len() {
            self.index = 0;
            if !self.repeat {
                self.finished = true;
            }
        }
    }

    fn render(&mut self, seg: &Segment, out: &mut [i16]) {
        if seg.freqs == ToneFreqs::Silence {
            out.fill(0);
            return;
        }
        let [ra, rb, rm] = seg.rot;
        for s in out {
            let [a, b, m] = &mut self.osc;
            let v = match seg.freqs {
                ToneFreqs::Single(_) => a.im,
                ToneFreqs::Dual(..) => a.im + b.im,
                _ => (1.0 + MOD_DEPTH * m.im) * a.im,
            };
            // `as` saturates (and maps NaN to 0).
            *s = (seg.peak * v).round() as i16;
            a.turn(ra);
            b.turn(rb);
            m.turn(rm);
            self.since_norm += 1;
            if self.since_norm == Phasor::RENORM_EVERY {
                self.since_norm = 0;
                self.osc.iter_mut().for_each(Phasor::normalize);
            }
        }
    }
}

/// A segment in samples and phase increments.
#[derive(Debug, Clone, Copy)]
struct Segment {
    freqs: ToneFreqs,
    peak: f32,
    /// Per-sample phasor steps: first tone, second tone, modulator.
    rot: [Phasor; 3],
    /// Length in samples; `u64::MAX` holds forever.
    len: u64,
}

impl Segment {
    fn new(s: &ToneSegment, rate: u32) -> Segment {
        let rot = |hz: f32| {
            let cycles = f64::from(hz) / f64::from(rate);
            Phasor::step(if cycles.is_finite() {
                cycles.rem_euclid(1.0)
            } else {
                0.0
            })
        };
        let still = Phasor::START;
        let rots = match s.freqs {
            ToneFreqs::Silence => [still; 3],
            ToneFreqs::Single(f) => [rot(f), still, still],
            ToneFreqs::Dual(f, g) => [rot(f), rot(g), still],
            ToneFreqs::Modulated { carrier, modulator } => [rot(carrier), still, rot(modulator)],
        };
        let len = if s.duration_ms == 0 {
            u64::MAX
        } else {
            u64::from(s.duration_ms) * u64::from(rate) / 1000
        };
        let peak = dbm0_to_peak(s.level_dbm0);
        Segment {
            freqs: s.freqs,
            peak: if peak.is_finite() { peak } else { 0.0 },
            rot: rots,
            len,
        }
    }
}

/// Modulation depth of [`ToneFreqs::Modulated`].
const MOD_DEPTH: f32 = 0.5;
