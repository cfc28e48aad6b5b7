//! The excitation half of GSM 06.10: long-term (pitch) prediction (§4.2.11–4.2.12,
//! §4.3.2) and regular pulse excitation coding (§4.2.13–4.2.17, §4.3.1).

use super::ops::{abs, add, asl, asr, mult, mult_r, mult_sat, norm, sub, DLB, FAC, H, NRFAC, QLB};

/// The parameters of one 40-sample subframe, as coded on the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Subframe {
    /// LTP lag `Nc` (40..=120; the decoder tolerates anything in 7 bits).
    pub(super) nc: u8,
    /// Coded LTP gain `bc` (2 bits).
    pub(super) bc: u8,
    /// RPE grid position `Mc` (2 bits).
    pub(super) mc: u8,
    /// Coded block maximum `xmaxc` (6 bits).
    pub(super) xmaxc: u8,
    /// Coded RPE pulses `xMc` (3 bits each).
    pub(super) xmc: [u8; 13],
}

/// §4.2.11: the LTP lag and coded gain for residual `d`, searched in the
/// reconstructed residual history `dp` (the 120 samples before `d`).
pub(super) fn ltp_parameters(d: &[i16], dp: &[i16]) -> (u8, u8) {
    let dmax = d.iter().map(|&v| abs(v)).max().unwrap_or(0);
    let temp = if dmax == 0 {
        0
    } else {
        norm(i32::from(dmax) << 16)
    };
    let scal = if temp > 6 { 0 } else { 6 - temp };
    let mut wt = [0i16; 40];
    for (w, &v) in wt.iter_mut().zip(d) {
        *w = v >> scal;
    }

    // Maximum cross-correlation over lags 40..=120; the first maximum wins.
    let mut l_max: i64 = 0;
    let mut nc: usize = 40;
    for lambda in 40..=120usize {
        let past = &dp[120 - lambda..160 - lambda];
        let l_result: i64 = wt
            .iter()
            .zip(past)
            .map(|(&w, &p)| i64::from(w) * i64::from(p))
            .sum();
        if l_result > l_max {
            nc = lambda;
            l_max = l_result;
        }
    }
    l_max <<= 1;
    l_max >>= 6 - scal;

    let past = &dp[120 - nc..160 - nc];
    let l_power: i64 = past
        .iter()
        .map(|&p| {
            let t = i64::from(p >> 3);
            t * t
        })
        .sum::<i64>()
        << 1;

    let bc = if l_max <= 0 {
        0
    } else if l_max >= l_power {
        3
    } else {
        // Here 0 < l_max < l_power < 2^31, so the normalisation fits.
        let shift = norm(l_power as i32);
        let r = ((l_max << shift) >> 16) as i16;
        let s = ((l_power << shift) >> 16) as i16;
        DLB[..3]
            .iter()
            .position(|&dlb| r <= mult_sat(s, dlb))
            .unwrap_or(3)
    };
    (nc as u8, bc as u8)
}

/// §4.2.12: long-term analysis filtering. Writes the predicted signal `dpp` and the
/// LTP residual `e` of the subframe.
pub(super) fn ltp_filter(
    bc: u8,
    nc: u8,
    dp: &[i16],
    d: &[i16],
    dpp: &mut [i16; 40],
    e: &mut [i16],
) {
    let gain = QLB[usize::from(bc & 3)];
    let past = &dp[120 - usize::from(nc)..];
    for k in 0..40 {
        dpp[k] = mult_r(gain, past[k]);
        e[k] = sub(d[k], dpp[k]);
    }
}

/// §4.3.2: long-term synthesis filtering in the decoder.
#[derive(Debug, Clone)]
pub(super) struct LtpSynthesis {
    /// The last valid lag `nrp` (used when a lag is out of range).
    nrp: u8,
    /// Reconstructed residual: 120 samples of history, then the current 40.
    drp: [i16; 160],
}

impl Default for LtpSynthesis {
    fn default() -> Self {
        LtpSynthesis {
            nrp: 40,
            drp: [0; 160],
        }
    }
}

impl LtpSynthesis {
    /// Reconstructs 40 samples of short-term residual from the excitation `erp`.
    pub(super) fn run(&mut self, ncr: u8, bcr: u8, erp: &[i16; 40], out: &mut [i16]) {
        let nr = if (40..=120).contains(&ncr) {
            ncr
        } else {
            self.nrp
        };
        self.nrp = nr;
        let brp = QLB[usize::from(bcr & 3)];
        let nr = usize::from(nr);
        for (k, &e) in erp.iter().enumerate() {
            let drpp = mult_r(brp, self.drp[120 + k - nr]);
            self.drp[120 + k] = add(e, drpp);
        }
        out[..40].copy_from_slice(&self.drp[120..160]);
        self.drp.copy_within(40..160, 0);
    }
}

/// §4.2.13: the weighting filter over the LTP residual `e` (with 5 zeros on each
/// side: `e[5..45]` is the subframe).
fn weighting_filter(e: &[i16; 50]) -> [i16; 40] {
    let mut x = [0i16; 40];
    for (k, out) in x.iter_mut().enumerate() {
        let sum: i32 = e[k..k + 11]
            .iter()
            .zip(&H)
            .map(|(&v, &h)| i32::from(v) * h)
            .sum();
        *out = ((4096 + sum) >> 13).clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
    }
    x
}

/// §4.2.14: picks the grid `Mc` with the most energy and returns its 13 samples.
fn grid_selection(x: &[i16; 40]) -> (u8, [i16; 13]) {
    let mut best = 0;
    let mut em = -1i64;
    for m in 0..4 {
        let energy: i64 = (0..13)
            .map(|i| {
                let t = i64::from(x[m + 3 * i] >> 2);
                t * t
            })
            .sum::<i64>()
            << 1;
        if energy > em {
            best = m;
            em = energy;
        }
    }
    let mut xm = [0i16; 13];
    for (i, v) in xm.iter_mut().enumerate() {
        *v = x[best + 3 * i];
    }
    (best as u8, xm)
}

/// §4.2.15: exponent and mantissa of a coded block maximum.
fn xmaxc_to_exp_mant(xmaxc: u8) -> (i16, i16) {
    let xmaxc = i16::from(xmaxc & 63);
    let mut exp = if xmaxc > 15 { (xmaxc >> 3) - 1 } else { 0 };
    let mut mant = xmaxc - (exp << 3);
    if mant == 0 {
        exp = -4;
        mant = 7;
    } else {
        while mant <= 7 {
            mant = (mant << 1) | 1;
            exp -= 1;
        }
        mant -= 8;
    }
    (exp, mant)
}

/// §4.2.15: APCM quantization of the selected sequence: `xmaxc` and the `xMc`.
fn apcm_quantize(xm: &[i16; 13]) -> (u8, [u8; 13]) {
    let xmax = xm.iter().map(|&v| abs(v)).max().unwrap_or(0);
    // Exponent: the bit length of xmax >> 9 (at most 6).
    let exp = (16 - (xmax >> 9).leading_zeros() as i16).min(6);
    let xmaxc = add(xmax >> (exp + 5), exp << 3) as u8;

    let (exp, mant) = xmaxc_to_exp_mant(xmaxc);
    let temp1 = 6 - exp;
    let temp2 = NRFAC[mant as usize];
    let mut xmc = [0u8; 13];
    for (c, &v) in xmc.iter_mut().zip(xm) {
        let temp = ((i32::from(v)) << temp1) as i16;
        *c = ((mult(temp, temp2) >> 12) + 4) as u8;
    }
    (xmaxc, xmc)
}

/// §4.2.16: APCM inverse quantization of the pulses.
fn apcm_dequantize(xmc: &[u8; 13], exp: i16, mant: i16) -> [i16; 13] {
    let temp1 = FAC[mant as usize];
    let temp2 = 6 - exp;
    let temp3 = asl(1, temp2 - 1);
    let mut xmp = [0i16; 13];
    for (p, &c) in xmp.iter_mut().zip(xmc) {
        let temp = ((i16::from(c & 7) << 1) - 7) << 12;
        *p = asr(add(mult_r(temp1, temp), temp3), temp2);
    }
    xmp
}

/// §4.2.17: places the 13 pulses on grid `mc` of a 40-sample excitation.
fn grid_positioning(mc: u8, xmp: &[i16; 13], ep: &mut [i16]) {
    ep[..40].fill(0);
    let mc = usize::from(mc & 3);
    for (i, &v) in xmp.iter().enumerate() {
        ep[mc + 3 * i] = v;
    }
}

/// §4.2.13–4.2.17: codes the LTP residual `e[5..45]` (zero-padded by 5 on each
/// side) and replaces it by the quantized excitation the decoder will see.
pub(super) fn rpe_encode(e: &mut [i16; 50], sub: &mut Subframe) {
    let x = weighting_filter(e);
    let (mc, xm) = grid_selection(&x);
    let (xmaxc, xmc) = apcm_quantize(&xm);
    let (exp, mant) = xmaxc_to_exp_mant(xmaxc);
    let xmp = apcm_dequantize(&xmc, exp, mant);
    grid_positioning(mc, &xmp, &mut e[5..45]);
    sub.mc = mc;
    sub.xmaxc = xmaxc;
    sub.xmc = xmc;
}

/// §4.3.1: the decoder's RPE excitation for one subframe.
pub(super) fn rpe_decode(sub: &Subframe) -> [i16; 40] {
    let (exp, mant) = xmaxc_to_exp_mant(sub.xmaxc);
    let xmp = apcm_dequantize(&sub.xmc, exp, mant);
    let mut erp = [0i16; 40];
    grid_positioning(sub.mc, &xmp, &mut erp);
    erp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xmaxc_decodes_to_exponent_and_mantissa() {
        assert_eq!(xmaxc_to_exp_mant(0), (-4, 7));
        assert_eq!(xmaxc_to_exp_mant(63), (6, 7));
        for c in 0..64 {
            let (exp, mant) = xmaxc_to_exp_mant(c);
            assert!((-4..=6).contains(&exp) && (0..=7).contains(&mant));
        }
    }

    #[test]
    fn apcm_round_trips_roughly() {
        let xm = [1000, -1000, 500, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let (xmaxc, xmc) = apcm_quantize(&xm);
        let (exp, mant) = xmaxc_to_exp_mant(xmaxc);
        let xmp = apcm_dequantize(&xmc, exp, mant);
        assert!((xmp[0] - 1000).abs() < 200, "{xmp:?}");
        assert!((xmp[1] + 1000).abs() < 200, "{xmp:?}");
    }
}
