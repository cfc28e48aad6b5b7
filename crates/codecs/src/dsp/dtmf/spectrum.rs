//! Block spectrum arithmetic for the DTMF detector: per-frequency constants, the
//! least-squares fit of a tone pair, the Goertzel filter's loss off frequency, and a
//! minimal complex type.

use super::{DtmfDigit, COL_HZ, ROW_HZ};

/// Per-frequency constants.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bins {
    /// Goertzel coefficient 2·cos(w): fundamentals, then second harmonics.
    pub(super) coef: [f32; 16],
    /// Angular frequency of each fundamental (rad/sample).
    pub(super) w: [f32; 8],
    /// cos(w), sin(w) of every filter.
    pub(super) cos_w: [f32; 16],
    pub(super) sin_w: [f32; 16],
    /// e^{-jw(N-1)} for every filter, and e^{-jw(N/2-1)}: reference the output to the
    /// block start.
    pub(super) ref_full: [C; 16],
    pub(super) ref_half: [C; 8],
    /// e^{-jwN}: the nominal phase advance from one block to the next, removed.
    pub(super) rot_block: [C; 8],
    /// For each key (row·4 + column): the inverse Gram matrix of the cosine and sine
    /// of its two tones over one block, row-major 4×4, for the least-squares fit.
    pub(super) gram_inv: [[f32; 16]; 16],
}

impl Bins {
    pub(super) fn new(rate: u32, block: usize) -> Bins {
        let mut b = Bins {
            coef: [0.0; 16],
            w: [0.0; 8],
            cos_w: [0.0; 16],
            sin_w: [0.0; 16],
            ref_full: [C::ZERO; 16],
            ref_half: [C::ZERO; 8],
            rot_block: [C::ZERO; 8],
            gram_inv: [[0.0; 16]; 16],
        };
        let n = block as f64;
        let freqs = ROW_HZ.iter().chain(COL_HZ.iter());
        for (i, &hz) in freqs.enumerate() {
            let w = std::f64::consts::TAU * f64::from(hz) / f64::from(rate);
            b.w[i] = w as f32;
            for (k, w) in [(i, w), (i + 8, 2.0 * w)] {
                b.coef[k] = (2.0 * w.cos()) as f32;
                b.cos_w[k] = w.cos() as f32;
                b.sin_w[k] = w.sin() as f32;
                b.ref_full[k] = C::expj(-w * (n - 1.0));
            }
            b.ref_half[i] = C::expj(-w * (n / 2.0 - 1.0));
            b.rot_block[i] = C::expj(-w * n);
        }
        for (r, &row_hz) in ROW_HZ.iter().enumerate() {
            for (c, &col_hz) in COL_HZ.iter().enumerate() {
                b.gram_inv[r * 4 + c] = gram_inverse([row_hz, col_hz], rate, block);
            }
        }
        b
    }
}

/// Inverse of the Gram matrix of [cos w1 n, sin w1 n, cos w2 n, sin w2 n] over
/// `block` samples (identity if it is singular, which four distinct DTMF sines over a
/// block never are).
pub(super) fn gram_inverse(hz: [f32; 2], rate: u32, block: usize) -> [f32; 16] {
    let w = hz.map(|f| std::f64::consts::TAU * f64::from(f) / f64::from(rate));
    // Basis function k (cos, sin, cos, sin) at sample n.
    let basis = |k: usize, n: f64| {
        let phase = w[k / 2] * n;
        [phase.cos(), phase.sin()][k % 2]
    };
    let mut g = [[0.0f64; 8]; 4];
    for (i, row) in g.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().take(4).enumerate() {
            *v = (0..block)
                .map(|n| basis(i, n as f64) * basis(j, n as f64))
                .sum();
        }
        row[4 + i] = 1.0;
    }
    // Gauss-Jordan elimination with partial pivoting on [G | I].
    for col in 0..4 {
        let pivot = (col..4)
            .max_by(|&a, &b| g[a][col].abs().total_cmp(&g[b][col].abs()))
            .unwrap_or(col);
        g.swap(col, pivot);
        let p = g[col][col];
        if p.abs() < 1e-9 {
            let mut id = [0.0; 16];
            for i in 0..4 {
                id[i * 5] = 1.0;
            }
            return id;
        }
        for v in g[col].iter_mut() {
            *v /= p;
        }
        for r in 0..4 {
            if r != col {
                let f = g[r][col];
                let pivot_row = g[col];
                for (v, pv) in g[r].iter_mut().zip(pivot_row) {
                    *v -= f * pv;
                }
            }
        }
    }
    let mut inv = [0.0f32; 16];
    for i in 0..4 {
        for j in 0..4 {
            inv[i * 4 + j] = g[i][4 + j] as f32;
        }
    }
    inv
}

/// Power gain of an N-point Goertzel filter for a tone `delta` rad/sample off its
/// frequency (the Dirichlet kernel, squared), floored at 0.1.
pub(super) fn filter_gain(delta: f32, n: f32) -> f32 {
    let half = 0.5 * delta;
    if half.abs() < 1e-6 {
        return 1.0;
    }
    let g = (n * half).sin() / (n * half.sin());
    (g * g).max(0.1)
}

/// Minimal complex number for the phase arithmetic.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct C {
    pub(super) re: f32,
    pub(super) im: f32,
}

impl C {
    pub(super) const ZERO: C = C { re: 0.0, im: 0.0 };

    pub(super) fn expj(phase: f64) -> C {
        C {
            re: phase.cos() as f32,
            im: phase.sin() as f32,
        }
    }

    pub(super) fn mul(self, o: C) -> C {
        C {
            re: self.re * o.re - self.im * o.im,
            im: self.re * o.im + self.im * o.re,
        }
    }

    pub(super) fn sub(self, o: C) -> C {
        C {
            re: self.re - o.re,
            im: self.im - o.im,
        }
    }

    pub(super) fn conj(self) -> C {
        C {
            re: self.re,
            im: -self.im,
        }
    }

    pub(super) fn norm_sqr(self) -> f32 {
        self.re * self.re + self.im * self.im
    }

    pub(super) fn arg(self) -> f32 {
        self.im.atan2(self.re)
    }
}

/// Index of the largest value (the first on ties; 0 for an empty slice).
pub(super) fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// Mean powers of a least-squares fit of a key's two tones to one block.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fit {
    /// Low-group tone (a sine of amplitude A reads A²/2).
    pub(super) row: f32,
    /// High-group tone.
    pub(super) col: f32,
    /// The fitted signal over the block (cross terms included).
    pub(super) energy: f32,
    /// Each tone's phasor (amplitude and phase at the block's first sample).
    pub(super) z_row: C,
    pub(super) z_col: C,
}

/// One block's measurements.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Block {
    /// Spectrum at the fundamentals, phase referenced to the block's first sample.
    pub(super) x: [C; 8],
    /// Mean power of each fundamental (a sine of amplitude A reads A²/2).
    pub(super) power: [f32; 8],
    /// Frequency offset from each fundamental, in rad/sample, from the two halves.
    pub(super) coarse: [f32; 8],
    /// How far to trust `coarse`: the weaker half's power.
    pub(super) coarse_weight: [f32; 8],
    /// Mean power of the whole block.
    pub(super) energy: f32,
    /// The key this block shows on its own.
    pub(super) hit: Option<DtmfDigit>,
}
