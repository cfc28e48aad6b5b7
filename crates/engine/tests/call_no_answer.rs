//! Nobody answers: the ring timeout CANCELs the forks and gives the caller 480;
//! a caller's CANCEL gives 487. Both are NO ANSWER in the CDR.

mod call_support;

use std::time::Duration;

use call_support::*;
use rotary_engine::call::{CallEventKind, Cause, Disposition};
use rotary_sip::Method;

#[test]
fn ring_timeout_cancels_the_fork_and_answers_480() {
    let (mut rig, a, b) = two_phones();
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("102", "noans-1", Some(&sdp), &[]));
    let inv = rig.take_request(&b, Method::Invite);
    rig.reply(&b, &inv, 180, "btag", None);
    rig.take_response(&a, 180);

    rig.advance(Duration::from_secs(29));
    assert!(rig.try_take_request(&b, Method::Cancel).is_none());
    assert!(rig.try_take_response(&a, 480).is_none());
    rig.advance(Duration::from_secs(1));
    let cancel = rig.take_request(&b, Method::Cancel);
    // RFC 3261 §9.1: same branch, Call-ID, CSeq number as the INVITE.
    assert_eq!(cancel.headers.get("Via"), inv.headers.get("Via"));
    assert_eq!(cancel.headers.get("CSeq"), Some("1 CANCEL"));
    rig.take_response(&a, 480);
    rig.reply(&b, &cancel, 200, "btag", None);
    rig.reply(&b, &inv, 487, "btag", None);
    rig.take_request(&b, Method::Ack);

    let cdr = rig.one_cdr();
    assert_eq!(
        (cdr.disposition, cdr.cause, cdr.sip_status),
        (Disposition::NoAnswer, Cause::NoAnswer, 480)
    );
    assert_eq!(cdr.duration, Duration::from_secs(30));
    assert_eq!(cdr.answer_unix_ms, None);
    assert_eq!(
        rig.event_kinds(),
        [
            CallEventKind::Ringing,
            CallEventKind::HungUp {
                cause: Cause::NoAnswer
            }
        ]
    );
    assert_eq!(rig.released().len(), 1);
}

#[test]
fn ring_time_is_a_setting() {
    let (mut rig, a, b) = two_phones();
    rig.settings.ring_time = Duration::from_secs(10);
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("102", "noans-2", Some(&sdp), &[]));
    let inv = rig.take_request(&b, Method::Invite);
    rig.reply(&b, &inv, 180, "btag", None);
    rig.advance(Duration::from_secs(10));
    rig.take_response(&a, 480);
    rig.take_request(&b, Method::Cancel);
}

#[test]
fn silent_contact_is_not_cancelled_before_a_provisional() {
    let (mut rig, a, b) = two_phones();
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("102", "noans-3", Some(&sdp), &[]));
    rig.take_request(&b, Method::Invite);
    rig.advance(Duration::from_secs(30));
    rig.take_response(&a, 480);
    // RFC 3261 §9.1: no CANCEL until the fork sent a provisional.
    assert!(rig.try_take_request(&b, Method::Cancel).is_none());
    rig.advance(Duration::from_secs(40));
    assert_eq!(rig.cdrs().len(), 1);
}

#[test]
fn caller_cancel_gives_487_and_cancels_the_fork() {
    let (mut rig, a, b) = two_phones();
    let sdp = a.sdp(4000, "sendrecv");
    let invite = a.invite("102", "cancel-1", Some(&sdp), &[]);
    rig.send(&a, &invite);
    let inv = rig.take_request(&b, Method::Invite);
    rig.reply(&b, &inv, 180, "btag", None);
    rig.take_response(&a, 180);
    rig.advance(Duration::from_secs(4));

    let cancel = invite
        .replace("INVITE sip:102", "CANCEL sip:102")
        .replace("CSeq: 1 INVITE", "CSeq: 1 CANCEL")
        .split("Content-Type")
        .next()
        .unwrap()
        .to_string()
        + "Content-Length: 0\r\n\r\n";
    rig.send(&a, &cancel);
    let ok = rig.take_response(&a, 200);
    assert_eq!(ok.headers.get("CSeq"), Some("1 CANCEL"));
    rig.take_response(&a, 487);
    rig.take_request(&b, Method::Cancel);
    let cdr = rig.one_cdr();
    assert_eq!(
        (cdr.disposition, cdr.cause, cdr.sip_status),
        (Disposition::NoAnswer, Cause::Cancelled, 487)
    );
    assert_eq!(cdr.duration, Duration::from_secs(4));

    // The callee answers anyway (race): pbxd ACKs and BYEs that dialog.
    let bsdp = b.sdp(5000, "sendrecv");
    rig.reply(&b, &inv, 200, "btag", Some(&bsdp));
    rig.take_request(&b, Method::Ack);
    rig.take_request(&b, Method::Bye);
    assert!(rig.try_take_response(&a, 200).is_none());
    assert_eq!(rig.cdrs().len(), 1);
}

#[test]
fn cancel_after_answer_changes_nothing() {
    let (mut rig, a, b) = two_phones();
    let sdp = a.sdp(4000, "sendrecv");
    let invite = a.invite("102", "cancel-2", Some(&sdp), &[]);
    rig.send(&a, &invite);
    let inv = rig.take_request(&b, Method::Invite);
    let bsdp = b.sdp(5000, "sendrecv");
    rig.reply(&b, &inv, 200, "btag", Some(&bsdp));
    rig.take_response(&a, 200);
    let cancel = invite
        .replace("INVITE sip:102", "CANCEL sip:102")
        .replace("CSeq: 1 INVITE", "CSeq: 1 CANCEL")
        .split("Content-Type")
        .next()
        .unwrap()
        .to_string()
        + "Content-Length: 0\r\n\r\n";
    rig.send(&a, &cancel);
    rig.take_response(&a, 200);
    assert!(rig.try_take_response(&a, 487).is_none());
    assert!(rig.cdrs().is_empty());
    assert_eq!(rig.calls.active_count(), 1);
}
