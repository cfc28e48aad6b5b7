//! While the latched phone keeps sending, nobody else can take over its stream; RTCP
//! follows the RTP latch's IP.

mod common;

use std::time::{Duration, Instant};

use common::addr;
use rotary_rtp::{DropReason, Latch, LatchConfig, LatchDecision, RtcpLatch};

const PTIME: Duration = Duration::from_millis(20);

#[test]
fn stranger_dropped_while_latched_source_is_active() {
    let t0 = Instant::now();
    let mut latch = Latch::new(LatchConfig::default(), Some(addr("192.168.1.20:4000")));
    let phone = addr("203.0.113.5:61000");
    let stranger = addr("198.51.100.66:9999");
    latch.handle_rtp(t0, phone);
    // For 10 s the phone sends every 20 ms and the stranger floods in between.
    for i in 1..500u32 {
        let now = t0 + PTIME * i;
        assert_eq!(latch.handle_rtp(now, phone), LatchDecision::Accept);
        for k in 0..5 {
            let d = latch.handle_rtp(now + Duration::from_millis(k), stranger);
            assert_eq!(
                d,
                LatchDecision::Drop(DropReason::LatchedSourceActive),
                "packet {i}/{k}"
            );
        }
    }
    assert_eq!(latch.remote(), Some(phone));
}

#[test]
fn stranger_dropped_just_before_relatch_after() {
    let t0 = Instant::now();
    let mut latch = Latch::new(LatchConfig::default(), None);
    let phone = addr("203.0.113.5:61000");
    latch.handle_rtp(t0, phone);
    let stranger = addr("198.51.100.66:9999");
    for k in 0..10u32 {
        let now = t0 + Duration::from_millis(999) - Duration::from_millis(u64::from(k));
        assert_eq!(
            latch.handle_rtp(now, stranger),
            LatchDecision::Drop(DropReason::LatchedSourceActive)
        );
    }
    assert_eq!(latch.latched(), Some(phone));
}

#[test]
fn same_ip_other_port_is_a_stranger_too() {
    let t0 = Instant::now();
    let mut latch = Latch::new(LatchConfig::default(), None);
    latch.handle_rtp(t0, addr("203.0.113.5:61000"));
    assert!(!latch
        .handle_rtp(t0 + PTIME, addr("203.0.113.5:61002"))
        .is_accepted());
}

#[test]
fn rtcp_only_from_latched_rtp_ip() {
    let t0 = Instant::now();
    let mut rtp = Latch::new(LatchConfig::default(), Some(addr("192.168.1.20:4000")));
    let mut rtcp = RtcpLatch::new(Some(addr("192.168.1.20:4001")));
    assert_eq!(rtcp.remote(), Some(addr("192.168.1.20:4001")));
    rtp.handle_rtp(t0, addr("203.0.113.5:61000"));
    let stranger = addr("198.51.100.66:61001");
    assert_eq!(
        rtcp.handle_rtcp(stranger, &rtp),
        LatchDecision::Drop(DropReason::NotFromRtpSource)
    );
    let phone_rtcp = addr("203.0.113.5:61007");
    assert_eq!(
        rtcp.handle_rtcp(phone_rtcp, &rtp),
        LatchDecision::Latched { addr: phone_rtcp }
    );
    assert_eq!(rtcp.handle_rtcp(phone_rtcp, &rtp), LatchDecision::Accept);
    assert_eq!(rtcp.remote(), Some(phone_rtcp));
    // The NAT moved the RTCP mapping: same IP, new port, followed at once.
    let moved = addr("203.0.113.5:61009");
    assert_eq!(
        rtcp.handle_rtcp(moved, &rtp),
        LatchDecision::Relatched {
            from: phone_rtcp,
            to: moved
        }
    );
}

#[test]
fn rtcp_before_rtp_latches_first_source_only() {
    let mut rtp = Latch::new(LatchConfig::default(), None);
    let mut rtcp = RtcpLatch::new(None);
    let first = addr("203.0.113.5:61001");
    assert_eq!(
        rtcp.handle_rtcp(first, &rtp),
        LatchDecision::Latched { addr: first }
    );
    let other = addr("198.51.100.66:61001");
    assert_eq!(
        rtcp.handle_rtcp(other, &rtp),
        LatchDecision::Drop(DropReason::LatchedSourceActive)
    );
    // RTP then latches elsewhere: the earlier RTCP latch no longer qualifies.
    rtp.handle_rtp(Instant::now(), addr("198.51.100.66:61000"));
    assert_eq!(
        rtcp.handle_rtcp(first, &rtp),
        LatchDecision::Drop(DropReason::NotFromRtpSource)
    );
    assert_eq!(
        rtcp.handle_rtcp(other, &rtp),
        LatchDecision::Relatched {
            from: first,
            to: other
        }
    );
}
