//! Stopping a trunk (deleted, disabled, changed): unREGISTER with Expires: 0 when the
//! provider may hold our binding, then `Finished`.

mod support;

use rotary_sip::auth::{Algorithm, AuthResult};
use rotary_trunks::{RegistrationEvent, RegistrationState, TransactionFailure};
use support::{register_with_challenge, www, Harness, Provider};

#[test]
fn registered_trunk_unregisters_through_a_challenge() {
    let mut h = Harness::new("");
    let mut p = Provider::new(vec![Algorithm::Sha256], h.t0);
    register_with_challenge(&mut h, &mut p, 600);
    h.client.stop(h.now);
    let u1 = h.take_request();
    assert_eq!(u1.headers.get("Expires"), Some("0"));
    let ch = p.challenge(h.now, false);
    h.respond(&u1, 401, &www(ch));
    let u2 = h.take_request();
    assert_eq!(u2.headers.get("Expires"), Some("0"));
    assert_eq!(p.verify(h.now, &u2, "Authorization"), AuthResult::Ok);
    assert!(!h.client.is_finished());
    h.respond(&u2, 200, &[]);
    assert!(h.client.is_finished());
    assert_eq!(h.state(), RegistrationState::Unregistered);
    assert_eq!(h.events.last(), Some(&RegistrationEvent::Finished));
    assert_eq!(h.client.poll_timeout(), None);
}

#[test]
fn never_registered_trunk_finishes_at_once() {
    let mut h = Harness::new("");
    let r1 = h.take_request();
    h.respond(&r1, 503, &[]);
    h.client.stop(h.now);
    h.collect();
    assert!(h.nothing_sent());
    assert!(h.client.is_finished());
    assert_eq!(h.events.last(), Some(&RegistrationEvent::Finished));
}

#[test]
fn stop_while_registering_unregisters_and_ignores_the_old_answer() {
    let mut h = Harness::new("");
    let r1 = h.take_request();
    h.client.stop(h.now);
    let u1 = h.take_request();
    assert_eq!(u1.headers.get("Expires"), Some("0"));
    // The first REGISTER's late 200 belongs to an older CSeq.
    h.respond(&r1, 200, &[support::granted(600)]);
    assert!(!h.client.is_finished());
    // No answer to the unREGISTER either: finished anyway.
    h.client.handle_failure(h.now, TransactionFailure::Timeout);
    h.collect();
    assert!(h.client.is_finished());
}
