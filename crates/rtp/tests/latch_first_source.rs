//! Before latching the SDP address is the destination; the first valid RTP latches onto
//! its source, which may differ from SDP (NAT).

mod common;

use std::time::{Duration, Instant};

use common::addr;
use rotary_rtp::{DropReason, Latch, LatchConfig, LatchDecision};

#[test]
fn sdp_address_is_remote_until_first_packet() {
    let latch = Latch::new(LatchConfig::default(), Some(addr("192.168.1.20:4000")));
    assert_eq!(latch.remote(), Some(addr("192.168.1.20:4000")));
    assert_eq!(latch.latched(), None);
}

#[test]
fn first_packet_from_nat_address_latches() {
    let t0 = Instant::now();
    let mut latch = Latch::new(LatchConfig::default(), Some(addr("192.168.1.20:4000")));
    let nat = addr("203.0.113.5:61000");
    assert_eq!(
        latch.handle_rtp(t0, nat),
        LatchDecision::Latched { addr: nat }
    );
    assert_eq!(latch.remote(), Some(nat));
    assert_eq!(
        latch.handle_rtp(t0 + Duration::from_millis(20), nat),
        LatchDecision::Accept
    );
    assert_eq!(latch.last_packet(), Some(t0 + Duration::from_millis(20)));
}

#[test]
fn without_sdp_address_there_is_no_remote_until_latched() {
    let t0 = Instant::now();
    let mut latch = Latch::new(LatchConfig::default(), None);
    assert_eq!(latch.remote(), None);
    assert!(latch
        .handle_rtp(t0, addr("198.51.100.1:5000"))
        .is_accepted());
    assert_eq!(latch.remote(), Some(addr("198.51.100.1:5000")));
}

#[test]
fn strict_mode_latches_only_from_sdp_ip() {
    let t0 = Instant::now();
    let config = LatchConfig {
        latch_only_from_sdp_ip: true,
        ..LatchConfig::default()
    };
    let mut latch = Latch::new(config, Some(addr("198.51.100.1:4000")));
    assert_eq!(
        latch.handle_rtp(t0, addr("203.0.113.9:4000")),
        LatchDecision::Drop(DropReason::NotFromSdpIp)
    );
    assert_eq!(latch.latched(), None);
    // Same IP, another port (a port-rewriting NAT on the trunk side) is fine.
    let ok = addr("198.51.100.1:4002");
    assert_eq!(
        latch.handle_rtp(t0, ok),
        LatchDecision::Latched { addr: ok }
    );
}

#[test]
fn strict_mode_without_sdp_address_latches_nothing() {
    let t0 = Instant::now();
    let config = LatchConfig {
        latch_only_from_sdp_ip: true,
        ..LatchConfig::default()
    };
    let mut latch = Latch::new(config, None);
    assert!(!latch
        .handle_rtp(t0, addr("198.51.100.1:4000"))
        .is_accepted());
}

#[test]
fn sdp_change_unlatches() {
    let t0 = Instant::now();
    let mut latch = Latch::new(LatchConfig::default(), Some(addr("192.168.1.20:4000")));
    latch.handle_rtp(t0, addr("203.0.113.5:61000"));
    latch.set_sdp_addr(Some(addr("192.168.1.20:4000")));
    assert_eq!(
        latch.latched(),
        Some(addr("203.0.113.5:61000")),
        "same SDP: unchanged"
    );
    latch.set_sdp_addr(Some(addr("192.168.1.30:5000")));
    assert_eq!(latch.latched(), None);
    assert_eq!(latch.remote(), Some(addr("192.168.1.30:5000")));
    let new = addr("203.0.113.6:62000");
    assert_eq!(
        latch.handle_rtp(t0 + Duration::from_millis(5), new),
        LatchDecision::Latched { addr: new }
    );
}

#[test]
fn hold_address_and_port_zero_are_never_destinations() {
    let t0 = Instant::now();
    let mut latch = Latch::new(LatchConfig::default(), Some(addr("0.0.0.0:4000")));
    assert_eq!(latch.remote(), None, "c=0.0.0.0 (RFC 3264 §8.4 hold)");
    latch.set_sdp_addr(Some(addr("192.168.1.20:0")));
    assert_eq!(latch.remote(), None, "port 0: stream refused");
    // The phone's own packets still latch, and then are the destination.
    let phone = addr("203.0.113.5:61000");
    latch.handle_rtp(t0, phone);
    assert_eq!(latch.remote(), Some(phone));
    let rtcp = rotary_rtp::RtcpLatch::new(Some(addr("[::]:4001")));
    assert_eq!(rtcp.remote(), None);
}
