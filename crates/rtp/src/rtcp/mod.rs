//! RTCP sender and receiver reports (RFC 3550 §6.4): zero-copy views of the SR and RR
//! packets inside a compound packet, their report blocks, NTP time, and (in `write.rs`)
//! building the compound RTCP that pbxd sends for streams it terminates.

mod write;

use std::time::Duration;

use crate::id::{ClockRate, Ssrc};
use crate::packet::RtcpPacket;
use crate::quality::{CodecImpairment, Quality, QualityInputs};

pub use write::RtcpWriter;

/// A 64-bit NTP timestamp (RFC 3550 §4): seconds since 1900 in the high 32 bits, the
/// fraction in the low 32. Sender reports carry one; LSR is its middle 32 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NtpTime(pub u64);

impl NtpTime {
    /// The NTP time of a Unix time (time since 1970-01-01 as read from the shell's wall
    /// clock; this crate never reads a clock).
    #[must_use]
    pub fn from_unix(since_epoch: Duration) -> Self {
        let secs = since_epoch.as_secs().wrapping_add(UNIX_TO_NTP);
        // The fraction: nanoseconds × 2^32 / 10^9, below 2^32.
        let frac = (u64::from(since_epoch.subsec_nanos()) << 32) / 1_000_000_000;
        NtpTime((secs << 32) | frac)
    }

    /// The middle 32 bits (16.16 fixed point seconds): what LSR carries and what
    /// round-trip arithmetic uses (RFC 3550 §6.4.1).
    #[must_use]
    pub fn middle32(self) -> u32 {
        // Bits 16..48: truncation is the point.
        (self.0 >> 16) as u32
    }
}

/// The sender-info part of an SR (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SenderInfo {
    /// Wall-clock time when the report was sent.
    pub ntp: NtpTime,
    /// The same instant in the stream's RTP timestamp units.
    pub rtp_timestamp: u32,
    /// Packets sent since the stream started (wraps).
    pub packet_count: u32,
    /// Payload octets sent since the stream started (wraps).
    pub octet_count: u32,
}

/// One reception report block (RFC 3550 §6.4.1): what one receiver saw of one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReportBlock {
    /// The source this block is about.
    pub ssrc: Ssrc,
    /// Packets lost since the previous report, as a fraction × 256.
    pub fraction_lost: u8,
    /// Packets lost since the start (24-bit signed: duplicates can make it negative).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received (cycles × 65,536 + sequence).
    pub highest_seq: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP time of the last SR from that source (0: none).
    pub lsr: u32,
    /// Delay since that SR, in 1/65,536 s.
    pub dlsr: u32,
}

impl ReportBlock {
    /// Bytes of one block on the wire.
    pub const LEN: usize = 24;

    /// Fraction lost as a number in 0–1.
    #[must_use]
    pub fn loss(&self) -> f64 {
        f64::from(self.fraction_lost) / 256.0
    }

    /// The jitter as time, given the source's clock.
    #[must_use]
    pub fn jitter_time(&self, clock_rate: ClockRate) -> Duration {
        let nanos = u128::from(self.jitter) * 1_000_000_000 / u128::from(clock_rate.0.max(1));
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// Round-trip time to the reporter (RFC 3550 §6.4.1: A − LSR − DLSR), given the
    /// NTP time `arrival` when this block arrived. `None` without an LSR or when the
    /// arithmetic goes negative (clocks or a bogus block).
    #[must_use]
    pub fn round_trip(&self, arrival: NtpTime) -> Option<Duration> {
        if self.lsr == 0 {
            return None;
        }
        let a = arrival.middle32();
        let rtt = a.checked_sub(self.lsr)?.checked_sub(self.dlsr)?;
        Some(Duration::from_nanos((u64::from(rtt) * 1_000_000_000) >> 16))
    }

    /// Call quality by the simplified E-model (see [`crate::quality`]) from this
    /// block's loss and jitter, a one-way delay (e.g. half the round trip) and the codec.
    #[must_use]
    pub fn quality(
        &self,
        clock_rate: ClockRate,
        one_way_delay: Duration,
        codec: CodecImpairment,
    ) -> Quality {
        Quality::estimate(QualityInputs {
            loss: self.loss(),
            jitter: self.jitter_time(clock_rate),
            delay: one_way_delay,
            codec,
            ..QualityInputs::default()
        })
    }

    fn parse(b: &[u8]) -> Option<ReportBlock> {
        let b: &[u8; Self::LEN] = b.get(..Self::LEN)?.try_into().ok()?;
        // 24-bit two's complement: shift into the top of an i32 and back.
        let lost = i32::from_be_bytes([b[5], b[6], b[7], 0]) >> 8;
        Some(ReportBlock {
            ssrc: Ssrc(be32(b, 0)),
            fraction_lost: b[4],
            cumulative_lost: lost,
            highest_seq: be32(b, 8),
            jitter: be32(b, 12),
            lsr: be32(b, 16),
            dlsr: be32(b, 20),
        })
    }
}

/// An SR or RR found in a compound packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtcpReport<'a> {
    /// A sender report (PT 200).
    Sender(SenderReport<'a>),
    /// A receiver report (PT 201).
    Receiver(ReceiverReport<'a>),
}

impl<'a> RtcpReport<'a> {
    /// SSRC of whoever sent the report.
    #[must_use]
    pub fn ssrc(&self) -> Ssrc {
        match self {
            RtcpReport::Sender(sr) => sr.ssrc,
            RtcpReport::Receiver(rr) => rr.ssrc,
        }
    }

    /// The report blocks, whichever kind of report this is.
    #[must_use]
    pub fn blocks(&self) -> ReportBlocks<'a> {
        match self {
            RtcpReport::Sender(sr) => sr.blocks,
            RtcpReport::Receiver(rr) => rr.blocks,
        }
    }
}

/// A sender report: sender info plus report blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderReport<'a> {
    /// The sender's SSRC.
    pub ssrc: Ssrc,
    /// Its clocks and counts.
    pub info: SenderInfo,
    /// What it received from others.
    pub blocks: ReportBlocks<'a>,
}

/// A receiver report: report blocks only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverReport<'a> {
    /// The reporter's SSRC.
    pub ssrc: Ssrc,
    /// What it received.
    pub blocks: ReportBlocks<'a>,
}

/// Iterator over the report blocks of one SR or RR, borrowed from the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportBlocks<'a> {
    buf: &'a [u8],
}

impl ReportBlocks<'_> {
    /// Blocks left.
    #[must_use]
    pub fn len(&self) -> usize {
        self.buf.len() / ReportBlock::LEN
    }

    /// Whether there are none (an RR with RC 0 is a valid "I sent nothing" report).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Iterator for ReportBlocks<'_> {
    type Item = ReportBlock;

    fn next(&mut self) -> Option<ReportBlock> {
        let block = ReportBlock::parse(self.buf)?;
        self.buf = self.buf.get(ReportBlock::LEN..).unwrap_or(&[]);
        Some(block)
    }
}

/// Iterator over the SRs and RRs of a compound RTCP packet; other packet types (SDES,
/// BYE, APP, feedback, XR) are skipped, and so is an SR or RR whose report count
/// overruns its length.
#[derive(Debug, Clone)]
pub struct RtcpReports<'a> {
    buf: &'a [u8],
    offset: usize,
}

impl<'a> Iterator for RtcpReports<'a> {
    type Item = RtcpReport<'a>;

    fn next(&mut self) -> Option<RtcpReport<'a>> {
        loop {
            let &[b0, pt, hi, lo] = self.buf.get(self.offset..self.offset + 4)? else {
                return None;
            };
            let len = (usize::from(u16::from_be_bytes([hi, lo])) + 1) * 4;
            let body = self.buf.get(self.offset..self.offset + len)?;
            self.offset += len;
            if let Some(report) = parse_report(b0, pt, body) {
                return Some(report);
            }
        }
    }
}

impl<'a> RtcpPacket<'a> {
    /// The sender and receiver reports in this compound packet.
    #[must_use]
    pub fn reports(&self) -> RtcpReports<'a> {
        RtcpReports {
            buf: self.as_bytes(),
            offset: 0,
        }
    }
}

/// One SR or RR sub-packet (`body` includes its 4-byte header).
fn parse_report(b0: u8, pt: u8, body: &[u8]) -> Option<RtcpReport<'_>> {
    let count = usize::from(b0 & 0x1f);
    // Padding (only legal on the last sub-packet) is not part of the report.
    let end = if b0 & 0x20 != 0 {
        body.len().checked_sub(usize::from(*body.last()?))?
    } else {
        body.len()
    };
    let ssrc = Ssrc(be32(body, 4));
    let start = match pt {
        SR => 28,
        RR => 8,
        _ => return None,
    };
    let blocks_end = start + count * ReportBlock::LEN;
    if blocks_end > end {
        return None;
    }
    let blocks = ReportBlocks {
        buf: body.get(start..blocks_end)?,
    };
    Some(match pt {
        SR => RtcpReport::Sender(SenderReport {
            ssrc,
            info: SenderInfo {
                ntp: NtpTime(u64::from(be32(body, 8)) << 32 | u64::from(be32(body, 12))),
                rtp_timestamp: be32(body, 16),
                packet_count: be32(body, 20),
                octet_count: be32(body, 24),
            },
            blocks,
        }),
        _ => RtcpReport::Receiver(ReceiverReport { ssrc, blocks }),
    })
}

/// Big-endian u32 at `at`, 0 if out of range (callers check lengths first).
fn be32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// RTCP packet type: sender report.
const SR: u8 = 200;
/// RTCP packet type: receiver report.
const RR: u8 = 201;
/// Seconds from 1900-01-01 (NTP era 0) to 1970-01-01.
const UNIX_TO_NTP: u64 = 2_208_988_800;
