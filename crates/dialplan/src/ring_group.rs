//! The department (ring group) application as a sans-IO state machine (DUC guide 5.1.1).
//!
//! The engine creates a [`RingGroup`] when routing delivers a call to a department, then
//! loops: execute every [`RingGroupAction`] from [`RingGroup::poll_action`], wait for a
//! leg event or [`RingGroup::poll_timeout`], feed it back with
//! [`RingGroup::handle_event`] or [`RingGroup::handle_timeout`]. A member that is not
//! registered, busy or refuses is reported as [`RingGroupEvent::Failed`].
//!
//! ```
//! use std::time::{Duration, Instant};
//! use rotary_config::routing::Department;
//! use rotary_dialplan::{RingGroup, RingGroupAction, RingGroupEvent};
//!
//! let dept: Department = serde_json::from_str(
//!     r#"{"number":"0400","members":["101","102"],"strategy":"linear","ring_time":15}"#,
//! ).unwrap();
//! let t0 = Instant::now();
//! let mut group = RingGroup::new(t0, &dept);
//! assert_eq!(group.poll_action(), Some(RingGroupAction::Ring("101".parse().unwrap())));
//! assert_eq!(group.poll_timeout(), Some(t0 + Duration::from_secs(15)));
//! group.handle_timeout(t0 + Duration::from_secs(15));
//! assert_eq!(group.poll_action(), Some(RingGroupAction::Cancel("101".parse().unwrap())));
//! assert_eq!(group.poll_action(), Some(RingGroupAction::Ring("102".parse().unwrap())));
//! group.handle_event(t0 + Duration::from_secs(20), RingGroupEvent::Answered("102".parse().unwrap()));
//! assert_eq!(group.poll_action(), Some(RingGroupAction::Connect("102".parse().unwrap())));
//! assert!(group.is_finished());
//! ```

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rotary_config::routing::{Department, Destination, RingStrategy};
use rotary_config::ExtensionNumber;

/// What happened to the call or one of the member legs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RingGroupEvent {
    /// A member picked up.
    Answered(ExtensionNumber),
    /// A member cannot be reached: not registered, busy, declined, or its leg failed.
    Failed(ExtensionNumber),
    /// The caller hung up while members were ringing.
    CallerHungUp,
}

/// What the engine should do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RingGroupAction {
    /// Start ringing a member.
    Ring(ExtensionNumber),
    /// Stop ringing a member (CANCEL its leg).
    Cancel(ExtensionNumber),
    /// Bridge the caller to the member that answered. The group is finished.
    Connect(ExtensionNumber),
    /// Nobody answered: send the caller on to this destination. The group is finished.
    NoAnswer(Destination),
}

/// One call ringing one department.
#[derive(Debug)]
pub struct RingGroup {
    strategy: RingStrategy,
    members: Vec<ExtensionNumber>,
    ring_time: Duration,
    no_answer: Destination,
    /// The next member a linear group rings.
    next: usize,
    /// Members ringing now.
    ringing: Vec<ExtensionNumber>,
    /// End of the current ring step (the whole ring for ring-all).
    step_deadline: Option<Instant>,
    /// End of the whole ringing phase, when capped.
    total_deadline: Option<Instant>,
    finished: bool,
    actions: VecDeque<RingGroupAction>,
}

impl RingGroup {
    /// Starts ringing `dept` at `now`; the first actions are ready at once.
    #[must_use]
    pub fn new(now: Instant, dept: &Department) -> Self {
        let mut group = Self {
            strategy: dept.strategy,
            members: dept.members.clone(),
            ring_time: Duration::from_secs(u64::from(dept.ring_time)),
            no_answer: dept.no_answer.clone(),
            next: 0,
            ringing: Vec::new(),
            step_deadline: None,
            total_deadline: dept
                .total_ring_time
                .map(|s| now + Duration::from_secs(u64::from(s))),
            finished: false,
            actions: VecDeque::new(),
        };
        match group.strategy {
            RingStrategy::RingAll => {
                for m in group.members.clone() {
                    group.ring(m);
                }
                group.step_deadline = Some(now + group.ring_time);
                if group.ringing.is_empty() {
                    group.give_up();
                }
            }
            RingStrategy::Linear => group.ring_next(now),
        }
        group
    }

    /// Feeds a leg or caller event. Changes `poll_action` and `poll_timeout`.
    pub fn handle_event(&mut self, now: Instant, event: RingGroupEvent) {
        if self.finished {
            return;
        }
        match event {
            RingGroupEvent::Answered(member) => {
                if !self.ringing.contains(&member) {
                    return;
                }
                self.ringing.retain(|m| *m != member);
                self.cancel_all();
                self.actions.push_back(RingGroupAction::Connect(member));
                self.finish();
            }
            RingGroupEvent::Failed(member) => {
                let before = self.ringing.len();
                self.ringing.retain(|m| *m != member);
                if self.ringing.len() == before || !self.ringing.is_empty() {
                    return;
                }
                match self.strategy {
                    RingStrategy::RingAll => self.give_up(),
                    RingStrategy::Linear => self.ring_next(now),
                }
            }
            RingGroupEvent::CallerHungUp => {
                self.cancel_all();
                self.finish();
            }
        }
    }

    /// Advances timers to `now`: a member's ring time or the total ring time ran out.
    /// Idempotent. Changes `poll_action` and `poll_timeout`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.finished {
            return;
        }
        if self.total_deadline.is_some_and(|t| t <= now) {
            self.give_up();
            return;
        }
        if self.step_deadline.is_some_and(|t| t <= now) {
            match self.strategy {
                RingStrategy::RingAll => self.give_up(),
                RingStrategy::Linear => {
                    self.cancel_all();
                    self.ring_next(now);
                }
            }
        }
    }

    /// The next action to execute, if any. Call until `None` after every `handle_*` and
    /// after [`RingGroup::new`].
    #[must_use]
    pub fn poll_action(&mut self) -> Option<RingGroupAction> {
        self.actions.pop_front()
    }

    /// When [`RingGroup::handle_timeout`] must be called next; `None` once finished.
    /// Changed by `new`, `handle_event` and `handle_timeout`.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.finished {
            return None;
        }
        match (self.step_deadline, self.total_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether the group is done (connected, gave up, or the caller left). Queued
    /// actions may still be waiting in `poll_action`.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The members ringing now.
    #[must_use]
    pub fn ringing(&self) -> &[ExtensionNumber] {
        &self.ringing
    }

    fn ring(&mut self, member: ExtensionNumber) {
        self.ringing.push(member.clone());
        self.actions.push_back(RingGroupAction::Ring(member));
    }

    /// Linear: ring the next member, or give up after the last.
    fn ring_next(&mut self, now: Instant) {
        match self.members.get(self.next).cloned() {
            Some(member) => {
                self.next += 1;
                self.ring(member);
                self.step_deadline = Some(now + self.ring_time);
            }
            None => self.give_up(),
        }
    }

    fn cancel_all(&mut self) {
        for m in std::mem::take(&mut self.ringing) {
            self.actions.push_back(RingGroupAction::Cancel(m));
        }
    }

    fn give_up(&mut self) {
        self.cancel_all();
        self.actions
            .push_back(RingGroupAction::NoAnswer(self.no_answer.clone()));
        self.finish();
    }

    fn finish(&mut self) {
        self.finished = true;
        self.step_deadline = None;
        self.total_deadline = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> ExtensionNumber {
        s.parse().unwrap()
    }

    fn dept(json: &str) -> Department {
        serde_json::from_str(json).unwrap()
    }

    fn drain(g: &mut RingGroup) -> Vec<RingGroupAction> {
        std::iter::from_fn(|| g.poll_action()).collect()
    }

    use RingGroupAction::{Cancel, Connect, NoAnswer, Ring};

    #[test]
    fn ring_all_rings_everyone_and_connects_the_first_answer() {
        let t0 = Instant::now();
        let d = dept(r#"{"number":"0400","members":["101","102","103"]}"#);
        let mut g = RingGroup::new(t0, &d);
        assert_eq!(
            drain(&mut g),
            [Ring(n("101")), Ring(n("102")), Ring(n("103"))]
        );
        assert_eq!(g.poll_timeout(), Some(t0 + Duration::from_secs(20)));
        g.handle_event(
            t0 + Duration::from_secs(3),
            RingGroupEvent::Failed(n("103")),
        );
        assert!(drain(&mut g).is_empty());
        g.handle_event(
            t0 + Duration::from_secs(5),
            RingGroupEvent::Answered(n("102")),
        );
        assert_eq!(drain(&mut g), [Cancel(n("101")), Connect(n("102"))]);
        assert!(g.is_finished() && g.poll_timeout().is_none());
        g.handle_event(
            t0 + Duration::from_secs(6),
            RingGroupEvent::Answered(n("101")),
        );
        assert!(drain(&mut g).is_empty(), "late answers are ignored");
    }

    #[test]
    fn ring_all_gives_up_after_ring_time_or_when_all_fail() {
        let t0 = Instant::now();
        let d = dept(
            r#"{"number":"0400","members":["101","102"],"ring_time":10,
                "no_answer":{"type":"voicemail","extension":"101"}}"#,
        );
        let mut g = RingGroup::new(t0, &d);
        drain(&mut g);
        g.handle_timeout(t0 + Duration::from_secs(9));
        assert!(drain(&mut g).is_empty(), "not yet");
        g.handle_timeout(t0 + Duration::from_secs(10));
        let vm = Destination::Voicemail {
            extension: n("101"),
        };
        assert_eq!(
            drain(&mut g),
            [Cancel(n("101")), Cancel(n("102")), NoAnswer(vm.clone())]
        );

        let mut g = RingGroup::new(t0, &d);
        drain(&mut g);
        g.handle_event(t0, RingGroupEvent::Failed(n("101")));
        g.handle_event(t0, RingGroupEvent::Failed(n("102")));
        assert_eq!(drain(&mut g), [NoAnswer(vm)]);
    }

    #[test]
    fn linear_moves_on_after_each_member_timeout_or_failure() {
        let t0 = Instant::now();
        let d = dept(
            r#"{"number":"0400","members":["101","102","103"],"strategy":"linear","ring_time":15}"#,
        );
        let mut g = RingGroup::new(t0, &d);
        assert_eq!(drain(&mut g), [Ring(n("101"))]);
        let t1 = t0 + Duration::from_secs(15);
        g.handle_timeout(t1);
        assert_eq!(drain(&mut g), [Cancel(n("101")), Ring(n("102"))]);
        assert_eq!(g.poll_timeout(), Some(t1 + Duration::from_secs(15)));
        let t2 = t1 + Duration::from_secs(2);
        g.handle_event(t2, RingGroupEvent::Failed(n("102")));
        assert_eq!(drain(&mut g), [Ring(n("103"))]);
        assert_eq!(g.poll_timeout(), Some(t2 + Duration::from_secs(15)));
        g.handle_timeout(t2 + Duration::from_secs(15));
        assert_eq!(
            drain(&mut g),
            [Cancel(n("103")), NoAnswer(Destination::Hangup)]
        );
        assert!(g.is_finished());
    }

    #[test]
    fn total_ring_time_caps_a_linear_group() {
        let t0 = Instant::now();
        let d = dept(
            r#"{"number":"0400","members":["101","102","103"],"strategy":"linear",
                "ring_time":20,"total_ring_time":30}"#,
        );
        let mut g = RingGroup::new(t0, &d);
        drain(&mut g);
        g.handle_timeout(t0 + Duration::from_secs(20));
        assert_eq!(drain(&mut g), [Cancel(n("101")), Ring(n("102"))]);
        assert_eq!(
            g.poll_timeout(),
            Some(t0 + Duration::from_secs(30)),
            "the cap comes first"
        );
        g.handle_timeout(t0 + Duration::from_secs(30));
        assert_eq!(
            drain(&mut g),
            [Cancel(n("102")), NoAnswer(Destination::Hangup)]
        );
    }

    #[test]
    fn caller_hang_up_cancels_ringing_members() {
        let t0 = Instant::now();
        let d = dept(r#"{"number":"0400","members":["101","102"]}"#);
        let mut g = RingGroup::new(t0, &d);
        drain(&mut g);
        g.handle_event(t0, RingGroupEvent::CallerHungUp);
        assert_eq!(drain(&mut g), [Cancel(n("101")), Cancel(n("102"))]);
        assert!(g.is_finished());
        g.handle_timeout(t0 + Duration::from_secs(60));
        assert!(drain(&mut g).is_empty());
    }

    #[test]
    fn an_empty_department_goes_straight_to_no_answer() {
        let t0 = Instant::now();
        for strategy in ["ring_all", "linear"] {
            let d = dept(&format!(
                r#"{{"number":"0400","members":[],"strategy":"{strategy}"}}"#
            ));
            let mut g = RingGroup::new(t0, &d);
            assert_eq!(drain(&mut g), [NoAnswer(Destination::Hangup)], "{strategy}");
        }
    }
}
