//! A phone dies mid-call: the relay reports RTP silence and the call ends with
//! BYE to both legs and a CDR that says `rtp_timeout`.

mod call_support;

use std::time::Duration;

use call_support::*;
use rotary_engine::call::{CallAction, CallKey, Cause, Disposition, MediaInput};
use rotary_sip::Method;

#[test]
fn rtp_timeout_byes_both_legs() {
    let (mut rig, a, b) = two_phones();
    answered(&mut rig, &a, &b);
    rig.advance(Duration::from_secs(61));
    rig.calls
        .handle_media(rig.now, &mut rig.txl, CallKey(1), MediaInput::RtpTimeout);
    rig.pump();
    let bye_a = rig.take_request(&a, Method::Bye);
    let bye_b = rig.take_request(&b, Method::Bye);
    let cdr = rig.one_cdr();
    assert_eq!(
        (cdr.disposition, cdr.cause),
        (Disposition::Answered, Cause::RtpTimeout)
    );
    assert_eq!(cdr.billsec, Duration::from_secs(61));
    assert_eq!(rig.released(), [CallKey(1)]);

    // The dead phone never answers its BYE; the live one does. Nothing else happens.
    rig.reply(&b, &bye_b, 200, "btag", None);
    let _ = bye_a;
    rig.advance(Duration::from_secs(40));
    assert_eq!(rig.cdrs().len(), 1);
    assert!(rig.calls.is_empty());
}

#[test]
fn relay_gets_the_rtp_timeout_setting() {
    let (mut rig, a, b) = two_phones();
    rig.settings.rtp_timeout = None;
    answered(&mut rig, &a, &b);
    assert!(rig.actions.iter().any(|x| matches!(
        x,
        CallAction::StartRelay {
            rtp_timeout: None,
            ..
        }
    )));
}

#[test]
fn rtp_timeout_while_ringing_is_ignored() {
    let (mut rig, a, b) = two_phones();
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("102", "rtp-2", Some(&sdp), &[]));
    rig.take_request(&b, Method::Invite);
    rig.calls
        .handle_media(rig.now, &mut rig.txl, CallKey(1), MediaInput::RtpTimeout);
    rig.pump();
    assert!(rig.cdrs().is_empty());
    assert_eq!(rig.calls.active_count(), 1);
}
