//! GSM 06.10 full rate (RPE-LTP, 13 kbit/s): 160 samples at 8 kHz in 33 bytes.
//!
//! Own implementation of ETSI GSM 06.10 in its specified 16/32-bit fixed-point
//! arithmetic, bit-exact with the reference implementation everyone interoperates
//! with (libgsm, as used by sox and Asterisk): preprocessing and LPC analysis
//! ([`lpc`]), long-term prediction and RPE coding ([`rpe`]), and the decoder's
//! synthesis filters and postprocessing.
//!
//! Frame format (RFC 3551 §4.5.8, libgsm's packing): the signature nibble `0xD` in
//! the top four bits of the first byte, then the 260 bits of parameters most
//! significant bit first: LARc[1..8] (6, 6, 5, 5, 4, 4, 3, 3 bits), and for each of
//! the four subframes Nc (7), bc (2), Mc (2), xmaxc (6) and 13 × xMc (3).

mod lpc;
mod ops;
mod rpe;

use super::{check_frame, check_payload, CodecId, Decoder, Encoder, MAX_FRAME_MS};
use crate::CodecError;
use lpc::{AnalysisFilter, Postprocess, Preprocess, SynthesisFilter};
use rpe::{LtpSynthesis, Subframe};

/// Codec name used in errors.
const NAME: &str = "GSM";
/// Samples per frame (20 ms).
const FRAME_SAMPLES: usize = 160;
/// Bytes per frame.
const FRAME_BYTES: usize = 33;
/// Largest payload accepted: the whole frames in [`MAX_FRAME_MS`].
const MAX_BYTES: usize = (MAX_FRAME_MS / 20) as usize * FRAME_BYTES;
/// The signature nibble of every frame.
const MAGIC: u8 = 0xD;
/// Bit widths of the eight coded LARs.
const LAR_BITS: [u32; 8] = [6, 6, 5, 5, 4, 4, 3, 3];

/// The coded parameters of one 20 ms frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Frame {
    /// Coded log-area ratios.
    larc: [u8; 8],
    /// The four 5 ms subframes.
    sub: [Subframe; 4],
}

/// Appends fields most significant bit first.
struct BitWriter<'a> {
    out: &'a mut [u8; FRAME_BYTES],
    acc: u32,
    bits: u32,
    pos: usize,
}

impl BitWriter<'_> {
    #[inline]
    fn put(&mut self, value: u8, width: u32) {
        self.acc = (self.acc << width) | (u32::from(value) & ((1 << width) - 1));
        self.bits += width;
        while self.bits >= 8 {
            self.bits -= 8;
            self.out[self.pos] = (self.acc >> self.bits) as u8;
            self.pos += 1;
        }
    }
}

/// Reads fields most significant bit first.
struct BitReader<'a> {
    data: &'a [u8],
    acc: u32,
    bits: u32,
    pos: usize,
}

impl BitReader<'_> {
    #[inline]
    fn get(&mut self, width: u32) -> u8 {
        while self.bits < width {
            // Callers read exactly 264 bits from 33 bytes; past the end reads zeros.
            let byte = self.data.get(self.pos).copied().unwrap_or(0);
            self.acc = (self.acc << 8) | u32::from(byte);
            self.bits += 8;
            self.pos += 1;
        }
        self.bits -= width;
        ((self.acc >> self.bits) & ((1 << width) - 1)) as u8
    }
}

impl Frame {
    /// Packs the frame into its 33-byte wire form.
    fn pack(&self, out: &mut [u8; FRAME_BYTES]) {
        let mut w = BitWriter {
            out,
            acc: 0,
            bits: 0,
            pos: 0,
        };
        w.put(MAGIC, 4);
        for (&c, &bits) in self.larc.iter().zip(&LAR_BITS) {
            w.put(c, bits);
        }
        for s in &self.sub {
            w.put(s.nc, 7);
            w.put(s.bc, 2);
            w.put(s.mc, 2);
            w.put(s.xmaxc, 6);
            for &x in &s.xmc {
                w.put(x, 3);
            }
        }
    }

    /// Unpacks a 33-byte frame whose signature was already checked.
    fn unpack(data: &[u8]) -> Frame {
        let mut r = BitReader {
            data,
            acc: 0,
            bits: 0,
            pos: 0,
        };
        let _magic = r.get(4);
        let mut f = Frame::default();
        for (c, &bits) in f.larc.iter_mut().zip(&LAR_BITS) {
            *c = r.get(bits);
        }
        for s in &mut f.sub {
            s.nc = r.get(7);
            s.bc = r.get(2);
            s.mc = r.get(2);
            s.xmaxc = r.get(6);
            for x in &mut s.xmc {
                *x = r.get(3);
            }
        }
        f
    }
}

/// GSM 06.10 encoder for one stream: 160 samples (20 ms) per 33-byte frame.
#[derive(Debug, Clone)]
pub struct GsmEncoder {
    pre: Preprocess,
    filter: AnalysisFilter,
    /// Reconstructed short-term residual: 120 samples of history, then this frame.
    dp0: [i16; 280],
    /// The LTP residual of the current subframe at `[5..45]`, zero-padded for the
    /// weighting filter.
    e: [i16; 50],
}

impl GsmEncoder {
    /// A fresh encoder (all filter memories zero, as the standard's reset).
    #[must_use]
    pub fn new() -> Self {
        GsmEncoder {
            pre: Preprocess::default(),
            filter: AnalysisFilter::default(),
            dp0: [0; 280],
            e: [0; 50],
        }
    }

    /// GSM 06.10 §4.2: codes one frame of 160 samples.
    fn encode_frame(&mut self, pcm: &[i16]) -> Frame {
        let mut s = [0i16; FRAME_SAMPLES];
        self.pre.run(pcm, &mut s);
        let larc = lpc::analysis(&mut s);
        self.filter.run(&larc, &mut s);
        let mut frame = Frame {
            larc,
            ..Frame::default()
        };
        for (j, sub) in frame.sub.iter_mut().enumerate() {
            let d = &s[40 * j..40 * j + 40];
            let history = &self.dp0[40 * j..40 * j + 120];
            let (nc, bc) = rpe::ltp_parameters(d, history);
            let mut dpp = [0i16; 40];
            rpe::ltp_filter(bc, nc, history, d, &mut dpp, &mut self.e[5..45]);
            rpe::rpe_encode(&mut self.e, sub);
            sub.nc = nc;
            sub.bc = bc;
            // §4.2.18: update the reconstructed short-term residual.
            let dp = &mut self.dp0[120 + 40 * j..160 + 40 * j];
            for ((d, &e), &p) in dp.iter_mut().zip(&self.e[5..45]).zip(&dpp) {
                *d = ops::add(e, p);
            }
        }
        self.dp0.copy_within(160..280, 0);
        frame
    }
}

impl Default for GsmEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Encoder for GsmEncoder {
    fn id(&self) -> CodecId {
        CodecId::Gsm
    }

    fn sample_rate(&self) -> u32 {
        8000
    }

    /// Takes one or more whole frames (a multiple of 160 samples) up to
    /// [`MAX_FRAME_MS`].
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError> {
        check_frame(NAME, 8000, pcm.len(), FRAME_SAMPLES)?;
        out.reserve(pcm.len() / FRAME_SAMPLES * FRAME_BYTES);
        let mut bytes = [0u8; FRAME_BYTES];
        for chunk in pcm.chunks_exact(FRAME_SAMPLES) {
            self.encode_frame(chunk).pack(&mut bytes);
            out.extend_from_slice(&bytes);
        }
        Ok(())
    }
}

/// Consecutive concealed frames after which the output is silent (320 ms, as
/// GSM 06.11 mutes).
const MUTE_AFTER: u32 = 16;

/// GSM 06.10 decoder for one stream, with parameter-repeat concealment.
#[derive(Debug, Clone)]
pub struct GsmDecoder {
    ltp: LtpSynthesis,
    synth: SynthesisFilter,
    post: Postprocess,
    /// The last good frame, repeated (attenuated) to conceal losses.
    last: Option<Frame>,
    /// Frames concealed since the last good one.
    lost: u32,
    /// Concealment audio generated but not yet handed out (a whole frame is
    /// synthesised at a time; callers may ask for any number of samples).
    pending: [i16; FRAME_SAMPLES],
    /// Samples at the end of `pending` still to hand out.
    pending_len: usize,
}

impl GsmDecoder {
    /// A fresh decoder (all filter memories zero).
    #[must_use]
    pub fn new() -> Self {
        GsmDecoder {
            ltp: LtpSynthesis::default(),
            synth: SynthesisFilter::default(),
            post: Postprocess::default(),
            last: None,
            lost: 0,
            pending: [0; FRAME_SAMPLES],
            pending_len: 0,
        }
    }

    /// GSM 06.10 §4.3: synthesises one frame.
    fn decode_frame(&mut self, frame: &Frame, out: &mut [i16; FRAME_SAMPLES]) {
        let mut wt = [0i16; FRAME_SAMPLES];
        for (j, sub) in frame.sub.iter().enumerate() {
            let erp = rpe::rpe_decode(sub);
            self.ltp.run(sub.nc, sub.bc, &erp, &mut wt[40 * j..]);
        }
        self.synth.run(&frame.larc, &wt, out);
        self.post.run(out);
    }

    /// Synthesises the next concealment frame into `pending`: the last good frame's
    /// parameters run through the real synthesis (so the filters stay continuous),
    /// with the RPE amplitude and pitch gain lowered a step per frame; the first lost
    /// frame plays at full level, then the output fades linearly to silence at
    /// [`MUTE_AFTER`] frames.
    fn conceal_frame(&mut self) {
        self.lost = self.lost.saturating_add(1);
        let mut frame = match self.last {
            Some(f) if self.lost <= MUTE_AFTER => f,
            _ => {
                self.pending = [0; FRAME_SAMPLES];
                return;
            }
        };
        let fade = self.lost - 1;
        for s in &mut frame.sub {
            s.xmaxc = s.xmaxc.saturating_sub((2 * fade).min(63) as u8);
            s.bc = s.bc.saturating_sub(fade.min(3) as u8);
        }
        let mut out = [0i16; FRAME_SAMPLES];
        self.decode_frame(&frame, &mut out);
        if fade > 0 {
            // Q15 gain falling linearly from 1 where the second lost frame starts to
            // 0 where frame MUTE_AFTER ends.
            let span = ((MUTE_AFTER - 1) * FRAME_SAMPLES as u32) as i64;
            let start = (i64::from(fade) - 1) * FRAME_SAMPLES as i64;
            for (i, v) in out.iter_mut().enumerate() {
                let t = start + i as i64;
                let gain = ((span - t) << 15) / span;
                *v = ((i64::from(*v) * gain) >> 15) as i16;
            }
        }
        self.pending = out;
    }
}

impl Default for GsmDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder for GsmDecoder {
    fn id(&self) -> CodecId {
        CodecId::Gsm
    }

    fn sample_rate(&self) -> u32 {
        8000
    }

    /// Takes one or more whole 33-byte frames (up to [`MAX_FRAME_MS`]), each with the
    /// `0xD` signature; the whole payload is checked before any of it is decoded.
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        check_payload(NAME, payload.len(), MAX_BYTES)?;
        if !payload.len().is_multiple_of(FRAME_BYTES) {
            return Err(CodecError::BadPayload {
                codec: NAME,
                reason: format!("{} bytes is not a multiple of 33", payload.len()),
            });
        }
        if let Some(i) = payload
            .chunks_exact(FRAME_BYTES)
            .position(|f| f[0] >> 4 != MAGIC)
        {
            return Err(CodecError::BadPayload {
                codec: NAME,
                reason: format!("frame {i} lacks the 0xD signature"),
            });
        }
        out.reserve(payload.len() / FRAME_BYTES * FRAME_SAMPLES);
        let mut pcm = [0i16; FRAME_SAMPLES];
        for chunk in payload.chunks_exact(FRAME_BYTES) {
            let frame = Frame::unpack(chunk);
            self.decode_frame(&frame, &mut pcm);
            out.extend_from_slice(&pcm);
            self.last = Some(frame);
        }
        self.lost = 0;
        self.pending_len = 0;
        Ok(())
    }

    /// Repeats the last good frame's parameters with growing attenuation (GSM 06.11
    /// style), running them through the real synthesis so the filters stay
    /// continuous; silence after 320 ms or before any frame arrived.
    fn conceal(&mut self, samples: usize, out: &mut Vec<i16>) {
        out.reserve(samples);
        let mut left = samples;
        while left > 0 {
            if self.pending_len == 0 {
                self.conceal_frame();
                self.pending_len = FRAME_SAMPLES;
            }
            let start = FRAME_SAMPLES - self.pending_len;
            let n = left.min(self.pending_len);
            out.extend_from_slice(&self.pending[start..start + n]);
            self.pending_len -= n;
            left -= n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_and_unpack_are_inverse() {
        let mut f = Frame {
            larc: [63, 1, 31, 2, 15, 3, 7, 4],
            ..Frame::default()
        };
        for (j, s) in f.sub.iter_mut().enumerate() {
            s.nc = 40 + j as u8 * 20;
            s.bc = j as u8;
            s.mc = 3 - j as u8;
            s.xmaxc = 60 - j as u8;
            for (i, x) in s.xmc.iter_mut().enumerate() {
                *x = ((i + j) % 8) as u8;
            }
        }
        let mut bytes = [0u8; FRAME_BYTES];
        f.pack(&mut bytes);
        assert_eq!(bytes[0] >> 4, MAGIC);
        assert_eq!(Frame::unpack(&bytes), f);
    }

    #[test]
    fn silence_frame_has_known_layout() {
        let mut bytes = [0u8; FRAME_BYTES];
        Frame::default().pack(&mut bytes);
        assert_eq!(bytes[0], 0xD0);
        assert!(bytes[1..].iter().all(|&b| b == 0));
    }
}
