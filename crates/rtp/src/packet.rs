//! Zero-copy views of RTP and RTCP datagrams (RFC 3550 §5.1, §6.4) and the RTP/RTCP
//! demultiplexing rule of RFC 5761 §4. A view that exists is well formed: every
//! accessor is infallible, and parsing never panics on any input.

use crate::error::RtpError;
use crate::id::{PayloadType, Ssrc};

/// Fixed RTP header length (RFC 3550 §5.1).
const RTP_HEADER: usize = 12;
/// RTCP common header length (RFC 3550 §6.4.1).
const RTCP_HEADER: usize = 4;
/// RFC 5761 §4: second octets 192–223 are RTCP packet types (SR 200, RR 201, SDES 202,
/// BYE 203, APP 204, RTPFB 205, PSFB 206, XR 207, …, 211 are assigned today); RTP
/// payload types 64–95 with the marker bit would collide and must not be used.
const RTCP_TYPES: std::ops::RangeInclusive<u8> = 192..=223;

/// A classified datagram from a media port: either RTP or RTCP (they may share a
/// port under RFC 5761 `rtcp-mux`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packet<'a> {
    /// An RTP packet.
    Rtp(RtpPacket<'a>),
    /// A (compound) RTCP packet.
    Rtcp(RtcpPacket<'a>),
}

impl<'a> Packet<'a> {
    /// Classifies and validates a datagram by its second octet (RFC 5761 §4).
    pub fn parse(buf: &'a [u8]) -> Result<Self, RtpError> {
        if is_rtcp(buf) {
            RtcpPacket::parse(buf).map(Packet::Rtcp)
        } else {
            RtpPacket::parse(buf).map(Packet::Rtp)
        }
    }
}

/// Whether a datagram looks like RTCP by the RFC 5761 §4 rule (second octet in
/// 192–223). Cheap; does not validate anything else.
#[must_use]
pub fn is_rtcp(buf: &[u8]) -> bool {
    buf.get(1).is_some_and(|b| RTCP_TYPES.contains(b))
}

/// A validated RTP packet borrowed from a receive buffer. Relaying forwards
/// [`RtpPacket::as_bytes`] unchanged; statistics read the header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    buf: &'a [u8],
    header_len: usize,
    payload_end: usize,
}

impl<'a> RtpPacket<'a> {
    /// Validates version 2, the CSRC list, the header extension and padding
    /// (RFC 3550 §5.1, §5.3.1), and rejects RTCP packet types (RFC 5761 §4).
    pub fn parse(buf: &'a [u8]) -> Result<Self, RtpError> {
        let len = buf.len();
        let (b0, b1) = match buf {
            [b0, b1, ..] if len >= RTP_HEADER => (*b0, *b1),
            _ => {
                return Err(RtpError::TooShort {
                    len,
                    need: RTP_HEADER,
                })
            }
        };
        check_version(b0)?;
        if RTCP_TYPES.contains(&b1) {
            return Err(RtpError::NotRtp { pt: b1 });
        }
        let mut header_len = RTP_HEADER + 4 * usize::from(b0 & 0x0f);
        if b0 & 0x10 != 0 {
            // RFC 3550 §5.3.1: 16-bit profile field, 16-bit length in 32-bit words.
            let words = match buf.get(header_len + 2..header_len + 4) {
                Some(&[hi, lo]) => usize::from(u16::from_be_bytes([hi, lo])),
                _ => {
                    return Err(RtpError::HeaderOverrun {
                        header_len: header_len + 4,
                        len,
                    })
                }
            };
            header_len += 4 + 4 * words;
        }
        if header_len > len {
            return Err(RtpError::HeaderOverrun { header_len, len });
        }
        let payload_end = if b0 & 0x20 != 0 {
            let available = len - header_len;
            let pad = usize::from(buf[len - 1]);
            if pad == 0 || pad > available {
                return Err(RtpError::BadPadding { pad, available });
            }
            len - pad
        } else {
            len
        };
        Ok(RtpPacket {
            buf,
            header_len,
            payload_end,
        })
    }

    /// The whole datagram, exactly as received (what a relay forwards).
    #[must_use]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// Datagram length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Never true: a valid packet has at least a 12-byte header. Present for clippy's
    /// `len_without_is_empty`.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The marker bit: start of a talkspurt for audio (RFC 3551 §4.1).
    #[must_use]
    pub fn marker(&self) -> bool {
        self.buf[1] & 0x80 != 0
    }

    /// Payload type: which codec (or telephone-event) the payload is.
    #[must_use]
    pub fn payload_type(&self) -> PayloadType {
        PayloadType(self.buf[1] & 0x7f)
    }

    /// The 16-bit sequence number on the wire; extend it with [`crate::SeqNo::extend`].
    #[must_use]
    pub fn sequence(&self) -> u16 {
        u16::from_be_bytes([self.buf[2], self.buf[3]])
    }

    /// Media timestamp in clock-rate ticks (wraps at 2³²).
    #[must_use]
    pub fn timestamp(&self) -> u32 {
        u32::from_be_bytes([self.buf[4], self.buf[5], self.buf[6], self.buf[7]])
    }

    /// The stream's synchronisation source.
    #[must_use]
    pub fn ssrc(&self) -> Ssrc {
        Ssrc(u32::from_be_bytes([
            self.buf[8],
            self.buf[9],
            self.buf[10],
            self.buf[11],
        ]))
    }

    /// Number of contributing sources listed after the fixed header.
    #[must_use]
    pub fn csrc_count(&self) -> usize {
        usize::from(self.buf[0] & 0x0f)
    }

    /// Whether a header extension is present (X bit).
    #[must_use]
    pub fn has_extension(&self) -> bool {
        self.buf[0] & 0x10 != 0
    }

    /// Header length including CSRCs and extension: where the payload starts.
    #[must_use]
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// The codec payload, without header and padding.
    #[must_use]
    pub fn payload(&self) -> &'a [u8] {
        &self.buf[self.header_len..self.payload_end]
    }

    /// Bytes of padding at the end (0 when the P bit is clear).
    #[must_use]
    pub fn padding_len(&self) -> usize {
        self.buf.len() - self.payload_end
    }
}

/// A validated (compound) RTCP packet: every sub-packet header has version 2, an RTCP
/// packet type and a length that fits (RFC 3550 §6.4.1). The body is not interpreted;
/// the relay passes RTCP through unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtcpPacket<'a> {
    buf: &'a [u8],
    count: usize,
    first_len: usize,
}

impl<'a> RtcpPacket<'a> {
    /// Walks the compound packet and validates each sub-packet header. Padding is
    /// accepted only where its count fits inside that sub-packet.
    pub fn parse(buf: &'a [u8]) -> Result<Self, RtpError> {
        let len = buf.len();
        if len < RTCP_HEADER {
            return Err(RtpError::TooShort {
                len,
                need: RTCP_HEADER,
            });
        }
        let mut offset = 0;
        let mut count = 0;
        let mut first_len = 0;
        while offset < len {
            let Some(&[b0, pt, hi, lo]) = buf.get(offset..offset + RTCP_HEADER) else {
                return Err(RtpError::TooShort {
                    len: len - offset,
                    need: RTCP_HEADER,
                });
            };
            check_version(b0)?;
            if !RTCP_TYPES.contains(&pt) {
                return Err(RtpError::NotRtcp { pt });
            }
            let claimed = (usize::from(u16::from_be_bytes([hi, lo])) + 1) * 4;
            if offset + claimed > len {
                return Err(RtpError::RtcpLength {
                    offset,
                    claimed,
                    len,
                });
            }
            if b0 & 0x20 != 0 {
                let pad = usize::from(buf[offset + claimed - 1]);
                let available = claimed - RTCP_HEADER;
                if pad == 0 || pad > available {
                    return Err(RtpError::BadPadding { pad, available });
                }
            }
            if count == 0 {
                first_len = claimed;
            }
            offset += claimed;
            count += 1;
        }
        Ok(RtcpPacket {
            buf,
            count,
            first_len,
        })
    }

    /// The whole datagram, exactly as received.
    #[must_use]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// Packet type of the first sub-packet (200 SR, 201 RR, …).
    #[must_use]
    pub fn packet_type(&self) -> u8 {
        self.buf[1]
    }

    /// Number of sub-packets in the compound packet.
    #[must_use]
    pub fn count(&self) -> usize {
        self.count
    }

    /// SSRC of the sender of the first sub-packet, when it has one (all SR/RR/SDES/BYE
    /// with length ≥ 1 do).
    #[must_use]
    pub fn sender_ssrc(&self) -> Option<Ssrc> {
        if self.first_len < 8 {
            return None;
        }
        match self.buf.get(4..8) {
            Some(&[a, b, c, d]) => Some(Ssrc(u32::from_be_bytes([a, b, c, d]))),
            _ => None,
        }
    }
}

fn check_version(b0: u8) -> Result<(), RtpError> {
    match b0 >> 6 {
        2 => Ok(()),
        version => Err(RtpError::BadVersion { version }),
    }
}
