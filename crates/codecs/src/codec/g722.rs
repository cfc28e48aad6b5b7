//! G.722 at 64 kbit/s (ITU-T G.722 mode 1): sub-band ADPCM. A 24-tap quadrature
//! mirror filter splits 16 kHz audio into two 8 kHz bands; the lower band is coded with
//! 6-bit ADPCM, the higher with 2-bit ADPCM, and each pair of input samples becomes one
//! byte (`ihigh << 6 | ilow`). The arithmetic below is the integer arithmetic of the
//! standard's §6 blocks (QUANTL, INVQAL, LOGSCL, SCALEL, the pole/zero predictor
//! updates of block 4, and their higher-band counterparts), with the QMF scaled for
//! 16-bit linear PCM in and out instead of 14-bit. Bit-exact with ffmpeg's `g722`.
//!
//! Lost packets are concealed from the decoded PCM by [`crate::plc::Concealer`].

use super::{check_frame, check_payload, CodecId, Decoder, Encoder, MAX_FRAME_MS};
use crate::plc::Concealer;
use crate::CodecError;

/// Codec name used in errors.
const NAME: &str = "G722";
/// PCM rate.
const RATE: u32 = 16_000;
/// Largest payload accepted: [`MAX_FRAME_MS`] at one byte per two samples.
const MAX_BYTES: usize = (RATE * MAX_FRAME_MS / 1000 / 2) as usize;

/// QMF coefficients h0..h23 (scaled by 2^13; the filter is symmetric).
const QMF: [i32; 24] = [
    3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876, 3876, 951, -805, -210, 362, 32,
    -156, 12, 53, -11, -11, 3,
];

/// Lower-band quantizer decision levels, scaled by 2^12 / DETL (QUANTL).
const Q6: [i32; 30] = [
    0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940,
    1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919,
];
/// Lower-band codeword for a negative difference in interval `i` (QUANTL).
const ILN: [u8; 31] = [
    0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11,
    10, 9, 8, 7, 6, 5, 4,
];
/// Lower-band codeword for a non-negative difference in interval `i` (QUANTL).
const ILP: [u8; 31] = [
    0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39,
    38, 37, 36, 35, 34, 33, 32,
];
/// Lower-band 4-bit inverse quantizer, the predictor's input (INVQAL).
const QM4: [i32; 16] = [
    0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584,
    1200, 0,
];
/// Lower-band 6-bit inverse quantizer, the decoder's output at 64 kbit/s (INVQBL).
const QM6: [i32; 64] = [
    -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232,
    -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776,
    -2400, -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280,
    11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776,
    2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
];
/// Lower-band log scale factor increment per 4-bit codeword (LOGSCL's WL(RL42(IL4))).
const WL: [i32; 16] = [
    -60, 3042, 1198, 538, 334, 172, 58, -30, 3042, 1198, 538, 334, 172, 58, -30, -60,
];
/// Higher-band 2-bit inverse quantizer (INVQAH).
const QM2: [i32; 4] = [-7408, -1616, 7408, 1616];
/// Higher-band log scale factor increment per codeword (LOGSCH's WH(RH2(IH))).
const WH: [i32; 4] = [798, -214, 798, -214];
/// Inverse-log table for the scale factor (SCALEL/SCALEH).
const ILB: [i32; 32] = [
    2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
    2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
];

/// Clamps to the 16-bit range (the standard's saturation on every intermediate).
#[inline]
fn sat(x: i32) -> i32 {
    x.clamp(-32768, 32767)
}

/// The state of one sub-band's ADPCM: scale factor and the 2-pole/6-zero predictor.
#[derive(Debug, Clone)]
struct Band {
    /// Signal estimate for the next sample (PREDIC's S).
    s: i32,
    /// Zero-section part of `s` (FILTEZ's SZ).
    sz: i32,
    /// Reconstructed signal, one and two samples ago.
    r: [i32; 2],
    /// Partially reconstructed signal, one and two samples ago.
    p: [i32; 2],
    /// Pole coefficients a1, a2.
    a: [i32; 2],
    /// Quantized differences, 1..6 samples ago.
    d: [i32; 6],
    /// Zero coefficients b1..b6.
    b: [i32; 6],
    /// Log scale factor (NBL/NBH).
    nb: i32,
    /// Scale factor (DETL/DETH).
    det: i32,
}

impl Band {
    fn new(det: i32) -> Self {
        Band {
            s: 0,
            sz: 0,
            r: [0; 2],
            p: [0; 2],
            a: [0; 2],
            d: [0; 6],
            b: [0; 6],
            nb: 0,
            det,
        }
    }

    /// LOGSCL/SCALEL (and the H versions): adapts the scale factor. `max_nb` is 18432
    /// for the lower band, 22528 for the higher; `shift_base` 8 and 10.
    fn scale(&mut self, increment: i32, max_nb: i32, shift_base: i32) {
        self.nb = (((self.nb * 127) >> 7) + increment).clamp(0, max_nb);
        let mant = ILB[((self.nb >> 6) & 31) as usize];
        let shift = shift_base - (self.nb >> 11);
        let det = if shift < 0 {
            mant << -shift
        } else {
            mant >> shift
        };
        self.det = det << 2;
    }

    /// Block 4: reconstructs, adapts the predictor to the quantized difference `dq`, and
    /// computes the estimate for the next sample.
    fn predict(&mut self, dq: i32) {
        let r = sat(self.s + dq);
        let p = sat(self.sz + dq);

        // UPPOL2: second pole coefficient.
        let neg = p < 0;
        let same1 = neg == (self.p[0] < 0);
        let same2 = neg == (self.p[1] < 0);
        let wd1 = sat(self.a[0] << 2);
        let wd2 = if same1 { -wd1 } else { wd1 }.min(32767);
        let wd3 = (wd2 >> 7) + if same2 { 128 } else { -128 } + ((self.a[1] * 32512) >> 15);
        let a2 = wd3.clamp(-12288, 12288);

        // UPPOL1: first pole coefficient, bounded by the new a2.
        let a1 = sat(if same1 { 192 } else { -192 } + ((self.a[0] * 32640) >> 15));
        let lim = sat(15360 - a2);
        let a1 = a1.clamp(-lim, lim);

        // UPZERO: sign-sign update of the zero coefficients.
        let step = if dq == 0 { 0 } else { 128 };
        let dneg = dq < 0;
        for (b, &d) in self.b.iter_mut().zip(&self.d) {
            let inc = if (d < 0) == dneg { step } else { -step };
            *b = sat(inc + ((*b * 32640) >> 15));
        }

        // DELAYA.
        self.d.copy_within(0..5, 1);
        self.d[0] = dq;
        self.r = [r, self.r[0]];
        self.p = [p, self.p[0]];
        self.a = [a1, a2];

        // FILTEP, FILTEZ, PREDIC.
        let sp = sat(
            ((self.a[0] * sat(self.r[0] * 2)) >> 15) + ((self.a[1] * sat(self.r[1] * 2)) >> 15)
        );
        let mut sz = 0;
        for (&b, &d) in self.b.iter().zip(&self.d) {
            sz += (b * sat(d * 2)) >> 15;
        }
        self.sz = sat(sz);
        self.s = sat(sp + self.sz);
    }
}

/// QUANTL: the 6-bit codeword for the lower-band sample `xl` (no adaptation).
fn quantize_low(band: &Band, xl: i32) -> u8 {
    let el = sat(xl - band.s);
    // One's-complement magnitude, as the standard has it.
    let wd = if el >= 0 { el } else { -(el + 1) };
    let mut i = 1;
    while i < Q6.len() && wd >= (Q6[i] * band.det) >> 12 {
        i += 1;
    }
    if el < 0 {
        ILN[i]
    } else {
        ILP[i]
    }
}

/// Adapts the lower band to the 4-bit codeword `ril` (encoder and decoder alike).
fn update_low(band: &mut Band, ril: u8) {
    let dq = (band.det * QM4[ril as usize]) >> 15;
    band.scale(WL[ril as usize], 18432, 8);
    band.predict(dq);
}

/// QUANTH: the 2-bit codeword for the higher-band sample `xh` (no adaptation).
fn quantize_high(band: &Band, xh: i32) -> u8 {
    let eh = sat(xh - band.s);
    let wd = if eh >= 0 { eh } else { -(eh + 1) };
    let big = wd >= (564 * band.det) >> 12;
    match (eh < 0, big) {
        (true, false) => 1,
        (true, true) => 0,
        (false, false) => 3,
        (false, true) => 2,
    }
}

/// Adapts the higher band to the codeword `ih`; returns the quantized difference.
fn update_high(band: &mut Band, ih: u8) -> i32 {
    let dq = (band.det * QM2[ih as usize]) >> 15;
    band.scale(WH[ih as usize], 22528, 10);
    band.predict(dq);
    dq
}

/// Transmit QMF: pushes the pair (older first) into the 24-sample history `x` and
/// returns the lower- and higher-band samples.
fn analyse(x: &mut [i32; 24], s0: i16, s1: i16) -> (i32, i32) {
    // xA over the even taps of the newest-first history, xB over the odd.
    x.copy_within(2.., 0);
    x[22] = i32::from(s0);
    x[23] = i32::from(s1);
    let (mut xa, mut xb) = (0, 0);
    for k in 0..12 {
        xa += QMF[2 * k] * x[23 - 2 * k];
        xb += QMF[2 * k + 1] * x[22 - 2 * k];
    }
    ((xa + xb) >> 14, (xa - xb) >> 14)
}

/// G.722 encoder for one stream: 16 kHz PCM in, one byte per two samples.
#[derive(Debug, Clone)]
pub struct G722Encoder {
    /// The last 24 input samples, oldest first.
    x: [i32; 24],
    low: Band,
    high: Band,
}

impl G722Encoder {
    /// An encoder in the standard's reset state (what a new RTP stream needs).
    #[must_use]
    pub fn new() -> Self {
        G722Encoder {
            x: [0; 24],
            low: Band::new(32),
            high: Band::new(8),
        }
    }

    /// Encodes one pair of samples (older first) to one byte.
    fn encode_pair(&mut self, s0: i16, s1: i16) -> u8 {
        let (xl, xh) = analyse(&mut self.x, s0, s1);
        let il = quantize_low(&self.low, xl);
        update_low(&mut self.low, il >> 2);
        let ih = quantize_high(&self.high, xh);
        update_high(&mut self.high, ih);
        (ih << 6) | il
    }
}

impl Default for G722Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Encoder for G722Encoder {
    fn id(&self) -> CodecId {
        CodecId::G722
    }

    fn sample_rate(&self) -> u32 {
        RATE
    }

    /// Takes any non-empty even number of samples up to 200 ms.
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError> {
        check_frame(NAME, RATE, pcm.len(), 2)?;
        out.reserve(pcm.len() / 2);
        for pair in pcm.chunks_exact(2) {
            let byte = self.encode_pair(pair[0], pair[1]);
            out.push(byte);
        }
        Ok(())
    }
}

/// G.722 decoder for one stream, with waveform-repeat concealment.
///
/// Concealed audio is also re-encoded into the decoder's own state (the idea of G.722
/// Appendices III/IV): the ADPCM predictors and scale factors follow the concealed
/// signal, as the far encoder's followed the lost one, so the first packets after a gap
/// decode without a burst of mismatch noise.
#[derive(Debug, Clone)]
pub struct G722Decoder {
    /// Receive QMF history: pairs of (rl + rh, rl - rh), oldest first.
    y: [i32; 24],
    low: Band,
    high: Band,
    plc: Concealer,
    /// The last 24 output samples, oldest first: transmit-QMF history for re-encoding.
    x: [i32; 24],
}

impl G722Decoder {
    /// A decoder in the standard's reset state.
    #[must_use]
    pub fn new() -> Self {
        G722Decoder {
            y: [0; 24],
            low: Band::new(32),
            high: Band::new(8),
            plc: Concealer::new(RATE),
            x: [0; 24],
        }
    }

    /// Keeps the tail of the output as transmit-QMF history.
    fn remember(&mut self, pcm: &[i16]) {
        let n = pcm.len().min(24);
        self.x.copy_within(n.., 0);
        for (d, &s) in self.x[24 - n..].iter_mut().zip(&pcm[pcm.len() - n..]) {
            *d = i32::from(s);
        }
    }

    /// Decodes one byte to two samples.
    fn decode_byte(&mut self, code: u8) -> [i16; 2] {
        let il = code & 0x3F;
        let ih = code >> 6;
        let rl = (self.low.s + ((self.low.det * QM6[il as usize]) >> 15)).clamp(-16384, 16383);
        update_low(&mut self.low, il >> 2);
        let s_high = self.high.s;
        let dh = update_high(&mut self.high, ih);
        let rh = (s_high + dh).clamp(-16384, 16383);

        // Receive QMF.
        self.y.copy_within(2.., 0);
        self.y[22] = rl + rh;
        self.y[23] = rl - rh;
        let (mut o0, mut o1) = (0, 0);
        for k in 0..12 {
            o0 += QMF[2 * k] * self.y[23 - 2 * k];
            o1 += QMF[2 * k + 1] * self.y[22 - 2 * k];
        }
        [sat(o0 >> 11) as i16, sat(o1 >> 11) as i16]
    }
}

impl Default for G722Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder for G722Decoder {
    fn id(&self) -> CodecId {
        CodecId::G722
    }

    fn sample_rate(&self) -> u32 {
        RATE
    }

    /// Any non-empty payload up to 200 ms decodes: every byte is two samples.
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        check_payload(NAME, payload.len(), MAX_BYTES)?;
        let start = out.len();
        out.reserve(payload.len() * 2);
        for &b in payload {
            out.extend(self.decode_byte(b));
        }
        self.plc.update(&mut out[start..]);
        self.remember(&out[start..]);
        Ok(())
    }

    fn conceal(&mut self, samples: usize, out: &mut Vec<i16>) {
        let start = out.len();
        self.plc.conceal(samples, out);
        for pair in out[start..].chunks_exact(2) {
            let (xl, xh) = analyse(&mut self.x, pair[0], pair[1]);
            let il = quantize_low(&self.low, xl);
            let ih = quantize_high(&self.high, xh);
            self.decode_byte((ih << 6) | il);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_round_trips_to_silence() {
        let mut e = G722Encoder::new();
        let mut d = G722Decoder::new();
        let mut bytes = Vec::new();
        e.encode(&[0; 320], &mut bytes).unwrap();
        assert_eq!(bytes.len(), 160);
        let mut pcm = Vec::new();
        d.decode(&bytes, &mut pcm).unwrap();
        assert_eq!(pcm.len(), 320);
        assert!(pcm.iter().all(|s| s.unsigned_abs() < 8), "{pcm:?}");
    }

    #[test]
    fn tone_round_trips() {
        let x: Vec<i16> = (0..3200)
            .map(|i| {
                (8000.0 * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / 16000.0).sin()) as i16
            })
            .collect();
        let mut e = G722Encoder::new();
        let mut d = G722Decoder::new();
        let mut y = Vec::new();
        for f in x.chunks(320) {
            let mut bytes = Vec::new();
            e.encode(f, &mut bytes).unwrap();
            d.decode(&bytes, &mut y).unwrap();
        }
        // The codec delays by 22 samples (two 24-tap QMFs); compare after settling.
        let (mut err, mut sig) = (0.0, 0.0);
        for i in 800..3200 {
            let e = f64::from(y[i]) - f64::from(x[i - 22]);
            err += e * e;
            sig += f64::from(x[i - 22]).powi(2);
        }
        let snr = 10.0 * (sig / err).log10();
        assert!(snr > 20.0, "SNR {snr:.1} dB");
    }

    #[test]
    fn odd_and_oversized_frames_are_errors() {
        let mut e = G722Encoder::new();
        let mut out = Vec::new();
        assert!(e.encode(&[0; 319], &mut out).is_err());
        assert!(e.encode(&[], &mut out).is_err());
        assert!(e.encode(&vec![0; 3202], &mut out).is_err());
        let mut d = G722Decoder::new();
        let mut pcm = Vec::new();
        assert!(d.decode(&[], &mut pcm).is_err());
        assert!(d.decode(&vec![0; 1601], &mut pcm).is_err());
        assert!(pcm.is_empty());
    }
}
