//! A new SSRC from the latched address is a new stream: relayed, sequence tracking
//! restarts, totals carry on, the change is counted.

mod common;

use std::time::{Duration, Instant};

use common::{addr, rtp};
use rotary_rtp::{
    ClockRate, Latch, LatchConfig, LatchDecision, RtpPacket, SeqNo, Ssrc, StreamStats,
};

const PTIME: Duration = Duration::from_millis(20);

#[test]
fn ssrc_change_is_accepted_and_restarts_sequence_tracking() {
    let t0 = Instant::now();
    let phone = addr("203.0.113.5:61000");
    let mut latch = Latch::new(LatchConfig::default(), None);
    let mut stats = StreamStats::new(ClockRate::NARROWBAND);
    // Stream 1: seq 1, 2, 4 (3 lost).
    let first = [(1u16, 0u32), (2, 160), (4, 480)];
    for (i, (seq, ts)) in first.into_iter().enumerate() {
        let now = t0 + PTIME * u32::try_from(i).unwrap();
        assert!(latch.handle_rtp(now, phone).is_accepted());
        stats.handle_rtp(now, &RtpPacket::parse(&rtp(seq, ts, 0x1111)).unwrap());
    }
    assert_eq!(stats.lost(), 1);
    // Stream 2 (after a transfer): a far-away sequence number, new SSRC.
    for (i, seq) in [40_000u16, 40_001, 40_002].into_iter().enumerate() {
        let now = t0 + Duration::from_secs(1) + PTIME * u32::try_from(i).unwrap();
        assert_eq!(latch.handle_rtp(now, phone), LatchDecision::Accept);
        stats.handle_rtp(
            now,
            &RtpPacket::parse(&rtp(seq, 90_000 + 160 * u32::from(seq), 0x2222)).unwrap(),
        );
    }
    let r = stats.report();
    assert_eq!(r.ssrc, Some(Ssrc(0x2222)));
    assert_eq!(r.ssrc_changes, 1);
    assert_eq!(r.packets, 6);
    assert_eq!(r.lost, 1, "the jump to 40000 is not loss");
    assert_eq!(r.highest_seq, Some(SeqNo(40_002)));
    assert_eq!(r.restarts, 0);
}

#[test]
fn sequence_jump_within_one_ssrc_restarts_after_two_packets() {
    let t0 = Instant::now();
    let mut stats = StreamStats::new(ClockRate::NARROWBAND);
    for (i, seq) in [1u16, 2, 9000, 9001, 9002].into_iter().enumerate() {
        let now = t0 + PTIME * u32::try_from(i).unwrap();
        stats.handle_rtp(
            now,
            &RtpPacket::parse(&rtp(seq, 160 * u32::from(seq), 7)).unwrap(),
        );
    }
    let r = stats.report();
    assert_eq!((r.restarts, r.lost, r.packets), (1, 0, 5));
    assert_eq!(r.highest_seq, Some(SeqNo(9002)));
}

#[test]
fn single_stray_jump_is_not_a_restart() {
    let t0 = Instant::now();
    let mut stats = StreamStats::new(ClockRate::NARROWBAND);
    for (i, seq) in [1u16, 2, 30_000, 3, 4].into_iter().enumerate() {
        let now = t0 + PTIME * u32::try_from(i).unwrap();
        stats.handle_rtp(
            now,
            &RtpPacket::parse(&rtp(seq, 160 * u32::from(seq), 7)).unwrap(),
        );
    }
    let r = stats.report();
    assert_eq!((r.restarts, r.lost, r.highest_seq), (0, 0, Some(SeqNo(4))));
}
