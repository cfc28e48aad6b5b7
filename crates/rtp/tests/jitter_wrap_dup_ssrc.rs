//! Sequence and timestamp wrap, duplicates, SSRC changes and timestamp jumps.

mod common;

use std::time::{Duration, Instant};

use common::sim::{own, payload_for, played, run, Arrival, Out, FRAME};
use rotary_rtp::jitter::PushOutcome;
use rotary_rtp::{JitterBuffer, JitterConfig, Ssrc};

#[test]
fn sequence_and_timestamp_wrap_play_through() {
    let arrivals: Vec<_> = (0..200u32)
        .map(|i| Arrival {
            seq: 65_500u16.wrapping_add(i as u16),
            ts: (u32::MAX - 1600).wrapping_add(i * 160),
            ..Arrival::nth(i, Duration::ZERO)
        })
        .collect();
    let (jb, pops) = run(
        JitterConfig::default(),
        &arrivals,
        Duration::ZERO,
        FRAME * 202,
    );
    let expected: Vec<u16> = (0..200u32)
        .map(|i| 65_500u16.wrapping_add(i as u16))
        .collect();
    assert_eq!(played(&pops), expected);
    assert_eq!(jb.stats().lost, 0);
    assert_eq!(jb.stats().resyncs, 0);
}

#[test]
fn duplicates_are_dropped_and_counted() {
    let mut arrivals = Vec::new();
    for i in 0..100u32 {
        arrivals.push(Arrival::nth(i, Duration::ZERO));
        arrivals.push(Arrival::nth(i, Duration::from_millis(7)));
        if i >= 2 {
            // An old one again, after it played.
            arrivals.push(Arrival::nth(i - 2, Duration::from_millis(40)));
        }
    }
    let (jb, pops) = run(
        JitterConfig::default(),
        &arrivals,
        Duration::ZERO,
        FRAME * 105,
    );
    assert_eq!(played(&pops), (0..100).collect::<Vec<u16>>());
    let s = jb.stats();
    assert_eq!(s.duplicates, 100 + 98);
    assert_eq!((s.received, s.lost, s.late), (100, 0, 0));
}

#[test]
fn ssrc_change_flushes_and_resyncs_to_the_new_stream() {
    let mut arrivals: Vec<_> = (0..50).map(|i| Arrival::nth(i, Duration::ZERO)).collect();
    // A transfer: a new source with its own sequence and timestamp bases.
    for k in 0..50u32 {
        arrivals.push(Arrival {
            at: FRAME * (50 + k),
            ssrc: 2,
            seq: 30_000 + k as u16,
            ts: 1_000_000 + k * 160,
            marker: k == 0,
        });
    }
    let (jb, pops) = run(
        JitterConfig::default(),
        &arrivals,
        Duration::ZERO,
        FRAME * 104,
    );
    let seqs = played(&pops);
    let b: Vec<u16> = (30_000..30_050).collect();
    assert!(seqs.ends_with(&b), "{seqs:?}");
    assert!(seqs[..seqs.len() - 50].iter().all(|s| *s < 50));
    let s = jb.stats();
    assert_eq!(s.resyncs, 1);
    assert_eq!(s.lost, 0);
}

#[test]
fn timestamp_jump_with_contiguous_sequence_resyncs_instead_of_waiting() {
    // The sender's timestamp base jumps by ten minutes mid-stream (a B2BUA switching
    // sources without rewriting). Without a resync this would look like a long silence.
    let arrivals: Vec<_> = (0..100u32)
        .map(|i| {
            let mut a = Arrival::nth(i, Duration::ZERO);
            if i >= 50 {
                a.ts = a.ts.wrapping_add(8000 * 600);
            }
            a
        })
        .collect();
    let (jb, pops) = run(
        JitterConfig::default(),
        &arrivals,
        Duration::ZERO,
        FRAME * 104,
    );
    assert_eq!(jb.stats().resyncs, 1);
    let seqs = played(&pops);
    assert!(seqs.ends_with(&(50..100).collect::<Vec<u16>>()), "{seqs:?}");
    let gap = pops
        .iter()
        .skip_while(|p| !matches!(p.out, Out::Frame { seq: 49, .. }))
        .take_while(|p| !matches!(p.out, Out::Frame { seq: 50, .. }))
        .count();
    assert!(gap <= 3, "resumed within the target delay: {gap} pops");
}

#[test]
fn push_outcomes_name_what_happened() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig {
        max_payload: 200,
        ..JitterConfig::default()
    });
    let ssrc = Ssrc(9);
    let p = payload_for(1);
    assert_eq!(jb.push(t0, ssrc, 1, 160, true, &p), PushOutcome::Stored);
    assert_eq!(jb.push(t0, ssrc, 1, 160, true, &p), PushOutcome::Duplicate);
    assert_eq!(
        jb.push(t0, ssrc, 2, 320, false, &[0; 201]),
        PushOutcome::TooLarge
    );
    assert_eq!(jb.poll_timeout(), Some(t0 + FRAME));
    assert_eq!(own(jb.pop(t0)), Out::Empty);
    assert!(matches!(own(jb.pop(t0 + FRAME)), Out::Frame { seq: 1, .. }));
    assert!(jb.is_playing());
    // Seq 0 is now behind playout.
    assert_eq!(
        jb.push(t0 + FRAME, ssrc, 0, 0, false, &payload_for(0)),
        PushOutcome::Late
    );
    assert_eq!(
        jb.push(t0 + FRAME, Ssrc(10), 7, 0, false, &payload_for(7)),
        PushOutcome::Resynced
    );
    let s = jb.stats();
    assert_eq!((s.duplicates, s.overflow, s.late, s.resyncs), (1, 1, 1, 1));
}
