//! Admission of a new INVITE: the checks that turn a call away before
//! anything rings (420, 422, 404, 503, 480, 486, 488), each rejected attempt
//! with its CDR, and building the call with leg A's dialog.

use rotary_sip::transaction::TxHandle;
use rotary_sip::{Flow, Request};

use super::cdr::{Cause, CdrRecord};
use super::invite::{contact_value, local_addr, record_routes};
use super::leg::{with_tag, Dialog};
use super::media;
use super::msg::{self, Refresher};
use super::state::{Call, CallTimer, DialogRef, LegState, Phase, SessionTimer};
use super::{
    CallAction, CallEvent, CallEventKind, CallKey, CallSettings, Cx, InviteContext, Target,
};

/// Check a new INVITE and either answer it or create the call (waiting for media).
pub(crate) fn start(
    cx: &mut Cx<'_>,
    tx: TxHandle,
    flow: Flow,
    req: Request,
    ctx: InviteContext,
) -> Option<Call> {
    let to_tag = msg::random_hex(&mut cx.sh.rng, 16);
    let dialled = req.uri.user.clone().unwrap_or_default();
    let mut attempt = Attempt {
        cx: &mut *cx,
        tx,
        req: &req,
        to_tag: &to_tag,
        caller: &ctx.caller.extension,
        callee: &dialled,
        wall: ctx.wall_unix_ms,
        route: &ctx.route,
    };

    // RFC 3261 §8.2.2.3: option tags we do not know.
    let unsupported = msg::unsupported_requires(&req.headers);
    if !unsupported.is_empty() {
        attempt.reply(420, &[("Unsupported", unsupported.join(", "))]);
        return None;
    }
    // RFC 4028 §8: a session interval below our minimum gets 422.
    let min_se = attempt.cx.sh.config.min_session_expires.max(90);
    let session = match msg::session_expires(&req.headers) {
        Some((secs, _)) if secs < min_se => {
            attempt.reply(422, &[("Min-SE", min_se.to_string())]);
            return None;
        }
        Some((secs, refresher)) => {
            let supports = msg::has_option(&req.headers, "Supported", "timer");
            let refresher = if supports {
                refresher.unwrap_or(Refresher::Uac)
            } else {
                Refresher::Uas
            };
            Some(SessionTimer {
                interval: secs,
                refresher,
                caller_supports: supports,
            })
        }
        None => None,
    };
    let remote_target = msg::first_contact_uri(&req.headers);
    let (Some(remote_target), Some(call_id)) =
        (remote_target, req.headers.call_id().map(str::to_string))
    else {
        attempt.reply(400, &[]);
        return None;
    };
    let settings: CallSettings = ctx.settings;
    // Refusals first: routing decided before any capacity is used.
    match &ctx.target {
        Target::Unknown => {
            attempt.reject(404, Cause::NotFound);
            return None;
        }
        Target::Refuse(r) => {
            attempt.reject(r.status, Cause::Routing(r.code));
            return None;
        }
        _ => {}
    }
    if attempt.cx.sh.active >= settings.max_concurrent_calls as usize {
        attempt.reject(503, Cause::Congestion);
        return None;
    }
    // No SDP is a delayed offer: the callee's 2xx will carry the offer.
    let caller_allowed: Vec<&'static str> = ctx.caller.codecs.iter().map(|c| c.name()).collect();
    let offer = match msg::sdp_body(&req.headers, &req.body) {
        None if req.body.iter().all(u8::is_ascii_whitespace) => None,
        None => {
            attempt.reject(488, Cause::InvalidSdp);
            return None;
        }
        Some(body) => match media::filter(body, &caller_allowed) {
            Ok(o) => Some(o),
            Err(cause) => {
                attempt.reject(488, cause);
                return None;
            }
        },
    };
    let (callee_number, allowed, callee_dtmf, record_callee) = match &ctx.target {
        Target::Extension(callee) => {
            if callee.contacts.is_empty() {
                attempt.reject(480, Cause::Unavailable);
                return None;
            }
            let busy = attempt
                .cx
                .sh
                .busy
                .get(&callee.number)
                .is_some_and(|n| *n > 0);
            if busy && !settings.call_waiting {
                attempt.reject(486, Cause::Busy);
                return None;
            }
            // What the callee's phones are offered: pass-through codecs, then transcoded ones.
            if let Some(Err(cause)) = offer
                .as_ref()
                .map(|o| media::callee_offer(o, &callee.codecs))
            {
                attempt.reject(488, cause);
                return None;
            }
            let allowed: Vec<&'static str> = ctx
                .caller
                .codecs
                .iter()
                .filter(|c| callee.codecs.contains(c))
                .map(|c| c.name())
                .collect();
            (
                callee.number.clone(),
                allowed,
                callee.dtmf_mode,
                callee.record_calls,
            )
        }
        Target::Trunks(plan) => {
            if plan.attempts.is_empty() {
                attempt.reject(503, Cause::TrunksFailed);
                return None;
            }
            let dtmf = plan.attempts[0].dtmf_mode;
            (dialled.clone(), caller_allowed.clone(), dtmf, false)
        }
        Target::Group(plan) => (
            plan.department.number.to_string(),
            caller_allowed.clone(),
            rotary_config::DtmfMode::Auto,
            false,
        ),
        Target::Ivr(plan) => {
            if offer.is_none() {
                attempt.reject(488, Cause::InvalidSdp);
                return None;
            }
            (
                plan.ivr.number.to_string(),
                caller_allowed.clone(),
                rotary_config::DtmfMode::Auto,
                false,
            )
        }
        Target::Unknown | Target::Refuse(_) => return None,
    };
    let sent_by = local_addr(cx.sh, flow).to_string();
    let a_dialog = Dialog {
        call_id: call_id.clone(),
        local_tag: to_tag.clone(),
        remote_tag: msg::from_tag(&req.headers),
        local: with_tag(req.headers.get("To").unwrap_or(""), &to_tag),
        remote: req.headers.get("From").unwrap_or("").to_string(),
        local_seq: 0,
        remote_seq: Some(msg::cseq_num(&req.headers)),
        remote_target,
        // RFC 3261 §12.1.1: the UAS route set is the Record-Route list in order.
        route_set: record_routes(&req.headers),
        flow,
        contact: contact_value(&callee_number, &sent_by, flow.transport),
        sent_by,
    };
    cx.sh.next_key += 1;
    let key = CallKey(cx.sh.next_key);
    let session_id_a = rand::Rng::gen::<u32>(&mut cx.sh.rng);
    let session_id_b = rand::Rng::gen::<u32>(&mut cx.sh.rng);
    let a_media = offer.as_ref().map(media::peer_media);
    let mut a = LegState::new(a_dialog);
    a.remote_media = a_media.and_then(|m| m.remote);
    a.held = a_media.is_some_and(|m| m.held);
    let mut call = Call {
        key,
        phase: Phase::Allocating,
        caller: ctx.caller.extension.clone(),
        caller_name: ctx.caller.name.clone(),
        callee: callee_number,
        settings,
        allowed,
        start: cx.now,
        start_wall_ms: ctx.wall_unix_ms,
        answered_at: None,
        a,
        a_invite: req,
        a_invite_tx: tx,
        a_offer: offer,
        caller_codecs: ctx.caller.codecs.clone(),
        dtmf_modes: [ctx.caller.dtmf_mode, callee_dtmf],
        record_always: ctx.caller.record_calls || record_callee,
        recording: None,
        recordings: Vec::new(),
        keys: Default::default(),
        plan: None,
        b: None,
        forks: Vec::new(),
        winner: None,
        early_fork: None,
        last_provisional: None,
        relay: None,
        origins: [
            rotary_sdp::LocalOrigin::new(u64::from(session_id_a), 1),
            rotary_sdp::LocalOrigin::new(u64::from(session_id_b), 1),
        ],
        relays: Vec::new(),
        session,
        deadlines: Default::default(),
        client_txs: Vec::new(),
        server_txs: Vec::new(),
        dialog_keys: Vec::new(),
        cdr_written: false,
        caller_external: ctx.caller.external,
        route: ctx.route,
        pin: None,
        pending: Some(ctx.target),
        dial: Default::default(),
        round_start: 0,
        app: None,
        trunk_slot: None,
        inbound_slot: None,
        time_limit: None,
    };
    call.track_server(cx.sh, tx);
    let local_tag = call.a.dialog.local_tag.clone();
    call.track_dialog(cx.sh, &call_id, &local_tag, DialogRef::A);
    cx.sh.active += 1;
    if call.caller_external {
        // An inbound trunk call holds one of the trunk's `max_calls` slots until it ends.
        if let Some(trunk) = call.route.trunk.clone() {
            *cx.sh.trunk_calls.entry(trunk.clone()).or_insert(0) += 1;
            call.inbound_slot = Some(trunk);
        }
    }
    let skip = usize::from(call.caller_external);
    for number in [&call.caller, &call.callee].into_iter().skip(skip) {
        *cx.sh.busy.entry(number.clone()).or_insert(0) += 1;
    }
    // Also bounds the wait for media ports, should the shell never answer.
    let ring_end = cx.now + call.settings.ring_time;
    call.set_deadline(cx.sh, CallTimer::Ring, ring_end);
    cx.sh
        .actions
        .push_back(CallAction::AllocateMedia { call: key });
    Some(call)
}

/// A new INVITE being turned away before a call exists.
struct Attempt<'a, 'b> {
    cx: &'a mut Cx<'b>,
    tx: TxHandle,
    req: &'a Request,
    to_tag: &'a str,
    caller: &'a str,
    callee: &'a str,
    wall: i64,
    route: &'a super::RouteInfo,
}

impl Attempt<'_, '_> {
    /// Answer without a CDR (protocol negotiation the phone retries: 420, 422, 400).
    fn reply(&mut self, status: u16, headers: &[(&str, String)]) {
        let mut resp = msg::response(self.req, status, self.to_tag, &self.cx.sh.config.user_agent);
        for (n, v) in headers {
            resp.headers.push(*n, v.clone());
        }
        let _ = self.cx.txl.respond(self.cx.now, self.tx, resp);
    }

    /// Turn the call attempt away: response, hang-up event and its CDR.
    fn reject(&mut self, status: u16, cause: Cause) {
        let headers: Vec<(&str, String)> = match status {
            // RFC 3261 §20.43: 305 incompatible media format, 399 miscellaneous.
            488 if cause == Cause::NoCommonCodec => {
                vec![("Warning", "305 rotary \"no common codec\"".to_string())]
            }
            488 => vec![(
                "Warning",
                "399 rotary \"usable SDP offer required\"".to_string(),
            )],
            503 => vec![("Retry-After", "5".to_string())],
            _ => Vec::new(),
        };
        self.reply(status, &headers);
        let sh = &mut *self.cx.sh;
        sh.next_key += 1;
        let key = CallKey(sh.next_key);
        sh.actions.push_back(CallAction::Event(CallEvent {
            call: key,
            caller: self.caller.to_string(),
            callee: self.callee.to_string(),
            kind: CallEventKind::HungUp { cause },
        }));
        let call_id = self.req.headers.call_id().unwrap_or("").to_string();
        sh.actions.push_back(CallAction::Cdr(Box::new(
            CdrRecord::build(
                key,
                (self.cx.now, self.wall),
                None,
                self.cx.now,
                (self.caller.to_string(), self.callee.to_string()),
                cause,
                status,
                (call_id, None),
            )
            .with_route(self.route, None),
        )));
    }
}
