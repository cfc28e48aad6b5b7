//! Rotary's audio toolbox: every codec the DUC guide lists behind one
//! [`Encoder`]/[`Decoder`] interface, resampling between 8, 16 and 48 kHz, packet-loss
//! concealment, and the DSP the PBX applications stand on (DTMF detection and
//! generation, call-progress tones per zone, the N-party mixer, gain).
//!
//! Sans-IO: plain functions and state machines over `i16` PCM slices. No sockets, no
//! clock, no files.

pub mod codec;
pub mod dsp;
mod error;
pub mod plc;
pub mod resample;

pub use codec::{new_decoder, new_encoder, CodecId, CodecParams, Decoder, Encoder, OpusParams};
pub use error::CodecError;
pub use plc::Concealer;
pub use resample::{resample_once, Resampler};
