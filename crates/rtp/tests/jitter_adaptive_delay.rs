//! The target delay follows measured jitter: it grows fast enough that uniform 0–60 ms
//! jitter causes no late drops once adapted, and shrinks slowly once the network calms.

mod common;

use std::time::Duration;

use common::sim::{played, run, Arrival, Popped, FRAME};
use common::Rng;
use rotary_rtp::JitterConfig;

const MS: Duration = Duration::from_millis(1);

/// Packets `0..n` with a random extra delay of `0..=max_ms` each, from `first` on.
fn jittered(rng: &mut Rng, n: u32, max_ms: u64) -> Vec<Arrival> {
    (0..n)
        .map(|i| Arrival::nth(i, MS * rng.below(max_ms + 1) as u32))
        .collect()
}

fn stats_at(pops: &[Popped], at: Duration) -> &Popped {
    pops.iter().find(|p| p.at >= at).unwrap()
}

#[test]
fn uniform_jitter_up_to_60ms_stops_late_drops_after_adaptation() {
    for seed in [7u64, 8, 9] {
        let mut rng = Rng(seed);
        let n = 3000; // 60 s
        let arrivals = jittered(&mut rng, n, 60);
        let config = JitterConfig::default();
        let (jb, pops) = run(config, &arrivals, Duration::ZERO, FRAME * (n + 20));
        let adapted = stats_at(&pops, Duration::from_secs(5)).stats;
        let end = jb.stats();
        assert_eq!(end.late, adapted.late, "seed {seed}: late drops after 5 s");
        assert_eq!(end.lost, adapted.lost, "seed {seed}: losses after 5 s");
        for p in pops.iter().filter(|p| p.at >= Duration::from_secs(5)) {
            let d = p.stats.delay;
            assert!(
                d >= Duration::from_millis(55) && d <= config.max_delay,
                "seed {seed}: delay {d:?} at {:?}",
                p.at
            );
        }
        assert!(end.target >= Duration::from_millis(60) && end.target <= config.max_delay);
        let seqs = played(&pops);
        assert!(seqs.windows(2).all(|w| w[0] < w[1]));
        assert!(seqs.len() as u64 + end.lost == u64::from(n), "seed {seed}");
    }
}

#[test]
fn jitter_starting_mid_call_grows_the_delay_by_stalling() {
    // One clean second (delay settles at the 20 ms minimum), then 0–60 ms jitter.
    let mut rng = Rng(7);
    let n = 1500;
    let arrivals: Vec<_> = (0..n)
        .map(|i| {
            let extra = if i < 50 { 0 } else { rng.below(61) };
            Arrival::nth(i, MS * extra as u32)
        })
        .collect();
    let (jb, pops) = run(
        JitterConfig::default(),
        &arrivals,
        Duration::ZERO,
        FRAME * (n + 20),
    );
    let clean = stats_at(&pops, Duration::from_millis(990)).stats;
    assert_eq!(clean.delay, Duration::from_millis(20));
    let adapted = stats_at(&pops, Duration::from_secs(3)).stats;
    assert!(adapted.stalls >= 2, "grew by stalling: {adapted:?}");
    assert!(adapted.delay >= Duration::from_millis(60), "{adapted:?}");
    let end = jb.stats();
    assert_eq!(
        (end.late, end.lost),
        (adapted.late, adapted.lost),
        "{end:?}"
    );
}

#[test]
fn burst_of_jitter_then_quiet_network_shrinks_the_delay() {
    let mut rng = Rng(99);
    let n = 2500; // 50 s: 5 s of 0–150 ms jitter, then a steady 10 ms.
    let arrivals: Vec<_> = (0..n)
        .map(|i| {
            let extra = if i < 250 { rng.below(151) } else { 10 };
            Arrival::nth(i, MS * extra as u32)
        })
        .collect();
    let (jb, pops) = run(
        JitterConfig::default(),
        &arrivals,
        Duration::ZERO,
        FRAME * n,
    );
    let after_burst = stats_at(&pops, Duration::from_secs(5)).stats;
    assert!(
        after_burst.delay >= Duration::from_millis(120),
        "grew during the burst: {after_burst:?}"
    );
    let end = jb.stats();
    assert!(end.shrinks >= 3, "{end:?}");
    assert!(end.delay <= Duration::from_millis(60), "shrunk: {end:?}");
    assert!(end.target < after_burst.target);
    // Shrinking is slow: not all at once after the burst.
    let early = stats_at(&pops, Duration::from_secs(7)).stats;
    assert!(early.delay > end.delay, "{early:?} vs {end:?}");
    // Nothing lost once the network is quiet.
    let quiet = stats_at(&pops, Duration::from_secs(6)).stats;
    assert_eq!(end.lost, quiet.lost);
}

#[test]
fn silences_between_talkspurts_shrink_the_delay_without_losing_speech() {
    // 1 s talkspurts (50 packets) separated by 500 ms of silence: timestamps jump,
    // sequence numbers do not, the first packet of a spurt has the marker bit.
    let mut rng = Rng(5);
    let mut arrivals = Vec::new();
    let mut seq = 0u16;
    for spurt in 0..40u32 {
        for k in 0..50u32 {
            let slot = spurt * 75 + k; // 75 frame times per 1.5 s cycle
            let extra = if spurt < 3 { rng.below(151) } else { 10 };
            arrivals.push(Arrival {
                at: FRAME * slot + MS * extra as u32,
                ssrc: 1,
                seq,
                ts: slot * 160,
                marker: k == 0,
            });
            seq += 1;
        }
    }
    let end_at = FRAME * (40 * 75);
    let (jb, pops) = run(JitterConfig::default(), &arrivals, Duration::ZERO, end_at);
    let after_burst = stats_at(&pops, Duration::from_millis(4400)).stats;
    let end = jb.stats();
    assert!(
        after_burst.delay >= Duration::from_millis(120),
        "{after_burst:?}"
    );
    assert!(end.delay <= Duration::from_millis(60), "{end:?}");
    // Speech after the jittery spurts is all played.
    let tail = &played(&pops)[..];
    let expected: Vec<u16> = (150..2000).collect();
    assert!(tail.ends_with(&expected), "{}", tail.len());
}
