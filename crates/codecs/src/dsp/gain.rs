//! Gain and level: a fixed-point [`Gain`] that saturates instead of wrapping, and
//! level meters (RMS, dBFS, dBm0) for per-party volume, AGC decisions and tests.

/// How far below digital full scale a 0 dBm0 sine peaks, in dB: G.711's overload
/// point is +3.14 dBm0 (A-law; µ-law is +3.17).
#[allow(clippy::approx_constant)] // G.711's figure, not π.
pub const DBM0_BELOW_FULL_SCALE_DB: f32 = 3.14;

/// Peak amplitude of a full-scale sine in 16-bit PCM.
pub const FULL_SCALE: f32 = 32_768.0;

/// A linear gain in Q16 fixed point (65536 = 1.0), built from dB or a factor.
///
/// Used for per-party input/output volume in the mixer and for prompt levels. Applying
/// it is one multiply and a clamp per sample; results saturate to `i16`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gain(i32);

impl Gain {
    /// No change.
    pub const UNITY: Gain = Gain(Q16_ONE);
    /// Silence: every sample becomes 0.
    pub const MUTE: Gain = Gain(0);

    /// A gain of `db` decibels, clamped to -96 … +48 dB. `-inf` (and anything below
    /// -96 dB) mutes; NaN is unity.
    #[must_use]
    pub fn from_db(db: f32) -> Gain {
        if db.is_nan() {
            return Gain::UNITY;
        }
        if db < MIN_DB {
            return Gain::MUTE;
        }
        Gain::from_linear(10f32.powf(db.min(MAX_DB) / 20.0))
    }

    /// A gain of `factor` (1.0 = unity), clamped to 0 … 251 (+48 dB). NaN is unity.
    #[must_use]
    pub fn from_linear(factor: f32) -> Gain {
        if factor.is_nan() {
            return Gain::UNITY;
        }
        let max = 10f32.powf(MAX_DB / 20.0);
        // `as` saturates; the clamp keeps it inside i32 anyway.
        Gain((factor.clamp(0.0, max) * Q16_ONE as f32).round() as i32)
    }

    /// The gain in decibels (`-inf` for [`Gain::MUTE`]).
    #[must_use]
    pub fn db(self) -> f32 {
        20.0 * self.linear().log10()
    }

    /// The gain as a plain factor.
    #[must_use]
    pub fn linear(self) -> f32 {
        self.0 as f32 / Q16_ONE as f32
    }

    /// The raw Q16 value (65536 = 1.0).
    #[must_use]
    pub fn q16(self) -> i32 {
        self.0
    }

    /// True for exactly 1.0, where applying is a no-op.
    #[must_use]
    pub fn is_unity(self) -> bool {
        self.0 == Q16_ONE
    }

    /// Scales one sample held in an `i32` (a mixer sum may exceed `i16`) and saturates.
    #[must_use]
    #[inline]
    pub fn apply_sample(self, sample: i32) -> i16 {
        saturate(self.scale(sample))
    }

    /// Scales every sample in place, saturating.
    pub fn apply(self, pcm: &mut [i16]) {
        if self.is_unity() {
            return;
        }
        for s in pcm {
            *s = self.apply_sample(i32::from(*s));
        }
    }

    /// Scales a wide sample without saturating (rounding to nearest).
    #[inline]
    pub(crate) fn scale(self, sample: i32) -> i32 {
        let wide = (i64::from(sample) * i64::from(self.0) + (1 << 15)) >> 16;
        // Clamp so the i32 can never wrap; callers saturate to i16 afterwards.
        wide.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
    }
}

impl Default for Gain {
    fn default() -> Self {
        Gain::UNITY
    }
}

/// Clamps a wide sample into `i16`.
#[must_use]
#[inline]
pub fn saturate(sample: i32) -> i16 {
    sample.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

/// Adds `src` into `dst` sample by sample, saturating (overlaying a tone or prompt on
/// speech). Extra samples of the longer slice are left alone.
pub fn mix_into(dst: &mut [i16], src: &[i16]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = d.saturating_add(*s);
    }
}

/// Root-mean-square amplitude of `pcm` (0 for an empty slice).
#[must_use]
pub fn rms(pcm: &[i16]) -> f32 {
    if pcm.is_empty() {
        return 0.0;
    }
    let sum: f64 = pcm.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / pcm.len() as f64).sqrt() as f32
}

/// Level of `pcm` in dBFS, AES17 style: a full-scale sine reads 0 dBFS, a full-scale
/// square +3 dBFS. Silence and empty slices read `-inf`.
#[must_use]
pub fn level_dbfs(pcm: &[i16]) -> f32 {
    20.0 * (rms(pcm) * std::f32::consts::SQRT_2 / FULL_SCALE).log10()
}

/// Level of `pcm` in dBm0 (a 0 dBm0 sine reads 0).
#[must_use]
pub fn level_dbm0(pcm: &[i16]) -> f32 {
    level_dbfs(pcm) + DBM0_BELOW_FULL_SCALE_DB
}

/// Peak amplitude of a sine at `dbm0` (0 dBm0 ≈ 22 827).
#[must_use]
pub fn dbm0_to_peak(dbm0: f32) -> f32 {
    FULL_SCALE * 10f32.powf((dbm0 - DBM0_BELOW_FULL_SCALE_DB) / 20.0)
}

/// Mean power (mean of squared samples) of a sine at `dbm0`.
#[must_use]
pub fn dbm0_to_power(dbm0: f32) -> f32 {
    let peak = dbm0_to_peak(dbm0);
    peak * peak / 2.0
}

/// Q16 representation of 1.0.
const Q16_ONE: i32 = 1 << 16;
/// Lowest gain in dB before it becomes a mute (one Q16 step).
const MIN_DB: f32 = -96.0;
/// Highest gain in dB.
const MAX_DB: f32 = 48.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_round_trips() {
        for db in [-40.0f32, -6.0, 0.0, 6.0, 20.0] {
            let g = Gain::from_db(db);
            assert!((g.db() - db).abs() < 0.01, "{db} -> {}", g.db());
        }
        assert!(Gain::from_db(0.0).is_unity());
        assert_eq!(Gain::from_db(f32::NEG_INFINITY), Gain::MUTE);
        assert_eq!(Gain::from_db(f32::NAN), Gain::UNITY);
        assert_eq!(Gain::from_db(1000.0), Gain::from_db(48.0));
        assert_eq!(Gain::from_linear(-3.0), Gain::MUTE);
    }

    #[test]
    fn apply_saturates() {
        let mut pcm = [30_000i16, -30_000, 100, 0];
        Gain::from_db(6.0).apply(&mut pcm);
        assert_eq!(pcm[0], i16::MAX);
        assert_eq!(pcm[1], i16::MIN);
        assert_eq!(pcm[2], 200);
        Gain::MUTE.apply(&mut pcm);
        assert_eq!(pcm, [0; 4]);
        assert_eq!(Gain::from_db(48.0).apply_sample(i32::MAX), i16::MAX);
        assert_eq!(Gain::from_db(48.0).apply_sample(i32::MIN), i16::MIN);
    }

    #[test]
    fn levels() {
        assert_eq!(rms(&[]), 0.0);
        assert_eq!(level_dbfs(&[0; 10]), f32::NEG_INFINITY);
        let peak = dbm0_to_peak(-10.0);
        let sine: Vec<i16> = (0..8000)
            .map(|i| (peak * (i as f32 * 0.1).sin()).round() as i16)
            .collect();
        assert!((level_dbm0(&sine) + 10.0).abs() < 0.05);
        assert!((level_dbfs(&sine) + 13.14).abs() < 0.05);
        let mut dst = [i16::MAX, 5];
        mix_into(&mut dst, &[10, 5, 7]);
        assert_eq!(dst, [i16::MAX, 10]);
    }
}
