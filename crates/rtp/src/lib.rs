//! Sans-IO RTP and RTCP for Rotary's anchored media: packet views (RFC 3550 §5.1,
//! §6.4.1) with the RTP/RTCP demultiplexing rule of RFC 5761 §4, extended sequence
//! numbers, receive statistics (loss per RFC 3550 A.3, jitter per A.8), symmetric-RTP
//! latching for phones behind NAT, the RTP inactivity timeout, RFC 4733 telephone
//! events (parsing, [`DtmfSender`], [`DtmfReceiver`]), and for the media pbxd
//! terminates itself: an RTP writer ([`RtpHeader`], [`RtpSender`]), an adaptive
//! [`JitterBuffer`], RTCP SR/RR parsing and building ([`RtcpReport`], [`RtcpWriter`],
//! [`StreamStats::report_block`]) and an E-model quality estimate ([`quality`]).
//!
//! Nothing here touches a socket or a clock: every input carries `now`. A relay shell
//! drives the pieces per received datagram:
//!
//! ```
//! use std::net::SocketAddr;
//! use std::time::{Duration, Instant};
//! use rotary_rtp::{Activity, ClockRate, Latch, LatchConfig, Packet, StreamStats};
//!
//! struct Leg { latch: Latch, stats: StreamStats, activity: Activity }
//!
//! impl Leg {
//!     fn new(start: Instant, sdp: SocketAddr) -> Self {
//!         Leg {
//!             latch: Latch::new(LatchConfig::default(), Some(sdp)),
//!             stats: StreamStats::new(ClockRate::NARROWBAND),
//!             activity: Activity::new(start, Some(Duration::from_secs(60))),
//!         }
//!     }
//!
//!     /// A datagram arrived from `from` at `now`: `true` means relay it unchanged.
//!     fn on_datagram(&mut self, now: Instant, from: SocketAddr, datagram: &[u8]) -> bool {
//!         let Ok(Packet::Rtp(rtp)) = Packet::parse(datagram) else { return false };
//!         if !self.latch.handle_rtp(now, from).is_accepted() {
//!             return false;
//!         }
//!         self.stats.handle_rtp(now, &rtp);
//!         self.activity.handle_rtp(now);
//!         true // send to the other leg's `latch.remote()`
//!     }
//!
//!     /// The shell's timer reached `activity.poll_timeout()`.
//!     fn on_timer(&mut self, now: Instant) -> bool {
//!         self.activity.handle_timeout(now);
//!         self.activity.poll_event().is_some() // MediaTimeout: tell the engine
//!     }
//! }
//! ```
//!
//! It deliberately does not: own sockets or tasks (that is `rotary-media`), decode,
//! conceal or transcode audio (`codecs`), schedule RTCP (the RFC 3550 §6.3 interval is
//! the shell's timer), or do SRTP. Nothing here allocates per packet: the jitter buffer
//! and the DTMF cores allocate their fixed storage when created.
#![doc = include_str!("../docs/latching.md")]

mod activity;
mod dtmf;
mod error;
mod id;
pub mod jitter;
mod latch;
mod packet;
pub mod quality;
mod rtcp;
mod stats;
mod writer;

pub use activity::{Activity, ActivityEvent};
pub use dtmf::{
    dtmf_event, DigitEnd, DtmfDigit, DtmfEvent, DtmfPacket, DtmfReceiver, DtmfReceiverConfig,
    DtmfSendError, DtmfSender, DtmfSenderConfig, EventCode,
};
pub use error::RtpError;
pub use id::{ClockRate, PayloadType, SeqNo, Ssrc};
pub use jitter::{JitterBuffer, JitterConfig, JitterStats, Playout};
pub use latch::{DropReason, Latch, LatchConfig, LatchDecision, RtcpLatch};
pub use packet::{is_rtcp, Packet, RtcpPacket, RtpPacket};
pub use quality::{mos_from_r, CodecImpairment, Quality, QualityInputs};
pub use rtcp::{
    NtpTime, ReceiverReport, ReportBlock, ReportBlocks, RtcpReport, RtcpReports, RtcpWriter,
    SenderInfo, SenderReport,
};
pub use stats::{StreamReport, StreamStats};
pub use writer::{RtpHeader, RtpSender};
