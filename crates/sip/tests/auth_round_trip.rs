//! DigestServer and the client side answering its challenges, for each
//! algorithm, including nonce reuse with increasing nonce counts.

use std::time::{Duration, Instant};

use rotary_sip::auth::{
    authorize, ha1, Algorithm, AuthResult, Challenge, Credentials, DigestClient, DigestConfig,
    DigestServer, Qop,
};

const SECRET: [u8; 32] = [0x5a; 32];

#[test]
fn challenge_lists_sha256_then_md5() {
    let t0 = Instant::now();
    let mut server = DigestServer::new(&SECRET, "rotary", t0);
    let values = server.challenge(t0, false);
    assert_eq!(values.len(), 2);
    let parsed: Vec<Challenge> = values.iter().map(|v| v.parse().unwrap()).collect();
    assert_eq!(parsed[0].algorithm, Algorithm::Sha256);
    assert_eq!(parsed[1].algorithm, Algorithm::Md5);
    for c in &parsed {
        assert_eq!(c.realm, "rotary");
        assert_eq!(c.qop, vec![Qop::Auth]);
        assert_eq!(c.opaque.as_deref(), Some(server.opaque()));
        assert!(!c.stale);
        assert_eq!(c.nonce, parsed[0].nonce, "one nonce per challenge round");
    }
    assert!(
        values[0].starts_with("Digest realm=\"rotary\", nonce=\""),
        "{}",
        values[0]
    );
    assert!(values[0].contains("algorithm=SHA-256") && values[0].contains("qop=\"auth\""));
    // Every round gets a fresh nonce.
    let again: Challenge = server.challenge(t0, false)[0].parse().unwrap();
    assert_ne!(again.nonce, parsed[0].nonce);
}

#[test]
fn each_offered_algorithm_verifies() {
    let t0 = Instant::now();
    let mut server = DigestServer::new(&SECRET, "rotary", t0);
    for (i, value) in server.challenge(t0, false).into_iter().enumerate() {
        let challenge: Challenge = value.parse().unwrap();
        let now = t0 + Duration::from_secs(10);
        let auth = authorize(
            &challenge,
            "REGISTER",
            "sip:pbx.example.com",
            "1001",
            "s3cret",
            "cn",
            1,
        );
        let creds: Credentials = auth.parse().unwrap();
        // Both challenges share a nonce: use a different nc per algorithm.
        let creds = if i == 0 {
            creds
        } else {
            let auth = authorize(
                &challenge,
                "REGISTER",
                "sip:pbx.example.com",
                "1001",
                "s3cret",
                "cn",
                2,
            );
            auth.parse().unwrap()
        };
        assert_eq!(
            server.verify(now, "REGISTER", &creds, "s3cret"),
            AuthResult::Ok,
            "{value}"
        );
    }
}

#[test]
fn client_reuses_nonce_with_increasing_nc() {
    let t0 = Instant::now();
    let mut server = DigestServer::new(&SECRET, "rotary", t0);
    let mut client = DigestClient::new("1001", "s3cret");
    assert_eq!(client.authorization("REGISTER", "sip:pbx", "x"), None);
    let values = server.challenge(t0, false);
    assert!(client.handle_challenge(values.iter().map(String::as_str)));
    assert_eq!(
        client.challenge().map(|c| c.algorithm),
        Some(Algorithm::Sha256)
    );
    for n in 1..=3u32 {
        let now = t0 + Duration::from_secs(60 * u64::from(n));
        let value = client
            .authorization("REGISTER", "sip:pbx", &format!("cn{n}"))
            .unwrap();
        let creds: Credentials = value.parse().unwrap();
        assert_eq!(creds.nc, Some(n));
        assert_eq!(
            server.verify(now, "REGISTER", &creds, "s3cret"),
            AuthResult::Ok
        );
    }
    // A new nonce restarts the count.
    let values = server.challenge(t0 + Duration::from_secs(200), true);
    assert!(client.handle_challenge(values.iter().map(String::as_str)));
    let creds: Credentials = client
        .authorization("REGISTER", "sip:pbx", "c")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(creds.nc, Some(1));
}

#[test]
fn client_skips_unsupported_challenges() {
    let mut client = DigestClient::new("u", "p");
    let values = [
        "Basic realm=\"x\"",
        "Digest realm=\"r\", nonce=\"n\", algorithm=AKAv1-MD5",
        "Digest realm=\"r\", nonce=\"n2\", algorithm=MD5, qop=\"auth\"",
    ];
    assert!(client.handle_challenge(values));
    assert_eq!(client.challenge().map(|c| c.nonce.as_str()), Some("n2"));
    assert!(!client.handle_challenge(["Basic realm=\"x\""]));
}

#[test]
fn md5_only_server_and_stored_ha1() {
    let t0 = Instant::now();
    let mut config = DigestConfig::new("pbx.example.com");
    config.algorithms = vec![Algorithm::Md5];
    let mut server = DigestServer::with_config(&SECRET, config, t0);
    let values = server.challenge(t0, false);
    assert_eq!(values.len(), 1);
    let challenge: Challenge = values[0].parse().unwrap();
    let creds: Credentials = authorize(
        &challenge,
        "INVITE",
        "sip:1002@pbx.example.com",
        "1001",
        "pw",
        "c1",
        1,
    )
    .parse()
    .unwrap();
    let stored = ha1(Algorithm::Md5, "1001", "pbx.example.com", "pw");
    assert_eq!(
        server.verify_ha1(t0, "INVITE", &creds, &stored),
        AuthResult::Ok
    );
}

#[test]
fn rfc2069_client_without_qop() {
    let t0 = Instant::now();
    let mut server = DigestServer::new(&SECRET, "rotary", t0);
    let mut challenge: Challenge = server.challenge(t0, false)[1].parse().unwrap();
    challenge.qop.clear();
    let value = authorize(&challenge, "REGISTER", "sip:pbx", "1001", "pw", "unused", 1);
    assert!(!value.contains("qop") && !value.contains("nc=") && !value.contains("cnonce"));
    let creds: Credentials = value.parse().unwrap();
    assert_eq!(server.verify(t0, "REGISTER", &creds, "pw"), AuthResult::Ok);
}

#[test]
fn session_algorithms_when_configured() {
    let t0 = Instant::now();
    let mut config = DigestConfig::new("rotary");
    config.algorithms = vec![Algorithm::Sha512_256Sess, Algorithm::Md5Sess];
    let mut server = DigestServer::with_config(&SECRET, config, t0);
    for (nc, value) in server.challenge(t0, false).into_iter().enumerate() {
        let challenge: Challenge = value.parse().unwrap();
        let nc = u32::try_from(nc).unwrap() + 1;
        let creds: Credentials =
            authorize(&challenge, "REGISTER", "sip:pbx", "1001", "pw", "cc", nc)
                .parse()
                .unwrap();
        assert!(creds.algorithm.unwrap().is_session());
        assert_eq!(server.verify(t0, "REGISTER", &creds, "pw"), AuthResult::Ok);
    }
}
