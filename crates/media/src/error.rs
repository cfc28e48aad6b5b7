//! Errors of the media shell: misuse or exhausted resources, never protocol outcomes
//! (a media timeout is a [`crate::RelayEvent`]).

use thiserror::Error;

/// Why a media resource could not be set up or used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The configured range holds no even RTP port with RTP + 1 for RTCP (or starts at 0).
    #[error("RTP port range {low}-{high} holds no even/odd port pair")]
    InvalidRange {
        /// Lowest port of the range.
        low: u16,
        /// Highest port of the range (inclusive).
        high: u16,
    },
    /// Every pair in the range is leased or could not be bound.
    #[error("no free RTP port pair in {low}-{high}")]
    PortsExhausted {
        /// Lowest port of the range.
        low: u16,
        /// Highest port of the range (inclusive).
        high: u16,
    },
    /// The relay task has stopped (closed, or its runtime shut down).
    #[error("the relay has stopped")]
    RelayClosed,
    /// A codec could not be set up for transcoding.
    #[error("codec: {0}")]
    Codec(rotary_codecs::CodecError),
    /// A socket could not be bound or registered for a reason other than "in use".
    #[error("media socket: {0}")]
    Io(#[from] std::io::Error),
}
