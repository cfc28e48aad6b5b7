//! 183 Session Progress with SDP: early media is anchored and relayed before
//! the answer, and the caller keeps that SDP when the 200 comes.

mod call_support;

use std::time::Duration;

use call_support::*;
use rotary_engine::call::{CallAction, CallKey};
use rotary_sip::Method;

#[test]
fn early_media_is_anchored_and_relayed() {
    let (mut rig, a, b) = two_phones();
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("102", "em-1", Some(&sdp), &[]));
    let inv = rig.take_request(&b, Method::Invite);
    rig.reply(&b, &inv, 183, "btag", Some(&b.sdp(5000, "sendrecv")));
    let progress = rig.take_response(&a, 183);
    let early = body(&progress.body);
    assert!(early.contains("m=audio 10000 "), "{early}");
    assert!(rig.actions.contains(&CallAction::StartRelay {
        call: CallKey(1),
        a_remote: "192.0.2.10:4000".parse().unwrap(),
        b_remote: "192.0.2.20:5000".parse().unwrap(),
        rtp_timeout: None,
        plan: pcmu_plan(),
    }));
    rig.advance(Duration::from_secs(2));
    rig.reply(&b, &inv, 200, "btag", Some(&b.sdp(5000, "sendrecv")));
    let ok = rig.take_response(&a, 200);
    assert_eq!(body(&ok.body), early, "the 200 repeats the early answer");
    assert!(rig.actions.contains(&CallAction::StartRelay {
        call: CallKey(1),
        a_remote: "192.0.2.10:4000".parse().unwrap(),
        b_remote: "192.0.2.20:5000".parse().unwrap(),
        rtp_timeout: Some(Duration::from_secs(60)),
        plan: pcmu_plan(),
    }));
}
