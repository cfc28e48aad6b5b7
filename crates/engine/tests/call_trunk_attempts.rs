//! Outbound attempts through trunks are reported for the trunks' status
//! (`CallAction::TrunkAttempt`): failovers with their code and reason, and the attempt that
//! got through.

mod call_support;

use std::time::Duration;

use call_support::*;
use rotary_engine::call::{CallAction, CallType, RouteInfo, Target, TrunkPlan};
use rotary_engine::trunks::TrunkAttemptOutcome;
use rotary_sip::Method;

/// Caller 101 dials 90301234 out through trunks `first` (.100) then `second` (.101).
fn outbound() -> (Rig, Phone, Phone, Phone) {
    let (mut rig, a, _b) = two_phones();
    let p1 = Phone::new("p1", "192.0.2.100:5060");
    let p2 = Phone::new("p2", "192.0.2.101:5060");
    let plan = TrunkPlan {
        attempts: vec![
            trunk_leg("first", &p1, "0301234"),
            trunk_leg("second", &p2, "0301234"),
        ],
        pin: None,
        time_limit: None,
    };
    let route = RouteInfo {
        kind: CallType::Outbound,
        ..RouteInfo::default()
    };
    rig.routes
        .insert("90301234".into(), (Target::Trunks(plan), route));
    (rig, a, p1, p2)
}

/// The trunk attempts reported so far, as (trunk, outcome).
fn attempts(rig: &Rig) -> Vec<(String, TrunkAttemptOutcome)> {
    rig.actions
        .iter()
        .filter_map(|a| match a {
            CallAction::TrunkAttempt { trunk, outcome, .. } => Some((trunk.clone(), *outcome)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_failover_is_reported_with_its_code_and_the_next_trunk_as_reached() {
    let (mut rig, a, p1, p2) = outbound();
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("90301234", "att-1", Some(&sdp), &[]));
    let inv = rig.take_request(&p1, Method::Invite);
    rig.reply(&p1, &inv, 503, "t1", None);
    let inv2 = rig.take_request(&p2, Method::Invite);
    rig.reply(&p2, &inv2, 180, "t2", None);
    rig.take_response(&a, 180);
    assert_eq!(
        attempts(&rig),
        [
            (
                "first".to_owned(),
                TrunkAttemptOutcome::Failed {
                    code: Some(503),
                    reason: "server_error"
                }
            ),
            ("second".to_owned(), TrunkAttemptOutcome::Reached),
        ]
    );
}

#[test]
fn a_silent_trunk_is_reported_as_no_response_and_a_busy_callee_is_not_a_failure() {
    let (mut rig, a, p1, p2) = outbound();
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("90301234", "att-2", Some(&sdp), &[]));
    rig.take_request(&p1, Method::Invite);
    rig.advance(Duration::from_secs(5));
    let inv2 = rig.take_request(&p2, Method::Invite);
    rig.reply(&p2, &inv2, 486, "t2", None);
    rig.take_response(&a, 486);
    assert_eq!(
        attempts(&rig),
        [(
            "first".to_owned(),
            TrunkAttemptOutcome::Failed {
                code: None,
                reason: "no_response"
            }
        )]
    );
}

#[test]
fn a_408_is_a_timeout() {
    let (mut rig, a, p1, p2) = outbound();
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("90301234", "att-3", Some(&sdp), &[]));
    let inv = rig.take_request(&p1, Method::Invite);
    rig.reply(&p1, &inv, 408, "t1", None);
    let inv2 = rig.take_request(&p2, Method::Invite);
    let psdp = p2.sdp(6000, "sendrecv");
    rig.reply(&p2, &inv2, 200, "t2", Some(&psdp));
    rig.take_response(&a, 200);
    assert_eq!(
        attempts(&rig),
        [
            (
                "first".to_owned(),
                TrunkAttemptOutcome::Failed {
                    code: Some(408),
                    reason: "timeout"
                }
            ),
            ("second".to_owned(), TrunkAttemptOutcome::Reached),
        ]
    );
}
