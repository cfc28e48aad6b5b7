//! Every call attempt ends with exactly one CDR and, when media was reserved,
//! exactly one release; shutdown hangs up every call.

mod call_support;

use std::collections::HashMap;
use std::time::Duration;

use call_support::*;
use rotary_config::Codec;
use rotary_engine::call::{CallAction, CallKey, Cause, Disposition};
use rotary_sip::Method;

#[test]
fn one_cdr_and_one_release_per_attempt() {
    let (mut rig, a, b) = two_phones();
    let c = Phone::new("103", "192.0.2.30:5060");
    rig.extension("103", &Codec::ALL, &[&c]);
    let sdp = a.sdp(4000, "sendrecv");

    // 1: answered and hung up.
    let (mut da, _db, _inv, _ok) = answered(&mut rig, &a, &b);
    let bye = da.request(&a, "BYE", None, None, &[]);
    rig.send(&a, &bye);
    // 2: unknown number.
    rig.send(&a, &a.invite("999", "cdr-2", Some(&sdp), &[]));
    // 3: busy.
    rig.send(&a, &a.invite("103", "cdr-3", Some(&sdp), &[]));
    let inv = rig.take_request(&c, Method::Invite);
    rig.reply(&c, &inv, 486, "c", None);
    // 4: ring timeout.
    rig.send(&a, &a.invite("103", "cdr-4", Some(&sdp), &[]));
    let inv = rig.take_request(&c, Method::Invite);
    rig.reply(&c, &inv, 180, "c", None);
    rig.advance(Duration::from_secs(30));
    rig.reply(&c, &inv, 487, "c", None);
    // 5: the caller hangs up an early dialog with BYE instead of CANCEL.
    rig.send(&a, &a.invite("103", "cdr-5", Some(&sdp), &[]));
    let inv = rig.take_request(&c, Method::Invite);
    rig.reply(&c, &inv, 180, "c", None);
    let ringing = rig
        .wire
        .iter()
        .rev()
        .find_map(|(_, m)| match m {
            rotary_sip::Message::Response(r) if r.status == 180 => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    let mut early = PhoneDialog::from_uac(&ringing);
    let bye = early.request(&a, "BYE", None, None, &[]);
    rig.send(&a, &bye);
    rig.take_request(&c, Method::Cancel);
    rig.advance(Duration::from_secs(60));

    let mut per_call: HashMap<CallKey, usize> = HashMap::new();
    for cdr in rig.cdrs() {
        *per_call.entry(cdr.call).or_default() += 1;
    }
    assert_eq!(per_call.len(), 5);
    assert!(per_call.values().all(|n| *n == 1), "{per_call:?}");
    let causes: Vec<Cause> = rig.cdrs().iter().map(|c| c.cause).collect();
    assert_eq!(
        causes,
        [
            Cause::NormalClearing,
            Cause::NotFound,
            Cause::Busy,
            Cause::NoAnswer,
            Cause::Cancelled
        ]
    );
    let dispositions: Vec<Disposition> = rig.cdrs().iter().map(|c| c.disposition).collect();
    assert_eq!(
        dispositions,
        [
            Disposition::Answered,
            Disposition::Failed,
            Disposition::Busy,
            Disposition::NoAnswer,
            Disposition::NoAnswer
        ]
    );
    // Media was reserved for all but the unknown number, and released once each.
    let released = rig.released();
    assert_eq!(released.len(), 4);
    let mut unique = released.clone();
    unique.dedup();
    assert_eq!(unique, released);
    assert_eq!(rig.calls.active_count(), 0);
    assert!(rig.calls.is_empty(), "ended calls are forgotten");
}

#[test]
fn shutdown_hangs_up_every_call() {
    let (mut rig, a, b) = two_phones();
    let c = Phone::new("103", "192.0.2.30:5060");
    let d = Phone::new("104", "192.0.2.40:5060");
    rig.extension("103", &Codec::ALL, &[&c]);
    rig.extension("104", &Codec::ALL, &[&d]);
    answered(&mut rig, &a, &b);
    rig.send(
        &c,
        &c.invite("104", "sd-2", Some(&c.sdp(6000, "sendrecv")), &[]),
    );
    let inv = rig.take_request(&d, Method::Invite);
    rig.reply(&d, &inv, 180, "d", None);

    rig.calls.hangup_all(rig.now, &mut rig.txl, Cause::Hangup);
    rig.pump();
    rig.take_request(&a, Method::Bye);
    rig.take_request(&b, Method::Bye);
    rig.take_request(&d, Method::Cancel);
    rig.take_response(&c, 480);
    assert_eq!(rig.cdrs().len(), 2);
    assert!(rig.cdrs().iter().all(|c| c.cause == Cause::Hangup));
    assert_eq!(rig.released().len(), 2);
    assert!(!rig
        .media_actions()
        .iter()
        .any(|m| matches!(m, CallAction::AllocateMedia { .. })));
}
