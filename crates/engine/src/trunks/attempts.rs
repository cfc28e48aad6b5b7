//! Outbound call attempts as a trunk's status shows them: the B2BUA reports each attempt
//! through a trunk that failed over (5xx, 408, no response in time, could not send) or got
//! through (ringing, answered) with `CallAction::TrunkAttempt`; the trunk's status then
//! carries the last failure and the number of consecutive failures.

use std::collections::HashMap;

/// How one outbound call attempt through a trunk went, as far as the trunk is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrunkAttemptOutcome {
    /// The far end rang or answered: the trunk carries calls (resets the failure count).
    Reached,
    /// The attempt failed in a way that makes the call try the next trunk.
    Failed {
        /// The trunk's final response, if it gave one (`None`: no response at all).
        code: Option<u16>,
        /// `server_error` (5xx), `timeout` (408, or no final response), `no_response` (not
        /// even a provisional response within the trunk response timeout) or
        /// `transport_error` (the INVITE could not be sent).
        reason: &'static str,
    },
}

/// The last failed call attempt through a trunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallFailure {
    /// The trunk's final response code, if any.
    pub code: Option<u16>,
    /// Why (see [`TrunkAttemptOutcome::Failed`]).
    pub reason: &'static str,
    /// When, Unix seconds.
    pub at_unix: i64,
}

/// Per trunk: consecutive failed attempts and the last failure.
#[derive(Debug, Default)]
pub(super) struct CallAttempts {
    by_trunk: HashMap<String, (u32, Option<CallFailure>)>,
}

impl CallAttempts {
    /// Record an outcome; `true` when the trunk's status changed.
    pub(super) fn note(&mut self, wall_ms: i64, trunk: &str, outcome: TrunkAttemptOutcome) -> bool {
        match outcome {
            TrunkAttemptOutcome::Reached => match self.by_trunk.get_mut(trunk) {
                Some((count, _)) if *count > 0 => {
                    *count = 0;
                    true
                }
                _ => false,
            },
            TrunkAttemptOutcome::Failed { code, reason } => {
                let entry = self.by_trunk.entry(trunk.to_owned()).or_default();
                entry.0 = entry.0.saturating_add(1);
                entry.1 = Some(CallFailure {
                    code,
                    reason,
                    at_unix: wall_ms.div_euclid(1000),
                });
                true
            }
        }
    }

    /// Consecutive failures and the last failure of `trunk`.
    pub(super) fn of(&self, trunk: &str) -> (u32, Option<CallFailure>) {
        self.by_trunk.get(trunk).cloned().unwrap_or_default()
    }

    /// Forget trunks that are no longer configured.
    pub(super) fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.by_trunk.retain(|t, _| keep(t));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_count_until_a_call_gets_through() {
        let mut a = CallAttempts::default();
        assert!(
            !a.note(0, "t", TrunkAttemptOutcome::Reached),
            "nothing to reset"
        );
        let failed = TrunkAttemptOutcome::Failed {
            code: Some(503),
            reason: "server_error",
        };
        assert!(a.note(1_700_000_000_500, "t", failed));
        assert!(a.note(
            1_700_000_001_000,
            "t",
            TrunkAttemptOutcome::Failed {
                code: None,
                reason: "no_response"
            }
        ));
        let (count, last) = a.of("t");
        assert_eq!(count, 2);
        assert_eq!(
            last,
            Some(CallFailure {
                code: None,
                reason: "no_response",
                at_unix: 1_700_000_001
            })
        );
        assert_eq!(a.of("other"), (0, None));
        assert!(a.note(0, "t", TrunkAttemptOutcome::Reached));
        assert!(!a.note(0, "t", TrunkAttemptOutcome::Reached));
        let (count, last) = a.of("t");
        assert_eq!(count, 0);
        assert!(last.is_some(), "the last failure stays visible");
        a.retain(|t| t != "t");
        assert_eq!(a.of("t"), (0, None));
    }
}
