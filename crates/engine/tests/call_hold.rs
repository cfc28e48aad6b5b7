//! Hold and resume through re-INVITE and UPDATE (RFC 3264 `sendonly` and the
//! RFC 2543 `c=0.0.0.0` form), re-anchored on the other leg, ACK forwarded.

mod call_support;

use call_support::*;
use rotary_engine::call::{CallAction, CallEventKind, Side};
use rotary_sip::Method;

#[test]
fn hold_and_resume_by_reinvite() {
    let (mut rig, a, b) = two_phones();
    let (mut da, _db, _inv, _ok) = answered(&mut rig, &a, &b);

    let hold = da.request(&a, "INVITE", None, Some(&a.sdp(4000, "sendonly")), &[]);
    rig.send(&a, &hold);
    let re = rig.take_request(&b, Method::Invite);
    let offer = body(&re.body);
    assert!(offer.contains("a=sendonly"), "{offer}");
    assert!(offer.contains("m=audio 10002 "), "{offer}");
    assert!(
        offer.contains("o=rotary ") && offer.contains(" 2 IN IP4 192.0.2.1"),
        "version bumped: {offer}"
    );
    assert_eq!(re.headers.get("CSeq"), Some("2 INVITE"));
    assert!(rig.try_take_response(&a, 200).is_none());

    let ok_b = rig.reply(&b, &re, 200, "btag", Some(&b.sdp(5000, "recvonly")));
    let ok_a = rig.take_response(&a, 200);
    assert!(body(&ok_a.body).contains("a=recvonly"));
    assert!(body(&ok_a.body).contains("m=audio 10000 "));
    assert!(rig.actions.contains(&CallAction::UpdateRelay {
        call: rotary_engine::call::CallKey(1),
        leg: Side::A,
        remote: "192.0.2.10:4000".parse().unwrap(),
        hold: true,
        holder: Some("101".into()),
    }));
    assert!(rig
        .event_kinds()
        .contains(&CallEventKind::Held { leg: Side::A }));
    // No ACK to B until A ACKs.
    assert!(rig.try_take_request(&b, Method::Ack).is_none());
    rig.ack_2xx(&a, &ok_a, None);
    let ack = rig.take_request(&b, Method::Ack);
    assert_eq!(ack.headers.get("CSeq"), Some("2 ACK"));
    let _ = ok_b;

    let resume = da.request(&a, "INVITE", None, Some(&a.sdp(4000, "sendrecv")), &[]);
    rig.send(&a, &resume);
    let re = rig.take_request(&b, Method::Invite);
    assert!(body(&re.body).contains("a=sendrecv"));
    rig.reply(&b, &re, 200, "btag", Some(&b.sdp(5000, "sendrecv")));
    let ok_a = rig.take_response(&a, 200);
    rig.ack_2xx(&a, &ok_a, None);
    rig.take_request(&b, Method::Ack);
    let kinds = rig.event_kinds();
    assert_eq!(
        kinds[kinds.len() - 1],
        CallEventKind::Resumed { leg: Side::A }
    );
    assert!(rig.cdrs().is_empty());
}

#[test]
fn old_style_zero_address_hold_from_the_callee() {
    let (mut rig, a, b) = two_phones();
    let (_da, mut db, _inv, _ok) = answered(&mut rig, &a, &b);
    let sdp = b
        .sdp(5000, "sendrecv")
        .replace("c=IN IP4 192.0.2.20", "c=IN IP4 0.0.0.0");
    let hold = db.request(&b, "INVITE", None, Some(&sdp), &[]);
    rig.send(&b, &hold);
    let re = rig.take_request(&a, Method::Invite);
    let offer = body(&re.body);
    assert!(offer.contains("c=IN IP4 192.0.2.1"), "{offer}");
    assert!(offer.contains("a=sendonly"), "{offer}");
    assert!(offer.contains("m=audio 10000 "), "{offer}");
    rig.reply(&a, &re, 200, "x", Some(&a.sdp(4000, "recvonly")));
    let ok_b = rig.take_response(&b, 200);
    assert!(body(&ok_b.body).contains("m=audio 10002 "));
    assert!(rig
        .event_kinds()
        .contains(&CallEventKind::Held { leg: Side::B }));
}

#[test]
fn update_is_relayed_with_its_sdp() {
    let (mut rig, a, b) = two_phones();
    let (mut da, _db, _inv, _ok) = answered(&mut rig, &a, &b);
    let upd = da.request(&a, "UPDATE", None, Some(&a.sdp(4100, "sendrecv")), &[]);
    rig.send(&a, &upd);
    let out = rig.take_request(&b, Method::Update);
    assert!(body(&out.body).contains("m=audio 10002 "));
    rig.reply(&b, &out, 200, "btag", Some(&b.sdp(5000, "sendrecv")));
    let ok = rig.take_response(&a, 200);
    assert!(body(&ok.body).contains("m=audio 10000 "));
    // A moved its media port: the relay learns it.
    assert!(rig.actions.contains(&CallAction::UpdateRelay {
        call: rotary_engine::call::CallKey(1),
        leg: Side::A,
        remote: "192.0.2.10:4100".parse().unwrap(),
        hold: false,
        holder: Some("101".into()),
    }));
}

#[test]
fn info_is_relayed_and_its_answer_comes_back() {
    let (mut rig, a, b) = two_phones();
    let (mut da, _db, _inv, _ok) = answered(&mut rig, &a, &b);
    let info = da.request(&a, "INFO", None, None, &[]).replace(
        "Content-Length: 0\r\n\r\n",
        "Content-Type: application/x-vendor-event\r\nContent-Length: 11\r\n\r\nevent=flash",
    );
    rig.send(&a, &info);
    let out = rig.take_request(&b, Method::Info);
    assert_eq!(
        out.headers.get("Content-Type"),
        Some("application/x-vendor-event")
    );
    assert_eq!(body(&out.body), "event=flash");
    rig.reply(&b, &out, 200, "btag", None);
    rig.take_response(&a, 200);
}
