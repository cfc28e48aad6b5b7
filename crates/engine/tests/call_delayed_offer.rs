//! An INVITE without SDP (delayed offer, RFC 3261 §13.2.1): the callee's 2xx
//! carries the offer to the caller, whose ACK carries the answer back.

mod call_support;

use call_support::*;
use rotary_engine::call::{CallAction, CallKey, Side};
use rotary_sip::Method;

#[test]
fn delayed_offer_goes_through_the_acks() {
    let (mut rig, a, b) = two_phones();
    rig.send(&a, &a.invite("102", "late-1", None, &[]));
    let inv = rig.take_request(&b, Method::Invite);
    assert!(inv.body.is_empty(), "no offer toward the callee either");
    rig.reply(&b, &inv, 180, "btag", None);
    rig.take_response(&a, 180);

    let ok_b = rig.reply(&b, &inv, 200, "btag", Some(&b.sdp(5000, "sendrecv")));
    let ok = rig.take_response(&a, 200);
    let offer = body(&ok.body);
    assert!(offer.contains("m=audio 10000 RTP/AVP 0 8 101"), "{offer}");
    // The callee's ACK waits for the caller's answer.
    assert!(rig.try_take_request(&b, Method::Ack).is_none());
    rig.deliver(&b, rotary_sip::Message::Response(ok_b));
    assert!(rig.try_take_request(&b, Method::Ack).is_none());

    rig.ack_2xx(&a, &ok, Some(&a.sdp(4000, "sendrecv")));
    let ack = rig.take_request(&b, Method::Ack);
    let answer = body(&ack.body);
    assert!(answer.contains("m=audio 10002 RTP/AVP"), "{answer}");
    assert!(answer.contains("c=IN IP4 192.0.2.1"), "{answer}");
    assert_eq!(ack.headers.get("CSeq"), Some("1 ACK"));
    assert!(rig.actions.contains(&CallAction::UpdateRelay {
        call: CallKey(1),
        leg: Side::A,
        remote: "192.0.2.10:4000".parse().unwrap(),
        hold: false,
        holder: Some("101".into()),
    }));
    assert!(rig.cdrs().is_empty());
}
