//! Busy callees: a contact answering 486, and an extension already in a call
//! with and without call waiting.

mod call_support;

use call_support::*;
use rotary_engine::call::{CallEventKind, Cause, Disposition};
use rotary_sip::Method;

#[test]
fn busy_contact_gives_486_and_a_busy_cdr() {
    let (mut rig, a, b) = two_phones();
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("102", "busy-1", Some(&sdp), &[]));
    let inv = rig.take_request(&b, Method::Invite);
    rig.reply(&b, &inv, 486, "btag", None);
    // The transaction layer ACKs the 486 itself.
    let ack = rig.take_request(&b, Method::Ack);
    assert_eq!(ack.headers.get("CSeq"), Some("1 ACK"));
    let resp = rig.take_response(&a, 486);
    assert!(to_tag(&resp.headers).is_some());
    let cdr = rig.one_cdr();
    assert_eq!(
        (cdr.disposition, cdr.cause, cdr.sip_status),
        (Disposition::Busy, Cause::Busy, 486)
    );
    assert_eq!(
        rig.event_kinds(),
        [CallEventKind::HungUp { cause: Cause::Busy }]
    );
    assert_eq!(rig.released().len(), 1);
    assert_eq!(rig.calls.active_count(), 0);
}

#[test]
fn second_call_to_a_busy_extension_without_call_waiting_gets_486() {
    let (mut rig, a, b) = two_phones();
    rig.settings.call_waiting = false;
    let c = Phone::new("103", "192.0.2.30:5060");
    rig.extension("103", &rotary_config::Codec::ALL, &[&c]);
    answered(&mut rig, &a, &b);

    let sdp = c.sdp(6000, "sendrecv");
    rig.send(&c, &c.invite("102", "busy-2", Some(&sdp), &[]));
    rig.take_response(&c, 486);
    assert!(
        rig.try_take_request(&b, Method::Invite).is_none(),
        "busy callee must not ring"
    );
    let cdr = rig.one_cdr();
    assert_eq!(
        (cdr.caller.as_str(), cdr.disposition, cdr.cause),
        ("103", Disposition::Busy, Cause::Busy)
    );
    assert_eq!(rig.calls.active_count(), 1);
}

#[test]
fn call_waiting_rings_a_busy_extension() {
    let (mut rig, a, b) = two_phones();
    assert!(rig.settings.call_waiting);
    let c = Phone::new("103", "192.0.2.30:5060");
    rig.extension("103", &rotary_config::Codec::ALL, &[&c]);
    answered(&mut rig, &a, &b);

    let sdp = c.sdp(6000, "sendrecv");
    rig.send(&c, &c.invite("102", "busy-3", Some(&sdp), &[]));
    let inv = rig.take_request(&b, Method::Invite);
    rig.reply(&b, &inv, 180, "b2", None);
    rig.take_response(&c, 180);
    assert_eq!(rig.calls.active_count(), 2);
    assert!(rig.cdrs().is_empty());
}
