//! Rotary's audio toolbox: every codec the DUC guide lists behind one
//! [`Encoder`]/[`Decoder`] interface, resampling between 8, 16 and 48 kHz, packet-loss
//! concealment, and the DSP the PBX applications stand on (DTMF detection and
//! generation, call-progress tones per zone, the N-party mixer, gain).
//!
//! Sans-IO: plain functions and state machines over `i16` PCM slices. No sockets, no
//! clock, no files.

pub mod dsp;
pub mod codec;
mod error;

pub use codec::{CodecId, CodecParams, Decoder, Encoder, OpusParams};
pub use error::CodecError;
