//! Retry delays after failed registrations: the trunk's retry interval, doubled per
//! consecutive failure up to a cap, with a little seeded jitter so that many trunks at one
//! provider do not retry in lock-step after an outage.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::Rng;

/// The longest wait between attempts (30 minutes).
pub const MAX_BACKOFF: Duration = Duration::from_secs(30 * 60);

/// Delay before attempt `failures + 1` after `failures` consecutive failures (≥ 1):
/// `base · 2^(failures−1)`, capped at `cap`, then shortened by up to 10 % of jitter.
pub(crate) fn delay(base: Duration, cap: Duration, failures: u32, rng: &mut StdRng) -> Duration {
    let doublings = failures.saturating_sub(1).min(20);
    let grown = base.saturating_mul(1u32 << doublings).min(cap);
    // Jitter only shortens, so the cap holds and the delay stays ≥ 90 % of the nominal.
    let permille: u32 = rng.gen_range(0..=100);
    grown - grown * permille / 1000
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn doubles_then_caps_with_bounded_jitter() {
        let mut rng = StdRng::from_seed([3; 32]);
        let base = Duration::from_secs(30);
        let mut last_nominal = Duration::ZERO;
        for failures in 1..=12 {
            let nominal = (base * 2u32.pow(failures - 1)).min(MAX_BACKOFF);
            let d = delay(base, MAX_BACKOFF, failures, &mut rng);
            assert!(d <= nominal && d >= nominal * 9 / 10, "{failures}: {d:?}");
            assert!(nominal >= last_nominal);
            last_nominal = nominal;
        }
        assert_eq!(last_nominal, MAX_BACKOFF);
        // Huge failure counts do not overflow.
        assert!(delay(base, MAX_BACKOFF, u32::MAX, &mut rng) <= MAX_BACKOFF);
    }

    #[test]
    fn same_seed_same_jitter() {
        let base = Duration::from_secs(30);
        let a: Vec<_> = {
            let mut rng = StdRng::from_seed([9; 32]);
            (1..6)
                .map(|f| delay(base, MAX_BACKOFF, f, &mut rng))
                .collect()
        };
        let mut rng = StdRng::from_seed([9; 32]);
        let b: Vec<_> = (1..6)
            .map(|f| delay(base, MAX_BACKOFF, f, &mut rng))
            .collect();
        assert_eq!(a, b);
    }
}
