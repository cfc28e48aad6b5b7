//! Signal processing on linear PCM: DTMF, tones, mixing, gain.
//!
//! Everything here works on mono `i16` PCM at a sample rate given at construction
//! (8 and 16 kHz are the telephony rates; 48 kHz works too). Every streaming type
//! takes slices of any length, including empty and odd lengths, and carries its
//! state across calls; none of them allocates or panics while processing a frame.
//!
//! Levels are given in dBm0, the telephone network's digital reference level: a
//! sine of 0 dBm0 has a peak 3.14 dB below full scale (G.711's overload point,
//! see [`gain::dbm0_to_peak`]).

pub mod dtmf;
pub mod gain;
pub mod goertzel;
pub mod mix;
mod osc;
pub mod tones;
pub mod vad;

pub use dtmf::{DetectedDigit, DtmfConfig, DtmfDetector, DtmfDigit, DtmfGenerator};
pub use gain::Gain;
pub use mix::{Mixer, PartyId};
pub use tones::{ToneFreqs, ToneGenerator, ToneKind, ToneSegment, ToneSpec, ToneZone};
pub use vad::EnergyVad;

/// Lowest sample rate the DSP blocks accept: narrowband telephony.
pub const MIN_SAMPLE_RATE: u32 = 8_000;
/// Highest sample rate the DSP blocks accept.
pub const MAX_SAMPLE_RATE: u32 = 96_000;

/// Why a DSP block could not be built or fed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DspError {
    /// The sample rate is outside [`MIN_SAMPLE_RATE`]..=[`MAX_SAMPLE_RATE`].
    #[error("unsupported sample rate {rate} Hz (8000..=96000)")]
    UnsupportedSampleRate {
        /// The rate asked for.
        rate: u32,
    },
    /// A fixed-size queue (the DTMF generator's digit queue) has no room left.
    #[error("queue full ({capacity} entries)")]
    QueueFull {
        /// How many entries the queue holds.
        capacity: usize,
    },
    /// The mixer has no party with this id (never added, or removed).
    #[error("no mixer party {id}")]
    UnknownParty {
        /// The id asked for.
        id: u32,
    },
}

/// Checks a sample rate against the supported range.
pub(crate) fn check_rate(rate: u32) -> Result<u32, DspError> {
    if (MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&rate) {
        Ok(rate)
    } else {
        Err(DspError::UnsupportedSampleRate { rate })
    }
}
