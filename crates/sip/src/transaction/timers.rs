//! Timer values of RFC 3261 §17 (Table 4) and the small per-transaction
//! deadline table the four state machines share.

use std::time::{Duration, Instant};

/// Timer settings for the transaction layer (RFC 3261 §17, Table 4).
///
/// Every derived timer follows from these: B, F, H, J, L and M are `64 * t1`,
/// I and K are `t4`, D is `timer_d`. On reliable transports A, E and G are
/// never armed and D, I, J and K are zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerConfig {
    /// RTT estimate; the first retransmission interval (default 500 ms).
    pub t1: Duration,
    /// Cap on non-INVITE request and INVITE response retransmit intervals (default 4 s).
    pub t2: Duration,
    /// Longest time a message stays in the network (default 5 s).
    pub t4: Duration,
    /// Timer D: how long a client INVITE transaction absorbs final-response
    /// retransmissions over unreliable transports (RFC 3261: at least 32 s).
    pub timer_d: Duration,
    /// When the INVITE server transaction sends `100 Trying` by itself if the
    /// TU has not responded (RFC 3261 §17.2.1: 200 ms). `None` never sends it;
    /// `Some(Duration::ZERO)` sends it as soon as the INVITE arrives.
    pub trying_delay: Option<Duration>,
}

impl Default for TimerConfig {
    fn default() -> Self {
        TimerConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
            timer_d: Duration::from_secs(32),
            trying_delay: Some(Duration::from_millis(200)),
        }
    }
}

impl TimerConfig {
    /// `64 * T1`: Timers B, F, H, J (unreliable), L and M.
    pub fn timeout(&self) -> Duration {
        self.t1.saturating_mul(64)
    }
}

/// Names of the transaction timers (RFC 3261 §17 and RFC 6026 L/M), plus the
/// 200 ms `100 Trying` timer of the INVITE server transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimerKind {
    /// INVITE client: request retransmission.
    A,
    /// INVITE client: transaction timeout.
    B,
    /// INVITE client: wait for response retransmissions after a non-2xx.
    D,
    /// Non-INVITE client: request retransmission.
    E,
    /// Non-INVITE client: transaction timeout.
    F,
    /// INVITE server: final response retransmission.
    G,
    /// INVITE server: wait for ACK.
    H,
    /// INVITE server: wait for ACK retransmissions.
    I,
    /// Non-INVITE server: wait for request retransmissions.
    J,
    /// Non-INVITE client: wait for response retransmissions.
    K,
    /// INVITE server: wait for INVITE retransmissions after a 2xx (RFC 6026).
    L,
    /// INVITE client: wait for 2xx retransmissions (RFC 6026).
    M,
    /// INVITE server: send `100 Trying` if the TU has not answered (§17.2.1).
    Trying,
}

const KINDS: [TimerKind; 13] = [
    TimerKind::A,
    TimerKind::B,
    TimerKind::D,
    TimerKind::E,
    TimerKind::F,
    TimerKind::G,
    TimerKind::H,
    TimerKind::I,
    TimerKind::J,
    TimerKind::K,
    TimerKind::L,
    TimerKind::M,
    TimerKind::Trying,
];

/// The armed deadlines of one transaction, indexed by [`TimerKind`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Timers {
    slots: [Option<Instant>; KINDS.len()],
}

impl Timers {
    /// Arm (or re-arm) a timer.
    pub(crate) fn set(&mut self, kind: TimerKind, at: Instant) {
        self.slots[kind as usize] = Some(at);
    }

    /// Forget a timer; cancelling means not remembering the deadline.
    pub(crate) fn clear(&mut self, kind: TimerKind) {
        self.slots[kind as usize] = None;
    }

    /// Forget every timer.
    pub(crate) fn clear_all(&mut self) {
        self.slots = Default::default();
    }

    /// The earliest armed deadline.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.slots.iter().flatten().min().copied()
    }

    /// Remove and return the earliest timer due at `now`, if any.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<TimerKind> {
        let (i, _) = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, at)| at.map(|at| (i, at)))
            .filter(|&(_, at)| at <= now)
            .min_by_key(|&(_, at)| at)?;
        self.slots[i] = None;
        Some(KINDS[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_index_their_own_slot() {
        for (i, k) in KINDS.iter().enumerate() {
            assert_eq!(*k as usize, i);
        }
    }

    #[test]
    fn pop_due_returns_earliest_first() {
        let t0 = Instant::now();
        let mut t = Timers::default();
        t.set(TimerKind::B, t0 + Duration::from_secs(32));
        t.set(TimerKind::A, t0 + Duration::from_millis(500));
        assert_eq!(t.next(), Some(t0 + Duration::from_millis(500)));
        assert_eq!(t.pop_due(t0), None);
        let late = t0 + Duration::from_secs(40);
        assert_eq!(t.pop_due(late), Some(TimerKind::A));
        assert_eq!(t.pop_due(late), Some(TimerKind::B));
        assert_eq!(t.pop_due(late), None);
    }
}
