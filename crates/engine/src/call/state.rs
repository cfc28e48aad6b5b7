//! The state of one call: its phase, both legs, the forks ringing the callee,
//! requests being relayed between the legs, its timers, and the bookkeeping
//! that ends every attempt with exactly one CDR and freed media.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rotary_sdp::{LocalOrigin, SessionDescription};
use rotary_sip::transaction::TxHandle;
use rotary_sip::{Request, Response};

use super::cdr::{Cause, CdrRecord};
use super::leg::Dialog;
use super::msg::Refresher;
use super::{CallAction, CallEvent, CallEventKind, CallKey, CallSettings, Cx, Shared, Side};

/// Where a call is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Waiting for the media shell's ports.
    Allocating,
    /// Forks are ringing.
    Ringing,
    /// pbxd answered the caller itself (IVR, PIN entry) and no callee is connected
    /// yet; forks may be ringing for the transfer that follows.
    Local,
    /// Both legs are confirmed (or about to be, pending the caller's ACK).
    Answered,
    /// Over: CDR written, media freed; kept a while to absorb retransmissions.
    Ended,
}

/// The core's own timers, one deadline each per call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum CallTimer {
    /// The global ring time ran out.
    Ring,
    /// Retransmit our 2xx to leg A / give up waiting for its ACK.
    RetransmitA,
    /// The same for leg B (a 2xx to B's re-INVITE).
    RetransmitB,
    /// pbxd is the session refresher (RFC 4028): refresh now.
    SessionRefresh,
    /// The session expired without a refresh.
    SessionExpiry,
    /// Forget an ended call.
    Linger,
    /// The dialling strategy's deadline: a trunk's response time, a ring group step.
    Dial,
    /// The application's deadline (IVR key timeout, PIN digit timeout).
    App,
    /// The route's call time limit.
    Limit,
}

impl CallTimer {
    const COUNT: usize = 9;
    /// Every timer, in index order.
    pub(crate) const ALL: [CallTimer; CallTimer::COUNT] = [
        CallTimer::Ring,
        CallTimer::RetransmitA,
        CallTimer::RetransmitB,
        CallTimer::SessionRefresh,
        CallTimer::SessionExpiry,
        CallTimer::Linger,
        CallTimer::Dial,
        CallTimer::App,
        CallTimer::Limit,
    ];

    fn index(self) -> usize {
        match self {
            CallTimer::Ring => 0,
            CallTimer::RetransmitA => 1,
            CallTimer::RetransmitB => 2,
            CallTimer::SessionRefresh => 3,
            CallTimer::SessionExpiry => 4,
            CallTimer::Linger => 5,
            CallTimer::Dial => 6,
            CallTimer::App => 7,
            CallTimer::Limit => 8,
        }
    }

    /// The retransmission timer of a leg.
    pub(crate) fn retransmit(side: Side) -> CallTimer {
        match side {
            Side::A => CallTimer::RetransmitA,
            Side::B => CallTimer::RetransmitB,
        }
    }
}

/// What one of our client transactions is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClientRole {
    /// The INVITE of fork `i`.
    Fork(usize),
    /// A request relayed from the other leg (see `Call::relays`).
    Relay,
    /// Our own session refresh toward leg A.
    Refresh,
    /// CANCEL or BYE: the outcome does not matter.
    Other,
}

/// Index key of a dialog: Call-ID and our tag.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct DialogKey {
    call_id: String,
    local_tag: String,
}

impl DialogKey {
    pub(crate) fn new(call_id: &str, local_tag: &str) -> Self {
        DialogKey {
            call_id: call_id.to_string(),
            local_tag: local_tag.to_string(),
        }
    }
}

/// Which dialog of a call a key names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DialogRef {
    /// Leg A.
    A,
    /// Fork `i` (leg B once it won).
    Fork(usize),
}

/// One leg's confirmed-dialog state.
#[derive(Debug)]
pub(crate) struct LegState {
    pub(crate) dialog: Dialog,
    /// Where this leg's phone wants RTP.
    pub(crate) remote_media: Option<SocketAddr>,
    /// This leg's phone has put the call on hold.
    pub(crate) held: bool,
    /// The last SDP we sent this leg (for our own session refresh).
    pub(crate) sdp_sent: Option<Vec<u8>>,
    /// We sent a 2xx to an INVITE from this leg and wait for its ACK.
    pub(crate) await_ack: Option<AwaitAck>,
    /// Server transaction of a request from this leg still being relayed.
    pub(crate) pending_in: Option<TxHandle>,
    /// Client transaction of an INVITE/UPDATE we sent this leg, unanswered.
    pub(crate) pending_out: Option<TxHandle>,
    /// The last ACK we sent on this leg, re-sent for 2xx retransmissions.
    pub(crate) last_ack: Option<Request>,
}

impl LegState {
    pub(crate) fn new(dialog: Dialog) -> Self {
        LegState {
            dialog,
            remote_media: None,
            held: false,
            sdp_sent: None,
            await_ack: None,
            pending_in: None,
            pending_out: None,
            last_ack: None,
        }
    }
}

/// Our 2xx to an INVITE, retransmitted until the ACK (RFC 3261 §13.3.1.4).
#[derive(Debug)]
pub(crate) struct AwaitAck {
    /// The INVITE server transaction (2xx retransmissions go through it).
    pub(crate) tx: TxHandle,
    pub(crate) response: Response,
    /// CSeq of the INVITE (the ACK carries it).
    pub(crate) seq: u32,
    pub(crate) interval: Duration,
    pub(crate) give_up: Instant,
    /// For a relayed re-INVITE: ACK the other leg's 2xx (its CSeq) when this ACK comes.
    pub(crate) forward: Option<(Side, u32)>,
}

/// One B-leg INVITE toward one callee contact.
#[derive(Debug)]
pub(crate) struct Fork {
    pub(crate) dialog: Dialog,
    pub(crate) invite: Request,
    /// A provisional arrived (CANCEL may be sent, RFC 3261 §9.1).
    pub(crate) provisional: bool,
    /// The final status, once known (408 for a timeout).
    pub(crate) final_status: Option<u16>,
    /// We want this fork cancelled (another won, the caller gave up...).
    pub(crate) cancel_wanted: bool,
    pub(crate) cancel_sent: bool,
    /// Who the fork rings (a contact of the callee, a ring-group member, a trunk).
    pub(crate) owner: ForkOwner,
    /// How DTMF travels on the phone or trunk this fork rings.
    pub(crate) dtmf: rotary_config::DtmfMode,
    /// Codecs the callee side may use.
    pub(crate) codecs: Vec<rotary_config::Codec>,
    /// Digest challenges answered on this fork (a provider's 401/407).
    pub(crate) auth_tries: u8,
}

/// Who a fork rings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ForkOwner {
    /// A registered contact of the callee extension.
    Contact,
    /// A contact of a ring-group member.
    Member(String),
    /// Trunk attempt `i` of the plan.
    Trunk(usize),
}

impl Fork {
    /// Still waiting for a final response.
    pub(crate) fn is_pending(&self) -> bool {
        self.final_status.is_none()
    }
}

/// A request from one leg relayed to the other.
#[derive(Debug)]
pub(crate) struct Relay {
    pub(crate) from: Side,
    /// The server transaction of the original request.
    pub(crate) server_tx: TxHandle,
    pub(crate) request: Request,
    /// Our client transaction on the other leg.
    pub(crate) client_tx: TxHandle,
    /// The request we sent (for CANCEL).
    pub(crate) sent: Request,
    pub(crate) provisional: bool,
    pub(crate) cancel_wanted: bool,
    /// The originating leg's new media (remote, hold), applied on 2xx.
    pub(crate) media: Option<(Option<SocketAddr>, bool)>,
    /// A new session interval the caller asked for in this refresh.
    pub(crate) session_expires: Option<u32>,
}

/// An RFC 4028 session timer negotiated with the caller.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SessionTimer {
    pub(crate) interval: u32,
    pub(crate) refresher: Refresher,
    /// The caller listed `timer` in Supported.
    pub(crate) caller_supports: bool,
}

/// One call attempt.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) key: CallKey,
    pub(crate) phase: Phase,
    pub(crate) caller: String,
    pub(crate) caller_name: String,
    pub(crate) callee: String,
    pub(crate) settings: CallSettings,
    /// Codec names both extensions may use.
    pub(crate) allowed: Vec<&'static str>,
    pub(crate) start: Instant,
    pub(crate) start_wall_ms: i64,
    pub(crate) answered_at: Option<Instant>,
    pub(crate) a: LegState,
    /// The caller's initial INVITE and its server transaction.
    pub(crate) a_invite: Request,
    pub(crate) a_invite_tx: TxHandle,
    /// The caller's offer, codecs filtered; `None` for a delayed offer.
    pub(crate) a_offer: Option<SessionDescription>,
    /// Codecs the caller may use (pbxd's own answer when it transcodes).
    pub(crate) caller_codecs: Vec<rotary_config::Codec>,
    /// DTMF modes of the caller's and the callee's extensions.
    pub(crate) dtmf_modes: [rotary_config::DtmfMode; 2],
    /// How media flows once settled by the callee's answer.
    pub(crate) plan: Option<super::types::MediaPlan>,
    /// Either extension records every call.
    pub(crate) record_always: bool,
    /// The recording running now (relative path).
    pub(crate) recording: Option<String>,
    /// Every recording made of this call; the CDR points at the first.
    pub(crate) recordings: Vec<String>,
    /// Keys typed on each phone, for feature codes.
    pub(crate) keys: [super::features::Keys; 2],
    pub(crate) b: Option<LegState>,
    pub(crate) forks: Vec<Fork>,
    pub(crate) winner: Option<usize>,
    /// The fork whose early media is relayed.
    pub(crate) early_fork: Option<usize>,
    /// Last provisional status relayed to the caller.
    pub(crate) last_provisional: Option<u16>,
    /// pbxd's relay addresses (leg A side, leg B side).
    pub(crate) relay: Option<(SocketAddr, SocketAddr)>,
    /// `o=` state of what we send to leg A and leg B.
    pub(crate) origins: [LocalOrigin; 2],
    pub(crate) relays: Vec<Relay>,
    pub(crate) session: Option<SessionTimer>,
    pub(crate) deadlines: [Option<Instant>; CallTimer::COUNT],
    /// Transactions and dialogs indexed for this call (removed when forgotten).
    pub(crate) client_txs: Vec<TxHandle>,
    pub(crate) server_txs: Vec<TxHandle>,
    pub(crate) dialog_keys: Vec<DialogKey>,
    pub(crate) cdr_written: bool,
    /// The caller is outside (a trunk): not counted as a busy extension.
    pub(crate) caller_external: bool,
    /// What routing decided, for the CDR (the trunk is updated per attempt).
    pub(crate) route: super::RouteInfo,
    /// The PIN keyed, for the CDR.
    pub(crate) pin: Option<String>,
    /// Where the call goes, until the media is ready and it is dialled.
    pub(crate) pending: Option<super::Target>,
    /// How the callee side is being dialled.
    pub(crate) dial: super::dial::Dial,
    /// Forks before this index belong to earlier dial rounds.
    pub(crate) round_start: usize,
    /// The application pbxd runs while it answers the caller itself.
    pub(crate) app: Option<super::app::App>,
    /// The trunk this call holds a slot of (max concurrent calls).
    pub(crate) trunk_slot: Option<String>,
    /// The trunk an inbound call came in on, whose slot it holds until it ends.
    pub(crate) inbound_slot: Option<String>,
    /// End the answered call after this long.
    pub(crate) time_limit: Option<Duration>,
}

impl Call {
    /// How DTMF travels on `side`, once the media is settled.
    pub(crate) fn dtmf_of(&self, side: Side) -> Option<super::types::DtmfTransport> {
        let plan = self.plan?;
        let leg = match side {
            Side::A => plan.a,
            Side::B => plan.b,
        };
        leg.map(|l| l.dtmf)
    }

    /// A leg's state (B only once answered).
    pub(crate) fn leg(&self, side: Side) -> Option<&LegState> {
        match side {
            Side::A => Some(&self.a),
            Side::B => self.b.as_ref(),
        }
    }

    /// A leg's state, mutable.
    pub(crate) fn leg_mut(&mut self, side: Side) -> Option<&mut LegState> {
        match side {
            Side::A => Some(&mut self.a),
            Side::B => self.b.as_mut(),
        }
    }

    /// pbxd's relay address facing `side`.
    pub(crate) fn relay_addr(&self, side: Side) -> Option<SocketAddr> {
        self.relay.map(|(a, b)| if side == Side::A { a } else { b })
    }

    /// The `o=` state for SDP sent to `side`.
    pub(crate) fn origin_mut(&mut self, side: Side) -> &mut LocalOrigin {
        &mut self.origins[if side == Side::A { 0 } else { 1 }]
    }

    pub(crate) fn deadline(&self, t: CallTimer) -> Option<Instant> {
        self.deadlines[t.index()]
    }

    /// Arm (or move) one of this call's timers.
    pub(crate) fn set_deadline(&mut self, sh: &mut Shared, t: CallTimer, at: Instant) {
        if let Some(old) = self.deadlines[t.index()].replace(at) {
            sh.timers.remove(&(old, self.key, t));
        }
        sh.timers.insert((at, self.key, t));
    }

    /// Disarm one of this call's timers.
    pub(crate) fn cancel_deadline(&mut self, sh: &mut Shared, t: CallTimer) {
        if let Some(old) = self.deadlines[t.index()].take() {
            sh.timers.remove(&(old, self.key, t));
        }
    }

    /// Forget a deadline that has just fired (already out of the queue).
    pub(crate) fn clear_deadline(&mut self, t: CallTimer) {
        self.deadlines[t.index()] = None;
    }

    /// Remember a client transaction of this call.
    pub(crate) fn track_client(&mut self, sh: &mut Shared, tx: TxHandle, role: ClientRole) {
        sh.client_txs.insert(tx, (self.key, role));
        self.client_txs.push(tx);
    }

    /// Remember a server transaction (INVITE) of this call, for CANCEL.
    pub(crate) fn track_server(&mut self, sh: &mut Shared, tx: TxHandle) {
        sh.server_txs.insert(tx, self.key);
        self.server_txs.push(tx);
    }

    /// Index a dialog of this call.
    pub(crate) fn track_dialog(
        &mut self,
        sh: &mut Shared,
        call_id: &str,
        local_tag: &str,
        r: DialogRef,
    ) {
        let k = DialogKey::new(call_id, local_tag);
        sh.dialogs.insert(k.clone(), (self.key, r));
        self.dialog_keys.push(k);
    }

    /// Queue a call event.
    pub(crate) fn event(&self, sh: &mut Shared, kind: CallEventKind) {
        sh.actions.push_back(CallAction::Event(CallEvent {
            call: self.key,
            caller: self.caller.clone(),
            callee: self.callee.clone(),
            kind,
        }));
    }

    /// End the attempt (idempotent): free media, report the hang-up, write the
    /// one CDR, stop the call's timers and keep it a while for stragglers.
    pub(crate) fn finish(&mut self, cx: &mut Cx<'_>, cause: Cause, sip_status: u16) {
        if self.cdr_written {
            return;
        }
        self.cdr_written = true;
        self.phase = Phase::Ended;
        for t in CallTimer::ALL {
            if t != CallTimer::Linger {
                self.cancel_deadline(cx.sh, t);
            }
        }
        self.app = None;
        super::dial::release_trunk(cx.sh, self);
        super::dial::release_slot(cx.sh, &mut self.inbound_slot);
        if self.relay.is_some() {
            cx.sh
                .actions
                .push_back(CallAction::ReleaseMedia { call: self.key });
        }
        self.event(cx.sh, CallEventKind::HungUp { cause });
        let b_call_id = self
            .winner
            .and_then(|i| self.forks.get(i))
            .map(|f| f.dialog.call_id.clone());
        let record = CdrRecord::build(
            self.key,
            (self.start, self.start_wall_ms),
            self.answered_at,
            cx.now,
            (self.caller.clone(), self.callee.clone()),
            cause,
            sip_status,
            (self.a.dialog.call_id.clone(), b_call_id),
        )
        .with_recording(self.recordings.first().cloned())
        .with_route(&self.route, self.pin.clone());
        cx.sh.actions.push_back(CallAction::Cdr(Box::new(record)));
        cx.sh.active = cx.sh.active.saturating_sub(1);
        let skip = usize::from(self.caller_external);
        for number in [&self.caller, &self.callee].into_iter().skip(skip) {
            if let Some(n) = cx.sh.busy.get_mut(number.as_str()) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    cx.sh.busy.remove(number.as_str());
                }
            }
        }
        // Keep the call long enough to ACK/BYE late 2xx and absorb retransmissions.
        let cfg = *cx.txl.config();
        let linger = cfg.timeout().max(cfg.timer_d) + cfg.t4;
        self.set_deadline(cx.sh, CallTimer::Linger, cx.now + linger);
    }

    /// Drop every index entry of a forgotten call.
    pub(crate) fn forget(self, sh: &mut Shared) {
        for tx in &self.client_txs {
            sh.client_txs.remove(tx);
        }
        for tx in &self.server_txs {
            sh.server_txs.remove(tx);
        }
        for k in &self.dialog_keys {
            sh.dialogs.remove(k);
        }
        for (i, at) in self.deadlines.iter().enumerate() {
            if let Some(at) = at {
                sh.timers.remove(&(*at, self.key, CallTimer::ALL[i]));
            }
        }
    }
}
