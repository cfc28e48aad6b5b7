//! Our 2xx to the caller is retransmitted until its ACK (RFC 3261 §13.3.1.4,
//! T1 doubling up to T2); without an ACK for 64*T1 the call ends with BYE.

mod call_support;

use std::time::Duration;

use call_support::*;
use rotary_engine::call::{Cause, Disposition};
use rotary_sip::Method;

fn answer_without_ack(rig: &mut Rig, a: &Phone, b: &Phone) -> rotary_sip::Response {
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(a, &a.invite("102", "rtx-1", Some(&sdp), &[]));
    let inv = rig.take_request(b, Method::Invite);
    rig.reply(b, &inv, 200, "btag", Some(&b.sdp(5000, "sendrecv")));
    rig.take_request(b, Method::Ack);
    rig.take_response(a, 200)
}

#[test]
fn two_hundred_is_retransmitted_until_ack() {
    let (mut rig, a, b) = two_phones();
    let ok = answer_without_ack(&mut rig, &a, &b);
    let start = rig.now;
    let mut at = Vec::new();
    for _ in 0..40 {
        rig.advance(Duration::from_millis(250));
        while let Some(again) = rig.try_take_response(&a, 200) {
            assert_eq!(again, ok, "retransmissions are identical");
            at.push(rig.now - start);
        }
    }
    // T1 = 500 ms doubling: +0.5, +1, +2, +4, then T2 = 4 s.
    let expect: Vec<Duration> = [500, 1500, 3500, 7500]
        .iter()
        .map(|&ms| Duration::from_millis(ms))
        .collect();
    assert_eq!(at, expect);
    rig.ack_2xx(&a, &ok, None);
    rig.advance(Duration::from_secs(20));
    assert!(rig.try_take_response(&a, 200).is_none());
    assert!(rig.try_take_request(&a, Method::Bye).is_none());
    assert!(rig.cdrs().is_empty());
}

#[test]
fn no_ack_for_64_t1_ends_the_call() {
    let (mut rig, a, b) = two_phones();
    answer_without_ack(&mut rig, &a, &b);
    rig.advance(T1 * 64 - Duration::from_millis(1));
    assert!(rig.try_take_request(&b, Method::Bye).is_none());
    rig.advance(Duration::from_millis(1));
    rig.take_request(&a, Method::Bye);
    rig.take_request(&b, Method::Bye);
    let cdr = rig.one_cdr();
    assert_eq!(
        (cdr.disposition, cdr.cause),
        (Disposition::Answered, Cause::AckTimeout)
    );
}

#[test]
fn lost_ack_to_the_callee_is_resent() {
    let (mut rig, a, b) = two_phones();
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("102", "rtx-2", Some(&sdp), &[]));
    let inv = rig.take_request(&b, Method::Invite);
    let ok = rig.reply(&b, &inv, 200, "btag", Some(&b.sdp(5000, "sendrecv")));
    let ack1 = rig.take_request(&b, Method::Ack);
    let ok_a = rig.take_response(&a, 200);
    rig.ack_2xx(&a, &ok_a, None);
    // B did not get the ACK and retransmits its 200 (within Timer M: same transaction).
    rig.deliver(&b, rotary_sip::Message::Response(ok.clone()));
    let ack2 = rig.take_request(&b, Method::Ack);
    assert_eq!(ack1, ack2);
    // After the client transaction is gone, the 200 arrives as a stray 2xx.
    rig.advance(Duration::from_secs(33));
    rig.clear_wire();
    rig.deliver(&b, rotary_sip::Message::Response(ok));
    let ack3 = rig.take_request(&b, Method::Ack);
    assert_eq!(ack1, ack3);
    assert!(rig.try_take_request(&b, Method::Bye).is_none());
    assert!(rig.cdrs().is_empty());
}
