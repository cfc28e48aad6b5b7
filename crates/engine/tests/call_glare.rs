//! Re-INVITE collisions: glare between the legs gets 491 (RFC 3261 §14.1), a
//! second INVITE on the same leg before the first was answered gets 500.

mod call_support;

use call_support::*;
use rotary_sip::Method;

#[test]
fn reinvites_crossing_between_the_legs_get_491() {
    let (mut rig, a, b) = two_phones();
    let (mut da, mut db, _inv, _ok) = answered(&mut rig, &a, &b);
    let from_a = da.request(&a, "INVITE", None, Some(&a.sdp(4000, "sendonly")), &[]);
    rig.send(&a, &from_a);
    let to_b = rig.take_request(&b, Method::Invite);

    // B sends its own re-INVITE before seeing ours.
    let from_b = db.request(&b, "INVITE", None, Some(&b.sdp(5000, "sendonly")), &[]);
    rig.send(&b, &from_b);
    let resp = rig.take_response(&b, 491);
    assert_eq!(resp.headers.get("CSeq"), Some("101 INVITE"));
    assert!(rig.try_take_request(&a, Method::Invite).is_none());

    // B rejects ours with 491 too: relayed to A; the ACK is the transaction layer's.
    rig.reply(&b, &to_b, 491, "btag", None);
    rig.take_request(&b, Method::Ack);
    rig.take_response(&a, 491);

    // After the collision, a retry goes through.
    let retry = da.request(&a, "INVITE", None, Some(&a.sdp(4000, "sendonly")), &[]);
    rig.send(&a, &retry);
    rig.take_request(&b, Method::Invite);
    assert!(rig.cdrs().is_empty());
}

#[test]
fn second_reinvite_from_the_same_leg_gets_500() {
    let (mut rig, a, b) = two_phones();
    let (mut da, _db, _inv, _ok) = answered(&mut rig, &a, &b);
    let first = da.request(&a, "INVITE", None, Some(&a.sdp(4000, "sendonly")), &[]);
    rig.send(&a, &first);
    rig.take_request(&b, Method::Invite);
    let second = da.request(&a, "INVITE", None, Some(&a.sdp(4000, "inactive")), &[]);
    rig.send(&a, &second);
    let resp = rig.take_response(&a, 500);
    assert!(resp.headers.get("Retry-After").is_some());
}

#[test]
fn lower_cseq_is_rejected() {
    let (mut rig, a, b) = two_phones();
    let (mut da, _db, _inv, _ok) = answered(&mut rig, &a, &b);
    let info = da.request(&a, "INFO", Some(5), None, &[]);
    rig.send(&a, &info);
    let out = rig.take_request(&b, Method::Info);
    rig.reply(&b, &out, 200, "btag", None);
    rig.take_response(&a, 200);
    let stale = da.request(&a, "INFO", Some(3), None, &[]);
    rig.send(&a, &stale);
    rig.take_response(&a, 500);
}
