//! The one interface every codec implements, and the factory that builds them by id.
//!
//! PCM is always mono signed 16-bit at the codec's own audio rate
//! ([`Encoder::sample_rate`]); the caller resamples. One encoder or decoder per RTP
//! stream: they keep state (ADPCM predictors, Opus history) between frames.

use crate::CodecError;

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
}
