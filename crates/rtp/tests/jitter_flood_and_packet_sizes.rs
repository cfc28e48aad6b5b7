//! Bounded under a flood; packets longer than a frame are handed out whole by timestamp.

mod common;

use std::time::{Duration, Instant};

use common::sim::{own, payload_for, Out, FRAME};
use common::Rng;
use rotary_rtp::jitter::PushOutcome;
use rotary_rtp::{JitterBuffer, JitterConfig, Playout, Ssrc};

#[test]
fn flood_at_one_instant_is_held_to_capacity() {
    let t0 = Instant::now();
    let config = JitterConfig::default();
    let mut jb = JitterBuffer::new(config);
    let mut overflow = 0;
    for i in 0..10_000u32 {
        let out = jb.push(
            t0,
            Ssrc(1),
            i as u16,
            i * 160,
            false,
            &payload_for(i as u16),
        );
        if out == PushOutcome::Overflow {
            overflow += 1;
        }
        assert!(jb.stats().buffered <= config.capacity);
    }
    assert_eq!(jb.stats().buffered, config.capacity);
    assert_eq!(
        overflow,
        10_000 - config.capacity,
        "the oldest are pushed out"
    );
    assert_eq!(jb.stats().overflow, (10_000 - config.capacity) as u64);
    // The newest packets are held; frames are dropped until the delay is under the
    // maximum.
    let mut frames = 0;
    for k in 1..=200u32 {
        if let Playout::Frame(f) = jb.pop(t0 + FRAME * k) {
            assert!(f.sequence >= 10_000 - config.capacity as u16);
            frames += 1;
        }
        assert!(
            jb.stats().delay <= config.max_delay + FRAME * 2,
            "{:?}",
            jb.stats()
        );
    }
    assert!(frames > 0 && frames <= config.capacity);
}

#[test]
fn random_garbage_flood_stays_bounded() {
    let t0 = Instant::now();
    let config = JitterConfig::default();
    let mut jb = JitterBuffer::new(config);
    let mut rng = Rng(1234);
    let mut payload = [0u8; 1100];
    for i in 0..20_000u32 {
        let len = rng.below(payload.len() as u64) as usize;
        rng.fill(&mut payload[..len]);
        let now = t0 + Duration::from_micros(u64::from(i) * 50);
        let ssrc = Ssrc(rng.below(3) as u32);
        let seq = rng.next_u64() as u16;
        let ts = rng.next_u64() as u32;
        jb.push(now, ssrc, seq, ts, rng.chance(0.5), &payload[..len]);
        if i % 7 == 0 {
            let _ = jb.pop(now);
        }
        assert!(jb.stats().buffered <= config.capacity);
    }
}

#[test]
fn thirty_ms_packets_under_a_20ms_frame_are_handed_out_whole() {
    // The caller keeps decoded surplus and pops only when it holds less than a frame.
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut held: i64 = 0; // ticks of decoded audio waiting to be played
    let mut outs = Vec::new();
    for tick in 0..160u32 {
        let now = t0 + FRAME * tick;
        // A 30 ms packet every 1.5 frame periods.
        for i in 0..100u32 {
            let at = Duration::from_millis(30) * i;
            if at <= FRAME * tick && at > FRAME * tick.saturating_sub(1) || (tick == 0 && i == 0) {
                let seq = i as u16;
                jb.push(now, Ssrc(1), seq, i * 240, i == 0, &payload_for(seq));
            }
        }
        while held < 160 {
            let out = own(jb.pop(now));
            held += match out {
                Out::Frame { samples, .. } | Out::Lost(samples) => i64::from(samples),
                Out::Empty => 160,
            };
            outs.push(out);
        }
        held -= 160;
    }
    let frames: Vec<_> = outs
        .iter()
        .filter_map(|o| match o {
            Out::Frame { seq, samples, .. } => Some((*seq, *samples)),
            _ => None,
        })
        .collect();
    assert_eq!(frames.len(), 100);
    assert!(frames.iter().enumerate().all(|(i, f)| f.0 == i as u16));
    assert!(frames[1..].iter().all(|f| f.1 == 240), "{frames:?}");
    assert_eq!(jb.stats().lost, 0);
    let first = outs
        .iter()
        .position(|o| matches!(o, Out::Frame { .. }))
        .unwrap();
    let last = outs
        .iter()
        .rposition(|o| matches!(o, Out::Frame { .. }))
        .unwrap();
    assert!(
        outs[first..last]
            .iter()
            .all(|o| matches!(o, Out::Frame { .. })),
        "no concealment between frames: {outs:?}"
    );
}
