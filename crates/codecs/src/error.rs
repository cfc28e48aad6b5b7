//! Errors of the codecs crate.

/// Why audio could not be encoded, decoded or converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The PCM frame has a length this codec cannot encode.
    #[error("{codec}: cannot encode a frame of {samples} samples")]
    BadFrameLength {
        /// Codec name.
        codec: &'static str,
        /// Samples given.
        samples: usize,
    },
    /// The payload is not valid for this codec (truncated, wrong size, corrupt).
    #[error("{codec}: payload does not decode: {reason}")]
    BadPayload {
        /// Codec name.
        codec: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The parameters are out of range (e.g. an Opus rate libopus does not take).
    #[error("{codec}: unsupported parameters: {reason}")]
    Unsupported {
        /// Codec name.
        codec: &'static str,
        /// What was out of range.
        reason: String,
    },
}
