//! The one interface every codec implements, and the factory that builds them by id.
//!
//! PCM is always mono signed 16-bit at the codec's own audio rate
//! ([`Encoder::sample_rate`]); the caller resamples. One encoder or decoder per RTP
//! stream: they keep state (ADPCM predictors, Opus history) between frames.

use crate::CodecError;

mod g711;
mod g722;
mod g726;
mod gsm;
mod opus;

pub use g711::{
    alaw_to_linear, linear_to_alaw, linear_to_ulaw, ulaw_to_linear, PcmaDecoder, PcmaEncoder,
    PcmuDecoder, PcmuEncoder,
};
pub use g722::{G722Decoder, G722Encoder};
pub use g726::{G726Decoder, G726Encoder};
pub use gsm::{GsmDecoder, GsmEncoder};
pub use opus::{OpusDecoder, OpusEncoder};

/// Longest frame (packet) any codec here accepts, in milliseconds: a longer PCM frame or a
/// payload that decodes to more is refused as malformed rather than allocated for.
/// (RTP ptime tops out well below this; Opus's own limit is 120 ms.)
pub const MAX_FRAME_MS: u32 = 200;

/// Which codec. G.729 is missing on purpose: it is negotiated and relayed but never
/// transcoded (no licence-clean implementation), so it has no encoder here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodecId {
    /// G.711 µ-law (PCMU), 8 kHz.
    Pcmu,
    /// G.711 A-law (PCMA), 8 kHz.
    Pcma,
    /// G.722 at 64 kbit/s: 16 kHz audio, RTP clock 8000 (RFC 3551 §4.5.2).
    G722,
    /// G.726 at 32 kbit/s (`G726-32/8000`, RFC 3551 packing), 8 kHz.
    G726_32,
    /// GSM 06.10 full rate: 160 samples in 33 bytes, 8 kHz.
    Gsm,
    /// Opus (RFC 6716/7587): PCM at 8, 12, 16, 24 or 48 kHz, RTP clock always 48000.
    Opus,
}

impl CodecId {
    /// Every codec that has an encoder and a decoder here.
    pub const ALL: [CodecId; 6] = [
        CodecId::Pcmu,
        CodecId::Pcma,
        CodecId::G722,
        CodecId::G726_32,
        CodecId::Gsm,
        CodecId::Opus,
    ];

    /// The encoding name as SDP `a=rtpmap` writes it (RFC 3551 / RFC 7587 spelling).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            CodecId::Pcmu => "PCMU",
            CodecId::Pcma => "PCMA",
            CodecId::G722 => "G722",
            CodecId::G726_32 => "G726-32",
            CodecId::Gsm => "GSM",
            CodecId::Opus => "opus",
        }
    }

    /// Looks a codec up by its SDP encoding name, ignoring ASCII case (`pcmu`, `OPUS`).
    #[must_use]
    pub fn from_name(name: &str) -> Option<CodecId> {
        CodecId::ALL
            .into_iter()
            .find(|id| id.name().eq_ignore_ascii_case(name))
    }

    /// The RTP timestamp clock rate: 8000 for all but Opus (48000). G.722 runs its RTP
    /// clock at 8000 although its audio is 16 kHz (RFC 3551 §4.5.2).
    #[must_use]
    pub fn rtp_clock(self) -> u32 {
        match self {
            CodecId::Opus => 48_000,
            _ => 8_000,
        }
    }

    /// The static RTP payload type RFC 3551 assigns, if any (Opus and G.726 are dynamic).
    #[must_use]
    pub fn static_payload_type(self) -> Option<u8> {
        match self {
            CodecId::Pcmu => Some(0),
            CodecId::Gsm => Some(3),
            CodecId::Pcma => Some(8),
            CodecId::G722 => Some(9),
            CodecId::G726_32 | CodecId::Opus => None,
        }
    }

    /// The PCM rate the codec works at when it has a fixed one (8000, G.722 16000);
    /// `None` for Opus, whose rate is chosen per stream.
    #[must_use]
    pub fn fixed_sample_rate(self) -> Option<u32> {
        match self {
            CodecId::G722 => Some(16_000),
            CodecId::Opus => None,
            _ => Some(8_000),
        }
    }

    /// PCM samples in one frame of `ptime_ms` milliseconds. `sample_rate` is the PCM rate
    /// for codecs that offer a choice (Opus); codecs with a fixed rate use their own and
    /// ignore it. E.g. `G722.frame_samples(0, 20) == 320`,
    /// `Opus.frame_samples(48000, 20) == 960`.
    #[must_use]
    pub fn frame_samples(self, sample_rate: u32, ptime_ms: u32) -> usize {
        let rate = self.fixed_sample_rate().unwrap_or(sample_rate);
        (u64::from(rate) * u64::from(ptime_ms) / 1000) as usize
    }

    /// Payload bytes of one frame of `ptime_ms` for the constant-rate codecs (G.711 1
    /// byte/sample, G.722 64 kbit/s, G.726-32 4 bits/sample, GSM 33 bytes per 20 ms);
    /// `None` for Opus, whose packets vary.
    #[must_use]
    pub fn frame_bytes(self, ptime_ms: u32) -> Option<usize> {
        let ms = ptime_ms as usize;
        match self {
            CodecId::Pcmu | CodecId::Pcma | CodecId::G722 => Some(8 * ms),
            CodecId::G726_32 => Some(4 * ms),
            CodecId::Gsm => Some(33 * ms / 20),
            CodecId::Opus => None,
        }
    }
}

impl std::fmt::Display for CodecId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Opus encoder settings (ignored by the other codecs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusParams {
    /// libopus complexity 0–10. Default 5: the cost/quality point a PBX box wants.
    pub complexity: u8,
    /// Encode in-band forward error correction (the peer's `useinbandfec=1`).
    pub fec: bool,
    /// Discontinuous transmission in silence (the peer's `usedtx=1`).
    pub dtx: bool,
    /// Target bit rate in bit/s; `None` lets libopus choose for the sample rate.
    pub bitrate: Option<u32>,
    /// Expected packet loss in percent, which tunes FEC. Default 5.
    pub expected_loss_percent: u8,
}

impl Default for OpusParams {
    fn default() -> Self {
        OpusParams {
            complexity: 5,
            fec: true,
            dtx: false,
            bitrate: None,
            expected_loss_percent: 5,
        }
    }
}

/// What to build: the codec and, for Opus, its PCM rate and settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodecParams {
    /// The codec.
    pub id: CodecId,
    /// PCM rate for codecs that offer a choice (Opus: 8000, 12000, 16000, 24000, 48000).
    /// Ignored by codecs with a fixed rate.
    pub sample_rate: u32,
    /// Opus settings.
    pub opus: OpusParams,
}

impl CodecParams {
    /// The usual parameters for `id`: its natural rate (Opus at 48 kHz) and default
    /// Opus settings.
    #[must_use]
    pub fn new(id: CodecId) -> Self {
        let sample_rate = match id {
            CodecId::G722 => 16_000,
            CodecId::Opus => 48_000,
            _ => 8_000,
        };
        CodecParams {
            id,
            sample_rate,
            opus: OpusParams::default(),
        }
    }

    /// The parameters for `id` on one side of a bridge whose other side speaks `peer`:
    /// a codec with a choice of rates (Opus) runs at the narrower of its natural rate
    /// and the peer's, since no more audio bandwidth can cross the bridge. Bridging
    /// G.711 to Opus this way needs no resampler, and libopus codes narrowband instead
    /// of spending bits and CPU on an empty 4–24 kHz band.
    #[must_use]
    pub fn bridged(id: CodecId, peer: CodecId) -> Self {
        let mut params = CodecParams::new(id);
        if id == CodecId::Opus {
            params.sample_rate = params.sample_rate.min(CodecParams::new(peer).sample_rate);
        }
        params
    }
}

/// Turns PCM frames into RTP payloads for one stream.
pub trait Encoder: Send {
    /// The codec this encoder produces.
    fn id(&self) -> CodecId;
    /// PCM rate the input must be at.
    fn sample_rate(&self) -> u32;
    /// Encodes one frame (a whole packet's worth, e.g. 20 ms) and appends the payload
    /// to `out`. Frame lengths the codec cannot take are an error, not a panic.
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError>;
}

/// Turns RTP payloads back into PCM for one stream, and fills gaps.
pub trait Decoder: Send {
    /// The codec this decoder reads.
    fn id(&self) -> CodecId;
    /// PCM rate of the output.
    fn sample_rate(&self) -> u32;
    /// Decodes one payload and appends its samples to `out`. A payload that does not
    /// decode is an error; the caller conceals instead.
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError>;
    /// Appends `samples` samples of concealment for a lost packet (packet-loss
    /// concealment: the codec's own where it has one, otherwise a fading repeat).
    fn conceal(&mut self, samples: usize, out: &mut Vec<i16>);
    /// Appends `samples` samples for a lost packet when the packet after it, `next`,
    /// has already arrived: codecs with forward error correction (Opus in-band FEC)
    /// rebuild the lost audio from it; the others conceal as [`Decoder::conceal`] does.
    /// Call [`Decoder::decode`] on `next` afterwards as usual.
    fn conceal_with_next(&mut self, next: &[u8], samples: usize, out: &mut Vec<i16>) {
        let _ = next;
        self.conceal(samples, out);
    }
}

/// Builds the encoder for `p` (one per outgoing RTP stream). Fails only for Opus
/// settings libopus does not take (a PCM rate other than 8/12/16/24/48 kHz, complexity
/// above 10, a bit rate outside 500–512000).
pub fn new_encoder(p: &CodecParams) -> Result<Box<dyn Encoder>, CodecError> {
    Ok(match p.id {
        CodecId::Pcmu => Box::new(PcmuEncoder::new()),
        CodecId::Pcma => Box::new(PcmaEncoder::new()),
        CodecId::G722 => Box::new(G722Encoder::new()),
        CodecId::G726_32 => Box::new(G726Encoder::new()),
        CodecId::Gsm => Box::new(GsmEncoder::new()),
        CodecId::Opus => Box::new(OpusEncoder::new(p.sample_rate, &p.opus)?),
    })
}

/// Builds the decoder for `p` (one per incoming RTP stream). Fails only for an Opus
/// PCM rate libopus does not take.
pub fn new_decoder(p: &CodecParams) -> Result<Box<dyn Decoder>, CodecError> {
    Ok(match p.id {
        CodecId::Pcmu => Box::new(PcmuDecoder::new()),
        CodecId::Pcma => Box::new(PcmaDecoder::new()),
        CodecId::G722 => Box::new(G722Decoder::new()),
        CodecId::G726_32 => Box::new(G726Decoder::new()),
        CodecId::Gsm => Box::new(GsmDecoder::new()),
        CodecId::Opus => Box::new(OpusDecoder::new(p.sample_rate)?),
    })
}

/// Checks a PCM frame length for the codecs that take any whole number of samples up to
/// [`MAX_FRAME_MS`], in steps of `multiple`.
pub(crate) fn check_frame(
    codec: &'static str,
    rate: u32,
    samples: usize,
    multiple: usize,
) -> Result<(), CodecError> {
    let max = (rate * MAX_FRAME_MS / 1000) as usize;
    if samples == 0 || samples > max || !samples.is_multiple_of(multiple) {
        return Err(CodecError::BadFrameLength { codec, samples });
    }
    Ok(())
}

/// Checks a payload length for the constant-rate codecs: non-empty and at most
/// `max_bytes`.
pub(crate) fn check_payload(
    codec: &'static str,
    len: usize,
    max_bytes: usize,
) -> Result<(), CodecError> {
    if len == 0 {
        return Err(CodecError::BadPayload {
            codec,
            reason: "empty payload".to_owned(),
        });
    }
    if len > max_bytes {
        return Err(CodecError::BadPayload {
            codec,
            reason: format!("{len} bytes is longer than {MAX_FRAME_MS} ms"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_clocks() {
        let names: Vec<_> = CodecId::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names, ["PCMU", "PCMA", "G722", "G726-32", "GSM", "opus"]);
        for id in CodecId::ALL {
            assert_eq!(
                CodecId::from_name(&id.name().to_ascii_uppercase()),
                Some(id)
            );
            assert_eq!(id.to_string(), id.name());
        }
        assert_eq!(CodecId::from_name("G729"), None);
        assert_eq!(CodecId::Opus.rtp_clock(), 48_000);
        assert_eq!(CodecId::G722.rtp_clock(), 8_000);
        assert_eq!(CodecId::Pcmu.rtp_clock(), 8_000);
        assert_eq!(CodecId::G722.static_payload_type(), Some(9));
    }

    #[test]
    fn frame_sizes() {
        assert_eq!(CodecId::Pcmu.frame_samples(48_000, 20), 160);
        assert_eq!(CodecId::G722.frame_samples(8_000, 20), 320);
        assert_eq!(CodecId::Opus.frame_samples(48_000, 20), 960);
        assert_eq!(CodecId::Opus.frame_samples(12_000, 60), 720);
        assert_eq!(CodecId::Gsm.frame_bytes(20), Some(33));
        assert_eq!(CodecId::G722.frame_bytes(20), Some(160));
        assert_eq!(CodecId::G726_32.frame_bytes(30), Some(120));
        assert_eq!(CodecId::Opus.frame_bytes(20), None);
    }

    #[test]
    fn factory_builds_what_it_has() {
        for id in CodecId::ALL {
            let p = CodecParams::new(id);
            let enc = new_encoder(&p).unwrap();
            let dec = new_decoder(&p).unwrap();
            assert_eq!((enc.id(), dec.id()), (id, id));
            assert_eq!(enc.sample_rate(), p.sample_rate);
            assert_eq!(dec.sample_rate(), p.sample_rate);
        }
        let mut p = CodecParams::new(CodecId::Opus);
        p.sample_rate = 44_100;
        assert!(new_encoder(&p).is_err());
        assert!(new_decoder(&p).is_err());
    }
}
