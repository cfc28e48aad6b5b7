//! Call setup (issue 4 §1): checks on a new INVITE, parallel forks to every
//! callee contact with an anchored offer, relaying 180/183 (early media), the
//! first 2xx winning, CANCEL, ring timeout, and picking the caller's answer
//! when every fork fails.

use std::net::SocketAddr;

use rotary_sip::parse::split_header_values;
use rotary_sip::transaction::{make_cancel, TxHandle};
use rotary_sip::{Flow, FlowTransport, Method, Request, Response};

use super::cdr::Cause;
use super::indialog::send_bye;
use super::leg::Dialog;
use super::media;
use super::msg;
use super::state::{Call, CallTimer, ClientRole, DialogRef, LegState, Phase};
use super::timers::{arm_session, await_ack};
use super::types::MediaPlan;
use super::{CallAction, CallEventKind, Cx, Shared, Side, CALL_ALLOW};
use rotary_sdp::SessionDescription;

/// Ports are ready: dial the call's target (anchored offers to the callee's contacts,
/// the trunks, a ring group, or an application that answers the caller itself).
pub(crate) fn media_allocated(cx: &mut Cx<'_>, call: &mut Call, a: SocketAddr, b: SocketAddr) {
    if call.phase != Phase::Allocating {
        return;
    }
    call.relay = Some((a, b));
    call.phase = Phase::Ringing;
    let target = call.pending.take().unwrap_or(super::Target::Unknown);
    super::dial::start(cx, call, target);
}

/// No ports: 503 to the caller.
pub(crate) fn media_failed(cx: &mut Cx<'_>, call: &mut Call) {
    if call.phase == Phase::Allocating {
        fail(cx, call, 503, Cause::MediaUnavailable);
    }
}

/// A response on fork `i`'s INVITE.
pub(crate) fn fork_response(cx: &mut Cx<'_>, call: &mut Call, i: usize, resp: Response) {
    let Some(fork) = call.forks.get_mut(i) else {
        return;
    };
    let status = resp.status;
    let pending = fork.final_status.is_none();
    super::dial::on_response(cx, call, i, status);
    if matches!(status, 401 | 407) && pending && super::dial::authenticate(cx, call, i, &resp) {
        return;
    }
    if status >= 300 {
        fork_failed(cx, call, i, status);
        return;
    }
    let Some(fork) = call.forks.get_mut(i) else {
        return;
    };
    fork.provisional = true;
    if fork.dialog.remote_tag.is_none() {
        if let Some(tag) = msg::to_tag(&resp.headers) {
            fork.dialog.remote_tag = Some(tag);
            fork.dialog.remote = resp.headers.get("To").unwrap_or("").to_string();
        }
    }
    if status >= 200 {
        fork_2xx(cx, call, i, &resp);
        return;
    }
    if fork.cancel_wanted && !fork.cancel_sent {
        send_cancel(cx, call, i, None);
        return;
    }
    if status > 100 && call.phase == Phase::Ringing && !fork.cancel_wanted {
        relay_provisional(cx, call, i, &resp);
    }
}

/// Fork `i` ended without answering (`status` 408 for Timer B or a transport error).
pub(crate) fn fork_failed(cx: &mut Cx<'_>, call: &mut Call, i: usize, status: u16) {
    let Some(fork) = call.forks.get_mut(i) else {
        return;
    };
    if fork.final_status.is_some() {
        return;
    }
    fork.final_status = Some(status);
    super::dial::fork_done(cx, call, i);
    settle_forks(cx, call);
}

/// A CANCEL for the caller's INVITE or for a relayed re-INVITE: 200 to the
/// CANCEL (its INVITE transaction exists), then stop what is still pending.
pub(crate) fn cancel(
    cx: &mut Cx<'_>,
    call: &mut Call,
    cancel_tx: TxHandle,
    invite_tx: TxHandle,
    req: &Request,
) {
    let tag = call.a.dialog.local_tag.clone();
    let ok = msg::response(req, 200, &tag, &cx.sh.config.user_agent);
    let _ = cx.txl.respond(cx.now, cancel_tx, ok);
    if invite_tx == call.a_invite_tx {
        if matches!(call.phase, Phase::Allocating | Phase::Ringing) {
            // RFC 3261 §9.2: 200 to the CANCEL, 487 to the INVITE.
            fail(cx, call, 487, Cause::Cancelled);
        }
        return;
    }
    let Some(relay) = call.relays.iter_mut().find(|r| r.server_tx == invite_tx) else {
        return; // already answered: the CANCEL has no effect
    };
    relay.cancel_wanted = true;
    if !relay.provisional {
        return; // sent when the other leg's provisional arrives (RFC 3261 §9.1)
    }
    let (cancel, to) = (make_cancel(&relay.sent), relay.from.other());
    if let Some(flow) = call.leg(to).map(|l| l.dialog.flow) {
        if let Ok(tx) = cx.txl.send_request(cx.now, flow, cancel) {
            call.track_client(cx.sh, tx, ClientRole::Other);
        }
    }
}

/// Nobody answered within the ring time: CANCEL the forks, 480 to the caller (or BYE
/// to a caller pbxd answered itself).
pub(crate) fn ring_timeout(cx: &mut Cx<'_>, call: &mut Call) {
    match call.phase {
        Phase::Allocating | Phase::Ringing => fail(cx, call, 480, Cause::NoAnswer),
        Phase::Local if call.app.is_none() => {
            super::indialog::hangup_both(cx, call, Cause::NoAnswer)
        }
        _ => {}
    }
}

/// End an unanswered call: CANCEL pending forks, `status` to the caller, CDR.
pub(crate) fn fail(cx: &mut Cx<'_>, call: &mut Call, status: u16, cause: Cause) {
    if call.phase == Phase::Local {
        return super::indialog::hangup_both(cx, call, cause);
    }
    for i in 0..call.forks.len() {
        cancel_fork(cx, call, i, None);
    }
    reply_a(cx, call, status, None);
    call.finish(cx, cause, status);
}

/// A 2xx retransmission after its transaction ended: ACK again.
pub(crate) fn stray_2xx(
    cx: &mut Cx<'_>,
    call: &mut Call,
    r: DialogRef,
    flow: Flow,
    resp: &Response,
) {
    let seq = msg::cseq_num(&resp.headers);
    let side = match r {
        DialogRef::A => Some(Side::A),
        DialogRef::Fork(i) if call.winner == Some(i) => Some(Side::B),
        DialogRef::Fork(_) => None,
    };
    if let Some(leg) = side.and_then(|s| call.leg(s)) {
        if let Some(ack) = leg
            .last_ack
            .as_ref()
            .filter(|a| msg::cseq_num(&a.headers) == seq)
        {
            cx.txl.send_stateless_request(leg.dialog.flow, ack);
        }
        return;
    }
    if let DialogRef::Fork(i) = r {
        if let Some(fork) = call.forks.get(i) {
            let ack = fork.dialog.ack(seq, &mut cx.sh.rng);
            cx.txl.send_stateless_request(flow, &ack);
        }
    }
}

/// A 2xx for a dialog we do not know (a fork answered after its call was
/// forgotten): ACK and BYE it (RFC 3261 §13.2.2.4).
pub(crate) fn reject_unknown_2xx(cx: &mut Cx<'_>, flow: Flow, resp: &Response) {
    let Ok(cseq) = resp.cseq() else { return };
    let contact = msg::first_contact_uri(&resp.headers);
    let (Some(target), Some(call_id), Some(tag)) =
        (contact, resp.call_id(), msg::from_tag(&resp.headers))
    else {
        return;
    };
    if cseq.method != Method::Invite {
        return;
    }
    let sent_by = local_addr(cx.sh, flow).to_string();
    let mut routes = record_routes(&resp.headers);
    routes.reverse();
    let mut d = Dialog {
        call_id: call_id.to_string(),
        local_tag: tag,
        remote_tag: msg::to_tag(&resp.headers),
        local: resp.headers.get("From").unwrap_or("").to_string(),
        remote: resp.headers.get("To").unwrap_or("").to_string(),
        local_seq: cseq.seq,
        remote_seq: None,
        remote_target: target,
        route_set: routes,
        flow,
        contact: String::new(),
        sent_by,
    };
    let ack = d.ack(cseq.seq, &mut cx.sh.rng);
    cx.txl.send_stateless_request(flow, &ack);
    let bye = d.request(Method::Bye, &mut cx.sh.rng, &cx.sh.config.user_agent);
    let _ = cx.txl.send_request(cx.now, flow, bye);
}

/// One of our server transactions failed (transport error, Timer H).
pub(crate) fn server_tx_failed(cx: &mut Cx<'_>, call: &mut Call, tx: TxHandle) {
    if tx != call.a_invite_tx {
        return;
    }
    match call.phase {
        Phase::Allocating | Phase::Ringing => {
            for i in 0..call.forks.len() {
                cancel_fork(cx, call, i, None);
            }
            call.finish(cx, Cause::LegFailure, 500);
        }
        Phase::Answered | Phase::Local => super::indialog::hangup_both(cx, call, Cause::LegFailure),
        Phase::Ended => {}
    }
}

/// CANCEL fork `i` if it is still pending (at once if it sent a provisional,
/// else when it does, RFC 3261 §9.1).
pub(crate) fn cancel_fork(cx: &mut Cx<'_>, call: &mut Call, i: usize, reason: Option<&str>) {
    let Some(fork) = call.forks.get_mut(i) else {
        return;
    };
    if !fork.is_pending() || fork.cancel_sent {
        return;
    }
    fork.cancel_wanted = true;
    if fork.provisional {
        send_cancel(cx, call, i, reason);
    }
}

/// Send fork `i` its CANCEL, with a Reason (RFC 3326) when it lost to another fork.
fn send_cancel(cx: &mut Cx<'_>, call: &mut Call, i: usize, reason: Option<&str>) {
    let Some(fork) = call.forks.get_mut(i) else {
        return;
    };
    fork.cancel_sent = true;
    let mut cancel = make_cancel(&fork.invite);
    if let Some(r) = reason {
        cancel.headers.push("Reason", r.to_string());
    }
    let flow = fork.dialog.flow;
    if let Ok(tx) = cx.txl.send_request(cx.now, flow, cancel) {
        call.track_client(cx.sh, tx, ClientRole::Other);
    }
}

/// Relay a 180/181/182/183 from fork `i`; a first SDP starts early media.
fn relay_provisional(cx: &mut Cx<'_>, call: &mut Call, i: usize, resp: &Response) {
    let status = resp.status;
    // An SDP in an unreliable 1xx is early media only as an answer (RFC 3261 §13.2.1).
    let sdp = msg::sdp_body(&resp.headers, &resp.body)
        .filter(|_| call.a_offer.is_some())
        .and_then(media::parse);
    if call.last_provisional.is_none() {
        call.event(cx.sh, CallEventKind::Ringing);
    }
    match (sdp, call.early_fork) {
        (Some(sdp), None) => {
            let Some(relay_a) = call.relay_addr(Side::A) else {
                return;
            };
            let (body, plan) = settle_media(call, &sdp, relay_a);
            call.a.sdp_sent = Some(body.clone());
            call.early_fork = Some(i);
            let b_remote = media::peer_media(&sdp)
                .remote
                .unwrap_or_else(media::unknown_addr);
            cx.sh.actions.push_back(CallAction::StartRelay {
                call: call.key,
                a_remote: call.a.remote_media.unwrap_or_else(media::unknown_addr),
                b_remote,
                rtp_timeout: None,
                plan,
            });
            call.last_provisional = Some(status);
            reply_a(cx, call, status, Some(body));
        }
        // Early media from another fork is playing: keep the caller on it.
        (_, Some(_)) => {}
        (None, None) => {
            if call.last_provisional != Some(status) {
                call.last_provisional = Some(status);
                reply_a(cx, call, status, None);
            }
        }
    }
}

/// The callee's SDP answer decides the caller's answer and the media plan (kept on
/// the call). A delayed offer has no caller offer to settle against: it passes through.
fn settle_media(
    call: &mut Call,
    b_sdp: &SessionDescription,
    relay_a: SocketAddr,
) -> (Vec<u8>, MediaPlan) {
    let (body, plan) = match call.a_offer.clone() {
        Some(a_offer) => {
            let codecs = call.caller_codecs.clone();
            let dtmf = call.dtmf_modes;
            media::settle(
                &a_offer,
                b_sdp,
                relay_a,
                call.origin_mut(Side::A),
                &codecs,
                dtmf,
            )
        }
        None => {
            let b = media::leg_media(b_sdp, call.dtmf_modes[1]);
            let a = media::leg_media(b_sdp, call.dtmf_modes[0]);
            let body = media::anchored(b_sdp, relay_a, call.origin_mut(Side::A));
            let transcode = matches!((a, b), (Some(a), Some(b)) if a.dtmf != b.dtmf);
            (body, MediaPlan { a, b, transcode })
        }
    };
    call.plan = Some(plan);
    (body, plan)
}

/// A 2xx from fork `i`: the first one answers the call; any other is ACKed and ended.
///
/// With a delayed offer (the caller's INVITE had no SDP) the 2xx carries the
/// callee's offer: it goes to the caller, and the callee's ACK waits for the
/// caller's ACK with the answer (RFC 3261 §13.2.1, §14).
fn fork_2xx(cx: &mut Cx<'_>, call: &mut Call, i: usize, resp: &Response) {
    let seq = msg::cseq_num(&resp.headers);
    if call.winner == Some(i) {
        // A retransmission: the ACK was lost (or waits for the caller's answer).
        if let Some(b) = &call.b {
            if let Some(ack) = &b.last_ack {
                cx.txl.send_stateless_request(b.dialog.flow, ack);
            }
        }
        return;
    }
    let delayed = call.a_offer.is_none();
    let allowed = call.allowed.clone();
    let (phase, relay_a) = (call.phase, call.relay_addr(Side::A));
    let Some(fork) = call.forks.get_mut(i) else {
        return;
    };
    let first = fork.final_status.is_none();
    fork.final_status = Some(resp.status);
    confirm_dialog(&mut fork.dialog, resp);
    let wanted = first && matches!(phase, Phase::Ringing | Phase::Local) && !fork.cancel_wanted;
    let local = phase == Phase::Local;
    let body = msg::sdp_body(&resp.headers, &resp.body);
    let sdp = match (wanted, body) {
        (true, Some(b)) if delayed => media::filter(b, &allowed).ok(),
        (true, Some(b)) => media::parse(b),
        _ => None,
    };
    let (Some(sdp), Some(relay_a)) = (sdp, relay_a) else {
        // Late, unwanted or unusable: ACK and end that dialog at once.
        let ack = fork.dialog.ack(seq, &mut cx.sh.rng);
        cx.txl.send_stateless_request(fork.dialog.flow, &ack);
        if first || fork.cancel_wanted {
            let mut dialog = fork.dialog.clone();
            send_bye(cx, call, &mut dialog);
        }
        if wanted {
            call.forks[i].final_status = Some(488);
            settle_forks(cx, call);
        }
        return;
    };
    let (fork_dtmf, fork_codecs) = (fork.dtmf, fork.codecs.clone());
    let mut leg = LegState::new(fork.dialog.clone());
    if !delayed || local {
        let ack = fork.dialog.ack(seq, &mut cx.sh.rng);
        cx.txl.send_stateless_request(fork.dialog.flow, &ack);
        leg.last_ack = Some(ack);
        leg.sdp_sent = Some(fork.invite.body.clone());
    }
    call.dtmf_modes[1] = fork_dtmf;
    call.allowed = call
        .caller_codecs
        .iter()
        .filter(|c| fork_codecs.contains(c))
        .map(|c| c.name())
        .collect();
    if local {
        // pbxd answered the caller itself: only the callee's leg is new.
        let b_media = media::peer_media(&sdp);
        leg.remote_media = b_media.remote;
        leg.held = b_media.held;
        call.b = Some(leg);
        call.winner = Some(i);
        call.phase = Phase::Answered;
        call.cancel_deadline(cx.sh, CallTimer::Ring);
        super::dial::answered(cx, call, i);
        let b = media::leg_media(&sdp, fork_dtmf);
        super::app::connected(
            cx,
            call,
            b,
            b_media.remote.unwrap_or_else(media::unknown_addr),
        );
        for j in 0..call.forks.len() {
            if j != i {
                let reason = "SIP;cause=200;text=\"Call completed elsewhere\"";
                cancel_fork(cx, call, j, Some(reason));
            }
        }
        call.event(cx.sh, CallEventKind::Answered);
        super::features::answered(cx, call);
        arm_limit(cx, call);
        return;
    }
    let b_media = media::peer_media(&sdp);
    let a_sdp = match (call.a.sdp_sent.clone(), call.plan) {
        // RFC 3264: the caller took the early SDP as the answer; repeat it.
        (Some(body), Some(_)) => body,
        _ => settle_media(call, &sdp, relay_a).0,
    };
    let plan = call.plan.unwrap_or(MediaPlan {
        a: None,
        b: None,
        transcode: false,
    });
    call.a.sdp_sent = Some(a_sdp.clone());
    leg.remote_media = b_media.remote;
    leg.held = b_media.held;
    call.b = Some(leg);
    call.winner = Some(i);
    call.phase = Phase::Answered;
    call.answered_at = Some(cx.now);
    call.cancel_deadline(cx.sh, CallTimer::Ring);
    super::dial::answered(cx, call, i);
    arm_limit(cx, call);
    for j in 0..call.forks.len() {
        if j != i {
            let reason = "SIP;cause=200;text=\"Call completed elsewhere\"";
            cancel_fork(cx, call, j, Some(reason));
        }
    }
    let response = reply_a(cx, call, 200, Some(a_sdp));
    let a_seq = msg::cseq_num(&call.a_invite.headers);
    let forward = delayed.then_some((Side::B, seq));
    await_ack(
        cx,
        call,
        Side::A,
        call.a_invite_tx,
        response,
        a_seq,
        forward,
    );
    cx.sh.actions.push_back(CallAction::StartRelay {
        call: call.key,
        a_remote: call.a.remote_media.unwrap_or_else(media::unknown_addr),
        b_remote: b_media.remote.unwrap_or_else(media::unknown_addr),
        rtp_timeout: call.settings.rtp_timeout,
        plan,
    });
    call.event(cx.sh, CallEventKind::Answered);
    super::features::answered(cx, call);
    arm_session(cx, call);
}

/// Once every fork of the round has a final answer, go on dialling or give the caller
/// the best failure.
fn settle_forks(cx: &mut Cx<'_>, call: &mut Call) {
    super::dial::settle(cx, call);
}

/// Arm the dial rule's call time limit once answered.
fn arm_limit(cx: &mut Cx<'_>, call: &mut Call) {
    if let Some(limit) = call.time_limit {
        let at = cx.now + limit;
        call.set_deadline(cx.sh, CallTimer::Limit, at);
    }
}

/// RFC 3261 §16.7-like choice: a 6xx wins, then busy, then the lowest class;
/// timeouts and terminated forks count as 480.
pub(crate) fn best_failure(statuses: impl Iterator<Item = u16>) -> (u16, Cause) {
    let all: Vec<u16> = statuses.collect();
    if let Some(&s) = all.iter().find(|s| (600..700).contains(*s)) {
        return (
            s,
            if s == 600 {
                Cause::Busy
            } else {
                Cause::Rejected
            },
        );
    }
    if all.contains(&486) {
        return (486, Cause::Busy);
    }
    let real = all
        .iter()
        .copied()
        .filter(|s| !matches!(s, 408 | 487))
        .min_by_key(|s| (s / 100, *s));
    match real {
        None | Some(404 | 410 | 480) => (480, Cause::Unavailable),
        // A proxy turns a 503 into 500 (RFC 3261 §16.7): it is not *our* overload.
        Some(503) => (500, Cause::Rejected),
        Some(s) => (s, Cause::Rejected),
    }
}

/// Fill a B-leg dialog from the 2xx that confirmed it (RFC 3261 §12.1.2).
fn confirm_dialog(d: &mut Dialog, resp: &Response) {
    if let Some(tag) = msg::to_tag(&resp.headers) {
        d.remote_tag = Some(tag);
        d.remote = resp.headers.get("To").unwrap_or("").to_string();
    }
    let contact = msg::first_contact_uri(&resp.headers);
    if let Some(uri) = contact {
        d.remote_target = uri;
    }
    let mut routes = record_routes(&resp.headers);
    routes.reverse();
    d.route_set = routes;
}

/// Send `status` to the caller's INVITE, with our To-tag, Contact and SDP; returns it.
pub(crate) fn reply_a(
    cx: &mut Cx<'_>,
    call: &mut Call,
    status: u16,
    sdp: Option<Vec<u8>>,
) -> Response {
    let ua = cx.sh.config.user_agent.clone();
    let mut resp = msg::response(&call.a_invite, status, &call.a.dialog.local_tag, &ua);
    if (101..300).contains(&status) {
        for rr in call.a_invite.headers.get_all("Record-Route") {
            resp.headers.push("Record-Route", rr.to_string());
        }
        resp.headers.push("Contact", call.a.dialog.contact.clone());
    }
    if (200..300).contains(&status) {
        resp.headers.push("Allow", CALL_ALLOW);
        if let Some(s) = call.session {
            resp.headers.push(
                "Session-Expires",
                format!("{};refresher={}", s.interval, s.refresher.as_str()),
            );
            if s.caller_supports {
                resp.headers.push("Require", "timer");
            }
        }
    }
    if let Some(body) = sdp {
        resp.body = msg::set_sdp(&mut resp.headers, &body);
    }
    let _ = cx.txl.respond(cx.now, call.a_invite_tx, resp.clone());
    resp
}

/// Our address on a flow: its local socket, or the configured host when that is a wildcard.
pub(crate) fn local_addr(sh: &Shared, flow: Flow) -> SocketAddr {
    if flow.local.ip().is_unspecified() || flow.local.port() == 0 {
        sh.config.contact_host
    } else {
        flow.local
    }
}

/// Our Contact on a leg: `<sip:user@host:port;transport=…>`.
pub(crate) fn contact_value(user: &str, sent_by: &str, transport: FlowTransport) -> String {
    match transport {
        FlowTransport::Udp => format!("<sip:{user}@{sent_by}>"),
        t => format!("<sip:{user}@{sent_by};transport={}>", t.as_str()),
    }
}

/// Record-Route values in order, lists split.
pub(crate) fn record_routes(headers: &rotary_sip::Headers) -> Vec<String> {
    headers
        .get_all("Record-Route")
        .flat_map(split_header_values)
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_failure_prefers_6xx_then_busy_then_lowest_class() {
        assert_eq!(best_failure([486, 603].into_iter()), (603, Cause::Rejected));
        assert_eq!(best_failure([600].into_iter()), (600, Cause::Busy));
        assert_eq!(
            best_failure([408, 486, 500].into_iter()),
            (486, Cause::Busy)
        );
        assert_eq!(best_failure([500, 403].into_iter()), (403, Cause::Rejected));
        assert_eq!(
            best_failure([408, 487].into_iter()),
            (480, Cause::Unavailable)
        );
        assert_eq!(best_failure([404].into_iter()), (480, Cause::Unavailable));
        assert_eq!(best_failure([503].into_iter()), (500, Cause::Rejected));
    }
}
