//! Re-registration before expiry at 85 % of what the provider grants (Contact `expires`,
//! else the Expires header), and 423 Interval Too Brief.

mod support;

use std::time::Duration;

use rotary_sip::auth::Algorithm;
use rotary_trunks::{FailureReason, RegistrationState};
use support::{granted, register_with_challenge, Harness, Provider};

#[test]
fn refreshes_at_85_percent_of_the_granted_expiry_every_time() {
    let mut h = Harness::new(r#","expiry":600"#);
    let mut p = Provider::new(vec![Algorithm::Md5], h.t0);
    register_with_challenge(&mut h, &mut p, 60);
    for cycle in 0..3 {
        let registered_at = h.now;
        let jumped = h.advance();
        assert_eq!(jumped, Duration::from_secs(51), "cycle {cycle}");
        assert!(h.now - registered_at < Duration::from_secs(60));
        // Still registered while the refresh is out.
        assert!(h.state().is_registered());
        register_with_challenge(&mut h, &mut p, 60);
        assert_eq!(
            h.state(),
            RegistrationState::Registered {
                expires_at: h.now + Duration::from_secs(60)
            }
        );
    }
    // Refreshes are not state changes.
    assert_eq!(h.state_names(), ["registering", "registered"]);
}

#[test]
fn expires_header_is_used_without_a_contact_expiry() {
    let mut h = Harness::new("");
    let r1 = h.take_request();
    h.respond(&r1, 200, &[("Expires", "120".into())]);
    assert_eq!(
        h.state(),
        RegistrationState::Registered {
            expires_at: h.t0 + Duration::from_secs(120)
        }
    );
    assert_eq!(h.advance(), Duration::from_secs(102));
}

#[test]
fn our_contact_wins_among_several() {
    let mut h = Harness::new("");
    let r1 = h.take_request();
    h.respond(
        &r1,
        200,
        &[
            (
                "Contact",
                "<sip:other@198.51.100.1:5060>;expires=3000".into(),
            ),
            granted(300),
            ("Expires", "999".into()),
        ],
    );
    assert_eq!(
        h.state(),
        RegistrationState::Registered {
            expires_at: h.t0 + Duration::from_secs(300)
        }
    );
}

#[test]
fn interval_too_brief_raises_the_expiry() {
    let mut h = Harness::new(r#","expiry":60"#);
    let r1 = h.take_request();
    assert_eq!(r1.headers.get("Expires"), Some("60"));
    h.respond(&r1, 423, &[("Min-Expires", "900".into())]);
    let r2 = h.take_request();
    assert_eq!(r2.headers.get("Expires"), Some("900"));
    h.respond(&r2, 200, &[granted(900)]);
    assert!(h.state().is_registered());
    // Later refreshes keep asking for the raised expiry.
    h.advance();
    let r3 = h.take_request();
    assert_eq!(r3.headers.get("Expires"), Some("900"));
}

#[test]
fn unusable_min_expires_fails() {
    let mut h = Harness::new("");
    let r1 = h.take_request();
    // Lower than what we asked: following it would loop.
    h.respond(&r1, 423, &[("Min-Expires", "30".into())]);
    assert!(h.nothing_sent());
    assert!(matches!(
        h.state(),
        RegistrationState::Failed {
            reason: FailureReason::IntervalTooBrief,
            ..
        }
    ));
    h.advance();
    let r2 = h.take_request();
    h.respond(&r2, 423, &[]);
    assert!(matches!(
        h.state(),
        RegistrationState::Failed {
            reason: FailureReason::IntervalTooBrief,
            ..
        }
    ));
}
