//! DTMF generator: plays digits as tone pairs into outgoing audio, for sending in-band
//! what arrived as RFC 4733 events or SIP INFO (and for tests of the detector).

use std::time::Duration;

use super::DtmfDigit;
use crate::dsp::gain::dbm0_to_peak;
use crate::dsp::osc::Phasor;
use crate::dsp::{check_rate, DspError};

/// Streaming DTMF tone-pair generator for one outgoing stream.
///
/// Two ways to drive it: queue whole digits with [`DtmfGenerator::queue_digit`] (SIP
/// INFO: digit, length, pause), or hold a key with [`DtmfGenerator::start`] /
/// [`DtmfGenerator::stop`] while RFC 4733 events for it keep arriving. Then call
/// [`DtmfGenerator::fill`] on every outgoing frame: it overwrites the frame's start
/// with tone or pause while it has something to play.
#[derive(Debug, Clone)]
pub struct DtmfGenerator {
    rate: u32,
    low_peak: f32,
    high_peak: f32,
    min_tone: u64,
    min_pause: u64,
    /// Ring buffer of queued digits.
    queue: [Queued; QUEUE_CAP],
    head: usize,
    len: usize,
    state: State,
    /// Low- and high-group oscillators, their per-sample steps, and samples since
    /// the oscillators were renormalised.
    osc: [Phasor; 2],
    step: [Phasor; 2],
    since_norm: u32,
}

impl DtmfGenerator {
    /// A generator with the default levels: -9 dBm0 low group, -7 dBm0 high group
    /// (2 dB of normal twist, as telephones send).
    pub fn new(sample_rate: u32) -> Result<DtmfGenerator, DspError> {
        let rate = check_rate(sample_rate)?;
        let ms = |m: u64| m * u64::from(rate) / 1000;
        Ok(DtmfGenerator {
            rate,
            low_peak: dbm0_to_peak(DEFAULT_LOW_DBM0),
            high_peak: dbm0_to_peak(DEFAULT_HIGH_DBM0),
            min_tone: ms(MIN_TONE_MS),
            min_pause: ms(MIN_PAUSE_MS),
            queue: [Queued::default(); QUEUE_CAP],
            head: 0,
            len: 0,
            state: State::Idle,
            osc: [Phasor::START; 2],
            step: [Phasor::START; 2],
            since_norm: 0,
        })
    }

    /// Sets the level of each tone, in dBm0 per frequency. Takes effect at once.
    pub fn set_levels(&mut self, low_dbm0: f32, high_dbm0: f32) {
        self.low_peak = dbm0_to_peak(low_dbm0);
        self.high_peak = dbm0_to_peak(high_dbm0);
    }

    /// Queues `digit` for `tone` followed by `pause` of silence. Fails when 32 digits
    /// are already waiting.
    pub fn queue_digit(
        &mut self,
        digit: DtmfDigit,
        tone: Duration,
        pause: Duration,
    ) -> Result<(), DspError> {
        if self.len == QUEUE_CAP {
            return Err(DspError::QueueFull {
                capacity: QUEUE_CAP,
            });
        }
        let slot = (self.head + self.len) % QUEUE_CAP;
        self.queue[slot] = Queued {
            digit,
            tone: self.samples(tone),
            pause: self.samples(pause),
        };
        self.len += 1;
        Ok(())
    }

    /// Starts holding `digit` until [`DtmfGenerator::stop`] (RFC 4733 event start).
    /// Whatever is playing or queued is dropped.
    pub fn start(&mut self, digit: DtmfDigit) {
        self.len = 0;
        self.begin_tone(digit, u64::MAX);
    }

    /// Releases a held key (RFC 4733 end of event): the tone still plays until it has
    /// lasted 40 ms, then a pause of at least 40 ms follows so the next digit stays
    /// separate.
    pub fn stop(&mut self) {
        if let State::Tone {
            played,
            left,
            pause,
        } = self.state
        {
            let total = played.saturating_add(left);
            if total == u64::MAX || total > self.min_tone {
                let left = self.min_tone.saturating_sub(played);
                self.state = State::Tone {
                    played,
                    left,
                    pause: pause.max(self.min_pause),
                };
            }
        }
    }

    /// Drops everything: the current tone and the queue.
    pub fn clear(&mut self) {
        self.len = 0;
        self.state = State::Idle;
    }

    /// Writes tone and pause samples over the start of `out` and returns how many it
    /// wrote. When it returns less than `out.len()`, the generator went idle and the
    /// rest of `out` is untouched (the caller's own audio carries on).
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        let mut i = 0;
        while i < out.len() {
            match self.state {
                State::Idle => {
                    if !self.next_queued() {
                        break;
                    }
                }
                State::Tone {
                    played,
                    left,
                    pause,
                } => {
                    let n = remaining(out.len() - i, left);
                    for s in &mut out[i..i + n] {
                        *s = self.next_sample();
                    }
                    i += n;
                    self.state = if left == u64::MAX {
                        State::Tone {
                            played: played.saturating_add(n as u64),
                            left,
                            pause,
                        }
                    } else if left > n as u64 {
                        State::Tone {
                            played: played.saturating_add(n as u64),
                            left: left - n as u64,
                            pause,
                        }
                    } else {
                        State::Pause { left: pause }
                    };
                }
                State::Pause { left } => {
                    let n = remaining(out.len() - i, left);
                    out[i..i + n].fill(0);
                    i += n;
                    self.state = if left > n as u64 {
                        State::Pause {
                            left: left - n as u64,
                        }
                    } else {
                        State::Idle
                    };
                }
            }
        }
        i
    }

    /// True when nothing is playing or queued: [`DtmfGenerator::fill`] writes nothing.
    #[must_use]
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Idle) && self.len == 0
    }

    /// Sample rate the generator was built for.
    #[must_use]
    pub fn sample_rate(&self) -> u32 {
        self.rate
    }

    /// Takes the next queued digit, if any, into the tone state.
    fn next_queued(&mut self) -> bool {
        if self.len == 0 {
            return false;
        }
        let q = self.queue[self.head];
        self.head = (self.head + 1) % QUEUE_CAP;
        self.len -= 1;
        self.begin_tone(q.digit, q.tone);
        if let State::Tone { ref mut pause, .. } = self.state {
            *pause = q.pause;
        }
        true
    }

    fn begin_tone(&mut self, digit: DtmfDigit, samples: u64) {
        let (lo, hi) = digit.frequencies();
        let rate = f64::from(self.rate);
        self.step = [
            Phasor::step(f64::from(lo) / rate),
            Phasor::step(f64::from(hi) / rate),
        ];
        // Each digit starts at phase 0: no click at its onset.
        self.osc = [Phasor::START; 2];
        self.since_norm = 0;
        self.state = State::Tone {
            played: 0,
            left: samples,
            pause: self.min_pause,
        };
    }

    fn next_sample(&mut self) -> i16 {
        let [lo, hi] = &mut self.osc;
        let v = self.low_peak * lo.im + self.high_peak * hi.im;
        lo.turn(self.step[0]);
        hi.turn(self.step[1]);
        self.since_norm += 1;
        if self.since_norm == Phasor::RENORM_EVERY {
            self.since_norm = 0;
            self.osc.iter_mut().for_each(Phasor::normalize);
        }
        // `as` saturates: levels above 0 dBm0 per tone clip rather than wrap.
        v.round() as i16
    }

    fn samples(&self, d: Duration) -> u64 {
        let n = d.as_secs_f64() * f64::from(self.rate);
        n.round().min(u64::MAX as f64 / 2.0) as u64
    }
}

/// What the generator is doing.
#[derive(Debug, Clone, Copy)]
enum State {
    Idle,
    /// Playing a tone: `left` samples to go (`u64::MAX` = until stopped), then a pause.
    Tone {
        played: u64,
        left: u64,
        pause: u64,
    },
    Pause {
        left: u64,
    },
}

/// A digit waiting in the queue, durations in samples.
#[derive(Debug, Clone, Copy)]
struct Queued {
    digit: DtmfDigit,
    tone: u64,
    pause: u64,
}

impl Default for Queued {
    fn default() -> Self {
        Queued {
            digit: DtmfDigit::D0,
            tone: 0,
            pause: 0,
        }
    }
}

/// How many of `room` samples a state with `left` samples to go can fill.
fn remaining(room: usize, left: u64) -> usize {
    usize::try_from(left).map_or(room, |l| l.min(room))
}

/// Digits the queue holds.
const QUEUE_CAP: usize = 32;
/// Default low-group level, dBm0.
const DEFAULT_LOW_DBM0: f32 = -9.0;
/// Default high-group level, dBm0.
const DEFAULT_HIGH_DBM0: f32 = -7.0;
/// Shortest tone [`DtmfGenerator::stop`] lets through (Q.24 minimum).
const MIN_TONE_MS: u64 = 40;
/// Shortest pause after a stopped tone (Q.24 minimum).
const MIN_PAUSE_MS: u64 = 40;
