//! The answered call (issue 4 §2): BYE from either side, re-INVITE, UPDATE and
//! INFO-like requests relayed between the legs with SDP re-anchored (hold and
//! resume), glare (491), ACK forwarding, and hanging up both legs.

use rotary_sip::transaction::{make_cancel, TxHandle};
use rotary_sip::{Flow, Method, Request, Response};

use super::cdr::Cause;
use super::leg::Dialog;
use super::media;
use super::msg::{self, Refresher};
use super::state::{Call, CallTimer, ClientRole, Phase, Relay};
use super::timers::{arm_session, await_ack};
use super::{CallAction, CallEventKind, Cx, Side, CALL_ALLOW};

/// Headers copied onto a relayed INFO/MESSAGE/NOTIFY besides the body.
const RELAYED_HEADERS: [&str; 5] = [
    "Content-Type",
    "Event",
    "Subscription-State",
    "Info-Package",
    "Content-Disposition",
];

/// An in-dialog request from leg `side`. Always answers it (returns `true`).
pub(crate) fn request(
    cx: &mut Cx<'_>,
    call: &mut Call,
    side: Side,
    tx: TxHandle,
    flow: Flow,
    req: Request,
) -> bool {
    if call.phase == Phase::Ended {
        // Both sides hung up at once: the dialog is gone but a BYE still gets its 200.
        let status = if req.method == Method::Bye { 200 } else { 481 };
        reply(cx, call, side, tx, &req, status);
        return true;
    }
    let seq = msg::cseq_num(&req.headers);
    let Some(leg) = call.leg_mut(side) else {
        return false;
    };
    // Follow the phone to the flow it now uses (a new TCP connection, a NAT rebinding).
    if flow.transport == leg.dialog.flow.transport {
        leg.dialog.flow = flow;
    }
    if !leg.dialog.accept_remote_seq(seq, &req.method) {
        // RFC 3261 §12.2.2: out-of-order CSeq.
        reply(cx, call, side, tx, &req, 500);
        return true;
    }
    match req.method {
        Method::Bye => bye(cx, call, side, tx, &req),
        Method::Invite | Method::Update => offer(cx, call, side, tx, req),
        Method::Info if call.phase == Phase::Local => super::app::info(cx, call, tx, &req),
        Method::Info | Method::Message | Method::Notify if call.phase == Phase::Answered => {
            if !super::features::info(cx, call, side, tx, &req) {
                forward(cx, call, side, tx, req, Forwarded::default());
            }
        }
        Method::Options => {
            let mut resp = response_for(cx, call, side, &req, 200);
            resp.headers.push("Allow", CALL_ALLOW);
            let _ = cx.txl.respond(cx.now, tx, resp);
        }
        // RFC 3262 §3: we never send reliable provisionals, so no PRACK matches.
        Method::Prack => reply(cx, call, side, tx, &req, 481),
        // Before the answer there is no leg B to pass it to: the INVITE is pending.
        Method::Info | Method::Message | Method::Notify => reply(cx, call, side, tx, &req, 491),
        _ => reply(cx, call, side, tx, &req, 501),
    }
    true
}

/// An ACK for a 2xx we sent on leg `side`: stop retransmitting, and for a relayed
/// re-INVITE ACK the other leg's 2xx (with the answer, for a delayed offer).
pub(crate) fn ack(cx: &mut Cx<'_>, call: &mut Call, side: Side, req: &Request) {
    let seq = msg::cseq_num(&req.headers);
    let Some(leg) = call.leg_mut(side) else {
        return;
    };
    if leg.await_ack.as_ref().is_none_or(|a| a.seq != seq) {
        return; // a retransmitted or stale ACK
    }
    let Some(done) = leg.await_ack.take() else {
        return;
    };
    call.cancel_deadline(cx.sh, CallTimer::retransmit(side));
    let sdp = msg::sdp_body(&req.headers, &req.body).and_then(media::parse);
    if let Some(sdp) = &sdp {
        let pm = media::peer_media(sdp);
        update_media(cx, call, side, pm.remote, pm.held);
    }
    let Some((other, other_seq)) = done.forward else {
        return;
    };
    let relay = call.relay_addr(other);
    let body = match (&sdp, relay) {
        (Some(sdp), Some(relay)) => Some(media::anchored(sdp, relay, call.origin_mut(other))),
        _ => None,
    };
    let Some(leg) = call.leg_mut(other) else {
        return;
    };
    let mut ack = leg.dialog.ack(other_seq, &mut cx.sh.rng);
    if let Some(body) = body {
        ack.body = msg::set_sdp(&mut ack.headers, &body);
        leg.sdp_sent = Some(body);
    }
    cx.txl.send_stateless_request(leg.dialog.flow, &ack);
    leg.last_ack = Some(ack);
}

/// A final or provisional response to a request we relayed.
pub(crate) fn relay_response(cx: &mut Cx<'_>, call: &mut Call, tx: TxHandle, resp: Response) {
    let Some(idx) = call.relays.iter().position(|r| r.client_tx == tx) else {
        resend_ack(cx, call, &resp);
        return;
    };
    let status = resp.status;
    if status < 200 {
        let flow = call
            .leg(call.relays[idx].from.other())
            .map(|l| l.dialog.flow);
        let relay = &mut call.relays[idx];
        let cancel = (status > 100 && relay.cancel_wanted && !relay.provisional)
            .then(|| make_cancel(&relay.sent));
        relay.provisional = true;
        if let (Some(cancel), Some(flow)) = (cancel, flow) {
            if let Ok(tx) = cx.txl.send_request(cx.now, flow, cancel) {
                call.track_client(cx.sh, tx, ClientRole::Other);
            }
        }
        return;
    }
    let relay = call.relays.remove(idx);
    let (x, y) = (relay.from, relay.from.other());
    let method = relay.request.method.clone();
    let offer_answer = matches!(method, Method::Invite | Method::Update);
    if offer_answer {
        if let Some(l) = call.leg_mut(y) {
            l.pending_out = None;
        }
        if let Some(l) = call.leg_mut(x) {
            l.pending_in = None;
        }
    }
    let mut out = response_for(cx, call, x, &relay.request, status);
    out.reason = resp.reason.clone();
    if (200..300).contains(&status) && offer_answer {
        answer_media(cx, call, &relay, &resp, &mut out);
    } else {
        for name in ["Retry-After", "Warning", "Min-SE", "Unsupported"] {
            if let Some(v) = resp.headers.get(name) {
                out.headers.push(name, v.to_string());
            }
        }
        if !resp.body.is_empty() && !offer_answer {
            if let Some(ct) = resp.headers.get("Content-Type") {
                out.headers.push("Content-Type", ct.to_string());
            }
            out.body = resp.body.clone();
        }
    }
    let _ = cx.txl.respond(cx.now, relay.server_tx, out.clone());
    if method == Method::Invite && (200..300).contains(&status) {
        let seq = msg::cseq_num(&relay.request.headers);
        let other_seq = msg::cseq_num(&relay.sent.headers);
        await_ack(cx, call, x, relay.server_tx, out, seq, Some((y, other_seq)));
    }
    // RFC 5057 §5.1: 481 and 408 mean the dialog is gone.
    if matches!(status, 408 | 481) {
        hangup_both(cx, call, Cause::LegFailure);
    }
}

/// A relayed request got no answer (timeout, transport error): 408 back, end the call.
pub(crate) fn relay_failed(cx: &mut Cx<'_>, call: &mut Call, tx: TxHandle) {
    let Some(idx) = call.relays.iter().position(|r| r.client_tx == tx) else {
        return;
    };
    let relay = call.relays.remove(idx);
    let resp = response_for(cx, call, relay.from, &relay.request, 408);
    let _ = cx.txl.respond(cx.now, relay.server_tx, resp);
    hangup_both(cx, call, Cause::LegFailure);
}

/// End an answered call from pbxd's side: BYE to both legs, CDR with `cause`.
pub(crate) fn hangup_both(cx: &mut Cx<'_>, call: &mut Call, cause: Cause) {
    match call.phase {
        Phase::Answered => {}
        Phase::Local => cancel_forks(cx, call),
        Phase::Allocating | Phase::Ringing => return super::invite::fail(cx, call, 480, cause),
        Phase::Ended => return,
    }
    abort_relays(cx, call);
    for side in [Side::A, Side::B] {
        bye_leg(cx, call, side);
    }
    call.finish(cx, cause, 200);
}

/// Send a BYE inside `d` (a fork's or a leg's dialog) and track it.
pub(crate) fn send_bye(cx: &mut Cx<'_>, call: &mut Call, d: &mut Dialog) {
    let bye = d.request(Method::Bye, &mut cx.sh.rng, &cx.sh.config.user_agent);
    if let Ok(tx) = cx.txl.send_request(cx.now, d.flow, bye) {
        call.track_client(cx.sh, tx, ClientRole::Other);
    }
}

/// BYE from `side`: 200, BYE the other leg, CDR (or, before the answer, the
/// caller giving up on an early dialog: like CANCEL).
fn bye(cx: &mut Cx<'_>, call: &mut Call, side: Side, tx: TxHandle, req: &Request) {
    reply(cx, call, side, tx, req, 200);
    match call.phase {
        Phase::Answered => {
            abort_relays(cx, call);
            bye_leg(cx, call, side.other());
            call.finish(cx, Cause::NormalClearing, 200);
        }
        Phase::Local => {
            // The caller left an IVR, a PIN prompt or a transfer that still rings.
            cancel_forks(cx, call);
            call.finish(cx, Cause::NormalClearing, 200);
        }
        Phase::Allocating | Phase::Ringing => super::invite::fail(cx, call, 487, Cause::Cancelled),
        Phase::Ended => {}
    }
}

/// A re-INVITE or UPDATE from leg `x`: check for glare, re-anchor the SDP, relay it.
fn offer(cx: &mut Cx<'_>, call: &mut Call, x: Side, tx: TxHandle, req: Request) {
    let is_invite = req.method == Method::Invite;
    if is_invite {
        call.track_server(cx.sh, tx);
    }
    let sdp_in = msg::sdp_body(&req.headers, &req.body).map(<[u8]>::to_vec);
    if call.phase != Phase::Answered {
        // Early dialog: an UPDATE without SDP is a mere refresh; anything else
        // collides with the offer of the initial INVITE (RFC 3311 §5.2).
        let status = if !is_invite && sdp_in.is_none() {
            200
        } else {
            491
        };
        reply(cx, call, x, tx, &req, status);
        return;
    }
    let y = x.other();
    let (Some(xl), Some(yl)) = (call.leg(x), call.leg(y)) else {
        return;
    };
    if xl.pending_in.is_some() {
        // RFC 3261 §14.2: a second INVITE before the first was answered.
        let mut resp = response_for(cx, call, x, &req, 500);
        resp.headers.push("Retry-After", "1");
        let _ = cx.txl.respond(cx.now, tx, resp);
        return;
    }
    let busy = xl.pending_out.is_some() || yl.pending_in.is_some() || yl.pending_out.is_some();
    if busy || xl.await_ack.is_some() || yl.await_ack.is_some() {
        // RFC 3261 §14.1 / RFC 3311 §5.2: glare.
        reply(cx, call, x, tx, &req, 491);
        return;
    }
    let mut fwd = Forwarded::default();
    if x == Side::A && call.session.is_some() {
        if let Some((secs, _)) = msg::session_expires(&req.headers) {
            let min = cx.sh.config.min_session_expires.max(90);
            if secs < min {
                let mut resp = response_for(cx, call, x, &req, 422);
                resp.headers.push("Min-SE", min.to_string());
                let _ = cx.txl.respond(cx.now, tx, resp);
                return;
            }
            fwd.session_expires = Some(secs);
        }
    }
    if let (Some(body), true) = (&sdp_in, call.plan.is_some_and(|p| p.transcode)) {
        // Transcoded: each leg's codec is its own business; answer here.
        answer_locally(cx, call, x, tx, &req, body);
        return;
    }
    if let Some(body) = &sdp_in {
        let allowed = call.allowed.clone();
        let sdp = match media::filter(body, &allowed) {
            Ok(sdp) => sdp,
            Err(_) => {
                reply(cx, call, x, tx, &req, 488);
                return;
            }
        };
        let pm = media::peer_media(&sdp);
        let Some(relay_y) = call.relay_addr(y) else {
            return;
        };
        fwd.body = Some(media::anchored(&sdp, relay_y, call.origin_mut(y)));
        fwd.media = Some((pm.remote, pm.held));
    }
    // RFC 3261 §12.2.2: a re-INVITE/UPDATE may refresh the remote target.
    let target = msg::first_contact_uri(&req.headers);
    if let (Some(uri), Some(xl)) = (target, call.leg_mut(x)) {
        xl.dialog.remote_target = uri;
    }
    if let Some(sent) = forward(cx, call, x, tx, req, fwd) {
        if let Some(l) = call.leg_mut(y) {
            l.pending_out = Some(sent);
        }
        if let Some(l) = call.leg_mut(x) {
            l.pending_in = Some(tx);
        }
    }
}

/// What to put on a relayed request besides the original's headers.
#[derive(Default)]
struct Forwarded {
    /// The re-anchored SDP.
    body: Option<Vec<u8>>,
    /// The sender's new media (remote, held), applied on 2xx.
    media: Option<(Option<std::net::SocketAddr>, bool)>,
    /// A new session interval asked for by the caller.
    session_expires: Option<u32>,
}

/// Send `req` from leg `x` on as a new request in leg `y`'s dialog and remember
/// the pair; returns our client transaction.
fn forward(
    cx: &mut Cx<'_>,
    call: &mut Call,
    x: Side,
    tx: TxHandle,
    req: Request,
    fwd: Forwarded,
) -> Option<TxHandle> {
    let y = x.other();
    let session = call.session;
    let ua = cx.sh.config.user_agent.clone();
    let leg = call.leg_mut(y)?;
    let mut out = leg.dialog.request(req.method.clone(), &mut cx.sh.rng, &ua);
    let offer_answer = matches!(req.method, Method::Invite | Method::Update);
    if offer_answer {
        out.headers.push("Allow", CALL_ALLOW);
        if let Some(body) = &fwd.body {
            out.body = msg::set_sdp(&mut out.headers, body);
            leg.sdp_sent = Some(body.clone());
        }
        if let (Side::A, Some(s)) = (y, session) {
            // Toward the caller we are the UAC: the caller refreshing is `uas` here.
            let who = if s.refresher == Refresher::Uac {
                "uas"
            } else {
                "uac"
            };
            out.headers.push("Supported", "timer");
            out.headers
                .push("Session-Expires", format!("{};refresher={who}", s.interval));
        }
    } else {
        for name in RELAYED_HEADERS {
            for v in req.headers.get_all(name) {
                out.headers.push(name, v.to_string());
            }
        }
        out.body = req.body.clone();
    }
    let flow = leg.dialog.flow;
    let Ok(client_tx) = cx.txl.send_request(cx.now, flow, out.clone()) else {
        reply(cx, call, x, tx, &req, 500);
        return None;
    };
    call.track_client(cx.sh, client_tx, ClientRole::Relay);
    call.relays.push(Relay {
        from: x,
        server_tx: tx,
        request: req,
        client_tx,
        sent: out,
        provisional: false,
        cancel_wanted: false,
        media: fwd.media,
        session_expires: fwd.session_expires,
    });
    Some(client_tx)
}

/// The other leg accepted a relayed offer: anchor its answer for leg `x`,
/// update the relay, report hold/resume and refresh the session timer.
fn answer_media(
    cx: &mut Cx<'_>,
    call: &mut Call,
    relay: &Relay,
    resp: &Response,
    out: &mut Response,
) {
    let (x, y) = (relay.from, relay.from.other());
    if let Some(l) = call.leg(x) {
        out.headers.push("Contact", l.dialog.contact.clone());
    }
    out.headers.push("Allow", CALL_ALLOW);
    let answer = msg::sdp_body(&resp.headers, &resp.body).and_then(media::parse);
    if let (Some(sdp), Some(relay_x)) = (&answer, call.relay_addr(x)) {
        let body = media::anchored(sdp, relay_x, call.origin_mut(x));
        out.body = msg::set_sdp(&mut out.headers, &body);
        if let Some(l) = call.leg_mut(x) {
            l.sdp_sent = Some(body);
        }
        let pm = media::peer_media(sdp);
        // The answerer holds only if it offered (delayed offer); else keep its state.
        let held = if relay.media.is_none() {
            pm.held
        } else {
            call.leg(y).is_some_and(|l| l.held)
        };
        update_media(cx, call, y, pm.remote, held);
    }
    if let Some((remote, held)) = relay.media {
        update_media(cx, call, x, remote, held);
    }
    if let (Some(secs), Some(s)) = (relay.session_expires, call.session.as_mut()) {
        s.interval = secs;
    }
    if call.session.is_some() {
        // RFC 4028 §10: any successful re-INVITE/UPDATE refreshes the session.
        arm_session(cx, call);
        if let (Side::A, Some(s)) = (x, call.session) {
            out.headers.push(
                "Session-Expires",
                format!("{};refresher={}", s.interval, s.refresher.as_str()),
            );
            if s.caller_supports {
                out.headers.push("Require", "timer");
            }
        }
    }
}

/// A transcoded call's re-INVITE/UPDATE offer from leg `x`, answered by pbxd with the
/// codec that leg already uses: hold and address changes stay on that leg.
fn answer_locally(
    cx: &mut Cx<'_>,
    call: &mut Call,
    x: Side,
    tx: TxHandle,
    req: &Request,
    body: &[u8],
) {
    let codec = call.plan.and_then(|p| match x {
        Side::A => p.a,
        Side::B => p.b,
    });
    let (Some(sdp), Some(codec), Some(relay_x)) = (media::parse(body), codec, call.relay_addr(x))
    else {
        reply(cx, call, x, tx, req, 488);
        return;
    };
    let local = rotary_sdp::MediaAddr {
        ip: relay_x.ip(),
        audio_port: relay_x.port(),
    };
    let Ok(ans) = rotary_sdp::answer(&sdp, &[codec.codec.name()], &local, call.origin_mut(x))
    else {
        reply(cx, call, x, tx, req, 488);
        return;
    };
    let pm = media::peer_media(&sdp);
    update_media(cx, call, x, pm.remote, pm.held);
    let body = ans.sdp.to_bytes();
    let mut resp = response_for(cx, call, x, req, 200);
    resp.body = msg::set_sdp(&mut resp.headers, &body);
    if let Some(l) = call.leg_mut(x) {
        l.sdp_sent = Some(body);
    }
    let _ = cx.txl.respond(cx.now, tx, resp.clone());
    if req.method == Method::Invite {
        let seq = msg::cseq_num(&req.headers);
        await_ack(cx, call, x, tx, resp, seq, None);
    }
}

/// Record a leg's media and tell the relay (and the bus) when it changed.
fn update_media(
    cx: &mut Cx<'_>,
    call: &mut Call,
    side: Side,
    remote: Option<std::net::SocketAddr>,
    held: bool,
) {
    let key = call.key;
    // An RFC 2543 hold (`c=0.0.0.0`) says "do not send", not "moved": keep the old address.
    let remote = remote.filter(|r| !r.ip().is_unspecified() && r.port() != 0);
    let holder = match side {
        Side::A if call.caller_external => None,
        Side::A => Some(call.caller.clone()),
        Side::B => Some(call.callee.clone()),
    };
    let Some(leg) = call.leg_mut(side) else {
        return;
    };
    let was_held = leg.held;
    let changed = remote.is_some() && remote != leg.remote_media;
    if remote.is_some() {
        leg.remote_media = remote;
    }
    leg.held = held;
    if changed || was_held != held {
        cx.sh.actions.push_back(CallAction::UpdateRelay {
            call: key,
            leg: side,
            remote: leg.remote_media.unwrap_or_else(media::unknown_addr),
            hold: held,
            holder,
        });
    }
    match (was_held, held) {
        (false, true) => call.event(cx.sh, CallEventKind::Held { leg: side }),
        (true, false) => call.event(cx.sh, CallEventKind::Resumed { leg: side }),
        _ => {}
    }
}

/// A 2xx retransmission for a relayed re-INVITE whose ACK we already sent.
fn resend_ack(cx: &mut Cx<'_>, call: &mut Call, resp: &Response) {
    if !(200..300).contains(&resp.status) {
        return;
    }
    let seq = msg::cseq_num(&resp.headers);
    let call_id = resp.headers.call_id().unwrap_or("");
    for side in [Side::A, Side::B] {
        if let Some(leg) = call.leg(side).filter(|l| l.dialog.call_id == call_id) {
            if let Some(ack) = leg
                .last_ack
                .as_ref()
                .filter(|a| msg::cseq_num(&a.headers) == seq)
            {
                cx.txl.send_stateless_request(leg.dialog.flow, ack);
            }
        }
    }
}

/// Answer every request still being relayed (the call is ending): 487.
fn abort_relays(cx: &mut Cx<'_>, call: &mut Call) {
    for relay in std::mem::take(&mut call.relays) {
        let resp = response_for(cx, call, relay.from, &relay.request, 487);
        let _ = cx.txl.respond(cx.now, relay.server_tx, resp);
    }
}

/// CANCEL every fork still ringing (a caller pbxd answered itself hangs up).
fn cancel_forks(cx: &mut Cx<'_>, call: &mut Call) {
    for i in 0..call.forks.len() {
        super::invite::cancel_fork(cx, call, i, None);
    }
}

/// BYE on one leg (if it exists).
fn bye_leg(cx: &mut Cx<'_>, call: &mut Call, side: Side) {
    let ua = cx.sh.config.user_agent.clone();
    let Some(leg) = call.leg_mut(side) else {
        return;
    };
    let bye = leg.dialog.request(Method::Bye, &mut cx.sh.rng, &ua);
    let flow = leg.dialog.flow;
    if let Ok(tx) = cx.txl.send_request(cx.now, flow, bye) {
        call.track_client(cx.sh, tx, ClientRole::Other);
    }
}

/// A response to a request from leg `side`, with that leg's tag.
fn response_for(cx: &Cx<'_>, call: &Call, side: Side, req: &Request, status: u16) -> Response {
    let tag = call.leg(side).map_or("", |l| l.dialog.local_tag.as_str());
    msg::response(req, status, tag, &cx.sh.config.user_agent)
}

/// Answer a request from leg `side` with a bare status.
pub(crate) fn reply(
    cx: &mut Cx<'_>,
    call: &Call,
    side: Side,
    tx: TxHandle,
    req: &Request,
    status: u16,
) {
    let resp = response_for(cx, call, side, req, status);
    let _ = cx.txl.respond(cx.now, tx, resp);
}
