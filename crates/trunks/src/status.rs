//! What a registering trunk is doing right now, in a form the API, the event bus and the
//! metrics can show: a state, why it failed, when it retries, the provider's last answer.

use std::fmt;
use std::time::Instant;

/// The registration state of one "register" trunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistrationState {
    /// Not registered and not trying (not started yet, stopped, or unregistered).
    Unregistered,
    /// A REGISTER is on its way (first attempt, challenge answer, or waiting for the
    /// provider's address).
    Registering,
    /// The provider accepted our binding until `expires_at`; a refresh is scheduled before.
    Registered {
        /// When the provider's binding runs out unless refreshed.
        expires_at: Instant,
    },
    /// The last attempt failed; `retry_at` is the next attempt (`None`: given up until the
    /// trunk is saved again).
    Failed {
        /// Why.
        reason: FailureReason,
        /// When the next attempt goes out.
        retry_at: Option<Instant>,
    },
}

impl RegistrationState {
    /// The state's name as the API and metrics show it: `unregistered`, `registering`,
    /// `registered` or `failed`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            RegistrationState::Unregistered => "unregistered",
            RegistrationState::Registering => "registering",
            RegistrationState::Registered { .. } => "registered",
            RegistrationState::Failed { .. } => "failed",
        }
    }

    /// Whether the provider currently holds a binding of ours.
    #[must_use]
    pub fn is_registered(&self) -> bool {
        matches!(self, RegistrationState::Registered { .. })
    }
}

/// Why a registration attempt failed. Each has a stable code (`trunk.<code>` in logs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureReason {
    /// No final answer within the transaction timeout (Timer F), or nothing we could read.
    Timeout,
    /// The transport could not send (connection refused, unreachable).
    TransportError,
    /// The provider answered 403: the account is refused; retried only slowly.
    Forbidden,
    /// The provider challenged again after our answer: wrong username or password.
    AuthRejected,
    /// A 401/407 without a Digest challenge we support.
    BadChallenge,
    /// 423 Interval Too Brief whose Min-Expires we cannot honour.
    IntervalTooBrief,
    /// Any other final error response (404, 5xx, 6xx, 3xx).
    Rejected {
        /// The status code.
        status: u16,
    },
    /// A 2xx we could not use (granted expiry 0, or no binding of ours).
    BadResponse,
    /// The provider's host name did not resolve.
    Unresolved,
}

impl FailureReason {
    /// Stable machine-readable code, e.g. `timeout`, `forbidden`, `auth_rejected`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            FailureReason::Timeout => "timeout",
            FailureReason::TransportError => "transport_error",
            FailureReason::Forbidden => "forbidden",
            FailureReason::AuthRejected => "auth_rejected",
            FailureReason::BadChallenge => "bad_challenge",
            FailureReason::IntervalTooBrief => "interval_too_brief",
            FailureReason::Rejected { .. } => "rejected",
            FailureReason::BadResponse => "bad_response",
            FailureReason::Unresolved => "unresolved",
        }
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailureReason::Timeout => f.write_str("no answer from the provider"),
            FailureReason::TransportError => f.write_str("could not send to the provider"),
            FailureReason::Forbidden => f.write_str("the provider refused the account (403)"),
            FailureReason::AuthRejected => f.write_str("username or password refused"),
            FailureReason::BadChallenge => f.write_str("unsupported authentication challenge"),
            FailureReason::IntervalTooBrief => {
                f.write_str("the provider's minimum expiry is out of range (423)")
            }
            FailureReason::Rejected { status } => write!(f, "the provider answered {status}"),
            FailureReason::BadResponse => f.write_str("unusable answer from the provider"),
            FailureReason::Unresolved => f.write_str("the provider's host name did not resolve"),
        }
    }
}

/// Everything the outside sees of one registering trunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrunkStatus {
    /// The current state.
    pub state: RegistrationState,
    /// Status code of the provider's last final answer (`None` before any).
    pub last_code: Option<u16>,
    /// Consecutive failed attempts (0 once registered).
    pub failures: u32,
}

impl TrunkStatus {
    /// The status of a trunk that has not tried yet.
    #[must_use]
    pub fn new() -> Self {
        TrunkStatus {
            state: RegistrationState::Unregistered,
            last_code: None,
            failures: 0,
        }
    }
}

impl Default for TrunkStatus {
    fn default() -> Self {
        Self::new()
    }
}
