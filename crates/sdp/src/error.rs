//! The one error type of this crate: why an SDP body could not be used.
//!
//! Parse errors carry the 1-based line number so a log line points at the
//! offending line; negotiation errors map to a SIP 488 in the B2BUA.

/// Why an SDP body could not be parsed, negotiated or rewritten.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SdpError {
    /// The body is larger than the parser accepts (hostile or broken peer).
    #[error("SDP body of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// Size of the body that was offered.
        len: usize,
        /// The limit it exceeded.
        max: usize,
    },
    /// The body has more non-empty lines than the parser accepts.
    #[error("SDP body has more than {max} lines")]
    TooManyLines {
        /// The limit that was exceeded.
        max: usize,
    },
    /// The body has more `m=` sections than the parser accepts.
    #[error("SDP body has more than {max} media sections")]
    TooManyMedia {
        /// The limit that was exceeded.
        max: usize,
    },
    /// One line could not be understood where understanding it matters.
    #[error("malformed SDP at line {line_no}: {reason}")]
    Malformed {
        /// 1-based line number in the original body.
        line_no: usize,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// A line the body must contain (`v=`, `o=`) is absent.
    #[error("SDP body has no {line}= line")]
    MissingLine {
        /// The line type letter, e.g. `'o'`.
        line: char,
    },
    /// An active `m=` section has no `c=` of its own and the session has none either.
    #[error("media section {media_index} has no connection address")]
    MissingConnection {
        /// 0-based index of the `m=` section.
        media_index: usize,
    },
    /// The offer has no active audio stream to negotiate.
    #[error("no active audio stream in the SDP")]
    NoAudio,
    /// The only audio streams use a transport profile we cannot answer (e.g. `RTP/SAVP`).
    #[error("audio stream {media_index} uses a transport profile we cannot answer")]
    UnsupportedProtocol {
        /// 0-based index of the first such `m=` section.
        media_index: usize,
    },
    /// No offered codec is allowed for this party (the B2BUA answers 488).
    #[error("no codec in common with the offer")]
    NoCommonCodec,
}
