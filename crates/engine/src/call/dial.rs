//! How the callee side of a call is dialled (issue 6 §2, §3, §5): every contact of an
//! extension at once, a department's members as a ring group, or trunks one after the
//! other with failover (5xx, 408, no response) and digest authentication toward the
//! provider (401/407), each trunk at most its concurrent-call limit.
//!
//! A call is dialled in rounds: [`start`] begins one for a [`Target`], the forks of the
//! round ring, and when they have all failed [`continue_after_failure`] decides whether
//! the strategy goes on (next trunk, next member) or the caller gets the best failure.

use std::time::Duration;

use rand::RngCore;
use rotary_config::routing::Destination;
use rotary_config::{Codec, DtmfMode};
use rotary_dialplan::{RingGroup, RingGroupAction, RingGroupEvent};
use rotary_sip::auth::DigestClient;
use rotary_sip::transaction::new_branch;
use rotary_sip::{Method, Response};

use super::cdr::Cause;
use super::invite::{cancel_fork, contact_value, local_addr};
use super::leg::{with_tag, Dialog};
use super::state::{Call, CallTimer, ClientRole, DialogRef, Fork, ForkOwner, Phase};
use super::types::{CalleeInfo, ContactTarget, TrunkLeg, TrunkPlan};
use super::{app, media, msg, CallAction, CallType, Cx, Shared, Target, CALL_ALLOW};
use crate::trunks::TrunkAttemptOutcome;

/// How long a trunk has to answer an INVITE at all (any response, even 100) before the
/// next trunk is tried.
pub(crate) const TRUNK_RESPONSE_TIMEOUT: Duration = Duration::from_secs(4);
/// How long an outbound call may ring at the far end.
const TRUNK_RING_LIMIT: Duration = Duration::from_secs(180);
/// Safety cap on a ring group's whole ringing phase (its own timers come first).
const GROUP_RING_LIMIT: Duration = Duration::from_secs(600);
/// Digest challenges answered per fork before its 401/407 counts as a failure.
const MAX_AUTH_TRIES: u8 = 2;

/// The dialling strategy of a call's current round.
#[derive(Debug, Default)]
pub(crate) enum Dial {
    /// Nothing being dialled.
    #[default]
    Idle,
    /// Every contact of one extension at once.
    Parallel,
    /// Trunk attempts, one after the other.
    Trunks {
        /// The dial rule's attempts.
        plan: TrunkPlan,
        /// The next attempt to try.
        next: usize,
    },
    /// A department's ring group.
    Group {
        /// The state machine.
        group: Box<RingGroup>,
        /// The members and their contacts.
        members: Vec<CalleeInfo>,
    },
    /// Waiting for the engine to resolve a destination (`CallAction::Resolve`).
    Resolving,
}

impl Dial {
    fn is_trunks(&self) -> bool {
        matches!(self, Dial::Trunks { .. })
    }
}

/// What one fork rings and with what.
pub(crate) struct ForkSpec<'a> {
    pub(crate) owner: ForkOwner,
    pub(crate) contact: Option<&'a ContactTarget>,
    pub(crate) trunk: Option<&'a TrunkLeg>,
    pub(crate) codecs: &'a [Codec],
    pub(crate) dtmf: DtmfMode,
}

/// Dial `target` for the call (media is ready). May end the call at once.
pub(crate) fn start(cx: &mut Cx<'_>, call: &mut Call, target: Target) {
    call.dial = Dial::Idle;
    call.round_start = call.forks.len();
    match target {
        Target::Unknown => end(cx, call, 404, Cause::NotFound),
        Target::Refuse(r) => end(cx, call, r.status, Cause::Routing(r.code)),
        Target::Extension(callee) => {
            if callee.contacts.is_empty() {
                return end(cx, call, 480, Cause::Unavailable);
            }
            set_callee(cx.sh, call, &callee.number);
            call.dial = Dial::Parallel;
            for contact in &callee.contacts {
                let spec = ForkSpec {
                    owner: ForkOwner::Contact,
                    contact: Some(contact),
                    trunk: None,
                    codecs: &callee.codecs,
                    dtmf: callee.dtmf_mode,
                };
                send_fork(cx, call, &spec);
            }
            let at = cx.now + call.settings.ring_time;
            call.set_deadline(cx.sh, CallTimer::Ring, at);
            settle(cx, call);
        }
        Target::Trunks(plan) => {
            if plan.pin.is_some() && call.pin.is_none() {
                return app::start_pin(cx, call, plan);
            }
            call.route.kind = CallType::Outbound;
            call.time_limit = plan.time_limit;
            call.dial = Dial::Trunks { plan, next: 0 };
            let at = cx.now + TRUNK_RING_LIMIT;
            call.set_deadline(cx.sh, CallTimer::Ring, at);
            if !next_trunk(cx, call) {
                end(cx, call, 503, Cause::TrunksFailed);
            }
        }
        Target::Group(plan) => {
            set_callee(cx.sh, call, plan.department.number.as_str());
            let group = RingGroup::new(cx.now, &plan.department);
            call.dial = Dial::Group {
                group: Box::new(group),
                members: plan.members,
            };
            let at = cx.now + GROUP_RING_LIMIT;
            call.set_deadline(cx.sh, CallTimer::Ring, at);
            run_group(cx, call, Vec::new());
            settle(cx, call);
        }
        Target::Ivr(plan) => {
            set_callee(cx.sh, call, plan.ivr.number.as_str());
            app::start_ivr(cx, call, plan);
        }
    }
}

/// End the call for a dialling failure: a status to an unanswered caller, BYE to one
/// pbxd answered itself.
pub(crate) fn end(cx: &mut Cx<'_>, call: &mut Call, status: u16, cause: Cause) {
    match call.phase {
        Phase::Local | Phase::Answered => super::indialog::hangup_both(cx, call, cause),
        Phase::Allocating | Phase::Ringing => super::invite::fail(cx, call, status, cause),
        Phase::Ended => {}
    }
}

/// Once the current round's forks are all over, go on or give the caller the best failure.
pub(crate) fn settle(cx: &mut Cx<'_>, call: &mut Call) {
    if !matches!(call.phase, Phase::Ringing | Phase::Local) {
        return;
    }
    if call.app.is_some() || matches!(call.dial, Dial::Resolving | Dial::Idle) {
        return;
    }
    let round = &call.forks[call.round_start.min(call.forks.len())..];
    if round.iter().any(Fork::is_pending) {
        return;
    }
    if continue_after_failure(cx, call) {
        return;
    }
    let statuses: Vec<u16> = call.forks[call.round_start.min(call.forks.len())..]
        .iter()
        .filter_map(|f| f.final_status)
        .collect();
    let (status, cause) = if call.dial.is_trunks() {
        trunk_failure(&statuses)
    } else {
        super::invite::best_failure(statuses.into_iter())
    };
    call.dial = Dial::Idle;
    end(cx, call, status, cause);
}

/// Whether the strategy goes on after every fork of the round failed.
fn continue_after_failure(cx: &mut Cx<'_>, call: &mut Call) -> bool {
    match &call.dial {
        Dial::Trunks { .. } => {
            let last = call.forks.last().and_then(|f| f.final_status);
            if last.is_some_and(fails_over) {
                next_trunk(cx, call)
            } else {
                false
            }
        }
        Dial::Group { group, .. } => !group.is_finished(),
        Dial::Resolving => true,
        Dial::Parallel | Dial::Idle => false,
    }
}

/// Statuses after which the next trunk is tried: server failures and timeouts.
fn fails_over(status: u16) -> bool {
    (500..600).contains(&status) || status == 408
}

/// The caller's answer when the trunks are exhausted: the provider's own refusal if it
/// gave one (busy, not found, ...), else 503.
fn trunk_failure(statuses: &[u16]) -> (u16, Cause) {
    match statuses.last() {
        Some(&s) if !fails_over(s) && s >= 300 => super::invite::best_failure([s].into_iter()),
        _ => (503, Cause::TrunksFailed),
    }
}

/// Start the next usable trunk attempt; `false` when none is left.
fn next_trunk(cx: &mut Cx<'_>, call: &mut Call) -> bool {
    release_trunk(cx.sh, call);
    loop {
        let Dial::Trunks { plan, next } = &mut call.dial else {
            return false;
        };
        let i = *next;
        let Some(leg) = plan.attempts.get(i).cloned() else {
            return false;
        };
        *next += 1;
        let used = cx.sh.trunk_calls.get(&leg.trunk).copied().unwrap_or(0);
        if leg.max_calls.is_some_and(|max| used >= max as usize) {
            tracing::info!(call = %call.key, trunk = %leg.trunk, used, "trunk full: trying the next");
            continue;
        }
        *cx.sh.trunk_calls.entry(leg.trunk.clone()).or_insert(0) += 1;
        call.trunk_slot = Some(leg.trunk.clone());
        call.route.trunk = Some(leg.trunk.clone());
        call.round_start = call.forks.len();
        let spec = ForkSpec {
            owner: ForkOwner::Trunk(i),
            contact: None,
            trunk: Some(&leg),
            codecs: &leg.codecs,
            dtmf: leg.dtmf_mode,
        };
        if !send_fork(cx, call, &spec) {
            release_trunk(cx.sh, call);
            let outcome = TrunkAttemptOutcome::Failed {
                code: None,
                reason: "transport_error",
            };
            report_attempt(cx.sh, call, leg.trunk.clone(), outcome);
            continue;
        }
        tracing::debug!(call = %call.key, trunk = %leg.trunk, uri = %leg.uri, "trying trunk");
        let at = cx.now + TRUNK_RESPONSE_TIMEOUT;
        call.set_deadline(cx.sh, CallTimer::Dial, at);
        return true;
    }
}

/// Give back the trunk call slot the call holds, if any.
pub(crate) fn release_trunk(sh: &mut Shared, call: &mut Call) {
    release_slot(sh, &mut call.trunk_slot);
}

/// Give back the trunk call slot in `slot`, if any.
pub(crate) fn release_slot(sh: &mut Shared, slot: &mut Option<String>) {
    if let Some(trunk) = slot.take() {
        if let Some(n) = sh.trunk_calls.get_mut(&trunk) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                sh.trunk_calls.remove(&trunk);
            }
        }
    }
}

/// The dial timer fired: a trunk that never responded, or a ring group step.
pub(crate) fn on_timer(cx: &mut Cx<'_>, call: &mut Call) {
    if !matches!(call.phase, Phase::Ringing | Phase::Local) {
        return;
    }
    match &mut call.dial {
        Dial::Trunks { .. } => {
            let Some(i) = call.forks.len().checked_sub(1) else {
                return;
            };
            let trunk = call.route.trunk.clone().unwrap_or_default();
            tracing::info!(call = %call.key, %trunk, "trunk did not respond: trying the next");
            if let Some(trunk) = trunk_of(call, i) {
                let outcome = TrunkAttemptOutcome::Failed {
                    code: None,
                    reason: "no_response",
                };
                report_attempt(cx.sh, call, trunk, outcome);
            }
            cancel_fork(cx, call, i, None);
            if let Some(f) = call.forks.get_mut(i) {
                if f.final_status.is_none() {
                    f.final_status = Some(408);
                }
            }
            settle(cx, call);
        }
        Dial::Group { group, .. } => {
            group.handle_timeout(cx.now);
            run_group(cx, call, Vec::new());
            settle(cx, call);
        }
        _ => {}
    }
}

/// A provisional or final response (`status`) arrived on fork `i`.
pub(crate) fn on_response(cx: &mut Cx<'_>, call: &mut Call, i: usize, status: u16) {
    if call.dial.is_trunks() && i + 1 == call.forks.len() {
        // The provider answers: from now on it rings (bounded by the ring limit).
        call.cancel_deadline(cx.sh, CallTimer::Dial);
        let pending = call.forks.get(i).is_some_and(|f| f.final_status.is_none());
        if (101..300).contains(&status) && pending {
            if let Some(trunk) = trunk_of(call, i) {
                report_attempt(cx.sh, call, trunk, TrunkAttemptOutcome::Reached);
            }
        }
    }
}

/// The trunk fork `i` dials, if it is a trunk attempt of the current plan.
fn trunk_of(call: &Call, i: usize) -> Option<String> {
    let ForkOwner::Trunk(a) = call.forks.get(i)?.owner else {
        return None;
    };
    match &call.dial {
        Dial::Trunks { plan, .. } => plan.attempts.get(a).map(|l| l.trunk.clone()),
        _ => call.route.trunk.clone(),
    }
}

/// Tell the engine how an attempt through `trunk` went (the trunk's status shows it).
fn report_attempt(sh: &mut Shared, call: &Call, trunk: String, outcome: TrunkAttemptOutcome) {
    sh.actions.push_back(CallAction::TrunkAttempt {
        call: call.key,
        trunk,
        outcome,
    });
}

/// Fork `i` failed with `status`: release its trunk, tell the ring group.
pub(crate) fn fork_done(cx: &mut Cx<'_>, call: &mut Call, i: usize) {
    let Some(fork) = call.forks.get(i) else {
        return;
    };
    match fork.owner.clone() {
        ForkOwner::Trunk(_) => {
            if let Some(status) = fork.final_status {
                tracing::info!(
                    call = %call.key,
                    trunk = call.route.trunk.as_deref().unwrap_or(""),
                    status,
                    "trunk attempt failed"
                );
                if let (true, Some(trunk)) = (fails_over(status), trunk_of(call, i)) {
                    let reason = if status == 408 {
                        "timeout"
                    } else {
                        "server_error"
                    };
                    let outcome = TrunkAttemptOutcome::Failed {
                        code: Some(status),
                        reason,
                    };
                    report_attempt(cx.sh, call, trunk, outcome);
                }
            }
            if i + 1 == call.forks.len() {
                call.cancel_deadline(cx.sh, CallTimer::Dial);
            }
        }
        ForkOwner::Member(m) => {
            let open = call
                .forks
                .iter()
                .any(|f| f.owner == ForkOwner::Member(m.clone()) && f.is_pending());
            if !open {
                run_group(cx, call, vec![m]);
            }
        }
        ForkOwner::Contact => {}
    }
}

/// Fork `i` answered: the strategy is over.
pub(crate) fn answered(cx: &mut Cx<'_>, call: &mut Call, i: usize) {
    call.cancel_deadline(cx.sh, CallTimer::Dial);
    if let Some(ForkOwner::Member(m)) = call.forks.get(i).map(|f| f.owner.clone()) {
        set_callee(cx.sh, call, &m);
    }
    call.dial = Dial::Idle;
}

/// Feed the ring group the members that failed, carry out its actions, keep its timer.
fn run_group(cx: &mut Cx<'_>, call: &mut Call, mut failed: Vec<String>) {
    let Dial::Group { group, members } = std::mem::take(&mut call.dial) else {
        return;
    };
    let mut group = group;
    let mut resolving = None;
    loop {
        for m in failed.drain(..) {
            if let Ok(n) = m.parse() {
                group.handle_event(cx.now, RingGroupEvent::Failed(n));
            }
        }
        let Some(action) = group.poll_action() else {
            break;
        };
        match action {
            RingGroupAction::Ring(m) => {
                let member = members.iter().find(|c| c.number == m.as_str());
                let contacts = member.map(|c| c.contacts.as_slice()).unwrap_or(&[]);
                if contacts.is_empty() {
                    failed.push(m.to_string());
                    continue;
                }
                let (codecs, dtmf) = member.map_or((Vec::new(), DtmfMode::Auto), |c| {
                    (c.codecs.clone(), c.dtmf_mode)
                });
                let mut sent = false;
                for contact in contacts {
                    let spec = ForkSpec {
                        owner: ForkOwner::Member(m.to_string()),
                        contact: Some(contact),
                        trunk: None,
                        codecs: &codecs,
                        dtmf,
                    };
                    sent |= send_fork(cx, call, &spec);
                }
                if !sent {
                    failed.push(m.to_string());
                }
            }
            RingGroupAction::Cancel(m) => {
                for i in 0..call.forks.len() {
                    if call.forks[i].owner == ForkOwner::Member(m.to_string()) {
                        cancel_fork(cx, call, i, None);
                    }
                }
            }
            RingGroupAction::Connect(_) => {}
            RingGroupAction::NoAnswer(dest) => resolving = Some(dest),
        }
    }
    match resolving {
        Some(dest) => {
            call.cancel_deadline(cx.sh, CallTimer::Dial);
            resolve(cx, call, dest, None);
        }
        None => {
            match group.poll_timeout() {
                Some(at) => call.set_deadline(cx.sh, CallTimer::Dial, at),
                None => call.cancel_deadline(cx.sh, CallTimer::Dial),
            }
            call.dial = Dial::Group { group, members };
        }
    }
}

/// Ask the engine where `dest` leads; it answers with `Calls::handle_target`.
pub(crate) fn resolve(
    cx: &mut Cx<'_>,
    call: &mut Call,
    dest: Destination,
    from_ivr: Option<rotary_config::ExtensionNumber>,
) {
    call.dial = Dial::Resolving;
    tracing::debug!(call = %call.key, destination = %dest, "resolving");
    cx.sh.actions.push_back(CallAction::Resolve {
        call: call.key,
        destination: dest,
        caller: call.caller_external.then(|| call.caller.clone()),
        from_ivr,
    });
}

/// The callee number changes (a ring-group member answered, the IVR transferred): move
/// the busy count along.
fn set_callee(sh: &mut Shared, call: &mut Call, number: &str) {
    if call.callee == number {
        return;
    }
    if let Some(n) = sh.busy.get_mut(call.callee.as_str()) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            sh.busy.remove(call.callee.as_str());
        }
    }
    call.callee = number.to_string();
    *sh.busy.entry(call.callee.clone()).or_insert(0) += 1;
}

/// Send one B-leg INVITE; `false` when it could not be sent (it is recorded as a 503).
pub(crate) fn send_fork(cx: &mut Cx<'_>, call: &mut Call, spec: &ForkSpec<'_>) -> bool {
    let Some(relay_b) = call.relay_addr(super::Side::B) else {
        return false;
    };
    let (flow, uri) = match (spec.contact, spec.trunk) {
        (Some(c), _) => (c.flow, c.uri.clone()),
        (None, Some(t)) => (t.flow, t.uri.clone()),
        (None, None) => return false,
    };
    let offer =
        offer_for(call, spec.codecs).map(|o| media::anchored(&o, relay_b, &mut call.origins[1]));
    let max_forwards = call
        .a_invite
        .max_forwards()
        .map_or(70, |m| m.saturating_sub(1).min(70));
    let sent_by = local_addr(cx.sh, flow).to_string();
    let tag = msg::random_hex(&mut cx.sh.rng, 16);
    let call_id = msg::random_hex(&mut cx.sh.rng, 16);
    let (local, remote, contact_user, route_set) = match spec.trunk {
        Some(t) => (
            t.from.clone(),
            t.to.clone(),
            t.contact_user.clone(),
            t.route.iter().cloned().collect(),
        ),
        None => (
            format!(
                "{} <sip:{}@{}>",
                msg::quoted(&call.caller_name),
                call.caller,
                sent_by
            ),
            format!("<sip:{}@{}>", call.callee, sent_by),
            call.caller.clone(),
            Vec::new(),
        ),
    };
    let mut dialog = Dialog {
        call_id: call_id.clone(),
        local_tag: tag.clone(),
        remote_tag: None,
        local: with_tag(&local, &tag),
        remote,
        local_seq: 0,
        remote_seq: None,
        remote_target: uri,
        route_set,
        flow,
        contact: contact_value(&contact_user, &sent_by, flow.transport),
        sent_by,
    };
    let mut invite = dialog.request(Method::Invite, &mut cx.sh.rng, &cx.sh.config.user_agent);
    invite.headers.set("Max-Forwards", max_forwards.to_string());
    invite.headers.push("Allow", CALL_ALLOW);
    if let Some((name, value)) = spec.trunk.and_then(|t| t.identity.clone()) {
        invite.headers.push(name, value);
    }
    let diversion = spec.trunk.is_none_or(|t| t.diversion);
    if diversion {
        for d in call.a_invite.headers.get_all("Diversion") {
            invite.headers.push("Diversion", d.to_string());
        }
    }
    if let Some(offer) = &offer {
        invite.body = msg::set_sdp(&mut invite.headers, offer);
    }
    let tx = cx.txl.send_request(cx.now, flow, invite.clone()).ok();
    let i = call.forks.len();
    if let Some(tx) = tx {
        call.track_client(cx.sh, tx, ClientRole::Fork(i));
    }
    call.track_dialog(cx.sh, &call_id, &tag, DialogRef::Fork(i));
    call.forks.push(Fork {
        dialog,
        invite,
        provisional: false,
        final_status: tx.is_none().then_some(503),
        cancel_wanted: false,
        cancel_sent: false,
        owner: spec.owner.clone(),
        dtmf: spec.dtmf,
        codecs: spec.codecs.to_vec(),
        auth_tries: 0,
    });
    tx.is_some()
}

/// The offer for a callee that may use `codecs`: the caller's offer (or, once pbxd
/// answered the caller itself, that answer) trimmed and extended with transcodable codecs.
fn offer_for(call: &Call, codecs: &[Codec]) -> Option<rotary_sdp::SessionDescription> {
    let base = if call.phase == Phase::Local {
        call.a.sdp_sent.as_deref().and_then(media::parse)
    } else {
        call.a_offer.clone()
    }?;
    media::callee_offer(&base, codecs).ok()
}

/// A 401/407 on fork `i`: answer the challenge with the trunk's credentials on a new
/// INVITE in the same dialog. Returns whether it was sent (else the status is a failure).
pub(crate) fn authenticate(cx: &mut Cx<'_>, call: &mut Call, i: usize, resp: &Response) -> bool {
    let Some(fork) = call.forks.get(i) else {
        return false;
    };
    let ForkOwner::Trunk(a) = fork.owner else {
        return false;
    };
    let creds = match &call.dial {
        Dial::Trunks { plan, .. } => plan.attempts.get(a).and_then(|l| l.credentials.clone()),
        _ => None,
    };
    let Some((user, password)) = creds else {
        return false;
    };
    if fork.auth_tries >= MAX_AUTH_TRIES || fork.cancel_wanted {
        return false;
    }
    let (challenge_header, answer_header) = if resp.status == 407 {
        ("Proxy-Authenticate", "Proxy-Authorization")
    } else {
        ("WWW-Authenticate", "Authorization")
    };
    let mut client = DigestClient::new(user, password);
    if !client.handle_challenge(resp.headers.get_all(challenge_header)) {
        return false;
    }
    let uri = fork.invite.uri.to_string();
    let mut cnonce = [0u8; 8];
    cx.sh.rng.fill_bytes(&mut cnonce);
    let cnonce: String = cnonce.iter().map(|b| format!("{b:02x}")).collect();
    let Some(value) = client.authorization("INVITE", &uri, &cnonce) else {
        return false;
    };
    let branch = new_branch(&mut cx.sh.rng);
    let Some(fork) = call.forks.get_mut(i) else {
        return false;
    };
    fork.auth_tries += 1;
    fork.dialog.local_seq = fork.dialog.local_seq.wrapping_add(1).max(1);
    let mut invite = fork.invite.clone();
    invite.headers.set(
        "Via",
        format!(
            "SIP/2.0/{} {};branch={branch};rport",
            fork.dialog.flow.transport.via_token(),
            fork.dialog.sent_by
        ),
    );
    invite
        .headers
        .set("CSeq", format!("{} INVITE", fork.dialog.local_seq));
    invite.headers.set(answer_header, value);
    let flow = fork.dialog.flow;
    match cx.txl.send_request(cx.now, flow, invite.clone()) {
        Ok(tx) => {
            fork.invite = invite;
            call.track_client(cx.sh, tx, ClientRole::Fork(i));
            true
        }
        Err(_) => false,
    }
}
