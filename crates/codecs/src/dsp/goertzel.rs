//! Single-frequency DFT (the Goertzel recurrence): the building block of the DTMF
//! detector, and a quick way to measure one tone's level in a buffer (call-progress
//! tone checks, tests).

/// Streaming Goertzel filter for one frequency: feed samples, then read the power of
/// that frequency over everything fed since the last [`Goertzel::reset`].
#[derive(Debug, Clone, Copy)]
pub struct Goertzel {
    coef: f32,
    s1: f32,
    s2: f32,
    count: u32,
}

impl Goertzel {
    /// A filter tuned to `hz` at `sample_rate`.
    #[must_use]
    pub fn new(hz: f32, sample_rate: u32) -> Goertzel {
        let w = std::f32::consts::TAU * hz / sample_rate.max(1) as f32;
        Goertzel {
            coef: 2.0 * w.cos(),
            s1: 0.0,
            s2: 0.0,
            count: 0,
        }
    }

    /// Feeds samples (any number, across calls).
    pub fn update(&mut self, pcm: &[i16]) {
        for &x in pcm {
            let s = f32::from(x) + self.coef * self.s1 - self.s2;
            self.s2 = self.s1;
            self.s1 = s;
        }
        self.count = self
            .count
            .saturating_add(pcm.len().try_into().unwrap_or(u32::MAX));
    }

    /// Mean power of the tuned frequency over the samples fed: a sine of amplitude `A`
    /// exactly on frequency reads `A²/2`, the same scale as the mean of squared samples.
    #[must_use]
    pub fn power(&self) -> f32 {
        if self.count == 0 {
            return 0.0;
        }
        let mag2 = self.s1 * self.s1 + self.s2 * self.s2 - self.coef * self.s1 * self.s2;
        let n = self.count as f32;
        2.0 * mag2.max(0.0) / (n * n)
    }

    /// Starts a new measurement.
    pub fn reset(&mut self) {
        self.s1 = 0.0;
        self.s2 = 0.0;
        self.count = 0;
    }
}

/// Mean power of the `hz` component of `pcm` (see [`Goertzel::power`]).
#[must_use]
pub fn tone_power(pcm: &[i16], sample_rate: u32, hz: f32) -> f32 {
    let mut g = Goertzel::new(hz, sample_rate);
    g.update(pcm);
    g.power()
}

/// Level of the `hz` component of `pcm` in dBm0 (`-inf` when absent).
#[must_use]
pub fn tone_level_dbm0(pcm: &[i16], sample_rate: u32, hz: f32) -> f32 {
    10.0 * (tone_power(pcm, sample_rate, hz) / super::gain::dbm0_to_power(0.0)).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_a_sine() {
        let amp = 10_000.0f32;
        let pcm: Vec<i16> = (0..800)
            .map(|i| (amp * (std::f32::consts::TAU * 1000.0 * i as f32 / 8000.0).sin()) as i16)
            .collect();
        let p = tone_power(&pcm, 8000, 1000.0);
        assert!((p / (amp * amp / 2.0) - 1.0).abs() < 0.01, "{p}");
        assert!(tone_power(&pcm, 8000, 1500.0) < p * 1e-3);
        assert_eq!(tone_power(&[], 8000, 1000.0), 0.0);
    }
}
