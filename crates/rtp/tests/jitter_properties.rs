//! Whatever arrives, in whatever order and timing, the jitter buffer never panics,
//! never holds more than its capacity and never hands out one packet twice.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use rotary_rtp::{JitterBuffer, JitterConfig, Playout, Ssrc};

#[derive(Debug, Clone)]
enum Op {
    /// Push a packet `dseq` after the previous one, timestamp moved by `dts`.
    Push {
        dseq: i16,
        dts: i32,
        ssrc: u8,
        marker: bool,
        len: u16,
        advance_us: u32,
    },
    /// Pop after `advance_us`.
    Pop { advance_us: u32 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (
            prop_oneof![4 => -3i16..6, 1 => any::<i16>()],
            prop_oneof![4 => -480i32..960, 1 => any::<i32>()],
            0u8..3,
            any::<bool>(),
            prop_oneof![9 => 4u16..200, 1 => 4u16..2000],
            0u32..40_000,
        )
            .prop_map(|(dseq, dts, ssrc, marker, len, advance_us)| Op::Push {
                dseq,
                dts,
                ssrc,
                marker,
                len,
                advance_us,
            }),
        2 => (0u32..45_000).prop_map(|advance_us| Op::Pop { advance_us }),
    ]
}

fn config() -> impl Strategy<Value = JitterConfig> {
    (
        prop_oneof![Just(8000u32), Just(16_000), Just(48_000), Just(0)],
        1u64..60,
        0u64..100,
        0u64..400,
        0usize..80,
    )
        .prop_map(|(rate, frame, min, max, capacity)| JitterConfig {
            clock_rate: rotary_rtp::ClockRate(rate),
            frame: Duration::from_millis(frame),
            min_delay: Duration::from_millis(min),
            max_delay: Duration::from_millis(max),
            capacity,
            max_payload: 512,
            ..JitterConfig::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn never_panics_never_repeats_a_packet(config in config(), ops in prop::collection::vec(op(), 0..600)) {
        let t0 = Instant::now();
        let mut now = t0;
        let mut jb = JitterBuffer::new(config);
        let capacity = config.capacity.clamp(4, 4096);
        let (mut seq, mut ts) = (1000u16, 5000u32);
        let mut next_id = 0u32;
        let mut seen = HashSet::new();
        let mut payload = vec![0u8; 2000];
        for op in ops {
            match op {
                Op::Push { dseq, dts, ssrc, marker, len, advance_us } => {
                    now += Duration::from_micros(u64::from(advance_us));
                    seq = seq.wrapping_add_signed(dseq);
                    ts = ts.wrapping_add_signed(dts);
                    let len = usize::from(len);
                    payload[..4].copy_from_slice(&next_id.to_be_bytes());
                    next_id += 1;
                    jb.push(now, Ssrc(u32::from(ssrc)), seq, ts, marker, &payload[..len]);
                }
                Op::Pop { advance_us } => {
                    now += Duration::from_micros(u64::from(advance_us));
                    if let Playout::Frame(f) = jb.pop(now) {
                        let id = u32::from_be_bytes([f.payload[0], f.payload[1], f.payload[2], f.payload[3]]);
                        prop_assert!(id < next_id);
                        prop_assert!(seen.insert(id), "packet {} handed out twice", id);
                    }
                }
            }
            prop_assert!(jb.stats().buffered <= capacity);
        }
    }
}
