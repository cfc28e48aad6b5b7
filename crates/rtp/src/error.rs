//! Why a datagram could not be used as RTP or RTCP.

use thiserror::Error;

/// A datagram that is not a usable RTP or RTCP packet. The relay drops it and counts it;
/// nothing here is fatal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RtpError {
    /// Shorter than the fixed header (12 bytes for RTP, 4 for an RTCP header).
    #[error("packet too short: {len} bytes, need at least {need}")]
    TooShort {
        /// Bytes received.
        len: usize,
        /// Bytes the header needs.
        need: usize,
    },
    /// The version field is not 2 (RFC 3550 §5.1).
    #[error("unsupported RTP version {version}")]
    BadVersion {
        /// Version bits found.
        version: u8,
    },
    /// The CSRC list or header extension runs past the end of the packet.
    #[error("header of {header_len} bytes overruns a {len}-byte packet")]
    HeaderOverrun {
        /// Header length claimed by CC and the extension length.
        header_len: usize,
        /// Bytes received.
        len: usize,
    },
    /// The padding count is zero or larger than what follows the header (RFC 3550 §5.1).
    #[error("bad padding count {pad} with {available} bytes after the header")]
    BadPadding {
        /// The last octet of the packet.
        pad: usize,
        /// Bytes between the end of the header and the end of the packet.
        available: usize,
    },
    /// The second octet is in the RTCP range, so this is not RTP (RFC 5761 §4).
    #[error("payload type {pt} is in the RTCP range, not RTP")]
    NotRtp {
        /// The second octet (RTCP packet type).
        pt: u8,
    },
    /// The second octet is not an RTCP packet type (RFC 5761 §4: 192–223).
    #[error("packet type {pt} is not RTCP")]
    NotRtcp {
        /// The second octet.
        pt: u8,
    },
    /// An RTCP length field does not fit the compound packet (RFC 3550 §6.4.1).
    #[error("RTCP length of {claimed} bytes at offset {offset} overruns a {len}-byte packet")]
    RtcpLength {
        /// Offset of the offending RTCP header in the compound packet.
        offset: usize,
        /// Bytes that header claims, (length + 1) × 4.
        claimed: usize,
        /// Bytes received.
        len: usize,
    },
    /// The caller's buffer cannot hold what is being written.
    #[error("buffer of {have} bytes too small, need {need}")]
    BufferTooSmall {
        /// Bytes the packet needs.
        need: usize,
        /// Bytes the buffer has.
        have: usize,
    },
    /// A payload type outside 0–127 (RFC 3550 §5.1: 7 bits).
    #[error("payload type {pt} does not fit in 7 bits")]
    BadPayloadType {
        /// The value given.
        pt: u8,
    },
    /// An RTCP item does not fit its field (more than 31 report blocks, an SDES item
    /// over 255 bytes, a packet over 262,140 bytes).
    #[error("RTCP field overflow: {what}")]
    RtcpFieldOverflow {
        /// Which field.
        what: &'static str,
    },
}
