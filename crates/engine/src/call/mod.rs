//! The sans-IO B2BUA call core: every call, each as two SIP dialogs (leg A toward
//! the caller, leg B toward each callee contact or trunk) joined by a media relay in
//! pbxd (issue 4 §1–3), and where routing sends it (issue 6): trunks tried in turn
//! with failover and provider authentication, ring groups, and the applications pbxd
//! answers itself (IVR, PIN entry) before it transfers the caller.
//!
//! [`Calls`] follows the workspace's core pattern (style.md §1): inputs are
//! `handle_*(now, …)` methods, outputs are drained with [`Calls::poll_action`],
//! and [`Calls::poll_timeout`] says when [`Calls::handle_timeout`] is due.
//! SIP goes straight through the engine's [`TransactionLayer`], which every
//! method borrows, so requests get [`TxHandle`]s the core correlates.
//!
//! # What the engine does around it
//! For every [`TxEvent`](rotary_sip::transaction::TxEvent) of its transaction layer:
//! - `Request` INVITE without a To-tag: authenticate (407), look the callee up,
//!   then [`Calls::handle_invite`] with an [`InviteContext`].
//! - `Request` with a To-tag (BYE, re-INVITE, UPDATE, INFO, …):
//!   [`Calls::handle_request`]; on `false` answer 481.
//! - `Ack`: [`Calls::handle_ack`]. `Cancel`: [`Calls::handle_cancel`]; on
//!   `false` answer the CANCEL with 481.
//! - `Response`, `Timeout`, `TransportError` for transactions it does not own
//!   itself: [`Calls::handle_response`], [`Calls::handle_tx_failure`].
//! - `StrayResponse`: [`Calls::handle_stray_response`].
//!
//! After each call, drain [`Calls::poll_action`]: answer
//! [`CallAction::AllocateMedia`] at once with [`Calls::handle_media`]
//! (`Allocated` or `AllocationFailed`) and [`CallAction::Resolve`] at once with
//! [`Calls::handle_target`], run the relay commands (and [`CallAction::Play`],
//! reporting [`MediaInput::PromptFinished`]), store
//! [`CallAction::Cdr`], publish [`CallAction::Event`]; then drain the transaction
//! layer again. Report RTP silence with [`MediaInput::RtpTimeout`], and add
//! [`Calls::poll_timeout`] to the engine's own deadline.
//!
//! # Behaviour
//! - Every registered contact is rung in parallel, each B-leg INVITE in its own
//!   dialog, carrying the caller's offer trimmed to the codecs both extensions
//!   allow and anchored on pbxd's relay. The first 2xx wins; the other forks get
//!   CANCEL, a second 2xx is ACKed and BYEd. 18x are relayed, a 183 with SDP
//!   starts early media. All forks failing gives the caller the best answer
//!   (a 6xx, else 486, else the lowest class; timeouts count as 480).
//! - Re-INVITE, UPDATE, INFO, MESSAGE and NOTIFY pass between the legs with SDP
//!   re-anchored; hold (`sendonly`, `inactive`, `c=0.0.0.0`) is reported.
//!   Crossing offers get 491, a second INVITE on a leg 500 (RFC 3261 §14).
//! - An INVITE without SDP is a delayed offer: the callee's 2xx offer goes to the
//!   caller and the caller's ACK answer back to the callee.
//! - Session timers (RFC 4028) are honoured when the caller asks for them.
//! - Every attempt ends with one [`CdrRecord`], one hang-up event and, when
//!   ports were reserved, one [`CallAction::ReleaseMedia`]. Turning an INVITE
//!   away for protocol reasons the phone retries (400, 420, 422) writes none.
//!
//! Not done here (yet): reliable provisional responses (100rel: 420), transfers
//! (REFER: 501), transcoding (no common codec: 488), merged-request detection
//! (RFC 3261 §8.2.2.2).

mod admit;
mod app;
mod cdr;
mod dial;
mod features;
mod indialog;
mod invite;
mod leg;
mod media;
mod msg;
mod state;
mod timers;
mod types;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::Instant;

use rand::rngs::StdRng;
use rand::SeedableRng;
use rotary_sip::transaction::{TransactionLayer, TxHandle};
use rotary_sip::{Flow, Request, Response};

pub use self::cdr::{Cause, CdrRecord, Disposition};
use self::state::{Call, CallTimer, ClientRole, DialogKey, DialogRef, Phase};
pub use self::types::{
    ActiveCall, ActiveCallState, CallAction, CallEvent, CallEventKind, CallKey, CallSettings,
    CallType, CalleeInfo, CallerInfo, CallsConfig, ContactTarget, DtmfTransport, GroupPlan,
    InviteContext, IvrPlan, LegMedia, MediaInput, MediaPlan, PinPlan, Refusal, RouteInfo, Side,
    Target, TrunkLeg, TrunkPlan, CALL_ALLOW,
};

/// Every call of the B2BUA, indexed by dialog and transaction.
pub struct Calls {
    calls: HashMap<CallKey, Call>,
    sh: Shared,
}

/// Everything but the calls: config, RNG, indexes, timers, out-queue.
pub(crate) struct Shared {
    pub(crate) config: CallsConfig,
    pub(crate) rng: StdRng,
    pub(crate) actions: VecDeque<CallAction>,
    pub(crate) dialogs: HashMap<DialogKey, (CallKey, DialogRef)>,
    pub(crate) client_txs: HashMap<TxHandle, (CallKey, ClientRole)>,
    pub(crate) server_txs: HashMap<TxHandle, CallKey>,
    pub(crate) timers: BTreeSet<(Instant, CallKey, CallTimer)>,
    /// Extension number → calls (not ended) it takes part in.
    pub(crate) busy: HashMap<String, usize>,
    /// Trunk → calls holding one of its slots (max concurrent calls).
    pub(crate) trunk_calls: HashMap<String, usize>,
    pub(crate) active: usize,
    pub(crate) next_key: u64,
}

/// The borrowed surroundings of one step on one call.
pub(crate) struct Cx<'a> {
    pub(crate) now: Instant,
    pub(crate) txl: &'a mut TransactionLayer,
    pub(crate) sh: &'a mut Shared,
}

impl Calls {
    /// An empty call table. `seed` keys the RNG for Call-IDs, tags and branches:
    /// give it 32 random bytes in production, a fixed value in tests.
    pub fn new(config: CallsConfig, seed: [u8; 32]) -> Self {
        Calls {
            calls: HashMap::new(),
            sh: Shared {
                config,
                rng: StdRng::from_seed(seed),
                actions: VecDeque::new(),
                dialogs: HashMap::new(),
                client_txs: HashMap::new(),
                server_txs: HashMap::new(),
                timers: BTreeSet::new(),
                busy: HashMap::new(),
                trunk_calls: HashMap::new(),
                active: 0,
                next_key: 0,
            },
        }
    }

    /// A new dialog-creating INVITE (no To-tag) from an authenticated caller,
    /// on server transaction `tx`. Answers it (404, 480, 486, 488, 503, …) or
    /// starts the call with [`CallAction::AllocateMedia`].
    pub fn handle_invite(
        &mut self,
        now: Instant,
        txl: &mut TransactionLayer,
        tx: TxHandle,
        flow: Flow,
        req: Request,
        ctx: InviteContext,
    ) {
        let mut cx = Cx {
            now,
            txl,
            sh: &mut self.sh,
        };
        if let Some(call) = admit::start(&mut cx, tx, flow, req, ctx) {
            self.calls.insert(call.key, call);
        }
    }

    /// An in-dialog request (it has a To-tag; not ACK or CANCEL) on server
    /// transaction `tx`. Returns `false` when it matches no call leg: the
    /// engine answers 481 (RFC 3261 §12.2.2).
    pub fn handle_request(
        &mut self,
        now: Instant,
        txl: &mut TransactionLayer,
        tx: TxHandle,
        flow: Flow,
        req: Request,
    ) -> bool {
        let Some((key, side)) = self.match_request(&req) else {
            return false;
        };
        let Some(call) = self.calls.get_mut(&key) else {
            return false;
        };
        let mut cx = Cx {
            now,
            txl,
            sh: &mut self.sh,
        };
        indialog::request(&mut cx, call, side, tx, flow, req)
    }

    /// An ACK outside any transaction (the ACK for a 2xx). Returns `false` if
    /// it matches no call (the engine drops it).
    pub fn handle_ack(&mut self, now: Instant, txl: &mut TransactionLayer, req: Request) -> bool {
        let Some((key, side)) = self.match_request(&req) else {
            return false;
        };
        let Some(call) = self.calls.get_mut(&key) else {
            return false;
        };
        let mut cx = Cx {
            now,
            txl,
            sh: &mut self.sh,
        };
        indialog::ack(&mut cx, call, side, &req);
        true
    }

    /// A CANCEL on its own server transaction `cancel_tx`, targeting INVITE
    /// server transaction `invite_tx`. Returns `false` when it cancels nothing
    /// of ours: the engine answers 481.
    pub fn handle_cancel(
        &mut self,
        now: Instant,
        txl: &mut TransactionLayer,
        cancel_tx: TxHandle,
        invite_tx: Option<TxHandle>,
        req: Request,
    ) -> bool {
        let Some(invite_tx) = invite_tx else {
            return false;
        };
        let Some(&key) = self.sh.server_txs.get(&invite_tx) else {
            return false;
        };
        let Some(call) = self.calls.get_mut(&key) else {
            return false;
        };
        let mut cx = Cx {
            now,
            txl,
            sh: &mut self.sh,
        };
        invite::cancel(&mut cx, call, cancel_tx, invite_tx, &req);
        true
    }

    /// A response for client transaction `tx`. Returns `false` if the
    /// transaction is not one of ours.
    pub fn handle_response(
        &mut self,
        now: Instant,
        txl: &mut TransactionLayer,
        tx: TxHandle,
        resp: Response,
    ) -> bool {
        let Some(&(key, role)) = self.sh.client_txs.get(&tx) else {
            return false;
        };
        if let Some(call) = self.calls.get_mut(&key) {
            let mut cx = Cx {
                now,
                txl,
                sh: &mut self.sh,
            };
            match role {
                ClientRole::Fork(i) => invite::fork_response(&mut cx, call, i, resp),
                ClientRole::Relay => indialog::relay_response(&mut cx, call, tx, resp),
                ClientRole::Refresh => timers::refresh_response(&mut cx, call, tx, resp),
                ClientRole::Other => {}
            }
        }
        true
    }

    /// A 2xx to an INVITE that matched no client transaction (our ACK was
    /// lost after Timer M): re-send the ACK, or ACK and BYE an unknown dialog
    /// (RFC 3261 §13.2.2.4).
    pub fn handle_stray_response(
        &mut self,
        now: Instant,
        txl: &mut TransactionLayer,
        flow: Flow,
        resp: Response,
    ) {
        let mut cx = Cx {
            now,
            txl,
            sh: &mut self.sh,
        };
        let found = resp
            .headers
            .call_id()
            .zip(msg::from_tag(&resp.headers))
            .and_then(|(id, tag)| cx.sh.dialogs.get(&DialogKey::new(id, &tag)).copied());
        match found.and_then(|(key, r)| self.calls.get_mut(&key).map(|c| (c, r))) {
            Some((call, r)) => invite::stray_2xx(&mut cx, call, r, flow, &resp),
            None => invite::reject_unknown_2xx(&mut cx, flow, &resp),
        }
    }

    /// Client or server transaction `tx` timed out (Timer B, F, H) or its
    /// transport failed. Returns `false` if it is not one of ours.
    pub fn handle_tx_failure(
        &mut self,
        now: Instant,
        txl: &mut TransactionLayer,
        tx: TxHandle,
    ) -> bool {
        let mut cx = Cx {
            now,
            txl,
            sh: &mut self.sh,
        };
        if let Some(&(key, role)) = cx.sh.client_txs.get(&tx) {
            if let Some(call) = self.calls.get_mut(&key) {
                match role {
                    ClientRole::Fork(i) => invite::fork_failed(&mut cx, call, i, 408),
                    ClientRole::Relay => indialog::relay_failed(&mut cx, call, tx),
                    ClientRole::Refresh => indialog::hangup_both(&mut cx, call, Cause::LegFailure),
                    ClientRole::Other => {}
                }
            }
            return true;
        }
        if let Some(&key) = cx.sh.server_txs.get(&tx) {
            if let Some(call) = self.calls.get_mut(&key) {
                invite::server_tx_failed(&mut cx, call, tx);
            }
            return true;
        }
        false
    }

    /// The media shell's answer to [`CallAction::AllocateMedia`], or a report
    /// about a running relay.
    pub fn handle_media(
        &mut self,
        now: Instant,
        txl: &mut TransactionLayer,
        call: CallKey,
        input: MediaInput,
    ) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let mut cx = Cx {
            now,
            txl,
            sh: &mut self.sh,
        };
        match input {
            MediaInput::Allocated { a, b } => invite::media_allocated(&mut cx, c, a, b),
            MediaInput::AllocationFailed => invite::media_failed(&mut cx, c),
            MediaInput::RtpTimeout => {
                if matches!(c.phase, Phase::Answered | Phase::Local) {
                    indialog::hangup_both(&mut cx, c, Cause::RtpTimeout);
                }
            }
            MediaInput::PromptFinished => {
                if c.phase == Phase::Local {
                    app::prompt_finished(&mut cx, c);
                }
            }
            MediaInput::Dtmf {
                side,
                key,
                duration,
            } => {
                if c.phase == Phase::Local && side == Side::A {
                    app::digit(&mut cx, c, key);
                } else {
                    features::media_digit(&mut cx, c, side, key, duration);
                }
            }
        }
    }

    /// The engine's answer to [`CallAction::Resolve`]: dial where the destination leads
    /// (ring an extension, run a ring group or another IVR, refuse).
    pub fn handle_target(
        &mut self,
        now: Instant,
        txl: &mut TransactionLayer,
        call: CallKey,
        target: Target,
    ) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if !matches!(c.dial, dial::Dial::Resolving) {
            return;
        }
        let mut cx = Cx {
            now,
            txl,
            sh: &mut self.sh,
        };
        dial::start(&mut cx, c, target);
    }

    /// Calls in progress that hold a slot of `trunk` (its concurrent-call count).
    #[must_use]
    pub fn trunk_calls(&self, trunk: &str) -> usize {
        self.sh.trunk_calls.get(trunk).copied().unwrap_or(0)
    }

    /// End a call from the engine's side (shutdown, administrator): BYE to
    /// both legs when answered, else CANCEL the forks and 480 to the caller.
    pub fn hangup(
        &mut self,
        now: Instant,
        txl: &mut TransactionLayer,
        call: CallKey,
        cause: Cause,
    ) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let mut cx = Cx {
            now,
            txl,
            sh: &mut self.sh,
        };
        match c.phase {
            Phase::Answered | Phase::Local => indialog::hangup_both(&mut cx, c, cause),
            Phase::Allocating | Phase::Ringing => invite::fail(&mut cx, c, 480, cause),
            Phase::Ended => {}
        }
    }

    /// [`Calls::hangup`] every call that is not over (SIGTERM).
    pub fn hangup_all(&mut self, now: Instant, txl: &mut TransactionLayer, cause: Cause) {
        let keys: Vec<CallKey> = self
            .calls
            .iter()
            .filter(|(_, c)| c.phase != Phase::Ended)
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            self.hangup(now, txl, key, cause);
        }
    }

    /// Fire the core's own timers due at `now`: ring timeout, 2xx
    /// retransmission and ACK wait, session timers, and forgetting ended calls.
    pub fn handle_timeout(&mut self, now: Instant, txl: &mut TransactionLayer) {
        while let Some(&(at, key, timer)) = self.sh.timers.first() {
            if at > now {
                break;
            }
            self.sh.timers.pop_first();
            let Some(call) = self.calls.get_mut(&key) else {
                continue;
            };
            if call.deadline(timer) != Some(at) {
                continue;
            }
            call.clear_deadline(timer);
            if timer == CallTimer::Linger {
                if let Some(call) = self.calls.remove(&key) {
                    call.forget(&mut self.sh);
                }
                continue;
            }
            let mut cx = Cx {
                now,
                txl,
                sh: &mut self.sh,
            };
            match timer {
                CallTimer::Ring => invite::ring_timeout(&mut cx, call),
                CallTimer::RetransmitA => timers::retransmit_2xx(&mut cx, call, Side::A),
                CallTimer::RetransmitB => timers::retransmit_2xx(&mut cx, call, Side::B),
                CallTimer::SessionRefresh => timers::session_refresh(&mut cx, call),
                CallTimer::SessionExpiry => {
                    indialog::hangup_both(&mut cx, call, Cause::SessionTimeout)
                }
                CallTimer::Dial => dial::on_timer(&mut cx, call),
                CallTimer::App => app::on_timer(&mut cx, call),
                CallTimer::Limit => {
                    tracing::info!(call = %call.key, "call time limit reached");
                    indialog::hangup_both(&mut cx, call, Cause::TimeLimit)
                }
                CallTimer::Linger => {}
            }
        }
    }

    /// Next command for the engine. Call until `None` after every `handle_*`,
    /// [`Calls::hangup`] and [`Calls::handle_timeout`].
    #[must_use]
    pub fn poll_action(&mut self) -> Option<CallAction> {
        self.sh.actions.pop_front()
    }

    /// When [`Calls::handle_timeout`] is next due; `None` when idle. Changed by
    /// every input.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.sh.timers.first().map(|&(at, _, _)| at)
    }

    /// Calls in progress (ringing or answered): the `active calls` gauge and the
    /// `max_concurrent_calls` count.
    #[must_use]
    pub fn active_count(&self) -> usize {
        self.sh.active
    }

    /// The calls in progress as the API lists them (`GET /api/v1/calls`), oldest
    /// first; ended calls still absorbing retransmissions are left out.
    #[must_use]
    pub fn list(&self) -> Vec<ActiveCall> {
        let mut out: Vec<ActiveCall> = self
            .calls
            .values()
            .filter(|c| c.phase != Phase::Ended)
            .map(|c| {
                let held = c.a.held || c.b.as_ref().is_some_and(|b| b.held);
                let state = match c.phase {
                    Phase::Answered if held => ActiveCallState::Held,
                    Phase::Answered => ActiveCallState::Answered,
                    Phase::Local => ActiveCallState::Application,
                    _ => ActiveCallState::Ringing,
                };
                ActiveCall {
                    call: c.key,
                    caller: c.caller.clone(),
                    callee: c.callee.clone(),
                    state,
                    call_type: c.route.kind,
                    trunk: c.route.trunk.clone(),
                    started_unix_ms: c.start_wall_ms,
                    answered_unix_ms: c.answered_at.map(|at| {
                        c.start_wall_ms
                            + i64::try_from(at.saturating_duration_since(c.start).as_millis())
                                .unwrap_or(0)
                    }),
                }
            })
            .collect();
        out.sort_by_key(|c| c.call);
        out
    }

    /// Whether `call` is a call in progress (the API's hang-up answers 404 otherwise).
    #[must_use]
    pub fn is_active(&self, call: CallKey) -> bool {
        self.calls
            .get(&call)
            .is_some_and(|c| c.phase != Phase::Ended)
    }

    /// Whether an extension takes part in a call in progress (busy for call waiting).
    #[must_use]
    pub fn is_busy(&self, number: &str) -> bool {
        self.sh.busy.get(number).is_some_and(|n| *n > 0)
    }

    /// Calls held in memory, including ended ones still absorbing retransmissions.
    #[must_use]
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    /// True when no call is held in memory.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// Find the call leg an in-dialog request (or ACK) belongs to: Call-ID and
    /// our tag (its To-tag), then the peer's tag.
    fn match_request(&self, req: &Request) -> Option<(CallKey, Side)> {
        let call_id = req.headers.call_id()?;
        let ours = msg::to_tag(&req.headers)?;
        let &(key, r) = self.sh.dialogs.get(&DialogKey::new(call_id, &ours))?;
        let call = self.calls.get(&key)?;
        let side = match r {
            DialogRef::A => Side::A,
            DialogRef::Fork(i) if call.winner == Some(i) => Side::B,
            DialogRef::Fork(_) => return None,
        };
        let theirs = msg::from_tag(&req.headers);
        call.leg(side)?
            .dialog
            .remote_tag_matches(theirs.as_deref())
            .then_some((key, side))
    }
}
