//! A provider's digest challenge is answered once (MD5 or SHA-256, 401 or 407); a second
//! challenge means wrong credentials, unless the nonce was only stale.

mod support;

use rotary_sip::auth::{Algorithm, AuthResult};
use rotary_trunks::{FailureReason, RegistrationState};
use std::time::Duration;
use support::{granted, www, Harness, Provider};

#[test]
fn sha256_challenge_is_answered_and_registers() {
    let mut h = Harness::new("");
    let mut p = Provider::new(vec![Algorithm::Sha256, Algorithm::Md5], h.t0);
    let r1 = h.take_request();
    assert_eq!(r1.uri.to_string(), "sip:sip.example.com");
    assert_eq!(r1.headers.get("Expires"), Some("3600"));
    assert!(r1.headers.get("Authorization").is_none());
    assert!(r1
        .headers
        .get("Contact")
        .unwrap()
        .contains("sip:4930111@192.0.2.9:5062"));
    let ch = p.challenge(h.now, false);
    assert!(ch[0].contains("SHA-256"));
    h.respond(&r1, 401, &www(ch));
    let r2 = h.take_request();
    let auth = r2.headers.get("Authorization").unwrap();
    assert!(
        auth.contains("algorithm=SHA-256") && auth.contains("qop=auth"),
        "{auth}"
    );
    assert_eq!(p.verify(h.now, &r2, "Authorization"), AuthResult::Ok);
    // Same Call-ID, next CSeq, new branch (RFC 3261 §10.2).
    assert_eq!(r1.call_id(), r2.call_id());
    assert_eq!(r2.cseq().unwrap().seq, r1.cseq().unwrap().seq + 1);
    assert_ne!(
        r1.top_via().unwrap().branch(),
        r2.top_via().unwrap().branch()
    );
    h.respond(&r2, 200, &[granted(600)]);
    assert_eq!(
        h.state(),
        RegistrationState::Registered {
            expires_at: h.t0 + Duration::from_secs(600)
        }
    );
    assert_eq!(h.status().last_code, Some(200));
    assert_eq!(h.state_names(), ["registering", "registered"]);
}

#[test]
fn md5_proxy_challenge_gets_proxy_authorization() {
    let mut h = Harness::new("");
    let mut p = Provider::new(vec![Algorithm::Md5], h.t0);
    let r1 = h.take_request();
    let ch: Vec<_> = p
        .challenge(h.now, false)
        .into_iter()
        .map(|v| ("Proxy-Authenticate", v))
        .collect();
    h.respond(&r1, 407, &ch);
    let r2 = h.take_request();
    assert!(r2.headers.get("Authorization").is_none());
    assert!(r2
        .headers
        .get("Proxy-Authorization")
        .unwrap()
        .contains("algorithm=MD5"));
    assert_eq!(p.verify(h.now, &r2, "Proxy-Authorization"), AuthResult::Ok);
    h.respond(&r2, 200, &[granted(600)]);
    assert!(h.state().is_registered());
}

#[test]
fn second_challenge_means_wrong_credentials() {
    let mut h = Harness::new("");
    let mut p = Provider::new(vec![Algorithm::Md5], h.t0);
    let r1 = h.take_request();
    let ch = p.challenge(h.now, false);
    h.respond(&r1, 401, &www(ch));
    let r2 = h.take_request();
    let again = p.challenge(h.now, false);
    h.respond(&r2, 401, &www(again));
    assert!(h.nothing_sent(), "no third attempt in the same cycle");
    let RegistrationState::Failed { reason, retry_at } = h.state() else {
        panic!("{:?}", h.state())
    };
    assert_eq!(reason, FailureReason::AuthRejected);
    let wait = retry_at.unwrap() - h.now;
    assert!(
        wait >= Duration::from_secs(27) && wait <= Duration::from_secs(30),
        "{wait:?}"
    );
    assert_eq!(h.status().last_code, Some(401));
    // The retry starts a fresh cycle: no credentials until challenged again.
    h.advance();
    let r3 = h.take_request();
    assert!(r3.headers.get("Authorization").is_none());
}

#[test]
fn stale_nonce_is_answered_once_more() {
    let mut h = Harness::new("");
    let mut p = Provider::new(vec![Algorithm::Md5], h.t0);
    let r1 = h.take_request();
    let ch = p.challenge(h.now, false);
    h.respond(&r1, 401, &www(ch));
    let r2 = h.take_request();
    let stale = p.challenge(h.now, true);
    assert!(stale[0].contains("stale=true"));
    h.respond(&r2, 401, &www(stale));
    let r3 = h.take_request();
    assert_eq!(p.verify(h.now, &r3, "Authorization"), AuthResult::Ok);
    // A further stale challenge in the same cycle is a failure, not a loop.
    let stale = p.challenge(h.now, true);
    h.respond(&r3, 401, &www(stale));
    assert!(h.nothing_sent());
    assert!(matches!(
        h.state(),
        RegistrationState::Failed {
            reason: FailureReason::AuthRejected,
            ..
        }
    ));
}

#[test]
fn challenge_without_usable_digest_fails() {
    let mut h = Harness::new("");
    let r1 = h.take_request();
    h.respond(
        &r1,
        401,
        &[("WWW-Authenticate", "Basic realm=\"x\"".into())],
    );
    assert!(h.nothing_sent());
    assert!(matches!(
        h.state(),
        RegistrationState::Failed {
            reason: FailureReason::BadChallenge,
            ..
        }
    ));
    // No header at all: the same.
    h.advance();
    let r2 = h.take_request();
    h.respond(&r2, 401, &[]);
    assert!(matches!(
        h.state(),
        RegistrationState::Failed {
            reason: FailureReason::BadChallenge,
            ..
        }
    ));
}
