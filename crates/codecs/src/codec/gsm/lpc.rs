//! The short-term (LPC) half of GSM 06.10: preprocessing (§4.2.1–4.2.3), LPC analysis
//! (§4.2.4–4.2.7), decoding and interpolation of the log-area ratios (§4.2.8–4.2.9)
//! and the short-term analysis and synthesis lattice filters (§4.2.10, §4.3.4).

use super::ops::{abs, add, div, l_add, mult, mult_r, norm, sub};

/// Encoder preprocessing state: offset compensation and pre-emphasis memories.
#[derive(Debug, Clone, Default)]
pub(super) struct Preprocess {
    z1: i16,
    l_z2: i32,
    mp: i16,
}

impl Preprocess {
    /// Downscaling, offset compensation (a high-pass with 32-bit recursion) and
    /// pre-emphasis of one 160-sample frame of 16-bit PCM (`input` holds 160).
    pub(super) fn run(&mut self, input: &[i16], out: &mut [i16; 160]) {
        for (o, &s) in out.iter_mut().zip(input) {
            // §4.2.1: 16-bit input to the 13-bit signal, times 4.
            let so = (s >> 3) << 2;
            // §4.2.2: non-recursive part.
            let s1 = so - self.z1;
            self.z1 = so;
            // Recursive part: a 31 x 16 bit multiplication by 32735.
            let mut l_s2 = i32::from(s1) << 15;
            let msp = (self.l_z2 >> 15) as i16;
            let lsp = (i64::from(self.l_z2) - (i64::from(msp) << 15)) as i16;
            l_s2 += i32::from(mult_r(lsp, 32735));
            let l_temp = i32::from(msp) * 32735;
            self.l_z2 = l_add(l_temp, l_s2);
            let rounded = l_add(self.l_z2, 16384);
            // §4.2.3: pre-emphasis.
            let msp = mult_r(self.mp, -28180);
            self.mp = (rounded >> 15) as i16;
            *o = add(self.mp, msp);
        }
    }
}

/// §4.2.4: autocorrelation of the (dynamically scaled) frame. `s` is scaled and
/// rescaled in place, losing low bits exactly as the standard does.
fn autocorrelation(s: &mut [i16; 160]) -> [i32; 9] {
    let smax = s.iter().map(|&v| abs(v)).max().unwrap_or(0);
    let scalauto = if smax == 0 {
        0
    } else {
        4 - norm(i32::from(smax) << 16)
    };
    if scalauto > 0 {
        let factor = 16384 >> (scalauto - 1);
        for v in s.iter_mut() {
            *v = mult_r(*v, factor);
        }
    }
    let mut acf = [0i64; 9];
    for k in 0..160 {
        let sk = i64::from(s[k]);
        for (lag, a) in acf.iter_mut().enumerate().take(k.min(8) + 1) {
            *a += sk * i64::from(s[k - lag]);
        }
    }
    if scalauto > 0 {
        for v in s.iter_mut() {
            *v = ((i32::from(*v)) << scalauto) as i16;
        }
    }
    // Scaled to 13 significant bits, so 160 products fit 32 bits even doubled.
    acf.map(|a| (a << 1) as i32)
}

/// §4.2.5: reflection coefficients by the Schur recursion in 16-bit arithmetic.
fn reflection_coefficients(l_acf: &[i32; 9]) -> [i16; 8] {
    let mut r = [0i16; 8];
    if l_acf[0] == 0 {
        return r;
    }
    let shift = norm(l_acf[0]);
    let mut acf = [0i16; 9];
    for (a, &l) in acf.iter_mut().zip(l_acf) {
        a.clone_from(&(((i64::from(l) << shift) >> 16) as i16));
    }
    let mut k = [0i16; 9];
    k[1..8].copy_from_slice(&acf[1..8]);
    let mut p = acf;
    for n in 1..=8usize {
        let temp = abs(p[1]);
        if p[0] < temp {
            // Unstable: the remaining coefficients stay zero.
            return r;
        }
        let mut rn = div(temp, p[0]);
        if p[1] > 0 {
            rn = -rn;
        }
        r[n - 1] = rn;
        if n == 8 {
            break;
        }
        p[0] = add(p[0], mult_r(p[1], rn));
        for m in 1..=8 - n {
            p[m] = add(p[m + 1], mult_r(k[m], rn));
            k[m] = add(k[m], mult_r(p[m + 1], rn));
        }
    }
    r
}

/// §4.2.6: reflection coefficients to log-area ratios (piecewise linear).
fn to_log_area_ratios(r: &mut [i16; 8]) {
    for v in r.iter_mut() {
        let mut temp = abs(*v);
        if temp < 22118 {
            temp >>= 1;
        } else if temp < 31130 {
            temp -= 11059;
        } else {
            temp = (temp - 26112) << 2;
        }
        *v = if *v < 0 { -temp } else { temp };
    }
}

/// `A`, `B`, and the coded range `MIC..=MAC` of each LAR (Table 5.1 / §4.2.7).
const LAR_CODING: [(i16, i16, i16, i16); 8] = [
    (20480, 0, -32, 31),
    (20480, 0, -32, 31),
    (20480, 2048, -16, 15),
    (20480, -2560, -16, 15),
    (13964, 94, -8, 7),
    (15360, -1792, -8, 7),
    (8534, -341, -4, 3),
    (9036, -1144, -4, 3),
];

/// Inverse of `A` (`INVA`, §4.2.8) for decoding each LAR.
const INVA: [i16; 8] = [13107, 13107, 13107, 13107, 19223, 17476, 31454, 29708];

/// §4.2.7: quantization and coding of the LARs (results are offset to be unsigned).
fn quantize_lars(lar: &[i16; 8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    for ((o, &v), &(a, b, mic, mac)) in out.iter_mut().zip(lar).zip(&LAR_CODING) {
        let temp = add(add(mult(a, v), b), 256) >> 9;
        let c = if temp > mac {
            mac - mic
        } else if temp < mic {
            0
        } else {
            temp - mic
        };
        *o = c as u8;
    }
    out
}

/// §4.2.4–4.2.7: the LPC analysis of a preprocessed frame; returns the coded LARs.
/// `s` loses its low bits to the dynamic scaling, as in the standard.
pub(super) fn analysis(s: &mut [i16; 160]) -> [u8; 8] {
    let acf = autocorrelation(s);
    let mut r = reflection_coefficients(&acf);
    to_log_area_ratios(&mut r);
    quantize_lars(&r)
}

/// §4.2.8: decodes the coded LARs into `LARpp`.
fn decode_lars(larc: &[u8; 8]) -> [i16; 8] {
    let mut out = [0i16; 8];
    for (i, o) in out.iter_mut().enumerate() {
        let (_, b, mic, _) = LAR_CODING[i];
        // The coded value is at most 6 bits, so the shift stays within 16 bits.
        let temp = ((i32::from(add(i16::from(larc[i]), mic))) << 10) as i16;
        let temp = sub(temp, b << 1);
        let temp = mult_r(INVA[i], temp);
        *o = add(temp, temp);
    }
    out
}

/// §4.2.10: log-area ratios back to reflection coefficients.
fn lar_to_rp(lar: &mut [i16; 8]) {
    fn curve(t: i16) -> i16 {
        if t < 11059 {
            t << 1
        } else if t < 20070 {
            t + 11059
        } else {
            add(t >> 2, 26112)
        }
    }
    for v in lar.iter_mut() {
        *v = if *v < 0 {
            -curve(if *v == i16::MIN { i16::MAX } else { -*v })
        } else {
            curve(*v)
        };
    }
}

/// The four interpolation segments of a frame (§4.2.9): sample ranges and the
/// weighting of the previous and current LARs.
const SEGMENTS: [(usize, usize); 4] = [(0, 13), (13, 27), (27, 40), (40, 160)];

/// §4.2.9: the interpolated LARs of `segment` between the previous frame's `prev`
/// and this frame's `cur`, converted to reflection coefficients.
fn interpolated_rp(segment: usize, prev: &[i16; 8], cur: &[i16; 8]) -> [i16; 8] {
    let mut lar = [0i16; 8];
    for i in 0..8 {
        lar[i] = match segment {
            0 => add(add(prev[i] >> 2, cur[i] >> 2), prev[i] >> 1),
            1 => add(prev[i] >> 1, cur[i] >> 1),
            2 => add(add(prev[i] >> 2, cur[i] >> 2), cur[i] >> 1),
            _ => cur[i],
        };
    }
    lar_to_rp(&mut lar);
    lar
}

/// The LAR memory both directions keep: the previous frame's decoded LARs.
#[derive(Debug, Clone, Default)]
pub(super) struct LarMemory {
    prev: [i16; 8],
}

impl LarMemory {
    /// Decodes `larc`, and returns the reflection coefficients of each of the four
    /// interpolation segments; the decoded LARs become the next frame's `prev`.
    fn segments(&mut self, larc: &[u8; 8]) -> [[i16; 8]; 4] {
        let cur = decode_lars(larc);
        let rp = [0, 1, 2, 3].map(|seg| interpolated_rp(seg, &self.prev, &cur));
        self.prev = cur;
        rp
    }
}

/// Encoder side of §4.2.10: the short-term analysis lattice filter.
#[derive(Debug, Clone, Default)]
pub(super) struct AnalysisFilter {
    lars: LarMemory,
    u: [i16; 8],
}

impl AnalysisFilter {
    /// Filters the frame `s` in place into the short-term residual `d`.
    pub(super) fn run(&mut self, larc: &[u8; 8], s: &mut [i16; 160]) {
        let rps = self.lars.segments(larc);
        for (rp, &(from, to)) in rps.iter().zip(&SEGMENTS) {
            for v in &mut s[from..to] {
                let mut di = *v;
                let mut sav = di;
                for (u, &rpi) in self.u.iter_mut().zip(rp) {
                    let ui = *u;
                    *u = sav;
                    sav = add(ui, mult_r(rpi, di));
                    di = add(di, mult_r(rpi, ui));
                }
                *v = di;
            }
        }
    }
}

/// Decoder side of §4.3.4: the short-term synthesis lattice filter.
#[derive(Debug, Clone, Default)]
pub(super) struct SynthesisFilter {
    lars: LarMemory,
    v: [i16; 9],
}

impl SynthesisFilter {
    /// Filters the reconstructed residual `wt` into the speech signal `sr`.
    pub(super) fn run(&mut self, larc: &[u8; 8], wt: &[i16; 160], sr: &mut [i16; 160]) {
        let rps = self.lars.segments(larc);
        for (rp, &(from, to)) in rps.iter().zip(&SEGMENTS) {
            for (out, &w) in sr[from..to].iter_mut().zip(&wt[from..to]) {
                let mut sri = w;
                for i in (0..8).rev() {
                    sri = sub(sri, mult_r(rp[i], self.v[i]));
                    self.v[i + 1] = add(self.v[i], mult_r(rp[i], sri));
                }
                self.v[0] = sri;
                *out = sri;
            }
        }
    }
}

/// Decoder postprocessing (§4.3.5–4.3.7): de-emphasis, upscaling, truncation.
#[derive(Debug, Clone, Default)]
pub(super) struct Postprocess {
    msr: i16,
}

impl Postprocess {
    /// Turns the synthesis output into 16-bit PCM in place.
    pub(super) fn run(&mut self, s: &mut [i16; 160]) {
        for v in s.iter_mut() {
            let tmp = mult_r(self.msr, 28180);
            self.msr = add(*v, tmp);
            *v = add(self.msr, self.msr) & !7;
        }
    }
}
