//! RFC 4733 event generation: marker, constant timestamp, growing duration, three ends,
//! early release, queued digits and long-event segments.

mod common;

use std::time::{Duration, Instant};

use rotary_rtp::{DtmfEvent, DtmfPacket, DtmfSendError, DtmfSender, DtmfSenderConfig, EventCode};

const MS: Duration = Duration::from_millis(1);

/// Drives the sender every millisecond until idle (at most `limit`), recording
/// `(ms since t0, packet)`.
fn drain(s: &mut DtmfSender, t0: Instant, limit: Duration) -> Vec<(u64, DtmfPacket)> {
    let mut out = Vec::new();
    let mut now = t0;
    while now <= t0 + limit {
        while let Some(p) = s.poll_packet(now) {
            out.push(((now - t0).as_millis() as u64, p));
        }
        match s.poll_timeout() {
            Some(t) if t > now => now = t,
            Some(_) => now += MS,
            None => break,
        }
    }
    out
}

fn ev(code: u8, end: bool, duration: u16) -> DtmfEvent {
    DtmfEvent {
        code: EventCode(code),
        end,
        volume: 10,
        duration,
    }
}

#[test]
fn digit_of_100ms_is_seven_packets_with_three_ends() {
    let t0 = Instant::now();
    let mut s = DtmfSender::new(DtmfSenderConfig::default());
    s.start(t0, 4000, EventCode::from_digit('5').unwrap(), 100 * MS)
        .unwrap();
    assert_eq!(s.poll_timeout(), Some(t0));
    let pkts = drain(&mut s, t0, Duration::from_secs(1));
    let expect = [
        (0, true, ev(5, false, 160)),
        (20, false, ev(5, false, 320)),
        (40, false, ev(5, false, 480)),
        (60, false, ev(5, false, 640)),
        (80, false, ev(5, true, 800)),
        (100, false, ev(5, true, 800)),
        (120, false, ev(5, true, 800)),
    ];
    assert_eq!(pkts.len(), expect.len(), "{pkts:?}");
    for ((at, p), (eat, marker, e)) in pkts.iter().zip(expect) {
        assert_eq!(
            (*at, p.marker, p.event, p.timestamp),
            (eat, marker, e, 4000)
        );
    }
    assert_eq!(pkts[0].1.payload(), [5, 10, 0, 160]);
    assert_eq!(pkts[4].1.payload(), [5, 0x80 | 10, 0x03, 0x20]);
    assert!(!s.is_active());
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn release_ends_the_event_early() {
    let t0 = Instant::now();
    let mut s = DtmfSender::new(DtmfSenderConfig::default());
    s.start(t0, 0, EventCode(1), Duration::from_secs(5))
        .unwrap();
    let mut pkts = Vec::new();
    for ms in 0..=50u32 {
        while let Some(p) = s.poll_packet(t0 + MS * ms) {
            pkts.push(p);
        }
    }
    assert!(s.is_active());
    s.stop(t0 + 50 * MS);
    pkts.extend(
        drain(&mut s, t0 + 50 * MS, Duration::from_secs(1))
            .into_iter()
            .map(|p| p.1),
    );
    let durations: Vec<_> = pkts
        .iter()
        .map(|p| (p.event.duration, p.event.end))
        .collect();
    assert_eq!(
        durations,
        [
            (160, false),
            (320, false),
            (480, false),
            (400, true),
            (400, true),
            (400, true)
        ]
    );
}

#[test]
fn queued_digits_follow_each_other_with_a_gap_and_later_timestamps() {
    let t0 = Instant::now();
    let mut s = DtmfSender::new(DtmfSenderConfig::default());
    for key in ['1', '#', '9'] {
        s.start(t0, 1000, EventCode::from_digit(key).unwrap(), 60 * MS)
            .unwrap();
    }
    assert_eq!(s.queued(), 3);
    let pkts = drain(&mut s, t0, Duration::from_secs(2));
    let firsts: Vec<_> = pkts.iter().filter(|(_, p)| p.marker).collect();
    assert_eq!(firsts.len(), 3);
    // Event 1: packets at 0, 20, 40 (end), 60, 80; the next starts 40 ms after 80.
    assert_eq!(firsts[0].0, 0);
    assert_eq!(firsts[1].0, 120);
    assert_eq!(firsts[2].0, 240);
    assert_eq!(
        firsts.iter().map(|(_, p)| p.timestamp).collect::<Vec<_>>(),
        [1000, 1000 + 960, 1000 + 1920]
    );
    assert_eq!(firsts[1].1.event.code, EventCode(11));
    assert_eq!(pkts.iter().filter(|(_, p)| p.event.end).count(), 9);
}

#[test]
fn long_event_is_split_into_segments() {
    // 10 s at 8 kHz is 80,000 ticks: one segment of 0xFFFF, then 14,465 more.
    let t0 = Instant::now();
    let mut s = DtmfSender::new(DtmfSenderConfig::default());
    s.start(t0, u32::MAX - 100, EventCode(0), Duration::from_secs(10))
        .unwrap();
    let pkts: Vec<_> = drain(&mut s, t0, Duration::from_secs(11))
        .into_iter()
        .map(|p| p.1)
        .collect();
    let first_ts = u32::MAX - 100;
    let second_ts = first_ts.wrapping_add(0xFFFF);
    let boundary = pkts
        .iter()
        .position(|p| p.event.duration == 0xFFFF)
        .unwrap();
    assert!(!pkts[boundary].event.end, "segment end has no E bit");
    assert!(pkts[..=boundary].iter().all(|p| p.timestamp == first_ts));
    assert!(pkts[boundary + 1..]
        .iter()
        .all(|p| p.timestamp == second_ts));
    assert!(pkts.iter().filter(|p| p.marker).count() == 1 && pkts[0].marker);
    assert!(
        pkts[boundary + 1].event.duration < 1000,
        "duration restarts"
    );
    let ends: Vec<_> = pkts.iter().filter(|p| p.event.end).collect();
    assert_eq!(ends.len(), 3);
    assert!(ends
        .iter()
        .all(|p| u32::from(p.event.duration) == 80_000 - 0xFFFF));
    // Durations grow monotonically within each segment.
    assert!(pkts[..=boundary]
        .windows(2)
        .all(|w| w[0].event.duration < w[1].event.duration));
}

#[test]
fn queue_is_bounded() {
    let t0 = Instant::now();
    let mut s = DtmfSender::new(DtmfSenderConfig::default());
    for _ in 0..DtmfSender::QUEUE {
        s.start(t0, 0, EventCode(1), 40 * MS).unwrap();
    }
    assert_eq!(
        s.start(t0, 0, EventCode(1), 40 * MS),
        Err(DtmfSendError::QueueFull {
            capacity: DtmfSender::QUEUE
        })
    );
    s.cancel();
    assert!(!s.is_active());
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn configured_interval_volume_and_single_end() {
    let t0 = Instant::now();
    let mut s = DtmfSender::new(DtmfSenderConfig {
        interval: 50 * MS,
        volume: 99,
        end_repeats: 1,
        ..DtmfSenderConfig::default()
    });
    s.start(t0, 0, EventCode(2), 120 * MS).unwrap();
    let pkts = drain(&mut s, t0, Duration::from_secs(1));
    let got: Vec<_> = pkts
        .iter()
        .map(|(at, p)| (*at, p.event.duration, p.event.end, p.event.volume))
        .collect();
    assert_eq!(
        got,
        [
            (0, 400, false, 63),
            (50, 800, false, 63),
            (100, 960, true, 63)
        ]
    );
}

#[test]
fn random_use_never_panics_and_marks_each_event_once() {
    let t0 = Instant::now();
    let mut rng = common::Rng(31);
    for round in 0..200 {
        let mut s = DtmfSender::new(DtmfSenderConfig {
            clock_rate: rotary_rtp::ClockRate(rng.below(50_000) as u32),
            interval: MS * rng.below(100) as u32,
            volume: rng.next_u64() as u8,
            end_repeats: rng.below(6) as u8,
            gap: MS * rng.below(100) as u32,
        });
        let mut now = t0;
        let (mut queued, mut markers, mut ends_seen) = (0, 0, 0);
        let mut last_end = false;
        for _ in 0..400 {
            now += MS * rng.below(30) as u32;
            match rng.below(10) {
                0 => {
                    let d = MS * rng.below(3000) as u32;
                    if s.start(
                        now,
                        rng.next_u64() as u32,
                        EventCode(rng.next_u64() as u8),
                        d,
                    )
                    .is_ok()
                    {
                        queued += 1;
                    }
                }
                1 => s.stop(now),
                _ => {
                    while let Some(p) = s.poll_packet(now) {
                        markers += usize::from(p.marker);
                        if p.event.end && !last_end {
                            ends_seen += 1;
                        }
                        last_end = p.event.end;
                        assert!(p.event.volume <= 63);
                    }
                }
            }
        }
        assert!(markers <= queued, "round {round}");
        assert!(
            ends_seen <= markers,
            "round {round}: {ends_seen} ends, {markers} starts"
        );
    }
}
