//! The RTP timeout: notices a call whose media stopped (a phone that crashed or lost
//! its network without sending BYE), so the engine can hang it up. Suspended on hold,
//! where silence is expected.

use std::time::{Duration, Instant};

/// Something the owner of an [`Activity`] should act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityEvent {
    /// No RTP for the configured timeout while not on hold. Fires once per silence;
    /// RTP arriving afterwards re-arms it.
    MediaTimeout {
        /// When the last RTP arrived (or the timer was last restarted).
        last_activity: Instant,
    },
}

/// RTP inactivity timer, a sans-IO core (style.md §1).
#[derive(Debug, Clone)]
pub struct Activity {
    timeout: Option<Duration>,
    last: Instant,
    hold: bool,
    fired: bool,
    pending: Option<ActivityEvent>,
}

impl Activity {
    /// Starts watching at `now`. `timeout` `None` never fires.
    #[must_use]
    pub fn new(now: Instant, timeout: Option<Duration>) -> Self {
        Activity {
            timeout,
            last: now,
            hold: false,
            fired: false,
            pending: None,
        }
    }

    /// RTP arrived at `now`: pushes the deadline out and re-arms after a timeout.
    pub fn handle_rtp(&mut self, now: Instant) {
        if now > self.last {
            self.last = now;
        }
        self.fired = false;
    }

    /// Puts the call on or off hold. On hold the timer is suspended; coming off hold
    /// restarts it from `now`, giving the phones a full timeout to resume.
    pub fn set_hold(&mut self, now: Instant, hold: bool) {
        if hold == self.hold {
            return;
        }
        self.hold = hold;
        if !hold {
            self.handle_rtp(now);
        }
    }

    /// Changes the timeout (configuration reload); the silence so far still counts.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
    }

    /// Advances the timer to `now`; queues [`ActivityEvent::MediaTimeout`] if due.
    /// Idempotent; calling it early is harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_some_and(|deadline| now >= deadline) {
            self.fired = true;
            self.pending = Some(ActivityEvent::MediaTimeout {
                last_activity: self.last,
            });
        }
    }

    /// The next event, if any. Changed by `handle_timeout`.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ActivityEvent> {
        self.pending.take()
    }

    /// When `handle_timeout` must next be called; `None` while on hold, after the
    /// timeout fired (until RTP re-arms it) or when disabled. Changed by `handle_rtp`,
    /// `set_hold`, `set_timeout` and `handle_timeout`. It only moves later with RTP, so
    /// a shell may keep an earlier timer armed and simply re-check when it fires.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.hold || self.fired {
            return None;
        }
        self.timeout.map(|t| self.last + t)
    }

    /// Whether the timer is suspended for hold.
    #[must_use]
    pub fn is_held(&self) -> bool {
        self.hold
    }

    /// When RTP last arrived (or the timer was last restarted).
    #[must_use]
    pub fn last_activity(&self) -> Instant {
        self.last
    }
}
