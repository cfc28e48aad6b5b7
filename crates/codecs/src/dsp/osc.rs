//! Sine oscillators for the tone generators: a phasor turned once per sample.

/// A unit complex number turned by a fixed step per sample: a sine oscillator
/// without a `sin` call per sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Phasor {
    pub(crate) re: f32,
    pub(crate) im: f32,
}

impl Phasor {
    /// Phase 0: the sine starts at 0.
    pub(crate) const START: Phasor = Phasor { re: 1.0, im: 0.0 };
    /// Samples between renormalisations; counted across calls by the users, so their
    /// output does not depend on how it is cut into frames.
    pub(crate) const RENORM_EVERY: u32 = 256;

    /// The step for `cycles` cycles per sample.
    pub(crate) fn step(cycles: f64) -> Phasor {
        let w = std::f64::consts::TAU * cycles;
        Phasor {
            re: w.cos() as f32,
            im: w.sin() as f32,
        }
    }

    #[inline]
    pub(crate) fn turn(&mut self, by: Phasor) {
        let re = self.re * by.re - self.im * by.im;
        self.im = self.re * by.im + self.im * by.re;
        self.re = re;
    }

    /// Undoes the rounding drift of many turns.
    pub(crate) fn normalize(&mut self) {
        let len = (self.re * self.re + self.im * self.im).sqrt();
        if len.is_finite() && len > 0.0 {
            self.re /= len;
            self.im /= len;
        } else {
            *self = Phasor::START;
        }
    }
}
