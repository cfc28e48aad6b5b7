//! RFC 4733 reception: one key press per event whatever happens to its packets, and a
//! sender → RTP → receiver round trip.

mod common;

use std::time::{Duration, Instant};

use common::Rng;
use rotary_rtp::{
    DigitEnd, DtmfDigit, DtmfEvent, DtmfReceiver, DtmfReceiverConfig, DtmfSender, DtmfSenderConfig,
    EventCode, PayloadType, RtpPacket, RtpSender, Ssrc,
};

const MS: Duration = Duration::from_millis(1);

/// The packets a phone sends for one 100 ms digit at timestamp `ts`:
/// `(ms offset, marker, event)`.
fn digit_packets(code: u8, ts_duration_end: &[(u16, bool)]) -> Vec<(u32, bool, DtmfEvent)> {
    ts_duration_end
        .iter()
        .enumerate()
        .map(|(i, &(duration, end))| {
            (
                20 * i as u32,
                i == 0,
                DtmfEvent {
                    code: EventCode(code),
                    end,
                    volume: 10,
                    duration,
                },
            )
        })
        .collect()
}

const NORMAL: [(u16, bool); 7] = [
    (160, false),
    (320, false),
    (480, false),
    (640, false),
    (800, true),
    (800, true),
    (800, true),
];

fn feed(r: &mut DtmfReceiver, t: Instant, ts: u32, pkts: &[(u32, bool, DtmfEvent)]) {
    for &(ms, marker, e) in pkts {
        r.handle_event(t + MS * ms, ts, marker, e);
    }
}

fn drain(r: &mut DtmfReceiver) -> Vec<DtmfDigit> {
    std::iter::from_fn(|| r.poll_event()).collect()
}

#[test]
fn one_press_per_event_despite_three_ends() {
    let t0 = Instant::now();
    let mut r = DtmfReceiver::new(DtmfReceiverConfig::default());
    feed(&mut r, t0, 5000, &digit_packets(7, &NORMAL));
    let got = drain(&mut r);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].digit(), Some('7'));
    assert_eq!((got[0].timestamp, got[0].ticks), (5000, 800));
    assert_eq!(got[0].duration, 100 * MS);
    assert_eq!(got[0].ended, DigitEnd::EndBit);
    assert_eq!(r.poll_timeout(), None);
}

#[test]
fn lost_first_packet_still_gives_the_digit() {
    let t0 = Instant::now();
    let mut r = DtmfReceiver::new(DtmfReceiverConfig::default());
    let pkts = digit_packets(3, &NORMAL);
    feed(&mut r, t0, 100, &pkts[1..]);
    let got = drain(&mut r);
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].digit(), got[0].ticks), (Some('3'), 800));
}

#[test]
fn only_an_end_packet_is_still_a_digit() {
    let t0 = Instant::now();
    let mut r = DtmfReceiver::new(DtmfReceiverConfig::default());
    let pkts = digit_packets(3, &NORMAL);
    feed(&mut r, t0, 100, &pkts[6..]);
    assert_eq!(drain(&mut r).len(), 1);
}

#[test]
fn lost_end_packets_end_the_digit_by_timeout() {
    let t0 = Instant::now();
    let mut r = DtmfReceiver::new(DtmfReceiverConfig::default());
    let pkts = digit_packets(9, &NORMAL);
    feed(&mut r, t0, 100, &pkts[..4]);
    assert_eq!(r.current(), Some(EventCode(9)));
    let deadline = t0 + 60 * MS + Duration::from_millis(250);
    assert_eq!(r.poll_timeout(), Some(deadline));
    r.handle_timeout(deadline - MS);
    assert!(r.poll_event().is_none(), "not yet");
    r.handle_timeout(deadline);
    let got = drain(&mut r);
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].ticks, got[0].ended), (640, DigitEnd::Timeout));
    // A straggling end after the timeout does not report it again.
    feed(&mut r, t0 + 400 * MS, 100, &pkts[4..]);
    assert!(drain(&mut r).is_empty());
}

#[test]
fn retransmitted_and_reordered_packets_never_duplicate() {
    let t0 = Instant::now();
    let mut r = DtmfReceiver::new(DtmfReceiverConfig::default());
    let mut pkts = digit_packets(1, &NORMAL);
    pkts.swap(1, 3); // durations 160, 640, 480, 320, …
    pkts.swap(4, 5);
    feed(&mut r, t0, 8000, &pkts);
    // The next digit, then late copies of the first one's packets.
    let second = digit_packets(2, &NORMAL);
    feed(&mut r, t0 + 300 * MS, 9600, &second[..3]);
    feed(&mut r, t0 + 360 * MS, 8000, &pkts[3..]);
    feed(&mut r, t0 + 360 * MS, 9600, &second[3..]);
    feed(&mut r, t0 + 500 * MS, 9600, &second[4..]);
    let got = drain(&mut r);
    assert_eq!(
        got.iter().map(|d| (d.digit(), d.ticks)).collect::<Vec<_>>(),
        [(Some('1'), 800), (Some('2'), 800)]
    );
}

#[test]
fn same_key_twice_is_two_presses_and_a_new_event_supersedes() {
    let t0 = Instant::now();
    let mut r = DtmfReceiver::new(DtmfReceiverConfig::default());
    feed(&mut r, t0, 0, &digit_packets(4, &NORMAL));
    feed(&mut r, t0 + 200 * MS, 1600, &digit_packets(4, &NORMAL));
    // A third whose end packets are all lost, followed at once by a fourth.
    feed(&mut r, t0 + 400 * MS, 3200, &digit_packets(5, &NORMAL)[..3]);
    feed(&mut r, t0 + 480 * MS, 4000, &digit_packets(6, &NORMAL));
    let got = drain(&mut r);
    assert_eq!(
        got.iter()
            .map(|d| (d.digit(), d.timestamp, d.ended))
            .collect::<Vec<_>>(),
        [
            (Some('4'), 0, DigitEnd::EndBit),
            (Some('4'), 1600, DigitEnd::EndBit),
            (Some('5'), 3200, DigitEnd::Superseded),
            (Some('6'), 4000, DigitEnd::EndBit),
        ]
    );
}

/// Sends `keys` through `DtmfSender` and `RtpSender`, serialises, drops packets with
/// probability `loss`, parses and receives; returns the digits.
fn round_trip(keys: &[char], loss: f64, seed: u64) -> Vec<DtmfDigit> {
    let t0 = Instant::now();
    let mut rng = Rng(seed);
    let mut tx = DtmfSender::new(DtmfSenderConfig::default());
    let mut rtp = RtpSender::new(Ssrc(0xabc), 999, 123_456);
    let mut rx = DtmfReceiver::new(DtmfReceiverConfig::default());
    for k in keys {
        tx.start(
            t0,
            rtp.timestamp(),
            EventCode::from_digit(*k).unwrap(),
            80 * MS,
        )
        .unwrap();
    }
    let mut buf = [0u8; 64];
    let mut digits = Vec::new();
    for ms in 0..10_000u32 {
        let now = t0 + MS * ms;
        while let Some(p) = tx.poll_packet(now) {
            let h = rtp.next_at(PayloadType(101), p.marker, p.timestamp);
            let len = h.write_packet(&p.payload(), &mut buf).unwrap();
            if rng.chance(loss) {
                continue;
            }
            rx.handle_rtp(now, &RtpPacket::parse(&buf[..len]).unwrap());
        }
        rx.handle_timeout(now);
        digits.extend(std::iter::from_fn(|| rx.poll_event()));
    }
    digits
}

#[test]
fn sender_to_receiver_round_trip() {
    let keys = ['1', '2', '3', '*', '0', '#'];
    let got = round_trip(&keys, 0.0, 1);
    assert_eq!(
        got.iter().map(|d| d.digit().unwrap()).collect::<Vec<_>>(),
        keys
    );
    assert!(got
        .iter()
        .all(|d| d.ticks == 640 && d.ended == DigitEnd::EndBit));
}

#[test]
fn round_trip_with_loss_still_one_press_per_key() {
    let keys = ['5', '5', '5', '9', '8', '7', '6', '5', '4', '3'];
    for seed in 1..20 {
        let got = round_trip(&keys, 0.2, seed);
        assert_eq!(
            got.iter().map(|d| d.digit().unwrap()).collect::<Vec<_>>(),
            keys,
            "seed {seed}"
        );
    }
}

#[test]
fn long_segmented_event_is_one_press_with_total_duration() {
    let t0 = Instant::now();
    let mut tx = DtmfSender::new(DtmfSenderConfig::default());
    let mut rx = DtmfReceiver::new(DtmfReceiverConfig::default());
    tx.start(t0, 7, EventCode(0), Duration::from_secs(10))
        .unwrap();
    for ms in 0..11_000u32 {
        let now = t0 + MS * ms;
        while let Some(p) = tx.poll_packet(now) {
            rx.handle_event(now, p.timestamp, p.marker, p.event);
        }
    }
    let got = drain(&mut rx);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].timestamp, got[0].ticks), (7, 80_000));
    assert_eq!(got[0].duration, Duration::from_secs(10));
}
