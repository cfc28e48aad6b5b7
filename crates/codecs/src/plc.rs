//! Packet-loss concealment for codecs that have none of their own (G.711, G.722, and any
//! other decoder that produces PCM): a fading waveform repeat in the spirit of G.711
//! Appendix I.
//!
//! On the first lost sample the [`Concealer`] finds the pitch period of the recent
//! audio (normalised autocorrelation over 2.5–15 ms lags) and repeats the last period.
//! The repeat plays at full level for 10 ms, then fades linearly to silence at 60 ms,
//! so a long gap never buzzes. When audio resumes, its first 4 ms are cross-faded
//! from the repeat so the join does not click.

/// Lost audio before the fade starts, ms.
const HOLD_MS: u32 = 10;
/// Lost audio after which the output is silent, ms.
const SILENT_MS: u32 = 60;
/// Shortest pitch period searched, in 1/10 ms (2.5 ms = 400 Hz).
const MIN_LAG_TENTHS_MS: u32 = 25;
/// Longest pitch period searched, ms (66 Hz).
const MAX_LAG_MS: u32 = 15;
/// Cross-fade back into real audio, ms.
const MERGE_MS: u32 = 4;

/// Conceals lost packets of one decoded stream. Feed every decoded frame to
/// [`Concealer::update`]; ask [`Concealer::conceal`] for audio in place of a lost one.
#[derive(Debug, Clone)]
pub struct Concealer {
    /// Recent real audio, oldest first, at most `2 * max_lag` samples.
    history: Vec<i16>,
    /// Samples concealed since the last real frame (0 = not in a gap).
    lost: usize,
    /// The period being repeated (empty when the history was silent or missing).
    pattern: Vec<i16>,
    /// Next index into `pattern`.
    pos: usize,
    hold: usize,
    silent: usize,
    min_lag: usize,
    max_lag: usize,
    merge: usize,
}

impl Concealer {
    /// A concealer for PCM at `sample_rate` Hz (8000 for G.711, 16000 for G.722).
    #[must_use]
    pub fn new(sample_rate: u32) -> Self {
        let ms = |m: u32| (sample_rate.max(1000) / 1000 * m) as usize;
        let max_lag = ms(MAX_LAG_MS);
        Concealer {
            history: Vec::with_capacity(2 * max_lag),
            lost: 0,
            pattern: Vec::new(),
            pos: 0,
            hold: ms(HOLD_MS),
            silent: ms(SILENT_MS),
            min_lag: (sample_rate.max(1000) / 1000 * MIN_LAG_TENTHS_MS / 10) as usize,
            max_lag,
            merge: ms(MERGE_MS),
        }
    }

    /// Records a frame of real decoded audio as history for later concealment. Right
    /// after a gap, its first samples are cross-faded in from the concealment (hence
    /// `&mut`).
    pub fn update(&mut self, pcm: &mut [i16]) {
        if self.lost > 0 {
            if !self.pattern.is_empty() {
                let n = self.merge.min(pcm.len());
                for (i, s) in pcm.iter_mut().take(n).enumerate() {
                    let fake = self.next_concealed();
                    let w = (i + 1) as f32 / (n + 1) as f32;
                    *s = mix(fake, *s, w);
                }
            }
            self.lost = 0;
            self.pattern.clear();
            self.pos = 0;
        }
        let cap = 2 * self.max_lag;
        if pcm.len() >= cap {
            self.history.clear();
            self.history.extend_from_slice(&pcm[pcm.len() - cap..]);
        } else {
            let excess = (self.history.len() + pcm.len()).saturating_sub(cap);
            self.history.drain(..excess);
            self.history.extend_from_slice(pcm);
        }
    }

    /// Appends `samples` samples standing in for lost audio: the repeated last pitch
    /// period, fading out after 10 ms and silent from 60 ms of loss on.
    pub fn conceal(&mut self, samples: usize, out: &mut Vec<i16>) {
        if self.lost == 0 {
            self.start_gap();
        }
        out.reserve(samples);
        for _ in 0..samples {
            let s = self.next_concealed();
            out.push(s);
        }
    }

    /// Forgets history and any gap in progress (a new stream on the same decoder).
    pub fn reset(&mut self) {
        self.history.clear();
        self.lost = 0;
        self.pattern.clear();
        self.pos = 0;
    }

    /// True while concealing (between a `conceal` and the next `update`).
    #[must_use]
    pub fn in_gap(&self) -> bool {
        self.lost > 0
    }

    /// Picks the period to repeat at the start of a gap.
    fn start_gap(&mut self) {
        self.pattern.clear();
        self.pos = 0;
        let h = &self.history;
        if h.len() < self.min_lag * 2 || h.iter().all(|&s| s.unsigned_abs() < 8) {
            return;
        }
        let lag = best_lag(h, self.min_lag, self.max_lag.min(h.len() / 2));
        self.pattern.extend_from_slice(&h[h.len() - lag..]);
    }

    /// The next concealment sample, with the fade applied; advances the gap.
    fn next_concealed(&mut self) -> i16 {
        let t = self.lost;
        self.lost = self.lost.saturating_add(1);
        if self.pattern.is_empty() || t >= self.silent {
            return 0;
        }
        let s = self.pattern[self.pos];
        self.pos = (self.pos + 1) % self.pattern.len();
        if t < self.hold {
            s
        } else {
            let gain = (self.silent - t) as f32 / (self.silent - self.hold) as f32;
            (f32::from(s) * gain).round() as i16
        }
    }
}

/// Cross-fades `a` into `b`: weight `w` (0..1) on `b`.
fn mix(a: i16, b: i16, w: f32) -> i16 {
    (f32::from(a) * (1.0 - w) + f32::from(b) * w).round() as i16
}

/// The lag in `min..=max` whose delayed copy best matches the last `max` samples
/// (highest normalised correlation). `h` must hold at least `2 * max` samples, or the
/// window shrinks to what is there.
fn best_lag(h: &[i16], min: usize, max: usize) -> usize {
    let max = max.max(min);
    let n = h.len();
    let win = max.min(n.saturating_sub(max)).max(1);
    let cur = &h[n - win..];
    let dot = |a: &[i16], b: &[i16]| -> f64 {
        a.iter()
            .zip(b)
            .map(|(&x, &y)| f64::from(x) * f64::from(y))
            .sum()
    };
    let e_cur = dot(cur, cur);
    let mut best = (f64::MIN, max);
    for lag in min..=max {
        if n < win + lag {
            break;
        }
        let past = &h[n - win - lag..n - lag];
        let e_past = dot(past, past);
        let score = dot(cur, past) / (e_cur * e_past).sqrt().max(1.0);
        if score > best.0 {
            best = (score, lag);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(hz: f64, rate: u32, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                (8000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()).round() as i16
            })
            .collect()
    }

    #[test]
    fn repeats_the_period_then_fades_to_silence() {
        let mut c = Concealer::new(8000);
        // 200 Hz: period 40 samples.
        let mut x = tone(200.0, 8000, 480);
        c.update(&mut x);
        let mut out = Vec::new();
        c.conceal(160, &mut out);
        // The first 10 ms continue the tone almost exactly.
        let cont = tone(200.0, 8000, 480 + 80);
        for i in 0..80 {
            assert!(
                (i32::from(out[i]) - i32::from(cont[480 + i])).abs() < 200,
                "{i}"
            );
        }
        // Then it fades: 10..20 ms quieter than 0..10 ms.
        let peak = |s: &[i16]| s.iter().map(|v| v.unsigned_abs()).max().unwrap();
        assert!(peak(&out[80..160]) < peak(&out[..80]));
        c.conceal(320, &mut out);
        // From 60 ms on: silence.
        assert!(out[480..].iter().all(|&s| s == 0));
        assert!(c.in_gap());
    }

    #[test]
    fn nothing_to_repeat_gives_silence() {
        let mut c = Concealer::new(16000);
        let mut out = Vec::new();
        c.conceal(320, &mut out);
        assert_eq!(out, vec![0; 320]);
        c.update(&mut [0; 320]);
        c.conceal(320, &mut out);
        assert!(out.iter().all(|&s| s == 0));
    }

    #[test]
    fn resuming_cross_fades_and_ends_the_gap() {
        let mut c = Concealer::new(8000);
        let mut x = tone(250.0, 8000, 480);
        c.update(&mut x);
        let mut out = Vec::new();
        c.conceal(160, &mut out);
        let mut next = vec![1000i16; 160];
        c.update(&mut next);
        assert!(!c.in_gap());
        // The first samples are blended, the rest untouched.
        assert_ne!(&next[..32], &[1000; 32][..]);
        assert_eq!(&next[32..], &[1000; 128][..]);
        // A new gap starts full level again.
        let mut out2 = Vec::new();
        c.conceal(80, &mut out2);
        assert!(out2.iter().any(|&s| s != 0));
    }

    #[test]
    fn pitch_is_found() {
        let h = tone(125.0, 8000, 240); // period 64
        assert_eq!(best_lag(&h, 20, 120) % 64, 0);
        let h = tone(300.0, 16000, 480); // period 53.3
        let lag = best_lag(&h, 40, 240);
        assert!([53, 54, 107, 160, 213].contains(&lag), "{lag}");
    }
}
