//! G.726 ADPCM at 32 kbit/s (`G726-32/8000`): ITU-T G.726 §4 with 4-bit codewords,
//! on 16-bit linear PCM, packed per RFC 3551 §4.5.4.
//!
//! The standard is specified on G.711 input and output; like ffmpeg (whose `g726le`
//! codec is the interoperability reference here) we feed it linear PCM instead: the
//! 16-bit sample is scaled to the 14-bit range the standard's `SL` has (divided by 4),
//! and the reconstructed signal `SR` is scaled back by 4. Every other block (adaptive
//! quantizer, inverse quantizer, scale factor adaptation, adaptation speed control,
//! the 2-pole/6-zero adaptive predictor with its floating-point multipliers, tone and
//! transition detection) is the integer arithmetic of G.726 §4.2, so encoder bytes and
//! decoder samples are bit-exact with ffmpeg's. The synchronous coding adjustment of
//! §4.2.8 only applies to G.711 output and has no linear counterpart. One deliberate
//! difference: when the reconstructed signal leaves the 16-bit range ffmpeg wraps it
//! around, we saturate.
//!
//! Packing (RFC 3551 §4.5.4): two codewords per octet, the first in the four least
//! significant bits.

use super::{check_frame, check_payload, CodecId, Decoder, Encoder, MAX_FRAME_MS};
use crate::{CodecError, Concealer};

/// Codec name used in errors.
const NAME: &str = "G726-32";
/// Largest payload accepted: [`MAX_FRAME_MS`] at two samples per byte.
const MAX_BYTES: usize = (8000 * MAX_FRAME_MS / 1000 / 2) as usize;

/// Decision levels of the 32 kbit/s quantizer (G.726 Table 1), in the log2 domain
/// `DLN` (7 fractional bits), lowest first.
const DECISION: [i32; 7] = [-125, 79, 177, 245, 299, 348, 399];

/// Inverse quantizer output `DQLN` per codeword (G.726 Table 1); the -32768 entries
/// (codewords 0000 and 1111) reconstruct to a zero difference.
const RECONSTRUCT: [i32; 16] = [
    -32768, 4, 135, 213, 273, 323, 373, 425, 425, 373, 323, 273, 213, 135, 4, -32768,
];

/// Scale factor multipliers `W(I)` (G.726 Table 2, 32 kbit/s).
const W: [i32; 16] = [
    -12, 18, 41, 64, 112, 198, 355, 1122, 1122, 355, 198, 112, 64, 41, 18, -12,
];

/// Adaptation speed inputs `F(I)` (G.726 Table 2, 32 kbit/s).
const F: [i32; 16] = [0, 0, 0, 1, 1, 1, 3, 7, 7, 3, 1, 1, 1, 0, 0, 0];

/// Position of the highest set bit (0 for 0 and 1): `floor(log2(v))`.
#[inline]
fn log2(v: i32) -> i32 {
    if v <= 0 {
        0
    } else {
        31 - v.leading_zeros() as i32
    }
}

/// Sign that is 0 for 0 (the standard's `sgn` on values that may vanish).
#[inline]
fn sgn0(v: i32) -> i32 {
    v.signum()
}

/// The standard's 11-bit floating-point form of `DQ` and `SR` (FLOATA/FLOATB): sign,
/// 4/5-bit exponent and 6-bit mantissa with the leading one explicit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Float {
    negative: bool,
    exp: u8,
    mant: u8,
}

impl Float {
    /// The representation of zero: the mantissa is 32, as FLOATA/FLOATB give it.
    const ZERO: Float = Float {
        negative: false,
        exp: 0,
        mant: 32,
    };

    /// FLOATA/FLOATB: converts a signed integer.
    #[inline]
    fn from_int(v: i32) -> Float {
        let mag = v.unsigned_abs() as i32;
        if mag == 0 {
            return Float {
                negative: v < 0,
                ..Float::ZERO
            };
        }
        let exp = log2(mag) + 1;
        Float {
            negative: v < 0,
            exp: exp as u8,
            mant: ((mag << 6) >> exp) as u8,
        }
    }

    /// FMULT: multiplies a predictor coefficient (as a float) by a stored sample;
    /// the product is truncated to 16 bits as in the reference.
    #[inline]
    fn mul(self, other: Float) -> i32 {
        let exp = i32::from(self.exp) + i32::from(other.exp);
        let mant = (i32::from(self.mant) * i32::from(other.mant) + 0x30) >> 4;
        let mag = if exp > 19 {
            mant << (exp - 19)
        } else {
            mant >> (19 - exp)
        };
        let v = if self.negative != other.negative {
            -mag
        } else {
            mag
        };
        i32::from(v as i16)
    }
}

/// The adaptive state shared by encoder and decoder (the encoder runs a decoder to
/// track what the far end reconstructs).
#[derive(Debug, Clone)]
struct State {
    /// Reconstructed signal `SR(k-1)`, `SR(k-2)`.
    sr: [Float; 2],
    /// Quantized differences `DQ(k-1)`..`DQ(k-6)`.
    dq: [Float; 6],
    /// Pole coefficients `A1`, `A2` (Q14).
    a: [i32; 2],
    /// Zero coefficients `B1`..`B6` (Q14).
    b: [i32; 6],
    /// Signs of `P(k-1)`, `P(k-2)` (partial reconstructed signal).
    pk: [i32; 2],
    /// Speed control `AP`.
    ap: i32,
    /// Fast scale factor `YU`.
    yu: i32,
    /// Slow scale factor `YL` (6 extra fractional bits).
    yl: i32,
    /// Short-term average of `F(I)`.
    dms: i32,
    /// Long-term average of `F(I)`.
    dml: i32,
    /// Tone detected (`TD`).
    td: bool,
    /// Signal estimate `SE` for the next sample.
    se: i32,
    /// Zero-section estimate `SEZ` for the next sample.
    sez: i32,
    /// Quantizer scale factor `Y` for the next sample.
    y: i32,
}

impl State {
    /// The reset state of G.726 §4.2.
    fn new() -> State {
        State {
            sr: [Float::ZERO; 2],
            dq: [Float::ZERO; 6],
            a: [0; 2],
            b: [0; 6],
            pk: [1; 2],
            ap: 0,
            yu: 544,
            yl: 34816,
            dms: 0,
            dml: 0,
            td: false,
            se: 0,
            sez: 0,
            y: 544,
        }
    }

    /// Adaptive quantizer (G.726 §4.2.2): the 4-bit codeword for difference `d`.
    #[inline]
    fn quantize(&self, d: i32) -> u8 {
        let mag = d.abs();
        let exp = log2(mag);
        let dln = (exp << 7) + (((mag << 7) >> exp) & 0x7f) - (self.y >> 2);
        let i = DECISION.iter().take_while(|&&t| t < dln).count() as u8;
        // Magnitude 0 has no codeword of its own at 32 kbit/s: it is sent as 1111.
        if i == 0 {
            15
        } else if d < 0 {
            15 - i
        } else {
            i
        }
    }

    /// Inverse adaptive quantizer (G.726 §4.2.3): magnitude of `DQ` for `code`.
    #[inline]
    fn reconstruct(&self, code: usize) -> i32 {
        let dql = RECONSTRUCT[code] + (self.y >> 2);
        if dql < 0 {
            return 0;
        }
        let dex = (dql >> 7) & 0xf;
        let dqt = 128 + (dql & 0x7f);
        (dqt << dex) >> 7
    }

    /// Runs one codeword through the decoder half of G.726 §4.2 and returns the
    /// reconstructed signal `SR` (14-bit range).
    fn step(&mut self, code: u8) -> i32 {
        let code = usize::from(code & 0xf);
        let negative = code & 8 != 0;
        let mut dq = self.reconstruct(code);

        // Transition detector (§4.2.7, TRANS): a large DQ while a tone was detected.
        let ylint = self.yl >> 15;
        let ylfrac = (self.yl >> 10) & 0x1f;
        let thr2 = if ylint > 9 {
            0x1f << 10
        } else {
            (0x20 + ylfrac) << ylint
        };
        let tr = self.td && dq > ((3 * thr2) >> 2);

        if negative {
            dq = -dq;
        }
        // SR is a 16-bit quantity in the reference; wrap like it does.
        let sr = i32::from((self.se + dq) as i16);

        // Adaptive predictor coefficient update (§4.2.6, UPA2/UPA1/UPB/LIMC/LIMD).
        let pk0 = sgn0(self.sez + dq);
        let dq0 = sgn0(dq);
        if tr {
            self.a = [0; 2];
            self.b = [0; 6];
        } else {
            let fa1 = ((-self.a[0] * self.pk[0] * pk0) >> 5).clamp(-256, 255);
            self.a[1] += 128 * pk0 * self.pk[1] + fa1 - (self.a[1] >> 7);
            self.a[1] = self.a[1].clamp(-12288, 12288);
            let lim = 15360 - self.a[1];
            self.a[0] += 192 * pk0 * self.pk[0] - (self.a[0] >> 8);
            self.a[0] = self.a[0].clamp(-lim, lim);
            for (b, old) in self.b.iter_mut().zip(&self.dq) {
                let old_sign = if old.negative { -1 } else { 1 };
                *b += 128 * dq0 * old_sign - (*b >> 8);
            }
        }

        // Delay lines.
        self.pk[1] = self.pk[0];
        self.pk[0] = if pk0 == 0 { 1 } else { pk0 };
        self.sr[1] = self.sr[0];
        self.sr[0] = Float::from_int(sr);
        self.dq.copy_within(0..5, 1);
        self.dq[0] = Float {
            negative,
            ..Float::from_int(dq)
        };

        // Tone detector (§4.2.7, TONE).
        self.td = self.a[1] < -11776;

        // Adaptation speed control (§4.2.5, FILTA/FILTB/SUBTC/FILTC).
        self.dms += (F[code] << 4) + ((-self.dms) >> 5);
        self.dml += (F[code] << 4) + ((-self.dml) >> 7);
        if tr {
            self.ap = 256;
        } else {
            self.ap += (-self.ap) >> 4;
            if self.y <= 1535 || self.td || ((self.dms << 2) - self.dml).abs() >= (self.dml >> 3) {
                self.ap += 0x20;
            }
        }

        // Quantizer scale factor adaptation (§4.2.4, FILTD/LIMB/FILTE/MIX).
        self.yu = (self.y + W[code] + ((-self.y) >> 5)).clamp(544, 5120);
        self.yl += self.yu + ((-self.yl) >> 6);
        let al = if self.ap >= 256 { 64 } else { self.ap >> 2 };
        self.y = (self.yl + (self.yu - (self.yl >> 6)) * al) >> 6;

        // Signal estimate for the next sample (§4.2.6, FMULT/ACCUM).
        let mut se = 0;
        for (b, dq) in self.b.iter().zip(&self.dq) {
            se += Float::from_int(b >> 2).mul(*dq);
        }
        self.sez = se >> 1;
        for (a, sr) in self.a.iter().zip(&self.sr) {
            se += Float::from_int(a >> 2).mul(*sr);
        }
        self.se = se >> 1;

        sr
    }

    /// Encodes one linear sample and updates the state as the decoder will.
    #[inline]
    fn encode(&mut self, sample: i16) -> u8 {
        let code = self.quantize(i32::from(sample) / 4 - self.se);
        self.step(code);
        code
    }

    /// Decodes one codeword to a linear sample.
    #[inline]
    fn decode(&mut self, code: u8) -> i16 {
        // The 14-bit signal back to 16 bits; saturate where ffmpeg wraps.
        (self.step(code) * 4).clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
    }
}

/// G.726-32 encoder for one stream: 8 kHz PCM in, two samples per payload byte.
#[derive(Debug, Clone)]
pub struct G726Encoder {
    state: State,
}

impl G726Encoder {
    /// A fresh encoder in the G.726 reset state (what a new RTP stream needs).
    #[must_use]
    pub fn new() -> Self {
        G726Encoder {
            state: State::new(),
        }
    }
}

impl Default for G726Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Encoder for G726Encoder {
    fn id(&self) -> CodecId {
        CodecId::G726_32
    }

    fn sample_rate(&self) -> u32 {
        8000
    }

    /// Takes any even number of samples (a byte holds two codewords) up to
    /// [`MAX_FRAME_MS`].
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError> {
        check_frame(NAME, 8000, pcm.len(), 2)?;
        out.reserve(pcm.len() / 2);
        for pair in pcm.chunks_exact(2) {
            let lo = self.state.encode(pair[0]);
            let hi = self.state.encode(pair[1]);
            out.push(lo | (hi << 4));
        }
        Ok(())
    }
}

/// G.726-32 decoder for one stream, with a fading repeat for lost packets.
#[derive(Debug, Clone)]
pub struct G726Decoder {
    state: State,
    /// Pitch-repeat concealment over the decoded audio (G.726 has no PLC of its own).
    plc: Concealer,
}

impl G726Decoder {
    /// A fresh decoder in the G.726 reset state.
    #[must_use]
    pub fn new() -> Self {
        G726Decoder {
            state: State::new(),
            plc: Concealer::new(8000),
        }
    }
}

impl Default for G726Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder for G726Decoder {
    fn id(&self) -> CodecId {
        CodecId::G726_32
    }

    fn sample_rate(&self) -> u32 {
        8000
    }

    /// Any non-empty payload up to [`MAX_FRAME_MS`] decodes: every byte is two
    /// codewords.
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        check_payload(NAME, payload.len(), MAX_BYTES)?;
        let start = out.len();
        out.reserve(payload.len() * 2);
        for &byte in payload {
            out.push(self.state.decode(byte & 0xf));
            out.push(self.state.decode(byte >> 4));
        }
        self.plc.update(&mut out[start..]);
        Ok(())
    }

    /// The shared fading pitch repeat ([`Concealer`]). The ADPCM state is left alone:
    /// the next payload decodes from where the far end's encoder is.
    fn conceal(&mut self, samples: usize, out: &mut Vec<i16>) {
        self.plc.conceal(samples, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_form_matches_the_standard() {
        assert_eq!(Float::from_int(0), Float::ZERO);
        let f = Float::from_int(-100);
        assert!(f.negative);
        assert_eq!((f.exp, f.mant), (7, 50));
        assert_eq!(Float::from_int(1).mant, 32);
    }

    #[test]
    fn zero_magnitude_is_sent_as_1111() {
        let s = State::new();
        assert_eq!(s.quantize(0), 15);
        assert_eq!(s.quantize(1), 15);
        assert_eq!(s.quantize(-1), 15);
        assert_eq!(s.reconstruct(15), 0);
        assert_eq!(s.reconstruct(0), 0);
    }

    #[test]
    fn quantizer_is_symmetric() {
        let s = State::new();
        for d in [50, 200, 500, 1000, 5000] {
            assert_eq!(s.quantize(-d), 15 - s.quantize(d));
        }
    }
}
