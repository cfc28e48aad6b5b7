//! The call's own timers besides ringing: our 2xx retransmitted until the ACK
//! (RFC 3261 §13.3.1.4, RFC 6026) and session timers (RFC 4028), including
//! pbxd refreshing the caller's session when asked to.

use std::time::Duration;

use rotary_sip::transaction::TxHandle;
use rotary_sip::{Method, Response};

use super::cdr::Cause;
use super::indialog::hangup_both;
use super::msg::{self, Refresher};
use super::state::{AwaitAck, Call, CallTimer, ClientRole, Phase};
use super::{Cx, Side, CALL_ALLOW};

/// The answer to our own session refresh toward the caller.
pub(crate) fn refresh_response(cx: &mut Cx<'_>, call: &mut Call, tx: TxHandle, resp: Response) {
    if resp.status < 200 || !matches!(call.phase, Phase::Answered | Phase::Local) {
        return;
    }
    if call.a.pending_out == Some(tx) {
        call.a.pending_out = None;
    }
    match resp.status {
        200..=299 => {
            let seq = msg::cseq_num(&resp.headers);
            let acked = call
                .a
                .last_ack
                .as_ref()
                .filter(|a| msg::cseq_num(&a.headers) == seq);
            if let Some(ack) = acked {
                // A retransmission of the 2xx: the same ACK again.
                cx.txl.send_stateless_request(call.a.dialog.flow, ack);
                return;
            }
            let ack = call.a.dialog.ack(seq, &mut cx.sh.rng);
            cx.txl.send_stateless_request(call.a.dialog.flow, &ack);
            call.a.last_ack = Some(ack);
            arm_session(cx, call);
        }
        408 | 481 => hangup_both(cx, call, Cause::LegFailure),
        // 491 and friends: try again shortly; expiry still bounds the session.
        _ => {
            let at = cx.now + Duration::from_secs(2);
            call.set_deadline(cx.sh, CallTimer::SessionRefresh, at);
        }
    }
}

/// Retransmit our 2xx on leg `side`, or give up after 64*T1 and end the call.
pub(crate) fn retransmit_2xx(cx: &mut Cx<'_>, call: &mut Call, side: Side) {
    let cfg = *cx.txl.config();
    let now = cx.now;
    let Some(leg) = call.leg_mut(side) else {
        return;
    };
    let reliable = leg.dialog.flow.transport.is_reliable();
    let flow = leg.dialog.flow;
    let Some(pending) = leg.await_ack.as_mut() else {
        return;
    };
    if now >= pending.give_up {
        // RFC 3261 §13.3.1.4: no ACK, so the session ends.
        leg.await_ack = None;
        hangup_both(cx, call, Cause::AckTimeout);
        return;
    }
    if !reliable
        && cx
            .txl
            .respond(now, pending.tx, pending.response.clone())
            .is_err()
    {
        cx.txl.send_stateless_response(flow, &pending.response);
    }
    pending.interval = (pending.interval * 2).min(cfg.t2);
    let next = if reliable {
        pending.give_up
    } else {
        (now + pending.interval).min(pending.give_up)
    };
    call.set_deadline(cx.sh, CallTimer::retransmit(side), next);
}

/// pbxd is the refresher (RFC 4028 §10): re-INVITE the caller with the same SDP.
pub(crate) fn session_refresh(cx: &mut Cx<'_>, call: &mut Call) {
    let Some(s) = call.session else { return };
    if !matches!(call.phase, Phase::Answered | Phase::Local)
        || call.a.pending_out.is_some()
        || call.a.pending_in.is_some()
    {
        return; // the transaction in progress refreshes the session when it succeeds
    }
    let Some(body) = call.a.sdp_sent.clone() else {
        return;
    };
    let mut inv = call
        .a
        .dialog
        .request(Method::Invite, &mut cx.sh.rng, &cx.sh.config.user_agent);
    inv.headers.push("Allow", CALL_ALLOW);
    inv.headers.push("Supported", "timer");
    inv.headers
        .push("Session-Expires", format!("{};refresher=uac", s.interval));
    inv.body = msg::set_sdp(&mut inv.headers, &body);
    if let Ok(tx) = cx.txl.send_request(cx.now, call.a.dialog.flow, inv) {
        call.track_client(cx.sh, tx, ClientRole::Refresh);
        call.a.pending_out = Some(tx);
    }
}

/// (Re)start the session timer after the answer or a successful refresh.
pub(crate) fn arm_session(cx: &mut Cx<'_>, call: &mut Call) {
    let Some(s) = call.session else { return };
    let interval = Duration::from_secs(u64::from(s.interval));
    match s.refresher {
        Refresher::Uac => {
            // RFC 4028 §10: BYE at expiry minus min(32 s, interval/3).
            let guard = Duration::from_secs(32).min(interval / 3);
            let at = cx.now + interval - guard;
            call.set_deadline(cx.sh, CallTimer::SessionExpiry, at);
        }
        Refresher::Uas => {
            let (refresh, expiry) = (cx.now + interval / 2, cx.now + interval);
            call.set_deadline(cx.sh, CallTimer::SessionRefresh, refresh);
            call.set_deadline(cx.sh, CallTimer::SessionExpiry, expiry);
        }
    }
}

/// Arm the 2xx retransmission for an INVITE from leg `side`.
pub(crate) fn await_ack(
    cx: &mut Cx<'_>,
    call: &mut Call,
    side: Side,
    tx: TxHandle,
    response: Response,
    seq: u32,
    forward: Option<(Side, u32)>,
) {
    let cfg = *cx.txl.config();
    let give_up = cx.now + cfg.timeout();
    let Some(leg) = call.leg_mut(side) else {
        return;
    };
    let reliable = leg.dialog.flow.transport.is_reliable();
    leg.await_ack = Some(AwaitAck {
        tx,
        response,
        seq,
        interval: cfg.t1,
        give_up,
        forward,
    });
    let next = if reliable { give_up } else { cx.now + cfg.t1 };
    call.set_deadline(cx.sh, CallTimer::retransmit(side), next);
}
