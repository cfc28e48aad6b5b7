//! Writing RTP: a fixed header (RFC 3550 §5.1) serialised into a caller's buffer, and the
//! per-stream send state pbxd keeps when it originates media itself (prompts, music on
//! hold, transcoded audio, RFC 4733 events). Nothing here allocates.

use crate::error::RtpError;
use crate::id::{PayloadType, Ssrc};
use crate::packet::RtpPacket;

/// The fixed RTP header of an outgoing packet: version 2, no padding, no extension, no
/// CSRCs. Build one with [`RtpHeader::new`] (or take one from [`RtpSender::next`]) and
/// write it with [`RtpHeader::write_packet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RtpHeader {
    /// Codec or event format of the payload (7 bits).
    pub payload_type: PayloadType,
    /// The marker bit: first packet of a talkspurt, or of an RFC 4733 event.
    pub marker: bool,
    /// Sequence number on the wire.
    pub sequence: u16,
    /// Media timestamp in clock-rate ticks.
    pub timestamp: u32,
    /// The stream's synchronisation source.
    pub ssrc: Ssrc,
}

impl RtpHeader {
    /// Length of the header this type writes.
    pub const LEN: usize = 12;

    /// A header without the marker bit; set `marker` or use [`RtpHeader::with_marker`].
    #[must_use]
    pub fn new(payload_type: PayloadType, sequence: u16, timestamp: u32, ssrc: Ssrc) -> Self {
        RtpHeader {
            payload_type,
            marker: false,
            sequence,
            timestamp,
            ssrc,
        }
    }

    /// The same header with the marker bit set to `marker` (builder style).
    #[must_use]
    pub fn with_marker(mut self, marker: bool) -> Self {
        self.marker = marker;
        self
    }

    /// The fixed-header fields of a received packet, for re-sending it with changes
    /// (a new SSRC, rewritten sequence numbers) after transcoding. CSRCs and extensions
    /// are not carried over.
    #[must_use]
    pub fn of(packet: &RtpPacket<'_>) -> Self {
        RtpHeader {
            payload_type: packet.payload_type(),
            marker: packet.marker(),
            sequence: packet.sequence(),
            timestamp: packet.timestamp(),
            ssrc: packet.ssrc(),
        }
    }

    /// Writes the 12-byte header at the start of `buf`; returns 12.
    pub fn write(&self, buf: &mut [u8]) -> Result<usize, RtpError> {
        if self.payload_type.0 > 0x7f {
            return Err(RtpError::BadPayloadType {
                pt: self.payload_type.0,
            });
        }
        let Some(out) = buf.get_mut(..Self::LEN) else {
            return Err(RtpError::BufferTooSmall {
                need: Self::LEN,
                have: buf.len(),
            });
        };
        out[0] = 0x80; // V=2, P=0, X=0, CC=0
        out[1] = u8::from(self.marker) << 7 | self.payload_type.0;
        out[2..4].copy_from_slice(&self.sequence.to_be_bytes());
        out[4..8].copy_from_slice(&self.timestamp.to_be_bytes());
        out[8..12].copy_from_slice(&self.ssrc.0.to_be_bytes());
        Ok(Self::LEN)
    }

    /// Writes header and `payload` into `buf`; returns the datagram length. `buf` is
    /// left untouched when it is too small.
    pub fn write_packet(&self, payload: &[u8], buf: &mut [u8]) -> Result<usize, RtpError> {
        let need = Self::LEN + payload.len();
        if buf.len() < need {
            return Err(RtpError::BufferTooSmall {
                need,
                have: buf.len(),
            });
        }
        self.write(buf)?;
        buf[Self::LEN..need].copy_from_slice(payload);
        Ok(need)
    }
}

/// Send state of one RTP stream pbxd originates: the SSRC, and sequence number and
/// timestamp that continue across payload-type switches (audio, comfort noise,
/// telephone-event) and silences, as RFC 3550 §5.1 requires of one source.
///
/// The caller picks the SSRC and the initial sequence number and timestamp at random
/// (RFC 3550 §5.1, §8.1); this type has no randomness of its own.
#[derive(Debug, Clone)]
pub struct RtpSender {
    ssrc: Ssrc,
    sequence: u16,
    timestamp: u32,
    packets: u32,
    octets: u32,
}

impl RtpSender {
    /// A stream whose first packet will carry `sequence` and `timestamp`.
    #[must_use]
    pub fn new(ssrc: Ssrc, sequence: u16, timestamp: u32) -> Self {
        RtpSender {
            ssrc,
            sequence,
            timestamp,
            packets: 0,
            octets: 0,
        }
    }

    /// The header of the next packet, which carries `samples_advance` ticks of media:
    /// the current sequence number and timestamp, after which the sequence number steps
    /// by one and the timestamp by `samples_advance`. Counts the packet for RTCP.
    pub fn next(&mut self, pt: PayloadType, marker: bool, samples_advance: u32) -> RtpHeader {
        let header = self.next_at(pt, marker, self.timestamp);
        self.timestamp = self.timestamp.wrapping_add(samples_advance);
        header
    }

    /// The header of the next packet with an explicit `timestamp` (RFC 4733 event
    /// packets all repeat their event's start time); the sender's own timestamp does not
    /// move. Counts the packet for RTCP.
    pub fn next_at(&mut self, pt: PayloadType, marker: bool, timestamp: u32) -> RtpHeader {
        let header = RtpHeader {
            payload_type: pt,
            marker,
            sequence: self.sequence,
            timestamp,
            ssrc: self.ssrc,
        };
        self.sequence = self.sequence.wrapping_add(1);
        self.packets = self.packets.wrapping_add(1);
        header
    }

    /// [`RtpSender::next`] and [`RtpHeader::write_packet`] in one step; also counts the
    /// payload octets for RTCP. On error (buffer too small) nothing advances.
    pub fn write(
        &mut self,
        pt: PayloadType,
        marker: bool,
        samples_advance: u32,
        payload: &[u8],
        buf: &mut [u8],
    ) -> Result<usize, RtpError> {
        let header = RtpHeader {
            payload_type: pt,
            marker,
            sequence: self.sequence,
            timestamp: self.timestamp,
            ssrc: self.ssrc,
        };
        let len = header.write_packet(payload, buf)?;
        self.next(pt, marker, samples_advance);
        self.add_octets(payload.len());
        Ok(len)
    }

    /// Lets media time pass without sending (silence suppression, an RFC 4733 event in
    /// progress, a pause in a prompt): only the timestamp advances.
    pub fn skip(&mut self, samples: u32) {
        self.timestamp = self.timestamp.wrapping_add(samples);
    }

    /// Counts `len` payload octets sent with a header from `next`/`next_at` (the
    /// sender octet count of RFC 3550 §6.4.1).
    pub fn add_octets(&mut self, len: usize) {
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        self.octets = self.octets.wrapping_add(len);
    }

    /// The stream's SSRC.
    #[must_use]
    pub fn ssrc(&self) -> Ssrc {
        self.ssrc
    }

    /// Sequence number the next packet will carry.
    #[must_use]
    pub fn sequence(&self) -> u16 {
        self.sequence
    }

    /// Timestamp the next packet from [`RtpSender::next`] will carry: the stream's
    /// current media time.
    #[must_use]
    pub fn timestamp(&self) -> u32 {
        self.timestamp
    }

    /// Packets sent so far (wraps at 2³², as the SR field does).
    #[must_use]
    pub fn packets(&self) -> u32 {
        self.packets
    }

    /// Payload octets sent so far (wraps at 2³², as the SR field does).
    #[must_use]
    pub fn octets(&self) -> u32 {
        self.octets
    }
}
