//! Session timers (RFC 4028) when the caller asks for them: negotiated in the
//! 200, refreshes relayed, the call ended when no refresh comes.

mod call_support;

use std::time::Duration;

use call_support::*;
use rotary_engine::call::{Cause, Disposition};
use rotary_sip::Method;

fn timed_call(rig: &mut Rig, a: &Phone, b: &Phone, extra: &[&str]) -> rotary_sip::Response {
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(a, &a.invite("102", "st-1", Some(&sdp), extra));
    let inv = rig.take_request(b, Method::Invite);
    assert!(
        inv.headers.get("Session-Expires").is_none(),
        "leg B has no session timer of its own"
    );
    rig.reply(b, &inv, 200, "btag", Some(&b.sdp(5000, "sendrecv")));
    rig.take_request(b, Method::Ack);
    let ok = rig.take_response(a, 200);
    rig.ack_2xx(a, &ok, None);
    ok
}

#[test]
fn session_expires_without_refresh_ends_the_call() {
    let (mut rig, a, b) = two_phones();
    let ok = timed_call(
        &mut rig,
        &a,
        &b,
        &["Supported: timer", "Session-Expires: 120"],
    );
    assert_eq!(ok.headers.get("Session-Expires"), Some("120;refresher=uac"));
    assert_eq!(ok.headers.get("Require"), Some("timer"));
    // RFC 4028 §10: BYE at expiry minus min(32, 120/3) = 88 s.
    rig.advance(Duration::from_secs(87));
    assert!(rig.try_take_request(&b, Method::Bye).is_none());
    rig.advance(Duration::from_secs(1));
    rig.take_request(&a, Method::Bye);
    rig.take_request(&b, Method::Bye);
    let cdr = rig.one_cdr();
    assert_eq!(
        (cdr.disposition, cdr.cause),
        (Disposition::Answered, Cause::SessionTimeout)
    );
}

#[test]
fn refreshes_are_relayed_and_keep_the_call() {
    let (mut rig, a, b) = two_phones();
    let ok = timed_call(
        &mut rig,
        &a,
        &b,
        &["Supported: timer", "Session-Expires: 120;refresher=uac"],
    );
    let mut da = PhoneDialog::from_uac(&ok);
    for _ in 0..3 {
        rig.advance(Duration::from_secs(60));
        let refresh = da.request(
            &a,
            "UPDATE",
            None,
            None,
            &["Session-Expires: 120;refresher=uac"],
        );
        rig.send(&a, &refresh);
        let up = rig.take_request(&b, Method::Update);
        rig.reply(&b, &up, 200, "btag", None);
        let resp = rig.take_response(&a, 200);
        assert_eq!(
            resp.headers.get("Session-Expires"),
            Some("120;refresher=uac")
        );
    }
    assert!(rig.cdrs().is_empty(), "refreshed calls stay up");
    rig.advance(Duration::from_secs(88));
    rig.take_request(&b, Method::Bye);
    assert_eq!(rig.one_cdr().cause, Cause::SessionTimeout);
}

#[test]
fn too_small_interval_gets_422() {
    let (mut rig, a, b) = two_phones();
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(
        &a,
        &a.invite(
            "102",
            "st-2",
            Some(&sdp),
            &["Supported: timer", "Session-Expires: 30"],
        ),
    );
    let resp = rig.take_response(&a, 422);
    assert_eq!(resp.headers.get("Min-SE"), Some("90"));
    assert_eq!(rig.pending_for(&b), 0);
    assert!(rig.cdrs().is_empty());
}

#[test]
fn pbxd_refreshes_when_asked_to() {
    let (mut rig, a, b) = two_phones();
    let ok = timed_call(
        &mut rig,
        &a,
        &b,
        &["Supported: timer", "Session-Expires: 100;refresher=uas"],
    );
    assert_eq!(ok.headers.get("Session-Expires"), Some("100;refresher=uas"));
    rig.advance(Duration::from_secs(50));
    let refresh = rig.take_request(&a, Method::Invite);
    assert_eq!(refresh.body, ok.body, "a refresh repeats the SDP unchanged");
    rig.reply(&a, &refresh, 200, "x", Some(&a.sdp(4000, "sendrecv")));
    let ack = rig.take_request(&a, Method::Ack);
    assert_eq!(
        ack.headers.get("CSeq"),
        refresh
            .headers
            .get("CSeq")
            .map(|c| c.replace("INVITE", "ACK"))
            .as_deref()
    );
    rig.advance(Duration::from_secs(49));
    assert!(rig.cdrs().is_empty());
    rig.advance(Duration::from_secs(1));
    rig.take_request(&a, Method::Invite);
}
