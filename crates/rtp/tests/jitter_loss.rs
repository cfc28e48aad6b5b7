//! Random loss: exactly one `Lost` per missing packet, counted in the statistics.

mod common;

use std::time::Duration;

use common::sim::{lost_results, played, run, Arrival, Out, FRAME};
use common::Rng;
use rotary_rtp::JitterConfig;

#[test]
fn seeded_five_percent_loss_gives_one_lost_per_missing_packet() {
    for seed in [1u64, 2, 3, 42] {
        let mut rng = Rng(seed);
        let n = 1000u32;
        let mut dropped = Vec::new();
        let arrivals: Vec<_> = (0..n)
            .filter(|&i| {
                // Keep the first and last so that playout spans the whole stream.
                let drop = i > 0 && i < n - 1 && rng.chance(0.05);
                if drop {
                    dropped.push(i as u16);
                }
                !drop
            })
            .map(|i| Arrival::nth(i, Duration::from_millis(3)))
            .collect();
        assert!(dropped.len() > 25, "seed {seed}: {} dropped", dropped.len());
        let (jb, pops) = run(
            JitterConfig::default(),
            &arrivals,
            Duration::ZERO,
            FRAME * (n + 2),
        );
        let seqs = played(&pops);
        let expected: Vec<u16> = (0..n as u16).filter(|s| !dropped.contains(s)).collect();
        assert_eq!(seqs, expected, "seed {seed}");
        let last = pops
            .iter()
            .position(|p| matches!(p.out, Out::Frame { seq, .. } if u32::from(seq) == n - 1))
            .unwrap();
        assert_eq!(lost_results(&pops[..last]), dropped.len(), "seed {seed}");
        let s = jb.stats();
        assert_eq!(s.lost, dropped.len() as u64, "seed {seed}");
        assert_eq!(s.late, 0);
        assert_eq!(s.received, u64::from(n) - dropped.len() as u64);
        // Every Lost covers one 20 ms packet.
        assert!(pops
            .iter()
            .all(|p| !matches!(p.out, Out::Lost(s) if s != 160)));
    }
}

#[test]
fn loss_of_several_in_a_row_conceals_each() {
    let arrivals: Vec<_> = (0..40u32)
        .filter(|i| !(10..14).contains(i))
        .map(|i| Arrival::nth(i, Duration::ZERO))
        .collect();
    let (jb, pops) = run(
        JitterConfig::default(),
        &arrivals,
        Duration::ZERO,
        42 * FRAME,
    );
    let seqs = played(&pops);
    assert_eq!(seqs.len(), 36);
    let at10 = pops
        .iter()
        .position(|p| matches!(p.out, Out::Frame { seq: 9, .. }))
        .unwrap();
    assert_eq!(
        pops[at10 + 1..at10 + 6]
            .iter()
            .map(|p| p.out)
            .collect::<Vec<_>>(),
        [
            Out::Lost(160),
            Out::Lost(160),
            Out::Lost(160),
            Out::Lost(160),
            Out::Frame {
                seq: 14,
                ts: 14 * 160,
                samples: 160
            }
        ]
    );
    assert_eq!(jb.stats().lost, 4);
}
