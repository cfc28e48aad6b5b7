//! G.711 µ-law (PCMU) and A-law (PCMA): one byte per 8 kHz sample, no state.
//!
//! Decoding is a 256-entry table built at compile time from the standard's segment
//! rules. Encoding applies the standard's decision values to the 16-bit input read as
//! a 14-bit (µ-law) or 13-bit (A-law) value with 2 or 3 fractional bits: a table
//! indexed by the magnitude's integer part. Every level is the middle of its interval,
//! so this is the nearest level except just above a segment start, where G.711 puts
//! the decision value at the segment edge rather than half-way.
//!
//! Negative inputs: µ-law has a zero level and is symmetric about 0 (magnitude `-x`,
//! as sox and the classic Sun code have it); A-law has none and the 16-bit range is
//! symmetric about -1/2, so negatives use the one's complement `-x - 1` (as the ITU-T
//! G.191 reference and sox do). On the native grid this is byte-identical to sox.
//! Packet-loss concealment is the fading waveform repeat of [`crate::plc`].

use super::{check_frame, check_payload, CodecId, Decoder, Encoder, MAX_FRAME_MS};
use crate::plc::Concealer;
use crate::CodecError;

/// G.711 PCM rate.
const RATE: u32 = 8000;
/// Largest payload accepted: [`MAX_FRAME_MS`] of one byte per sample.
const MAX_BYTES: usize = (RATE * MAX_FRAME_MS / 1000) as usize;

/// µ-law level index (0–127, magnitude order) of a 14-bit magnitude.
const fn ulaw_index(mag14: u32) -> u8 {
    // Bias by 33 so the segments start at powers of two: segment s spans biased
    // magnitudes [32 << s, 64 << s), in 16 steps of 2 << s.
    let biased = mag14 + 33;
    if biased >= 8192 {
        return 127;
    }
    let seg = (31 - biased.leading_zeros()) - 5;
    let mant = (biased >> (seg + 1)) & 0xF;
    ((seg << 4) | mant) as u8
}

/// A-law level index (0–127, magnitude order) of a 13-bit magnitude.
const fn alaw_index(mag13: u32) -> u8 {
    if mag13 >= 4096 {
        return 127;
    }
    // Segments 0 and 1 both step by 2 over [0, 32) and [32, 64); segment s >= 2 spans
    // [16 << s, 32 << s) in steps of 1 << s.
    let (seg, mant) = if mag13 < 32 {
        (0, mag13 >> 1)
    } else {
        let seg = (31 - mag13.leading_zeros()) - 4;
        (seg, (mag13 >> seg) & 0xF)
    };
    ((seg << 4) | mant) as u8
}

/// µ-law encode table over 16-bit magnitude >> 2 (0..=8192).
static ULAW_ENC: [u8; 8193] = {
    let mut t = [0u8; 8193];
    let mut i = 0;
    while i < t.len() {
        t[i] = ulaw_index(i as u32);
        i += 1;
    }
    t
};

/// A-law encode table over 16-bit one's-complement magnitude >> 3 (0..=4095).
static ALAW_ENC: [u8; 4096] = {
    let mut t = [0u8; 4096];
    let mut i = 0;
    while i < t.len() {
        t[i] = alaw_index(i as u32);
        i += 1;
    }
    t
};

/// µ-law decode table: code byte to 16-bit linear.
static ULAW_DEC: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut code = 0;
    while code < 256 {
        // Transmitted codes are the level index with all bits inverted; bit 7 set = +.
        let u = !code & 0xFF;
        let seg = (u >> 4) & 7;
        let mant = u & 0xF;
        let mag14 = (((mant << 1) + 33) << seg) - 33;
        let v = (mag14 << 2) as i16;
        t[code] = if u & 0x80 != 0 { -v } else { v };
        code += 1;
    }
    t
};

/// A-law decode table: code byte to 16-bit linear.
static ALAW_DEC: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut code = 0;
    while code < 256 {
        // Transmitted codes have the even bits inverted; bit 7 set = +.
        let u = code ^ 0x55;
        let seg = (u >> 4) & 7;
        let mant = u & 0xF;
        let mag13 = if seg == 0 {
            (mant << 1) + 1
        } else {
            ((mant << 1) + 33) << (seg - 1)
        };
        let v = (mag13 << 3) as i16;
        t[code] = if u & 0x80 != 0 { v } else { -v };
        code += 1;
    }
    t
};

/// Encodes one 16-bit sample to µ-law (the level nearest to it).
#[must_use]
#[inline]
pub fn linear_to_ulaw(x: i16) -> u8 {
    let mag = i32::from(x).unsigned_abs() >> 2;
    let idx = ULAW_ENC[mag as usize];
    if x < 0 {
        0x7F - idx
    } else {
        0xFF - idx
    }
}

/// Decodes one µ-law byte to 16-bit linear.
#[must_use]
#[inline]
pub fn ulaw_to_linear(code: u8) -> i16 {
    ULAW_DEC[code as usize]
}

/// Encodes one 16-bit sample to A-law (the level nearest to it).
#[must_use]
#[inline]
pub fn linear_to_alaw(x: i16) -> u8 {
    // One's complement for negatives: -1 -> 0, i16::MIN -> 32767.
    let mag = if x < 0 { !x } else { x } as u16 >> 3;
    let idx = ALAW_ENC[mag as usize];
    if x < 0 {
        idx ^ 0x55
    } else {
        idx ^ 0xD5
    }
}

/// Decodes one A-law byte to 16-bit linear.
#[must_use]
#[inline]
pub fn alaw_to_linear(code: u8) -> i16 {
    ALAW_DEC[code as usize]
}

macro_rules! g711_codec {
    ($enc:ident, $dec:ident, $id:expr, $name:literal, $to:path, $from:path, $law:literal) => {
        #[doc = concat!("G.711 ", $law, " encoder (`", $name, "`): any frame of 1 to 1600 samples.")]
        #[derive(Debug, Clone, Default)]
        pub struct $enc;

        impl $enc {
            #[doc = concat!("A ", $law, " encoder (stateless; one per stream all the same).")]
            #[must_use]
            pub fn new() -> Self {
                $enc
            }
        }

        impl Encoder for $enc {
            fn id(&self) -> CodecId {
                $id
            }

            fn sample_rate(&self) -> u32 {
                RATE
            }

            fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError> {
                check_frame($name, RATE, pcm.len(), 1)?;
                out.extend(pcm.iter().map(|&s| $to(s)));
                Ok(())
            }
        }

        #[doc = concat!("G.711 ", $law, " decoder (`", $name, "`) with waveform-repeat concealment.")]
        #[derive(Debug, Clone)]
        pub struct $dec {
            plc: Concealer,
        }

        impl $dec {
            #[doc = concat!("A ", $law, " decoder for one incoming stream.")]
            #[must_use]
            pub fn new() -> Self {
                $dec {
                    plc: Concealer::new(RATE),
                }
            }
        }

        impl Default for $dec {
            fn default() -> Self {
                Self::new()
            }
        }

        impl Decoder for $dec {
            fn id(&self) -> CodecId {
                $id
            }

            fn sample_rate(&self) -> u32 {
                RATE
            }

            fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
                check_payload($name, payload.len(), MAX_BYTES)?;
                let start = out.len();
                out.extend(payload.iter().map(|&b| $from(b)));
                self.plc.update(&mut out[start..]);
                Ok(())
            }

            fn conceal(&mut self, samples: usize, out: &mut Vec<i16>) {
                self.plc.conceal(samples, out);
            }
        }
    };
}

g711_codec!(
    PcmuEncoder,
    PcmuDecoder,
    CodecId::Pcmu,
    "PCMU",
    linear_to_ulaw,
    ulaw_to_linear,
    "µ-law"
);
g711_codec!(
    PcmaEncoder,
    PcmaDecoder,
    CodecId::Pcma,
    "PCMA",
    linear_to_alaw,
    alaw_to_linear,
    "A-law"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes() {
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(ulaw_to_linear(0xFF), 0);
        assert_eq!(ulaw_to_linear(0x7F), 0);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(ulaw_to_linear(0x00), -32124);
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(alaw_to_linear(0xAA), 32256);
        assert_eq!(alaw_to_linear(0x2A), -32256);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        assert_eq!(linear_to_alaw(i16::MIN), 0x2A);
    }

    #[test]
    fn codes_round_trip() {
        for c in 0..=255u8 {
            // -0 (0x7F) comes back as +0.
            let u = linear_to_ulaw(ulaw_to_linear(c));
            assert!(u == c || (c == 0x7F && u == 0xFF), "ulaw {c:#x}");
            assert_eq!(linear_to_alaw(alaw_to_linear(c)), c, "alaw {c:#x}");
        }
    }

    #[test]
    fn frame_and_payload_limits() {
        let mut e = PcmuEncoder::new();
        let mut out = Vec::new();
        assert!(e.encode(&[], &mut out).is_err());
        assert!(e.encode(&vec![0; 1601], &mut out).is_err());
        e.encode(&[0; 160], &mut out).unwrap();
        assert_eq!(out.len(), 160);
        let mut d = PcmaDecoder::new();
        let mut pcm = Vec::new();
        assert!(d.decode(&[], &mut pcm).is_err());
        assert!(d.decode(&vec![0xD5; 1601], &mut pcm).is_err());
        d.decode(&[0xD5; 160], &mut pcm).unwrap();
        assert_eq!(pcm, vec![8; 160]);
    }
}
