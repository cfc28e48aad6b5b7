//! Calls out through trunks: failover to the next trunk on 503 and on silence, digest
//! authentication toward the provider, trunk call limits, the call time limit, routing
//! refusals, and the CDR's route columns.

mod call_support;

use std::time::Duration;

use call_support::*;
use rotary_engine::call::{CallType, Cause, Disposition, Refusal, RouteInfo, Target, TrunkPlan};
use rotary_sip::auth::{AuthResult, Credentials, DigestServer};
use rotary_sip::Method;

/// Caller 101, providers at .100 and .101 reached through `trunks` for number 0301234.
fn outbound(plan: TrunkPlan) -> (Rig, Phone, Phone, Phone) {
    let (mut rig, a, _b) = two_phones();
    let p1 = Phone::new("p1", "192.0.2.100:5060");
    let p2 = Phone::new("p2", "192.0.2.101:5060");
    let route = RouteInfo {
        kind: CallType::Outbound,
        route: Some("national".into()),
        ..RouteInfo::default()
    };
    rig.routes
        .insert("90301234".into(), (Target::Trunks(plan), route));
    (rig, a, p1, p2)
}

fn plan(p1: &Phone, p2: &Phone) -> TrunkPlan {
    TrunkPlan {
        attempts: vec![
            trunk_leg("first", p1, "0301234"),
            trunk_leg("second", p2, "0301234"),
        ],
        pin: None,
        time_limit: None,
    }
}

#[test]
fn a_503_fails_over_to_the_next_trunk_with_the_rewritten_number() {
    let p1 = Phone::new("p1", "192.0.2.100:5060");
    let p2 = Phone::new("p2", "192.0.2.101:5060");
    let (mut rig, a, p1, p2) = outbound(plan(&p1, &p2));
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("90301234", "out-1", Some(&sdp), &[]));

    let inv = rig.take_request(&p1, Method::Invite);
    assert_eq!(inv.uri.to_string(), "sip:0301234@192.0.2.100:5060");
    assert!(inv
        .headers
        .get("From")
        .unwrap()
        .contains("sip:4930100@192.0.2.100"));
    assert!(inv.headers.get("To").unwrap().contains("sip:0301234@"));
    assert_eq!(
        inv.headers.get("P-Asserted-Identity"),
        Some("<sip:4930101@192.0.2.100>")
    );
    assert!(body(&inv.body).contains("m=audio 10002 RTP/AVP 0 8"));
    rig.reply(&p1, &inv, 503, "p1tag", None);
    assert!(rig.try_take_response(&a, 503).is_none(), "no failure yet");

    let inv2 = rig.take_request(&p2, Method::Invite);
    assert_eq!(inv2.uri.to_string(), "sip:0301234@192.0.2.101:5060");
    assert_ne!(inv2.headers.get("Call-ID"), inv.headers.get("Call-ID"));
    rig.reply(&p2, &inv2, 180, "p2tag", None);
    rig.take_response(&a, 180);
    let psdp = p2.sdp(6000, "sendrecv");
    rig.reply(&p2, &inv2, 200, "p2tag", Some(&psdp));
    rig.take_request(&p2, Method::Ack);
    let ok = rig.take_response(&a, 200);
    rig.ack_2xx(&a, &ok, None);
    assert_eq!(rig.calls.trunk_calls("second"), 1);
    assert_eq!(rig.calls.trunk_calls("first"), 0);

    let mut d = PhoneDialog::from_uac(&ok);
    let bye = d.request(&a, "BYE", None, None, &[]);
    rig.send(&a, &bye);
    rig.take_request(&p2, Method::Bye);
    let cdr = rig.one_cdr();
    assert_eq!(cdr.disposition, Disposition::Answered);
    assert_eq!(cdr.call_type, CallType::Outbound);
    assert_eq!(cdr.trunk.as_deref(), Some("second"));
    assert_eq!(cdr.route.as_deref(), Some("national"));
    assert_eq!(cdr.callee, "90301234");
    assert_eq!(rig.calls.trunk_calls("second"), 0, "slot given back");
}

#[test]
fn a_silent_trunk_is_skipped_after_the_response_timeout() {
    let p1 = Phone::new("p1", "192.0.2.100:5060");
    let p2 = Phone::new("p2", "192.0.2.101:5060");
    let (mut rig, a, p1, p2) = outbound(plan(&p1, &p2));
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("90301234", "out-2", Some(&sdp), &[]));
    rig.take_request(&p1, Method::Invite);
    rig.advance(Duration::from_secs(3));
    assert!(rig.try_take_request(&p2, Method::Invite).is_none());
    rig.advance(Duration::from_secs(2));
    let inv2 = rig.take_request(&p2, Method::Invite);
    rig.reply(&p2, &inv2, 486, "p2tag", None);
    rig.take_response(&a, 486);
    let cdr = rig.one_cdr();
    assert_eq!(cdr.disposition, Disposition::Busy);
    assert_eq!(cdr.trunk.as_deref(), Some("second"));
}

#[test]
fn every_trunk_failing_gives_503() {
    let p1 = Phone::new("p1", "192.0.2.100:5060");
    let p2 = Phone::new("p2", "192.0.2.101:5060");
    let (mut rig, a, p1, p2) = outbound(plan(&p1, &p2));
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("90301234", "out-3", Some(&sdp), &[]));
    let inv = rig.take_request(&p1, Method::Invite);
    rig.reply(&p1, &inv, 503, "t1", None);
    let inv = rig.take_request(&p2, Method::Invite);
    rig.reply(&p2, &inv, 500, "t2", None);
    rig.take_response(&a, 503);
    assert_eq!(rig.one_cdr().cause, Cause::TrunksFailed);
}

#[test]
fn the_provider_challenge_is_answered_with_the_trunk_credentials() {
    let p1 = Phone::new("p1", "192.0.2.100:5060");
    let p2 = Phone::new("p2", "192.0.2.101:5060");
    let mut plan = plan(&p1, &p2);
    plan.attempts[0].credentials = Some(("acct".into(), "s3cret".into()));
    let (mut rig, a, p1, _p2) = outbound(plan);
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("90301234", "out-4", Some(&sdp), &[]));
    let inv = rig.take_request(&p1, Method::Invite);
    let mut server = DigestServer::new(&[3; 32], "provider", rig.now);
    let mut challenge = rotary_sip::transaction::make_response(&inv, 407, "Auth");
    rotary_sip::transaction::set_to_tag(&mut challenge, "ch1");
    for c in server.challenge(rig.now, false) {
        challenge.headers.push("Proxy-Authenticate", c);
    }
    rig.deliver(&p1, rotary_sip::Message::Response(challenge));
    let inv2 = rig.take_request(&p1, Method::Invite);
    assert_eq!(inv2.headers.get("CSeq"), Some("2 INVITE"));
    assert_eq!(inv2.headers.get("Call-ID"), inv.headers.get("Call-ID"));
    assert_eq!(inv2.headers.get("From"), inv.headers.get("From"));
    let creds: Credentials = inv2
        .headers
        .get("Proxy-Authorization")
        .expect("credentials")
        .parse()
        .unwrap();
    assert_eq!(creds.username, "acct");
    assert_eq!(
        server.verify(rig.now, "INVITE", &creds, "s3cret"),
        AuthResult::Ok
    );
    let psdp = p1.sdp(6000, "sendrecv");
    rig.reply(&p1, &inv2, 200, "p1tag", Some(&psdp));
    rig.take_request(&p1, Method::Ack);
    rig.take_response(&a, 200);
}

#[test]
fn a_full_trunk_is_skipped() {
    let p1 = Phone::new("p1", "192.0.2.100:5060");
    let p2 = Phone::new("p2", "192.0.2.101:5060");
    let mut plan = plan(&p1, &p2);
    plan.attempts[0].max_calls = Some(1);
    let (mut rig, a, p1, p2) = outbound(plan);
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("90301234", "out-5", Some(&sdp), &[]));
    let inv = rig.take_request(&p1, Method::Invite);
    rig.reply(&p1, &inv, 180, "p1tag", None);
    assert_eq!(rig.calls.trunk_calls("first"), 1);
    rig.send(&a, &a.invite("90301234", "out-6", Some(&sdp), &[]));
    assert!(rig.try_take_request(&p1, Method::Invite).is_none());
    rig.take_request(&p2, Method::Invite);
}

#[test]
fn the_call_time_limit_hangs_up_both_legs() {
    let p1 = Phone::new("p1", "192.0.2.100:5060");
    let p2 = Phone::new("p2", "192.0.2.101:5060");
    let mut plan = plan(&p1, &p2);
    plan.time_limit = Some(Duration::from_secs(60));
    let (mut rig, a, p1, _p2) = outbound(plan);
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("90301234", "out-7", Some(&sdp), &[]));
    let inv = rig.take_request(&p1, Method::Invite);
    let psdp = p1.sdp(6000, "sendrecv");
    rig.reply(&p1, &inv, 200, "p1tag", Some(&psdp));
    let ok = rig.take_response(&a, 200);
    rig.ack_2xx(&a, &ok, None);
    rig.advance(Duration::from_secs(59));
    assert!(rig.try_take_request(&a, Method::Bye).is_none());
    rig.advance(Duration::from_secs(1));
    rig.take_request(&a, Method::Bye);
    rig.take_request(&p1, Method::Bye);
    let cdr = rig.one_cdr();
    assert_eq!(cdr.cause, Cause::TimeLimit);
    assert_eq!(cdr.billsec, Duration::from_secs(60));
}

#[test]
fn a_routing_refusal_answers_with_its_status_and_code() {
    let (mut rig, a, _b) = two_phones();
    let refusal = Refusal {
        status: 603,
        code: "route.blacklisted",
    };
    rig.routes.insert(
        "0900666".into(),
        (Target::Refuse(refusal), RouteInfo::default()),
    );
    rig.send(
        &a,
        &a.invite("0900666", "out-8", Some(&a.sdp(4000, "sendrecv")), &[]),
    );
    rig.take_response(&a, 603);
    let cdr = rig.one_cdr();
    assert_eq!(cdr.cause, Cause::Routing("route.blacklisted"));
    assert_eq!(cdr.cause.as_str(), "route.blacklisted");
    assert_eq!(cdr.disposition, Disposition::Failed);
    assert!(rig.released().is_empty(), "no media was reserved");
}
