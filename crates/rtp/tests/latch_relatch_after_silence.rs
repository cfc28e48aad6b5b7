//! A phone whose address changes mid-call is followed once the old source has been
//! silent for `relatch_after` and the new one has sent `relatch_packets` packets.

mod common;

use std::time::{Duration, Instant};

use common::addr;
use rotary_rtp::{DropReason, Latch, LatchConfig, LatchDecision};

const PTIME: Duration = Duration::from_millis(20);

#[test]
fn new_source_adopted_after_silence_and_three_packets() {
    let t0 = Instant::now();
    let mut latch = Latch::new(LatchConfig::default(), None);
    let old = addr("203.0.113.5:61000");
    let new = addr("203.0.113.77:40000");
    latch.handle_rtp(t0, old);
    let quiet = t0 + Duration::from_secs(1);
    assert_eq!(
        latch.handle_rtp(quiet, new),
        LatchDecision::Drop(DropReason::Probation)
    );
    assert_eq!(
        latch.handle_rtp(quiet + PTIME, new),
        LatchDecision::Drop(DropReason::Probation)
    );
    assert_eq!(
        latch.remote(),
        Some(old),
        "not adopted before the third packet"
    );
    assert_eq!(
        latch.handle_rtp(quiet + PTIME * 2, new),
        LatchDecision::Relatched { from: old, to: new }
    );
    assert_eq!(latch.remote(), Some(new));
    // And now the old source is the stranger.
    assert_eq!(
        latch.handle_rtp(quiet + PTIME * 3, old),
        LatchDecision::Drop(DropReason::LatchedSourceActive)
    );
}

#[test]
fn old_source_speaking_resets_the_count() {
    let t0 = Instant::now();
    let mut latch = Latch::new(LatchConfig::default(), None);
    let old = addr("203.0.113.5:61000");
    let new = addr("203.0.113.77:40000");
    latch.handle_rtp(t0, old);
    let mut now = t0 + Duration::from_millis(1500);
    latch.handle_rtp(now, new);
    now += PTIME;
    latch.handle_rtp(now, new);
    now += PTIME;
    assert_eq!(latch.handle_rtp(now, old), LatchDecision::Accept);
    now += PTIME;
    assert_eq!(
        latch.handle_rtp(now, new),
        LatchDecision::Drop(DropReason::LatchedSourceActive)
    );
    assert_eq!(latch.latched(), Some(old));
}

#[test]
fn interleaved_candidates_must_be_consecutive() {
    let t0 = Instant::now();
    let mut latch = Latch::new(LatchConfig::default(), None);
    let old = addr("203.0.113.5:61000");
    let (x, y) = (addr("198.51.100.1:1000"), addr("198.51.100.2:2000"));
    latch.handle_rtp(t0, old);
    let mut now = t0 + Duration::from_secs(2);
    for _ in 0..10 {
        assert!(!latch.handle_rtp(now, x).is_accepted());
        assert!(!latch.handle_rtp(now, y).is_accepted());
        now += PTIME;
    }
    assert_eq!(latch.latched(), Some(old));
    // The loop ended with y: this x resets the count, then three y in a row win.
    latch.handle_rtp(now, x);
    assert_eq!(
        latch.handle_rtp(now, y),
        LatchDecision::Drop(DropReason::Probation)
    );
    assert_eq!(
        latch.handle_rtp(now, y),
        LatchDecision::Drop(DropReason::Probation)
    );
    assert_eq!(
        latch.handle_rtp(now, y),
        LatchDecision::Relatched { from: old, to: y }
    );
}

#[test]
fn configurable_silence_and_packet_count() {
    let t0 = Instant::now();
    let config = LatchConfig {
        relatch_after: Duration::from_millis(200),
        relatch_packets: 1,
        ..LatchConfig::default()
    };
    let mut latch = Latch::new(config, None);
    let (old, new) = (addr("203.0.113.5:61000"), addr("203.0.113.5:61002"));
    latch.handle_rtp(t0, old);
    let early = t0 + Duration::from_millis(199);
    assert_eq!(
        latch.handle_rtp(early, new),
        LatchDecision::Drop(DropReason::LatchedSourceActive)
    );
    let due = t0 + Duration::from_millis(200);
    assert_eq!(
        latch.handle_rtp(due, new),
        LatchDecision::Relatched { from: old, to: new }
    );
}
