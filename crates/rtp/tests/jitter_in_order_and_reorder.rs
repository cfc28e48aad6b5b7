//! In-order and reordered streams play every packet once, in sequence order.

mod common;

use std::time::Duration;

use common::sim::{lost_results, played, run, Arrival, Out, FRAME};
use rotary_rtp::JitterConfig;

const MS: Duration = Duration::from_millis(1);

#[test]
fn in_order_stream_plays_every_frame_after_min_delay() {
    let arrivals: Vec<_> = (0..100).map(|i| Arrival::nth(i, 5 * MS)).collect();
    let (jb, pops) = run(JitterConfig::default(), &arrivals, 5 * MS, 101 * FRAME);
    // Packet 0 arrives at 5 ms and waits the 20 ms minimum: the pop at 25 ms plays it.
    assert_eq!(pops[0].out, Out::Empty);
    assert_eq!(
        pops[1].out,
        Out::Frame {
            seq: 0,
            ts: 0,
            samples: 160
        }
    );
    assert_eq!(played(&pops), (0..100).collect::<Vec<u16>>());
    assert_eq!(lost_results(&pops), 0);
    let s = jb.stats();
    assert_eq!((s.received, s.lost, s.late, s.duplicates), (100, 0, 0, 0));
    assert_eq!(pops[50].stats.delay, Duration::from_millis(20));
}

#[test]
fn swapped_neighbours_are_put_back_in_order() {
    // 1↔2, 4↔5, 7↔8, …: the later one of each pair arrives 20 ms late.
    let arrivals: Vec<_> = (0..99u32)
        .map(|i| {
            let slot = match i % 3 {
                1 => i + 1,
                2 => i - 1,
                _ => i,
            };
            Arrival {
                at: FRAME * slot,
                ..Arrival::nth(i, Duration::ZERO)
            }
        })
        .collect();
    let (jb, pops) = run(
        JitterConfig::default(),
        &arrivals,
        Duration::ZERO,
        110 * FRAME,
    );
    assert_eq!(played(&pops), (0..99).collect::<Vec<u16>>());
    assert_eq!(jb.stats().lost, 0);
    assert_eq!(jb.stats().late, 0);
}

#[test]
fn three_deep_reordering_is_absorbed_by_growing_the_delay() {
    // Groups of three arrive reversed: 2 1 0 5 4 3 …; packet 0 of each group is 40 ms
    // late. The buffer stalls (conceals) while it grows, then plays everything.
    let arrivals: Vec<_> = (0..300u32)
        .map(|i| {
            let group = i / 3 * 3;
            let slot = group + 2 - (i - group);
            Arrival {
                at: FRAME * slot,
                ..Arrival::nth(i, Duration::ZERO)
            }
        })
        .collect();
    let (jb, pops) = run(
        JitterConfig::default(),
        &arrivals,
        Duration::ZERO,
        320 * FRAME,
    );
    let seqs = played(&pops);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order: {seqs:?}");
    // Only the first group can be lost while the delay grows.
    assert!(seqs.len() >= 297, "played {}", seqs.len());
    assert_eq!(&seqs[seqs.len() - 297..], (3..300).collect::<Vec<u16>>());
    let s = jb.stats();
    assert!(s.stalls >= 1, "grew by stalling");
    assert!(
        s.target >= Duration::from_millis(40),
        "target {:?}",
        s.target
    );
    // Once grown, no Lost between frames.
    let first_late = pops.iter().position(|p| p.at > 30 * FRAME).unwrap();
    let tail: Vec<_> = pops[first_late..]
        .iter()
        .take_while(|p| !matches!(p.out, Out::Frame { seq: 299, .. }))
        .filter(|p| matches!(p.out, Out::Lost(_)))
        .collect();
    assert!(tail.is_empty(), "lost after adaptation: {tail:?}");
}
