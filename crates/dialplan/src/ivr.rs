//! The IVR application as a sans-IO state machine (DUC guide 5.2.1).
//!
//! The session plays the menu prompt, waits for a key, and hands the call on with
//! [`IvrAction::Goto`]. Keys pressed during the prompt interrupt it (barge-in). With
//! "dial extension" on, a key that could also begin an extension number waits up to the
//! inter-digit timeout for more digits; `#` ends a number early. A caller who presses
//! nothing hears the prompt `loops` times and then goes to the timeout destination; a key
//! with no meaning goes to the invalid destination.
//!
//! The engine drives it like every core: execute [`IvrSession::poll_action`] until
//! `None`, then wait for a prompt end, a DTMF digit (from RFC 4733, SIP INFO or inband
//! detection alike) or [`IvrSession::poll_timeout`].
//!
//! Menus are entered one session at a time: when a key leads to another IVR, the engine
//! starts a new session for it and passes the menu it came from as `return_to`, which is
//! where [`Destination::ReturnToIvr`] leads.

use std::collections::VecDeque;
use std::ops::Bound;
use std::time::{Duration, Instant};

use rotary_config::routing::{Destination, Ivr, IvrKey, PromptName};
use rotary_config::ExtensionNumber;

use crate::Snapshot;

/// Input to an IVR session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IvrEvent {
    /// The prompt played to its end.
    PromptFinished,
    /// The caller pressed a key (`0-9 * #`; anything else is ignored).
    Digit(char),
    /// The caller hung up.
    CallerHungUp,
}

/// What the engine should do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IvrAction {
    /// Play the prompt from the start; report [`IvrEvent::PromptFinished`] at its end.
    Play(PromptName),
    /// Stop the prompt now playing (the caller pressed a key).
    StopPrompt,
    /// Listen for keys for up to `timeout` (informational: the session keeps the deadline
    /// itself and reports it through `poll_timeout`).
    CollectDigits {
        /// How long until the session gives up waiting.
        timeout: Duration,
    },
    /// Leave the menu for this destination (resolve it with
    /// [`crate::resolve_destination`]). The session is finished.
    Goto(Destination),
    /// Hang up. The session is finished.
    Hangup,
}

/// Which extension numbers can be dialled directly from a menu.
pub trait NumberDirectory {
    /// How `digits` relates to the dialable numbers.
    fn lookup(&self, digits: &str) -> Lookup;
}

/// How a digit string relates to the dialable numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lookup {
    /// It is a number.
    pub exact: bool,
    /// It begins a longer number.
    pub longer: bool,
}

impl NumberDirectory for Snapshot<'_> {
    /// The user extensions of the snapshot.
    fn lookup(&self, digits: &str) -> Lookup {
        let exts = &self.config.extensions;
        let exact = exts.contains_key(digits);
        let longer = exts
            .range::<str, _>((Bound::Excluded(digits), Bound::Unbounded))
            .next()
            .is_some_and(|(n, _)| n.as_str().starts_with(digits));
        Lookup { exact, longer }
    }
}

/// One caller in one IVR menu.
#[derive(Debug)]
pub struct IvrSession {
    ivr: Ivr,
    return_to: Option<ExtensionNumber>,
    state: State,
    /// Digits of a direct-dialled number collected so far.
    digits: String,
    /// The key destination of the first digit, used if no number follows.
    first_key: Option<Destination>,
    /// Whether `digits` is an extension number.
    exact: bool,
    /// How often the prompt has started.
    plays: u8,
    deadline: Option<Instant>,
    actions: VecDeque<IvrAction>,
}

/// Where the session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The prompt is playing.
    Playing,
    /// The prompt ended; waiting for a first key.
    Waiting,
    /// Collecting a direct-dialled number.
    Collecting,
    /// Handed on or hung up.
    Done,
}

impl IvrSession {
    /// Enters `ivr`; `return_to` is the menu the caller came from, if any. The first
    /// action (play the prompt) is ready at once, and no deadline runs while it plays.
    #[must_use]
    pub fn new(ivr: &Ivr, return_to: Option<ExtensionNumber>) -> Self {
        let mut session = Self {
            ivr: ivr.clone(),
            return_to,
            state: State::Playing,
            digits: String::new(),
            first_key: None,
            exact: false,
            plays: 0,
            deadline: None,
            actions: VecDeque::new(),
        };
        session.play();
        session
    }

    /// Feeds an event; `dir` answers which numbers can be dialled directly. Changes
    /// `poll_action` and `poll_timeout`.
    pub fn handle_event(&mut self, now: Instant, event: IvrEvent, dir: &dyn NumberDirectory) {
        match (self.state, event) {
            (State::Done, _) => {}
            (_, IvrEvent::CallerHungUp) => self.finish(),
            (State::Playing, IvrEvent::PromptFinished) => {
                self.state = State::Waiting;
                self.wait(now, secs(self.ivr.response_timeout));
            }
            (_, IvrEvent::PromptFinished) => {}
            (_, IvrEvent::Digit(c)) => {
                let Ok(key) = IvrKey::new(c) else {
                    return;
                };
                if self.state == State::Playing {
                    self.actions.push_back(IvrAction::StopPrompt);
                }
                if self.state == State::Collecting {
                    self.next_digit(now, key, dir);
                } else {
                    self.first_digit(now, key, dir);
                }
            }
        }
    }

    /// Advances timers to `now`: no key after the prompt, or no further digit. Idempotent.
    /// Changes `poll_action` and `poll_timeout`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.deadline.is_none_or(|d| d > now) {
            return;
        }
        self.deadline = None;
        match self.state {
            State::Waiting if self.plays < self.ivr.loops => self.play(),
            State::Waiting => self.goto(self.ivr.timeout.clone()),
            State::Collecting => self.number_complete(),
            State::Playing | State::Done => {}
        }
    }

    /// The next action, if any. Call until `None` after `new` and every `handle_*`.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<IvrAction> {
        self.actions.pop_front()
    }

    /// When [`IvrSession::handle_timeout`] must be called next; `None` while the prompt
    /// plays (its end is an event) and once finished.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    /// Whether the caller has left the menu (queued actions may remain).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.state == State::Done
    }

    /// The digits of a direct-dialled number collected so far.
    #[must_use]
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// A key pressed while no number is being collected.
    fn first_digit(&mut self, now: Instant, key: IvrKey, dir: &dyn NumberDirectory) {
        let dest = self.ivr.keys.get(&key).cloned();
        let c = key.as_char();
        if self.ivr.dial_extension && c.is_ascii_digit() {
            let digit = c.to_string();
            let found = dir.lookup(&digit);
            if found.longer {
                self.digits = digit;
                self.first_key = dest;
                self.exact = found.exact;
                self.state = State::Collecting;
                self.wait(now, secs(self.ivr.digit_timeout));
                return;
            }
            if found.exact && dest.is_none() {
                self.digits = digit;
                self.number_complete();
                return;
            }
        }
        match dest {
            Some(dest) => self.goto(dest),
            None => self.goto(self.ivr.invalid.clone()),
        }
    }

    /// A further digit of a direct-dialled number (`#` ends it).
    fn next_digit(&mut self, now: Instant, key: IvrKey, dir: &dyn NumberDirectory) {
        let c = key.as_char();
        if c == '#' {
            self.deadline = None;
            self.number_complete();
            return;
        }
        self.digits.push(c);
        self.first_key = None;
        let found = dir.lookup(&self.digits);
        self.exact = found.exact;
        if found.longer {
            self.wait(now, secs(self.ivr.digit_timeout));
        } else {
            self.deadline = None;
            self.number_complete();
        }
    }

    /// The number is complete (no more digits could follow, `#`, or the timeout).
    fn number_complete(&mut self) {
        if let Some(dest) = self.first_key.take() {
            return self.goto(dest);
        }
        let number = ExtensionNumber::new(self.digits.as_str()).ok();
        match number {
            Some(number) if self.exact => self.goto(Destination::Extension { number }),
            _ => self.goto(self.ivr.invalid.clone()),
        }
    }

    /// Starts (or restarts) the prompt.
    fn play(&mut self) {
        self.plays = self.plays.saturating_add(1);
        self.state = State::Playing;
        self.deadline = None;
        self.digits.clear();
        self.first_key = None;
        self.exact = false;
        self.actions
            .push_back(IvrAction::Play(self.ivr.prompt.clone()));
    }

    fn wait(&mut self, now: Instant, timeout: Duration) {
        self.deadline = Some(now + timeout);
        self.actions.push_back(IvrAction::CollectDigits { timeout });
    }

    /// Leaves the menu. Return-to-IVR leads to the menu the caller came from, or replays
    /// this one (while loops remain) in a top-level menu.
    fn goto(&mut self, dest: Destination) {
        match dest {
            Destination::ReturnToIvr => match self.return_to.clone() {
                Some(number) => self.leave(IvrAction::Goto(Destination::Ivr { number })),
                None if self.plays < self.ivr.loops => self.play(),
                None => self.leave(IvrAction::Hangup),
            },
            Destination::Hangup => self.leave(IvrAction::Hangup),
            dest => self.leave(IvrAction::Goto(dest)),
        }
    }

    fn leave(&mut self, action: IvrAction) {
        self.actions.push_back(action);
        self.finish();
    }

    fn finish(&mut self) {
        self.state = State::Done;
        self.deadline = None;
    }
}

/// Whole seconds as a duration.
fn secs(s: u32) -> Duration {
    Duration::from_secs(u64::from(s))
}
