//! Nonces expire after their lifetime (simulated time): the right password
//! then gets `Stale` so the phone retries silently; the wrong one is refused.

use std::time::{Duration, Instant};

use rotary_sip::auth::{
    authorize, AuthResult, Challenge, Credentials, DigestConfig, DigestServer, RejectReason,
};

fn creds_for(server: &mut DigestServer, now: Instant, nc: u32) -> Credentials {
    let challenge: Challenge = server.challenge(now, false)[0].parse().unwrap();
    authorize(&challenge, "REGISTER", "sip:pbx", "1001", "pw", "cn", nc)
        .parse()
        .unwrap()
}

#[test]
fn nonce_goes_stale_after_lifetime() {
    let t0 = Instant::now();
    let mut server = DigestServer::new(&[1; 32], "rotary", t0);
    let issued = t0 + Duration::from_secs(7);
    let challenge: Challenge = server.challenge(issued, false)[0].parse().unwrap();
    let answer = |nc: u32, password: &str| -> Credentials {
        authorize(
            &challenge, "REGISTER", "sip:pbx", "1001", password, "cn", nc,
        )
        .parse()
        .unwrap()
    };
    assert_eq!(
        server.verify(issued, "REGISTER", &answer(1, "pw"), "pw"),
        AuthResult::Ok
    );

    let second = answer(2, "pw");
    let late = issued + Duration::from_secs(301);
    assert_eq!(
        server.verify(late, "REGISTER", &second, "pw"),
        AuthResult::Stale
    );
    assert_eq!(
        server.verify(late, "REGISTER", &answer(2, "wrong"), "pw"),
        AuthResult::Rejected(RejectReason::BadResponse),
        "stale is only said to someone who knows the password"
    );

    let values = server.challenge(late, true);
    assert!(values.iter().all(|v| v.ends_with(", stale=true")));
    let fresh: Challenge = values[0].parse().unwrap();
    assert!(fresh.stale);
    let retry: Credentials = authorize(&fresh, "REGISTER", "sip:pbx", "1001", "pw", "cn", 1)
        .parse()
        .unwrap();
    assert_eq!(
        server.verify(late, "REGISTER", &retry, "pw"),
        AuthResult::Ok
    );
}

#[test]
fn lifetime_boundary_and_custom_lifetime() {
    let t0 = Instant::now();
    let mut config = DigestConfig::new("rotary");
    config.nonce_lifetime = Duration::from_secs(30);
    let mut server = DigestServer::with_config(&[2; 32], config, t0);
    let creds = creds_for(&mut server, t0, 1);
    assert_eq!(
        server.verify(t0 + Duration::from_secs(30), "REGISTER", &creds, "pw"),
        AuthResult::Ok
    );
    let creds = creds_for(&mut server, t0, 1);
    assert_eq!(
        server.verify(t0 + Duration::from_secs(31), "REGISTER", &creds, "pw"),
        AuthResult::Stale
    );
}

#[test]
fn expired_entries_are_forgotten() {
    let t0 = Instant::now();
    let mut server = DigestServer::new(&[3; 32], "rotary", t0);
    for _ in 0..5 {
        let creds = creds_for(&mut server, t0, 1);
        assert_eq!(server.verify(t0, "REGISTER", &creds, "pw"), AuthResult::Ok);
    }
    assert_eq!(server.tracked_nonces(), 5);
    let later = t0 + Duration::from_secs(1_000);
    let creds = creds_for(&mut server, later, 1);
    assert_eq!(
        server.verify(later, "REGISTER", &creds, "pw"),
        AuthResult::Ok
    );
    assert_eq!(server.tracked_nonces(), 1);
}
