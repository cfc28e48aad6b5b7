//! Parallel forking to every registered contact: first 2xx wins, the others
//! get CANCEL, a late 2xx is ACKed and BYEd, and all-failed picks the best answer.

mod call_support;

use std::time::Duration;

use call_support::*;
use rotary_config::Codec;
use rotary_engine::call::{Cause, Disposition};
use rotary_sip::Method;

fn three_phones() -> (Rig, Phone, Phone, Phone) {
    let mut rig = Rig::new();
    let a = Phone::new("101", "192.0.2.10:5060");
    let b1 = Phone::new("102", "192.0.2.20:5060");
    let b2 = Phone::new("102", "192.0.2.21:5062");
    rig.extension("101", &Codec::ALL, &[&a]);
    rig.extension("102", &Codec::ALL, &[&b1, &b2]);
    (rig, a, b1, b2)
}

#[test]
fn first_200_wins_and_the_other_fork_is_cancelled() {
    let (mut rig, a, b1, b2) = three_phones();
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("102", "fork-1", Some(&sdp), &[]));
    let inv1 = rig.take_request(&b1, Method::Invite);
    let inv2 = rig.take_request(&b2, Method::Invite);
    assert_ne!(inv1.headers.get("Call-ID"), inv2.headers.get("Call-ID"));
    assert_ne!(inv1.headers.get("From"), inv2.headers.get("From"));
    assert_eq!(inv2.uri.to_string(), "sip:102@192.0.2.21:5062");
    rig.reply(&b1, &inv1, 180, "t1", None);
    rig.reply(&b2, &inv2, 180, "t2", None);
    rig.take_response(&a, 180);
    assert!(
        rig.try_take_response(&a, 180).is_none(),
        "one 180 is enough"
    );

    let sdp2 = b2.sdp(5002, "sendrecv");
    rig.reply(&b2, &inv2, 200, "t2", Some(&sdp2));
    rig.take_request(&b2, Method::Ack);
    let cancel = rig.take_request(&b1, Method::Cancel);
    assert!(cancel.headers.get("Reason").unwrap().contains("cause=200"));
    let ok = rig.take_response(&a, 200);
    rig.ack_2xx(&a, &ok, None);
    rig.reply(&b1, &cancel, 200, "t1", None);
    rig.reply(&b1, &inv1, 487, "t1", None);
    rig.take_request(&b1, Method::Ack);
    assert!(rig.cdrs().is_empty());

    let mut da = PhoneDialog::from_uac(&ok);
    let bye = da.request(&a, "BYE", None, None, &[]);
    rig.send(&a, &bye);
    let bye_b = rig.take_request(&b2, Method::Bye);
    assert_eq!(bye_b.headers.get("Call-ID"), inv2.headers.get("Call-ID"));
    assert!(rig.try_take_request(&b1, Method::Bye).is_none());
    let cdr = rig.one_cdr();
    assert_eq!(cdr.disposition, Disposition::Answered);
    assert_eq!(cdr.b_call_id.as_deref(), inv2.headers.get("Call-ID"));
}

#[test]
fn a_second_200_is_acked_and_ended() {
    let (mut rig, a, b1, b2) = three_phones();
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("102", "fork-2", Some(&sdp), &[]));
    let inv1 = rig.take_request(&b1, Method::Invite);
    let inv2 = rig.take_request(&b2, Method::Invite);
    rig.reply(&b1, &inv1, 180, "t1", None);
    rig.reply(&b1, &inv1, 200, "t1", Some(&b1.sdp(5000, "sendrecv")));
    rig.reply(&b2, &inv2, 200, "t2", Some(&b2.sdp(5002, "sendrecv")));
    rig.take_request(&b1, Method::Ack);
    rig.take_request(&b2, Method::Ack);
    let bye = rig.take_request(&b2, Method::Bye);
    assert_eq!(bye.headers.get("Call-ID"), inv2.headers.get("Call-ID"));
    assert!(bye.headers.get("To").unwrap().contains("tag=t2"));
    rig.take_response(&a, 200);
    assert!(rig.try_take_response(&a, 200).is_none());
    assert!(rig.try_take_request(&b1, Method::Bye).is_none());
}

#[test]
fn all_forks_failing_gives_the_best_answer() {
    let (mut rig, a, b1, b2) = three_phones();
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("102", "fork-3", Some(&sdp), &[]));
    let inv1 = rig.take_request(&b1, Method::Invite);
    let inv2 = rig.take_request(&b2, Method::Invite);
    rig.reply(&b1, &inv1, 603, "t1", None);
    assert!(
        rig.try_take_response(&a, 603).is_none(),
        "wait for every fork"
    );
    rig.reply(&b2, &inv2, 486, "t2", None);
    rig.take_response(&a, 603);
    let cdr = rig.one_cdr();
    assert_eq!(
        (cdr.disposition, cdr.cause),
        (Disposition::Failed, Cause::Rejected)
    );
}

#[test]
fn one_busy_and_one_unreachable_is_busy() {
    let (mut rig, a, b1, _b2) = three_phones();
    rig.settings.ring_time = Duration::from_secs(60);
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("102", "fork-4", Some(&sdp), &[]));
    let inv1 = rig.take_request(&b1, Method::Invite);
    rig.reply(&b1, &inv1, 486, "t1", None);
    // b2 never answers: its INVITE times out (Timer B, 64*T1 = 32 s).
    rig.advance(Duration::from_secs(31));
    assert!(
        rig.try_take_response(&a, 486).is_none(),
        "b2 may still answer"
    );
    rig.advance(Duration::from_secs(1));
    rig.take_response(&a, 486);
    let cdr = rig.one_cdr();
    assert_eq!(
        (cdr.disposition, cdr.cause),
        (Disposition::Busy, Cause::Busy)
    );
}

#[test]
fn unreachable_contacts_time_out_to_480() {
    let (mut rig, a, _b1, _b2) = three_phones();
    rig.settings.ring_time = Duration::from_secs(120);
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("102", "fork-5", Some(&sdp), &[]));
    rig.advance(Duration::from_secs(31));
    assert!(rig.try_take_response(&a, 480).is_none());
    // Timer B = 64*T1 = 32 s.
    rig.advance(Duration::from_secs(1));
    rig.take_response(&a, 480);
    let cdr = rig.one_cdr();
    assert_eq!(
        (cdr.disposition, cdr.cause),
        (Disposition::NoAnswer, Cause::Unavailable)
    );
}
