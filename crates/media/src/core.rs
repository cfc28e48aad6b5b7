//! The relay's decisions, sans-IO: which datagram from which leg goes where, latching,
//! statistics and the RTP timeout. The task in `relay.rs` only moves bytes and time
//! in and out of this struct.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

use rotary_rtp::{
    Activity, ActivityEvent, Latch, LatchConfig, LatchDecision, Packet, RtcpLatch, RtcpPacket,
    StreamStats,
};

use crate::relay::{DirectionStats, RelayConfig, RelayEvent, RelayLeg, RelayStats, Remote};

/// A datagram the relay drops (malformed, or refused by latching).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refused;

/// Both legs' state plus one inactivity timer per phone: a call ends when either phone
/// has been silent for the RTP timeout (a phone that lost power stops sending while the
/// other goes on), as a per-channel `rtptimeout` does elsewhere.
#[derive(Debug)]
pub(crate) struct RelayCore {
    legs: [LegState; 2],
    activity: [Activity; 2],
    /// The call is over once one phone fell silent: report it once.
    timed_out: bool,
    events: VecDeque<RelayEvent>,
}

/// What arrives from one phone and what happened to it.
#[derive(Debug)]
struct LegState {
    rtp: Latch,
    rtcp: RtcpLatch,
    stats: StreamStats,
    relayed: u64,
    rtcp_relayed: u64,
    refused: u64,
    malformed: u64,
    send_failed: u64,
    no_destination: u64,
}

impl RelayCore {
    pub(crate) fn new(now: Instant, config: &RelayConfig, remotes: [Option<Remote>; 2]) -> Self {
        let latch = LatchConfig {
            relatch_after: config.relatch_after,
            relatch_packets: config.relatch_packets,
            latch_only_from_sdp_ip: config.latch_only_from_sdp_ip,
        };
        let leg = |remote: Option<Remote>| LegState {
            rtp: Latch::new(latch, remote.map(|r| r.rtp)),
            rtcp: RtcpLatch::new(remote.map(|r| r.rtcp)),
            stats: StreamStats::new(config.clock_rate),
            relayed: 0,
            rtcp_relayed: 0,
            refused: 0,
            malformed: 0,
            send_failed: 0,
            no_destination: 0,
        };
        let [a, b] = remotes;
        RelayCore {
            legs: [leg(a), leg(b)],
            activity: [
                Activity::new(now, config.rtp_timeout),
                Activity::new(now, config.rtp_timeout),
            ],
            timed_out: false,
            events: VecDeque::new(),
        }
    }

    /// A datagram arrived on `leg`'s RTP socket. Returns where to send it out of the
    /// other leg's RTP socket, or `None` to drop it.
    #[cfg(test)]
    pub(crate) fn handle_rtp(
        &mut self,
        now: Instant,
        leg: RelayLeg,
        from: SocketAddr,
        buf: &[u8],
    ) -> Option<SocketAddr> {
        self.accept_rtp(now, leg, from, buf).ok().flatten()
    }

    /// [`RelayCore::handle_rtp`], telling a packet that was accepted but has nowhere to go
    /// yet (`Ok(None)`: the other phone's address is unknown, as on a one-legged call
    /// where pbxd itself answers) from one that was refused (`Err`).
    pub(crate) fn accept_rtp(
        &mut self,
        now: Instant,
        leg: RelayLeg,
        from: SocketAddr,
        buf: &[u8],
    ) -> Result<Option<SocketAddr>, Refused> {
        let me = &mut self.legs[leg.index()];
        let rtp = match Packet::parse(buf) {
            Ok(Packet::Rtp(rtp)) => rtp,
            // RFC 5761 rtcp-mux: RTCP on the RTP port passes only from the latched phone.
            Ok(Packet::Rtcp(_)) if me.rtp.latched() == Some(from) => {
                return Ok(self.destination(leg.other(), Kind::Rtp));
            }
            Ok(Packet::Rtcp(_)) => {
                me.refused += 1;
                return Err(Refused);
            }
            Err(_) => {
                me.malformed += 1;
                return Err(Refused);
            }
        };
        match me.rtp.handle_rtp(now, from) {
            LatchDecision::Accept => {}
            LatchDecision::Latched { addr } | LatchDecision::Relatched { to: addr, .. } => {
                self.events.push_back(RelayEvent::Latched { leg, addr });
            }
            LatchDecision::Drop(_) => {
                me.refused += 1;
                return Err(Refused);
            }
        }
        me.stats.handle_rtp(now, &rtp);
        self.activity[leg.index()].handle_rtp(now);
        Ok(self.destination(leg.other(), Kind::Rtp))
    }

    /// A datagram arrived on `leg`'s RTCP socket. Returns where to send it out of the
    /// other leg's RTCP socket, or `None` to drop it.
    pub(crate) fn handle_rtcp(
        &mut self,
        leg: RelayLeg,
        from: SocketAddr,
        buf: &[u8],
    ) -> Option<SocketAddr> {
        let me = &mut self.legs[leg.index()];
        if RtcpPacket::parse(buf).is_err() {
            me.malformed += 1;
            return None;
        }
        if !me.rtcp.handle_rtcp(from, &me.rtp).is_accepted() {
            me.refused += 1;
            return None;
        }
        self.destination(leg.other(), Kind::Rtcp)
    }

    /// Outcome of sending what `handle_rtp`/`handle_rtcp` for `from_leg` returned.
    pub(crate) fn handle_sent(&mut self, from_leg: RelayLeg, rtcp: bool, ok: bool) {
        let me = &mut self.legs[from_leg.index()];
        match (ok, rtcp) {
            (false, _) => me.send_failed += 1,
            (true, false) => me.relayed += 1,
            (true, true) => me.rtcp_relayed += 1,
        }
    }

    /// A phone's SDP address changed (re-INVITE).
    pub(crate) fn set_remote(&mut self, leg: RelayLeg, remote: Remote) {
        let me = &mut self.legs[leg.index()];
        me.rtp.set_sdp_addr(Some(remote.rtp));
        me.rtcp.set_sdp_addr(Some(remote.rtcp));
    }

    /// Hold suspends the RTP timeout; relaying goes on.
    pub(crate) fn set_hold(&mut self, now: Instant, hold: bool) {
        for a in &mut self.activity {
            a.set_hold(now, hold);
        }
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        for a in &mut self.activity {
            a.handle_timeout(now);
            while let Some(ActivityEvent::MediaTimeout { last_activity }) = a.poll_event() {
                if !self.timed_out {
                    self.timed_out = true;
                    self.events.push_back(RelayEvent::Timeout { last_activity });
                }
            }
        }
    }

    pub(crate) fn poll_event(&mut self) -> Option<RelayEvent> {
        self.events.pop_front()
    }

    /// Earliest instant for `handle_timeout`. Moves later with every RTP packet, so a
    /// shell may keep an earlier timer and re-check (see `Activity::poll_timeout`).
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        if self.timed_out {
            return None;
        }
        self.activity
            .iter()
            .filter_map(Activity::poll_timeout)
            .min()
    }

    pub(crate) fn stats(&self) -> RelayStats {
        let dir = |leg: &LegState| DirectionStats {
            received: leg.stats.report(),
            relayed: leg.relayed,
            rtcp_relayed: leg.rtcp_relayed,
            refused: leg.refused,
            malformed: leg.malformed,
            send_failed: leg.send_failed,
            no_destination: leg.no_destination,
            undecodable: 0,
            latched: leg.rtp.latched(),
            rtcp_latched: leg.rtcp.latched(),
        };
        RelayStats {
            a_to_b: dir(&self.legs[0]),
            b_to_a: dir(&self.legs[1]),
            held: self.activity[0].is_held(),
        }
    }

    /// Where to send to the phone on `to`, counting packets that have nowhere to go
    /// against the leg they came from.
    /// Where RTP for `to`'s phone goes now (latched source, else its SDP address):
    /// the destination of media pbxd generates itself (transcoded, prompts).
    pub(crate) fn rtp_destination(&self, to: RelayLeg) -> Option<SocketAddr> {
        self.legs[to.index()].rtp.remote()
    }

    fn destination(&mut self, to: RelayLeg, kind: Kind) -> Option<SocketAddr> {
        let target = &self.legs[to.index()];
        let dest = match kind {
            Kind::Rtp => target.rtp.remote(),
            Kind::Rtcp => target.rtcp.remote(),
        };
        if dest.is_none() {
            self.legs[to.other().index()].no_destination += 1;
        }
        dest
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Rtp,
    Rtcp,
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn rtp(seq: u16) -> Vec<u8> {
        let mut p = vec![0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        p[2..4].copy_from_slice(&seq.to_be_bytes());
        p[4..8].copy_from_slice(&(u32::from(seq) * 160).to_be_bytes());
        p.extend_from_slice(&[0xff; 160]);
        p
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn one_silent_phone_times_out_while_the_other_still_talks() {
        let t0 = Instant::now();
        let config = RelayConfig {
            rtp_timeout: Some(Duration::from_secs(5)),
            ..RelayConfig::default()
        };
        let remote = |rtp: &str| Some(Remote::from_rtp(addr(rtp)));
        let mut core = RelayCore::new(
            t0,
            &config,
            [remote("10.0.0.1:4000"), remote("10.0.0.2:5000")],
        );
        let a = addr("10.0.0.1:4000");
        // Phone A keeps sending every 20 ms; phone B sent once and then lost power.
        core.handle_rtp(t0, RelayLeg::B, addr("10.0.0.2:5000"), &rtp(1));
        let mut t = t0;
        let mut seq = 1;
        while t < t0 + Duration::from_secs(6) {
            t += Duration::from_millis(20);
            seq += 1;
            core.handle_rtp(t, RelayLeg::A, a, &rtp(seq));
            if core.poll_timeout().is_some_and(|d| d <= t) {
                core.handle_timeout(t);
            }
        }
        let events: Vec<RelayEvent> = std::iter::from_fn(|| core.poll_event()).collect();
        let timeouts: Vec<&RelayEvent> = events
            .iter()
            .filter(|e| matches!(e, RelayEvent::Timeout { .. }))
            .collect();
        assert_eq!(timeouts, [&RelayEvent::Timeout { last_activity: t0 }]);
        assert_eq!(core.poll_timeout(), None, "reported once");
    }

    #[test]
    fn relays_both_ways_and_times_out_once() {
        let t0 = Instant::now();
        let config = RelayConfig {
            rtp_timeout: Some(Duration::from_secs(5)),
            ..RelayConfig::default()
        };
        let remote = |rtp: &str| Some(Remote::from_rtp(addr(rtp)));
        let mut core = RelayCore::new(
            t0,
            &config,
            [remote("10.0.0.1:4000"), remote("10.0.0.2:5000")],
        );
        let nat_a = addr("198.51.100.1:30000");
        assert_eq!(
            core.handle_rtp(t0, RelayLeg::A, nat_a, &rtp(1)),
            Some(addr("10.0.0.2:5000"))
        );
        core.handle_sent(RelayLeg::A, false, true);
        assert_eq!(
            core.poll_event(),
            Some(RelayEvent::Latched {
                leg: RelayLeg::A,
                addr: nat_a
            })
        );
        assert_eq!(
            core.handle_rtp(t0, RelayLeg::B, addr("10.0.0.2:5000"), &rtp(9)),
            Some(nat_a)
        );
        assert_eq!(
            core.handle_rtp(t0, RelayLeg::B, addr("10.0.0.2:5000"), b"junk"),
            None
        );
        assert_eq!(core.poll_timeout(), Some(t0 + Duration::from_secs(5)));
        core.handle_timeout(t0 + Duration::from_secs(5));
        let _latched_b = core.poll_event();
        assert_eq!(
            core.poll_event(),
            Some(RelayEvent::Timeout { last_activity: t0 })
        );
        assert_eq!(core.poll_event(), None);
        let s = core.stats();
        assert_eq!(
            (s.a_to_b.relayed, s.b_to_a.malformed, s.a_to_b.latched),
            (1, 1, Some(nat_a))
        );
    }

    #[test]
    fn rtcp_mux_passes_only_from_latched_source() {
        let t0 = Instant::now();
        let mut core = RelayCore::new(
            t0,
            &RelayConfig::default(),
            [None, Some(Remote::from_rtp(addr("10.0.0.2:5000")))],
        );
        let rr = [0x80u8, 201, 0, 1, 0, 0, 0, 1];
        let a = addr("198.51.100.1:30000");
        assert_eq!(
            core.handle_rtp(t0, RelayLeg::A, a, &rr),
            None,
            "not latched yet"
        );
        core.handle_rtp(t0, RelayLeg::A, a, &rtp(1));
        assert_eq!(
            core.handle_rtp(t0, RelayLeg::A, a, &rr),
            Some(addr("10.0.0.2:5000"))
        );
        assert_eq!(
            core.handle_rtcp(RelayLeg::A, addr("198.51.100.1:30001"), &rr),
            Some(addr("10.0.0.2:5001"))
        );
        assert_eq!(
            core.handle_rtcp(RelayLeg::A, addr("203.0.113.1:30001"), &rr),
            None
        );
    }

    #[test]
    fn nowhere_to_send_is_counted() {
        let t0 = Instant::now();
        let mut core = RelayCore::new(t0, &RelayConfig::default(), [None, None]);
        assert_eq!(
            core.handle_rtp(t0, RelayLeg::A, addr("198.51.100.1:30000"), &rtp(1)),
            None
        );
        assert_eq!(core.stats().a_to_b.no_destination, 1);
    }
}
