//! Loss (RFC 3550 A.3), jitter (A.8), reordering and duplicates against hand-computed
//! values.

mod common;

use std::time::{Duration, Instant};

use common::rtp;
use rotary_rtp::{ClockRate, RtpPacket, SeqNo, StreamStats};

/// Feeds `(arrival ms, seq, timestamp)` triples with SSRC 1.
fn feed(arrivals: &[(u64, u16, u32)]) -> StreamStats {
    let t0 = Instant::now();
    let mut stats = StreamStats::new(ClockRate::NARROWBAND);
    for &(ms, seq, ts) in arrivals {
        let bytes = rtp(seq, ts, 1);
        stats.handle_rtp(
            t0 + Duration::from_millis(ms),
            &RtpPacket::parse(&bytes).unwrap(),
        );
    }
    stats
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn loss_from_sequence_gaps() {
    // 1 2 3 _ 5 6 _ _ 9 10: expected 10, received 7.
    let s = feed(&[
        (0, 1, 0),
        (20, 2, 160),
        (40, 3, 320),
        (80, 5, 640),
        (100, 6, 800),
        (160, 9, 1280),
        (180, 10, 1440),
    ]);
    let r = s.report();
    assert_eq!((r.packets, r.lost, r.reordered, r.duplicates), (7, 3, 0, 0));
    assert_eq!(r.bytes, 7 * 172);
    assert_eq!(r.highest_seq, Some(SeqNo(10)));
}

#[test]
fn loss_across_sequence_wrap() {
    // 65534 65535 0 _ 2: extended 65534..=65538, one lost.
    let s = feed(&[(0, 65534, 0), (20, 65535, 160), (40, 0, 320), (80, 2, 640)]);
    assert_eq!(s.lost(), 1);
    assert_eq!(s.report().highest_seq, Some(SeqNo(65538)));
}

#[test]
fn reordered_packet_is_not_lost() {
    let s = feed(&[
        (0, 1, 0),
        (20, 2, 160),
        (40, 4, 480),
        (41, 3, 320),
        (60, 5, 640),
    ]);
    let r = s.report();
    assert_eq!((r.lost, r.reordered, r.duplicates, r.packets), (0, 1, 0, 5));
}

#[test]
fn late_packet_before_the_first_lowers_the_base() {
    let s = feed(&[(0, 11, 1760), (1, 10, 1600), (20, 12, 1920)]);
    let r = s.report();
    assert_eq!((r.lost, r.reordered), (0, 1));
}

#[test]
fn duplicate_counted_once() {
    let s = feed(&[
        (0, 1, 0),
        (20, 2, 160),
        (21, 2, 160),
        (40, 3, 320),
        (41, 1, 0),
    ]);
    let r = s.report();
    assert_eq!((r.packets, r.duplicates, r.lost, r.reordered), (5, 2, 0, 0));
}

#[test]
fn jitter_matches_rfc3550_a8_by_hand() {
    // Sent every 20 ms (160 ticks at 8 kHz); the third arrives 5 ms (40 ticks) late.
    // D: -, 0, +40, -40, 0 → J: 0, 40/16 = 2.5, 2.5 + 37.5/16 = 4.84375,
    // 4.84375 - 4.84375/16 = 4.541015625 ticks = 0.567626953125 ms.
    let s = feed(&[
        (0, 1, 0),
        (20, 2, 160),
        (45, 3, 320),
        (60, 4, 480),
        (80, 5, 640),
    ]);
    assert!(close(s.jitter(), 4.541_015_625), "{}", s.jitter());
    assert!(close(s.jitter_ms(), 0.567_626_953_125), "{}", s.jitter_ms());
}

#[test]
fn perfectly_paced_stream_has_zero_jitter() {
    let arrivals: Vec<(u64, u16, u32)> = (0..500u16)
        .map(|i| (u64::from(i) * 20, i, u32::from(i) * 160))
        .collect();
    let s = feed(&arrivals);
    assert!(close(s.jitter(), 0.0));
    assert_eq!(s.lost(), 0);
}

#[test]
fn jitter_uses_signed_timestamp_difference_across_wrap() {
    // Timestamps wrap at 2^32 between the two packets; transit is still steady.
    let s = feed(&[(0, 1, u32::MAX - 79), (20, 2, 80)]);
    assert!(close(s.jitter(), 0.0), "{}", s.jitter());
}

#[test]
fn last_packet_instant_is_tracked() {
    let t0 = Instant::now();
    let mut stats = StreamStats::new(ClockRate(16_000));
    assert_eq!(stats.last_packet(), None);
    let b = rtp(5, 0, 1);
    stats.handle_rtp(
        t0 + Duration::from_millis(7),
        &RtpPacket::parse(&b).unwrap(),
    );
    assert_eq!(stats.last_packet(), Some(t0 + Duration::from_millis(7)));
}
