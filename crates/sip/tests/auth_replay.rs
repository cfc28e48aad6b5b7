//! Nonce-count replay protection and the bounded nonce table.

use std::time::{Duration, Instant};

use rotary_sip::auth::{
    authorize, AuthResult, Challenge, Credentials, DigestConfig, DigestServer, RejectReason,
};

fn answer(challenge: &Challenge, nc: u32) -> Credentials {
    authorize(challenge, "REGISTER", "sip:pbx", "1001", "pw", "cnonce", nc)
        .parse()
        .unwrap()
}

fn challenge(server: &mut DigestServer, now: Instant) -> Challenge {
    server.challenge(now, false)[0].parse().unwrap()
}

#[test]
fn nonce_count_must_increase() {
    let t0 = Instant::now();
    let mut server = DigestServer::new(&[9; 32], "rotary", t0);
    let c = challenge(&mut server, t0);
    let verify =
        |server: &mut DigestServer, nc| server.verify(t0, "REGISTER", &answer(&c, nc), "pw");
    assert_eq!(verify(&mut server, 1), AuthResult::Ok);
    assert_eq!(
        verify(&mut server, 1),
        AuthResult::Rejected(RejectReason::Replay)
    );
    assert_eq!(verify(&mut server, 2), AuthResult::Ok);
    assert_eq!(verify(&mut server, 5), AuthResult::Ok, "gaps are fine");
    assert_eq!(
        verify(&mut server, 3),
        AuthResult::Rejected(RejectReason::Replay)
    );
    assert_eq!(
        verify(&mut server, 5),
        AuthResult::Rejected(RejectReason::Replay)
    );
    assert_eq!(verify(&mut server, 6), AuthResult::Ok);
}

#[test]
fn nonces_are_independent() {
    let t0 = Instant::now();
    let mut server = DigestServer::new(&[9; 32], "rotary", t0);
    let a = challenge(&mut server, t0);
    let b = challenge(&mut server, t0);
    assert_eq!(
        server.verify(t0, "REGISTER", &answer(&a, 1), "pw"),
        AuthResult::Ok
    );
    assert_eq!(
        server.verify(t0, "REGISTER", &answer(&b, 1), "pw"),
        AuthResult::Ok
    );
}

#[test]
fn nonce_without_qop_is_single_use() {
    let t0 = Instant::now();
    let mut server = DigestServer::new(&[9; 32], "rotary", t0);
    let mut c = challenge(&mut server, t0);
    c.qop.clear();
    assert_eq!(
        server.verify(t0, "REGISTER", &answer(&c, 1), "pw"),
        AuthResult::Ok
    );
    assert_eq!(
        server.verify(t0, "REGISTER", &answer(&c, 1), "pw"),
        AuthResult::Stale
    );

    let mut config = DigestConfig::new("rotary");
    config.allow_without_qop = false;
    let mut strict = DigestServer::with_config(&[9; 32], config, t0);
    let mut c = challenge(&mut strict, t0);
    c.qop.clear();
    assert_eq!(
        strict.verify(t0, "REGISTER", &answer(&c, 1), "pw"),
        AuthResult::Rejected(RejectReason::QopRequired)
    );
}

#[test]
fn evicted_nonces_are_stale_never_replayable() {
    let t0 = Instant::now();
    let mut config = DigestConfig::new("rotary");
    config.max_tracked_nonces = 2;
    let mut server = DigestServer::with_config(&[9; 32], config, t0);
    let now = t0 + Duration::from_secs(1);
    let first = challenge(&mut server, now);
    let second = challenge(&mut server, now);
    let third = challenge(&mut server, now);
    for c in [&first, &second, &third] {
        assert_eq!(
            server.verify(now, "REGISTER", &answer(c, 1), "pw"),
            AuthResult::Ok
        );
    }
    assert_eq!(server.tracked_nonces(), 2);
    // The first nonce's count was forgotten: it may not be trusted again.
    assert_eq!(
        server.verify(now, "REGISTER", &answer(&first, 1), "pw"),
        AuthResult::Stale
    );
    assert_eq!(
        server.verify(now, "REGISTER", &answer(&first, 2), "pw"),
        AuthResult::Stale
    );
    // The others still count.
    assert_eq!(
        server.verify(now, "REGISTER", &answer(&third, 1), "pw"),
        AuthResult::Rejected(RejectReason::Replay)
    );
    assert_eq!(
        server.verify(now, "REGISTER", &answer(&third, 2), "pw"),
        AuthResult::Ok
    );
}

#[test]
fn failed_attempts_cost_no_memory() {
    let t0 = Instant::now();
    let mut server = DigestServer::new(&[9; 32], "rotary", t0);
    let c = challenge(&mut server, t0);
    for nc in 1..100 {
        let creds = answer(&c, nc);
        assert_eq!(
            server.verify(t0, "REGISTER", &creds, "guess"),
            AuthResult::Rejected(RejectReason::BadResponse)
        );
    }
    assert_eq!(server.tracked_nonces(), 0);
}
