//! Symmetric RTP ("latching", RFC 4961 and the comedia practice of RFC 4145): learn
//! where a phone really sends from, so that phones behind NAT work without settings,
//! while refusing to let a stranger take over an established stream.
//! The rules are spelled out in `docs/latching.md`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Latching policy. Immutable for the life of a [`Latch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatchConfig {
    /// How long the latched source must have been silent before another source may
    /// take its place (a phone that changed address or port mid-call). Default 1 s.
    pub relatch_after: Duration,
    /// Consecutive valid packets a new source must send, after that silence, before it
    /// is adopted. Default 3; 0 and 1 both mean "the first packet".
    pub relatch_packets: u32,
    /// Stricter mode: latch (and re-latch) only onto sources whose IP equals the IP in
    /// the SDP. Off by default, because NAT rewrites the IP too.
    pub latch_only_from_sdp_ip: bool,
}

impl Default for LatchConfig {
    fn default() -> Self {
        LatchConfig {
            relatch_after: Duration::from_secs(1),
            relatch_packets: 3,
            latch_only_from_sdp_ip: false,
        }
    }
}

/// What to do with one valid RTP packet, as decided by [`Latch::handle_rtp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatchDecision {
    /// From the latched source: use it.
    Accept,
    /// The first packet: the latch is now on `addr`; use the packet.
    Latched {
        /// The source now latched.
        addr: SocketAddr,
    },
    /// The latched source went silent and `to` has replaced `from`; use the packet.
    Relatched {
        /// The previously latched source.
        from: SocketAddr,
        /// The newly latched source.
        to: SocketAddr,
    },
    /// Do not use the packet.
    Drop(DropReason),
}

impl LatchDecision {
    /// Whether the packet should be used (relayed, counted).
    #[must_use]
    pub fn is_accepted(&self) -> bool {
        !matches!(self, LatchDecision::Drop(_))
    }
}

/// Why a packet was refused, for counters and debug logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// Strict mode, and the source IP is not the SDP IP (or there is no SDP address).
    NotFromSdpIp,
    /// Another source is latched and has sent within `relatch_after`.
    LatchedSourceActive,
    /// The latched source is silent; this source is counting up to `relatch_packets`.
    Probation,
    /// RTCP from an IP other than the latched RTP source's.
    NotFromRtpSource,
}

/// The RTP latch of one leg: where the phone's RTP comes from and where to send to it.
///
/// Before latching, [`Latch::remote`] is the SDP address. The first valid RTP packet
/// latches onto its source. After that, other sources are dropped unless the latched
/// source has been silent for `relatch_after`, in which case a source that sends
/// `relatch_packets` consecutive packets is adopted. SSRC is not looked at: a new SSRC
/// from the latched source is simply a new stream ([`crate::StreamStats`] counts it).
#[derive(Debug, Clone)]
pub struct Latch {
    config: LatchConfig,
    sdp: Option<SocketAddr>,
    latched: Option<SocketAddr>,
    last_from_latched: Option<Instant>,
    candidate: Option<(SocketAddr, u32)>,
}

impl Latch {
    /// A latch expecting the phone at `sdp` (its SDP connection address and port;
    /// `None` when not known yet).
    #[must_use]
    pub fn new(config: LatchConfig, sdp: Option<SocketAddr>) -> Self {
        Latch {
            config,
            sdp,
            latched: None,
            last_from_latched: None,
            candidate: None,
        }
    }

    /// Decides about one valid RTP packet from `from` that arrived at `now`. Call only
    /// for packets that parsed as RTP.
    pub fn handle_rtp(&mut self, now: Instant, from: SocketAddr) -> LatchDecision {
        let Some(latched) = self.latched else {
            if !self.ip_allowed(from) {
                return LatchDecision::Drop(DropReason::NotFromSdpIp);
            }
            self.adopt(now, from);
            return LatchDecision::Latched { addr: from };
        };
        if from == latched {
            self.last_from_latched = Some(now);
            self.candidate = None;
            return LatchDecision::Accept;
        }
        if !self.ip_allowed(from) {
            return LatchDecision::Drop(DropReason::NotFromSdpIp);
        }
        let silent_since = self.last_from_latched.unwrap_or(now);
        if now.saturating_duration_since(silent_since) < self.config.relatch_after {
            self.candidate = None;
            return LatchDecision::Drop(DropReason::LatchedSourceActive);
        }
        let seen = match self.candidate {
            Some((addr, n)) if addr == from => n + 1,
            _ => 1,
        };
        if seen >= self.config.relatch_packets {
            self.adopt(now, from);
            return LatchDecision::Relatched {
                from: latched,
                to: from,
            };
        }
        self.candidate = Some((from, seen));
        LatchDecision::Drop(DropReason::Probation)
    }

    /// The phone's SDP address changed (re-INVITE, UPDATE). A different address
    /// unlatches, so the next valid packet latches afresh; the same address is a no-op.
    pub fn set_sdp_addr(&mut self, sdp: Option<SocketAddr>) {
        if sdp != self.sdp {
            self.sdp = sdp;
            self.latched = None;
            self.last_from_latched = None;
            self.candidate = None;
        }
    }

    /// Where to send RTP to this phone: the latched source, else the SDP address.
    /// An SDP address of 0.0.0.0 / `::` (old-style hold) or port 0 (stream refused) is
    /// never a destination (RFC 3264 §8.4, §6).
    #[must_use]
    pub fn remote(&self) -> Option<SocketAddr> {
        self.latched.or(self.sdp.filter(|a| usable(*a)))
    }

    /// The latched source, if any packet has been accepted yet.
    #[must_use]
    pub fn latched(&self) -> Option<SocketAddr> {
        self.latched
    }

    /// The address from SDP.
    #[must_use]
    pub fn sdp_addr(&self) -> Option<SocketAddr> {
        self.sdp
    }

    /// When the latched source last sent an accepted packet.
    #[must_use]
    pub fn last_packet(&self) -> Option<Instant> {
        self.last_from_latched
    }

    fn adopt(&mut self, now: Instant, from: SocketAddr) {
        self.latched = Some(from);
        self.last_from_latched = Some(now);
        self.candidate = None;
    }

    fn ip_allowed(&self, from: SocketAddr) -> bool {
        if !self.config.latch_only_from_sdp_ip {
            return true;
        }
        self.sdp.is_some_and(|sdp| sdp.ip() == from.ip())
    }
}

/// The RTCP latch of one leg. RTCP is sparse (one report every few seconds), so it
/// cannot use the RTP silence rule; it follows the RTP latch instead: once RTP is
/// latched, RTCP is accepted only from the same IP and latches onto whatever port
/// that IP sends RTCP from. Before RTP latches, the first RTCP source latches.
#[derive(Debug, Clone)]
pub struct RtcpLatch {
    sdp: Option<SocketAddr>,
    latched: Option<SocketAddr>,
}

impl RtcpLatch {
    /// An RTCP latch expecting the phone's RTCP at `sdp` (RFC 3605 `a=rtcp`, or the RTP
    /// port + 1).
    #[must_use]
    pub fn new(sdp: Option<SocketAddr>) -> Self {
        RtcpLatch { sdp, latched: None }
    }

    /// Decides about one valid RTCP packet from `from`, given the leg's RTP latch.
    pub fn handle_rtcp(&mut self, from: SocketAddr, rtp: &Latch) -> LatchDecision {
        if self.latched == Some(from) {
            if rtp.latched().is_none_or(|r| r.ip() == from.ip()) {
                return LatchDecision::Accept;
            }
            return LatchDecision::Drop(DropReason::NotFromRtpSource);
        }
        match (rtp.latched(), self.latched) {
            (Some(r), _) if r.ip() != from.ip() => {
                LatchDecision::Drop(DropReason::NotFromRtpSource)
            }
            (None, Some(_)) => LatchDecision::Drop(DropReason::LatchedSourceActive),
            (_, old) => {
                self.latched = Some(from);
                match old {
                    Some(old) => LatchDecision::Relatched {
                        from: old,
                        to: from,
                    },
                    None => LatchDecision::Latched { addr: from },
                }
            }
        }
    }

    /// The phone's SDP RTCP address changed; a different address unlatches.
    pub fn set_sdp_addr(&mut self, sdp: Option<SocketAddr>) {
        if sdp != self.sdp {
            self.sdp = sdp;
            self.latched = None;
        }
    }

    /// Where to send RTCP to this phone: the latched source, else the SDP address
    /// (unless unspecified or port 0, as for [`Latch::remote`]).
    #[must_use]
    pub fn remote(&self) -> Option<SocketAddr> {
        self.latched.or(self.sdp.filter(|a| usable(*a)))
    }

    /// The latched RTCP source, if any.
    #[must_use]
    pub fn latched(&self) -> Option<SocketAddr> {
        self.latched
    }
}

/// Whether an SDP address may be sent to: not 0.0.0.0 / `::` (hold), not port 0.
fn usable(addr: SocketAddr) -> bool {
    !addr.ip().is_unspecified() && addr.port() != 0
}
