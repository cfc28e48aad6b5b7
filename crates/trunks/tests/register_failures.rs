//! Failures: timeouts back off (doubling from the retry interval up to 30 minutes), 403
//! retries only slowly, other errors and unusable answers are reported with their reason.

mod support;

use std::time::Duration;

use rotary_sip::auth::Algorithm;
use rotary_trunks::{FailureReason, RegistrationState, TransactionFailure, MAX_BACKOFF};
use support::{granted, register_with_challenge, Harness, Provider};

fn failed(h: &Harness) -> (FailureReason, Option<Duration>) {
    match h.state() {
        RegistrationState::Failed { reason, retry_at } => (reason, retry_at.map(|t| t - h.now)),
        other => panic!("not failed: {other:?}"),
    }
}

#[test]
fn timeouts_back_off_doubling_to_the_cap() {
    let mut h = Harness::new("");
    let mut waits = Vec::new();
    for _ in 0..10 {
        let _ = h.take_request();
        h.client.handle_failure(h.now, TransactionFailure::Timeout);
        h.collect();
        let (reason, wait) = failed(&h);
        assert_eq!(reason, FailureReason::Timeout);
        waits.push(wait.unwrap());
        assert_eq!(h.advance(), wait.unwrap());
    }
    let mut nominal = Duration::from_secs(30);
    for w in &waits {
        assert!(
            *w <= nominal && *w >= nominal * 9 / 10,
            "{w:?} vs {nominal:?}"
        );
        nominal = (nominal * 2).min(MAX_BACKOFF);
    }
    assert!(waits[9] >= MAX_BACKOFF * 9 / 10);
    assert_eq!(h.status().failures, 10);
    assert_eq!(h.status().last_code, None, "no answer was ever received");
    // Success resets the back-off.
    let mut p = Provider::new(vec![Algorithm::Md5], h.t0);
    register_with_challenge(&mut h, &mut p, 600);
    assert_eq!(h.status().failures, 0);
}

#[test]
fn silence_without_a_transaction_event_is_a_timeout() {
    let mut h = Harness::new("");
    let _ = h.take_request();
    assert_eq!(h.advance(), Duration::from_secs(40));
    assert_eq!(failed(&h).0, FailureReason::Timeout);
    assert_eq!(h.state_names(), ["registering", "failed"]);
}

#[test]
fn transport_errors_are_reported_as_such() {
    let mut h = Harness::new("");
    let _ = h.take_request();
    h.client
        .handle_failure(h.now, TransactionFailure::Transport);
    assert_eq!(failed(&h).0, FailureReason::TransportError);
}

#[test]
fn forbidden_waits_the_full_cap() {
    let mut h = Harness::new("");
    let r1 = h.take_request();
    h.respond(&r1, 403, &[]);
    assert!(h.nothing_sent());
    let (reason, wait) = failed(&h);
    assert_eq!(reason, FailureReason::Forbidden);
    assert_eq!(wait, Some(MAX_BACKOFF));
    assert_eq!(h.status().last_code, Some(403));
}

#[test]
fn other_errors_are_rejections_with_their_code() {
    let mut h = Harness::new("");
    let r1 = h.take_request();
    h.respond(&r1, 503, &[]);
    assert_eq!(failed(&h).0, FailureReason::Rejected { status: 503 });
    assert_eq!(h.status().last_code, Some(503));
    h.advance();
    let r2 = h.take_request();
    h.respond(
        &r2,
        302,
        &[("Contact", "<sip:elsewhere@192.0.2.77>".into())],
    );
    assert_eq!(failed(&h).0, FailureReason::Rejected { status: 302 });
}

#[test]
fn unusable_answers_and_strays_are_handled() {
    let mut h = Harness::new("");
    let r1 = h.take_request();
    // A response to some other CSeq is not ours.
    let mut stray = r1.clone();
    stray.headers.set("CSeq", "77 REGISTER");
    h.respond(&stray, 200, &[granted(600)]);
    assert_eq!(h.state(), RegistrationState::Registering);
    // Provisional answers change nothing.
    h.respond(&r1, 100, &[]);
    assert_eq!(h.state(), RegistrationState::Registering);
    // A 200 granting nothing.
    h.respond(&r1, 200, &[("Expires", "0".into())]);
    assert_eq!(failed(&h).0, FailureReason::BadResponse);
    // A late duplicate after the failure is ignored.
    h.respond(&r1, 200, &[granted(600)]);
    assert_eq!(failed(&h).0, FailureReason::BadResponse);
}

#[test]
fn gives_up_after_max_retries() {
    let mut h = Harness::new(r#","max_retries":2"#);
    let _ = h.take_request();
    h.client.handle_failure(h.now, TransactionFailure::Timeout);
    h.advance();
    let _ = h.take_request();
    h.client.handle_failure(h.now, TransactionFailure::Timeout);
    h.collect();
    assert_eq!(failed(&h), (FailureReason::Timeout, None));
    assert_eq!(h.client.poll_timeout(), None);
}

#[test]
fn unresolved_host_waits_for_an_address() {
    let mut h = Harness::new("");
    let _ = h.take_request();
    h.client.handle_failure(h.now, TransactionFailure::Timeout);
    h.client.set_destination(h.now, None);
    h.advance();
    // The retry has nowhere to go: it asks for an address.
    assert!(h.nothing_sent());
    assert!(h
        .events
        .contains(&rotary_trunks::RegistrationEvent::AddressNeeded));
    h.client
        .set_destination(h.now, Some(support::PROVIDER.parse().unwrap()));
    let r = h.take_request();
    h.respond(&r, 200, &[granted(600)]);
    assert!(h.state().is_registered());
}
