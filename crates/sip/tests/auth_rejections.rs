//! Credentials the server must refuse, each with its reason.

use std::time::Instant;

use rotary_sip::auth::{
    authorize, Algorithm, AuthResult, Challenge, Credentials, DigestServer, Qop, RejectReason,
};

struct Setup {
    t0: Instant,
    server: DigestServer,
    challenge: Challenge,
}

fn setup() -> Setup {
    let t0 = Instant::now();
    let mut server = DigestServer::new(b"a secret of thirty-two bytes....", "rotary", t0);
    let challenge = server.challenge(t0, false)[0].parse().unwrap();
    Setup {
        t0,
        server,
        challenge,
    }
}

impl Setup {
    fn creds(&self, password: &str) -> Credentials {
        authorize(
            &self.challenge,
            "REGISTER",
            "sip:pbx",
            "1001",
            password,
            "cn",
            1,
        )
        .parse()
        .unwrap()
    }

    fn verify(&mut self, creds: &Credentials) -> AuthResult {
        self.server.verify(self.t0, "REGISTER", creds, "pw")
    }
}

fn rejected(reason: RejectReason) -> AuthResult {
    AuthResult::Rejected(reason)
}

#[test]
fn wrong_password() {
    let mut s = setup();
    let creds = s.creds("pw!");
    assert_eq!(s.verify(&creds), rejected(RejectReason::BadResponse));
    let creds = s.creds("pw");
    assert_eq!(s.verify(&creds), AuthResult::Ok);
}

#[test]
fn wrong_method_or_uri() {
    let mut s = setup();
    let creds = s.creds("pw");
    assert_eq!(
        s.server.verify(s.t0, "INVITE", &creds, "pw"),
        rejected(RejectReason::BadResponse)
    );
    let mut moved = creds.clone();
    moved.uri = "sip:elsewhere".into();
    assert_eq!(s.verify(&moved), rejected(RejectReason::BadResponse));
}

#[test]
fn wrong_realm() {
    let mut s = setup();
    s.challenge.realm = "other".into();
    let creds = s.creds("pw");
    assert_eq!(s.verify(&creds), rejected(RejectReason::RealmMismatch));
}

#[test]
fn tampered_or_foreign_nonce() {
    let mut s = setup();
    let good = s.challenge.nonce.clone();
    // Flip the issue-time digits (pretend the nonce is newer).
    let mut tampered = good.clone().into_bytes();
    tampered[7] = if tampered[7] == b'0' { b'1' } else { b'0' };
    s.challenge.nonce = String::from_utf8(tampered).unwrap();
    let creds = s.creds("pw");
    assert_eq!(s.verify(&creds), rejected(RejectReason::BadNonce));

    for bogus in [
        "",
        "xyz",
        "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        &good[..good.len() - 2],
    ] {
        s.challenge.nonce = bogus.to_string();
        let creds = s.creds("pw");
        assert_eq!(
            s.verify(&creds),
            rejected(RejectReason::BadNonce),
            "{bogus}"
        );
    }

    let mut other = DigestServer::new(&[0; 32], "rotary", s.t0);
    s.challenge = other.challenge(s.t0, false)[0].parse().unwrap();
    let creds = s.creds("pw");
    assert_eq!(s.verify(&creds), rejected(RejectReason::BadNonce));
}

#[test]
fn algorithm_not_offered() {
    let mut s = setup();
    s.challenge.algorithm = Algorithm::Sha512_256;
    let creds = s.creds("pw");
    assert_eq!(
        s.verify(&creds),
        rejected(RejectReason::UnsupportedAlgorithm)
    );
    s.challenge.algorithm = Algorithm::Md5Sess;
    let creds = s.creds("pw");
    assert_eq!(
        s.verify(&creds),
        rejected(RejectReason::UnsupportedAlgorithm)
    );
}

#[test]
fn opaque_must_match_when_present() {
    let mut s = setup();
    let mut creds = s.creds("pw");
    creds.opaque = Some("forged".into());
    assert_eq!(s.verify(&creds), rejected(RejectReason::OpaqueMismatch));
    creds.opaque = None;
    assert_eq!(
        s.verify(&creds),
        AuthResult::Ok,
        "an omitted opaque is tolerated"
    );
}

#[test]
fn qop_parameters() {
    let mut s = setup();
    let good = s.creds("pw");

    let mut int = good.clone();
    int.qop = Some(Qop::AuthInt);
    assert_eq!(s.verify(&int), rejected(RejectReason::UnsupportedQop));

    // svcrack style: qop=auth without cnonce and nc.
    let mut bare = good.clone();
    bare.cnonce = None;
    bare.nc = None;
    assert_eq!(s.verify(&bare), rejected(RejectReason::MissingCnonce));
    let mut no_nc = good.clone();
    no_nc.nc = None;
    assert_eq!(s.verify(&no_nc), rejected(RejectReason::MissingNonceCount));
    let mut zero = good.clone();
    zero.nc = Some(0);
    assert_eq!(s.verify(&zero), rejected(RejectReason::MissingNonceCount));
}

#[test]
fn userhash_is_refused() {
    let mut s = setup();
    let mut creds = s.creds("pw");
    creds.userhash = true;
    assert_eq!(
        s.verify(&creds),
        rejected(RejectReason::UserhashUnsupported)
    );
}

#[test]
fn response_hex_case_is_ignored() {
    let mut s = setup();
    let mut creds = s.creds("pw");
    creds.response = creds.response.to_ascii_uppercase();
    assert_eq!(s.verify(&creds), AuthResult::Ok);
}
