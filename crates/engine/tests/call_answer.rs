//! A basic call: ringing, answer, anchored SDP both ways, ACK, and a hang-up
//! from either side, each ending with one CDR.

mod call_support;

use std::time::Duration;

use call_support::*;
use rotary_engine::call::{CallAction, CallEventKind, Cause, Disposition, Side};
use rotary_sip::Method;

#[test]
fn answered_call_is_anchored_and_caller_hangs_up() {
    let (mut rig, a, b) = two_phones();
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("102", "call-a-1", Some(&sdp), &[]));

    // Leg B: its own dialog, toward the registered contact, offer anchored on RELAY_B.
    let inv = rig.take_request(&b, Method::Invite);
    assert_eq!(inv.uri.to_string(), "sip:102@192.0.2.20:5060");
    assert_ne!(inv.headers.get("Call-ID"), Some("call-a-1"));
    assert!(inv.headers.get("From").unwrap().contains("sip:101@"));
    assert!(!inv.headers.get("From").unwrap().contains("tag101"));
    assert_eq!(inv.headers.get("CSeq"), Some("1 INVITE"));
    assert_eq!(contact_uri(&inv.headers), "sip:101@192.0.2.1:5060");
    let offer = body(&inv.body);
    assert!(offer.contains("c=IN IP4 192.0.2.1\r\n"), "{offer}");
    assert!(offer.contains("m=audio 10002 RTP/AVP 0 8 "), "{offer}");
    assert!(
        !offer.contains("192.0.2.10"),
        "caller address leaked: {offer}"
    );

    rig.reply(&b, &inv, 180, "btag", None);
    let ringing = rig.take_response(&a, 180);
    let a_tag = to_tag(&ringing.headers).expect("To-tag on 180");
    rig.advance(Duration::from_secs(3));

    let bsdp = b.sdp(5000, "sendrecv");
    rig.reply(&b, &inv, 200, "btag", Some(&bsdp));
    let ack = rig.take_request(&b, Method::Ack);
    assert_eq!(ack.headers.get("CSeq"), Some("1 ACK"));
    assert_eq!(ack.uri.to_string(), "sip:102@192.0.2.20:5060");
    assert!(ack.headers.get("To").unwrap().contains("tag=btag"));

    let ok = rig.take_response(&a, 200);
    assert_eq!(to_tag(&ok.headers), Some(a_tag));
    let answer = body(&ok.body);
    assert!(answer.contains("m=audio 10000 RTP/AVP"), "{answer}");
    assert!(answer.contains("c=IN IP4 192.0.2.1\r\n"), "{answer}");
    assert!(
        !answer.contains("192.0.2.20"),
        "callee address leaked: {answer}"
    );
    assert_eq!(ok.headers.get("Content-Type"), Some("application/sdp"));
    assert!(rig.actions.contains(&CallAction::StartRelay {
        call: rig
            .cdrs()
            .first()
            .map_or(rotary_engine::call::CallKey(1), |c| c.call),
        a_remote: "192.0.2.10:4000".parse().unwrap(),
        b_remote: "192.0.2.20:5000".parse().unwrap(),
        rtp_timeout: Some(Duration::from_secs(60)),
        plan: pcmu_plan(),
    }));
    rig.ack_2xx(&a, &ok, None);
    assert_eq!(rig.calls.active_count(), 1);
    assert!(rig.calls.is_busy("102"));

    rig.advance(Duration::from_secs(10));
    assert_eq!(
        rig.pending_for(&a),
        0,
        "no 2xx retransmission after the ACK: {:?}",
        rig.summary()
    );
    let mut da = PhoneDialog::from_uac(&ok);
    let bye = da.request(&a, "BYE", None, None, &[]);
    rig.send(&a, &bye);
    rig.take_response(&a, 200);
    let bye_b = rig.take_request(&b, Method::Bye);
    assert_eq!(bye_b.headers.get("CSeq"), Some("2 BYE"));
    assert_eq!(bye_b.headers.get("Call-ID"), inv.headers.get("Call-ID"));
    rig.reply(&b, &bye_b, 200, "btag", None);

    let cdr = rig.one_cdr();
    assert_eq!(cdr.disposition, Disposition::Answered);
    assert_eq!(cdr.cause, Cause::NormalClearing);
    assert_eq!((cdr.caller.as_str(), cdr.callee.as_str()), ("101", "102"));
    assert_eq!(cdr.billsec, Duration::from_secs(10));
    assert_eq!(cdr.duration, Duration::from_secs(13));
    assert_eq!(cdr.answer_unix_ms, Some(cdr.start_unix_ms + 3000));
    assert_eq!(cdr.call_id, "call-a-1");
    assert_eq!(cdr.b_call_id.as_deref(), inv.headers.get("Call-ID"));
    assert_eq!(
        rig.event_kinds(),
        [
            CallEventKind::Ringing,
            CallEventKind::Answered,
            CallEventKind::HungUp {
                cause: Cause::NormalClearing
            }
        ]
    );
    assert_eq!(rig.released(), [cdr.call]);
    assert_eq!(rig.calls.active_count(), 0);
    assert!(!rig.calls.is_busy("102"));

    // The ended call is forgotten once stragglers can no longer arrive.
    rig.advance(Duration::from_secs(60));
    assert!(rig.calls.is_empty());
    assert_eq!(rig.calls.poll_timeout(), None);
}

#[test]
fn callee_hangs_up() {
    let (mut rig, a, b) = two_phones();
    let (_da, mut db, _inv, ok) = answered(&mut rig, &a, &b);
    rig.advance(Duration::from_secs(5));
    let bye = db.request(&b, "BYE", None, None, &[]);
    rig.send(&b, &bye);
    rig.take_response(&b, 200);
    let bye_a = rig.take_request(&a, Method::Bye);
    assert_eq!(bye_a.uri.to_string(), "sip:101@192.0.2.10:5060");
    assert_eq!(bye_a.headers.get("Call-ID"), Some("call-a-1"));
    // pbxd's From on leg A is the To it answered with (its tag), To is the caller's From.
    assert_eq!(bye_a.headers.get("From"), ok.headers.get("To"));
    assert!(bye_a.headers.get("To").unwrap().contains("tag=tag101"));
    rig.reply(&a, &bye_a, 200, "x", None);
    let cdr = rig.one_cdr();
    assert_eq!(
        (cdr.disposition, cdr.cause),
        (Disposition::Answered, Cause::NormalClearing)
    );
    assert_eq!(cdr.billsec, Duration::from_secs(5));
}

#[test]
fn bye_for_unknown_dialog_is_not_matched() {
    let (mut rig, a, b) = two_phones();
    let (mut da, _db, _inv, _ok) = answered(&mut rig, &a, &b);
    da.call_id = "nope".into();
    let bye = da.request(&a, "BYE", None, None, &[]);
    rig.send(&a, &bye);
    rig.take_response(&a, 481);
    assert!(rig.cdrs().is_empty());
    assert_eq!(rig.pending_for(&b), 0);
}

#[test]
fn both_sides_hang_up_at_once() {
    let (mut rig, a, b) = two_phones();
    let (mut da, mut db, _inv, _ok) = answered(&mut rig, &a, &b);
    let bye_a = da.request(&a, "BYE", None, None, &[]);
    let bye_b = db.request(&b, "BYE", None, None, &[]);
    rig.send(&a, &bye_a);
    rig.send(&b, &bye_b);
    rig.take_response(&a, 200);
    rig.take_response(&b, 200);
    assert_eq!(rig.cdrs().len(), 1);
    let _ = Side::A;
}
