//! Building compound RTCP (RFC 3550 §6.1: a report first, then SDES with a CNAME) into
//! a caller's buffer, without allocation.

use super::{ReportBlock, SenderInfo, RR, SR};
use crate::error::RtpError;
use crate::id::Ssrc;

/// Appends RTCP packets to a caller's buffer to form one compound packet. Start with a
/// report ([`RtcpWriter::sender_report`] for a stream pbxd sends on,
/// [`RtcpWriter::receiver_report`] otherwise), add [`RtcpWriter::sdes_cname`], and
/// [`RtcpWriter::bye`] when the stream ends; send `&buf[..writer.len()]`.
///
/// A failed append leaves what was written before intact.
#[derive(Debug)]
pub struct RtcpWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> RtcpWriter<'b> {
    /// Most report blocks one SR or RR can carry (the 5-bit count).
    pub const MAX_BLOCKS: usize = 31;

    /// A writer at the start of `buf`.
    #[must_use]
    pub fn new(buf: &'b mut [u8]) -> Self {
        RtcpWriter { buf, len: 0 }
    }

    /// Appends an SR (PT 200) with `blocks` (at most 31).
    pub fn sender_report(
        &mut self,
        ssrc: Ssrc,
        info: &SenderInfo,
        blocks: &[ReportBlock],
    ) -> Result<&mut Self, RtpError> {
        let count = block_count(blocks)?;
        let len = 28 + blocks.len() * ReportBlock::LEN;
        let out = self.reserve(len)?;
        header(out, count, SR, len);
        put32(out, 4, ssrc.0);
        put32(out, 8, (info.ntp.0 >> 32) as u32);
        put32(out, 12, info.ntp.0 as u32);
        put32(out, 16, info.rtp_timestamp);
        put32(out, 20, info.packet_count);
        put32(out, 24, info.octet_count);
        write_blocks(&mut out[28..], blocks);
        self.len += len;
        Ok(self)
    }

    /// Appends an RR (PT 201) with `blocks` (at most 31; none is valid).
    pub fn receiver_report(
        &mut self,
        ssrc: Ssrc,
        blocks: &[ReportBlock],
    ) -> Result<&mut Self, RtpError> {
        let count = block_count(blocks)?;
        let len = 8 + blocks.len() * ReportBlock::LEN;
        let out = self.reserve(len)?;
        header(out, count, RR, len);
        put32(out, 4, ssrc.0);
        write_blocks(&mut out[8..], blocks);
        self.len += len;
        Ok(self)
    }

    /// Appends an SDES (PT 202) with one chunk holding the CNAME item (RFC 3550
    /// §6.5.1), at most 255 bytes.
    pub fn sdes_cname(&mut self, ssrc: Ssrc, cname: &str) -> Result<&mut Self, RtpError> {
        let text = cname.as_bytes();
        let item_len = u8::try_from(text.len()).map_err(|_| RtpError::RtcpFieldOverflow {
            what: "SDES CNAME longer than 255 bytes",
        })?;
        // SSRC, type, length, text, then at least one zero octet ending the item list,
        // padded to a 32-bit boundary.
        let chunk = (4 + 2 + text.len() + 1).div_ceil(4) * 4;
        let len = 4 + chunk;
        let out = self.reserve(len)?;
        header(out, 1, SDES, len);
        put32(out, 4, ssrc.0);
        out[8] = CNAME;
        out[9] = item_len;
        out[10..10 + text.len()].copy_from_slice(text);
        out[10 + text.len()..].fill(0);
        self.len += len;
        Ok(self)
    }

    /// Appends a BYE (PT 203) for `ssrc`, without a reason.
    pub fn bye(&mut self, ssrc: Ssrc) -> Result<&mut Self, RtpError> {
        let out = self.reserve(8)?;
        header(out, 1, BYE, 8);
        put32(out, 4, ssrc.0);
        self.len += 8;
        Ok(self)
    }

    /// Bytes written so far: send `&buf[..len]`.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing has been written.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The compound packet written so far.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The next `len` bytes of the buffer, zeroed.
    fn reserve(&mut self, len: usize) -> Result<&mut [u8], RtpError> {
        if len > MAX_LEN {
            return Err(RtpError::RtcpFieldOverflow {
                what: "RTCP packet longer than the 16-bit length allows",
            });
        }
        let have = self.buf.len() - self.len;
        let out = self
            .buf
            .get_mut(self.len..self.len + len)
            .ok_or(RtpError::BufferTooSmall { need: len, have })?;
        out.fill(0);
        Ok(out)
    }
}

fn block_count(blocks: &[ReportBlock]) -> Result<u8, RtpError> {
    match u8::try_from(blocks.len()) {
        Ok(n) if usize::from(n) <= RtcpWriter::MAX_BLOCKS => Ok(n),
        _ => Err(RtpError::RtcpFieldOverflow {
            what: "more than 31 report blocks",
        }),
    }
}

/// V=2, no padding, count, type, length in 32-bit words minus one (RFC 3550 §6.4.1).
fn header(out: &mut [u8], count: u8, pt: u8, len: usize) {
    out[0] = 0x80 | (count & 0x1f);
    out[1] = pt;
    // `len` ≤ MAX_LEN, checked by `reserve`.
    let words = u16::try_from(len / 4 - 1).unwrap_or(u16::MAX);
    out[2..4].copy_from_slice(&words.to_be_bytes());
}

fn write_blocks(out: &mut [u8], blocks: &[ReportBlock]) {
    for (b, out) in blocks.iter().zip(out.chunks_exact_mut(ReportBlock::LEN)) {
        put32(out, 0, b.ssrc.0);
        let lost = b.cumulative_lost.clamp(-0x80_0000, 0x7f_ffff);
        let [_, l1, l2, l3] = lost.to_be_bytes();
        out[4..8].copy_from_slice(&[b.fraction_lost, l1, l2, l3]);
        put32(out, 8, b.highest_seq);
        put32(out, 12, b.jitter);
        put32(out, 16, b.lsr);
        put32(out, 20, b.dlsr);
    }
}

fn put32(out: &mut [u8], at: usize, v: u32) {
    out[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// RTCP packet type: source description.
const SDES: u8 = 202;
/// RTCP packet type: goodbye.
const BYE: u8 = 203;
/// SDES item type: canonical name.
const CNAME: u8 = 1;
/// Largest RTCP packet the 16-bit length field can describe.
const MAX_LEN: usize = (u16::MAX as usize + 1) * 4;
