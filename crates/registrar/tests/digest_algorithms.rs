//! A phone registers answering either challenge: SHA-256 or MD5, offered in the
//! configured order (the site default leads with MD5 for old clients).

mod common;

use common::*;
use rotary_registrar::RegistrarConfig;
use rotary_sip::auth::{Algorithm, Challenge, Qop};

#[test]
fn challenge_offers_sha256_then_md5_with_qop_auth() {
    let mut sim = Sim::with_config(RegistrarConfig {
        digest_algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
        ..config()
    });
    let acct = account("101");
    let mut phone = Phone::new("101", "secret", "198.51.100.10:5062");
    let req = phone.request(&Reg::contact("<sip:101@198.51.100.10:5062>"), None);
    let resp = sim.send(&phone, &req, Some(&acct));
    assert_eq!((resp.status, resp.reason.as_str()), (401, "Unauthorized"));
    let challenges: Vec<Challenge> = resp
        .headers
        .get_all("WWW-Authenticate")
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(
        challenges.iter().map(|c| c.algorithm).collect::<Vec<_>>(),
        [Algorithm::Sha256, Algorithm::Md5]
    );
    for c in &challenges {
        assert_eq!(c.realm, "rotary");
        assert_eq!(c.qop, [Qop::Auth]);
        assert!(!c.stale);
    }
    assert_eq!(challenges[0].nonce, challenges[1].nonce);
    assert!(sim.events().is_empty());
    assert_eq!(sim.reg.binding_count(), 0);
}

#[test]
fn registers_with_sha256() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut phone = Phone::new("101", "secret", "198.51.100.10:5062");
    phone.algorithm = Some(Algorithm::Sha256);
    let resp = sim.register(
        &mut phone,
        Some(&acct),
        Reg::contact("<sip:101@198.51.100.10:5062>"),
    );
    assert_eq!((resp.status, resp.reason.as_str()), (200, "OK"));
    assert_eq!(
        phone.client.challenge().map(|c| c.algorithm),
        Some(Algorithm::Sha256)
    );
    assert_eq!(
        contacts(&resp),
        ["<sip:101@198.51.100.10:5062>;expires=1800"]
    );
    assert_eq!(
        resp.headers.get("Date"),
        Some("Tue, 14 Nov 2023 22:13:20 GMT")
    );
    assert_eq!(
        event_names(&sim.events()),
        ["registered sip:101@198.51.100.10:5062"]
    );
}

#[test]
fn registers_with_md5() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut phone = Phone::new("101", "secret", "198.51.100.10:5062");
    phone.algorithm = Some(Algorithm::Md5);
    let resp = sim.register(
        &mut phone,
        Some(&acct),
        Reg::contact("<sip:101@198.51.100.10:5062>"),
    );
    assert_eq!(resp.status, 200);
    assert_eq!(
        phone.client.challenge().map(|c| c.algorithm),
        Some(Algorithm::Md5)
    );
    assert_eq!(bound(&sim, "101"), ["sip:101@198.51.100.10:5062"]);
    let b = sim.reg.lookup("101").next().unwrap();
    assert_eq!(b.user_agent.as_deref(), Some("TestPhone 1.0"));
    assert_eq!(b.call_id, phone.call_id);
    assert_eq!(b.cseq, 2);
    assert_eq!(b.expires_at, sim.t0 + std::time::Duration::from_secs(1800));
    assert_eq!(b.expires_at_unix, WALL0 + 1800);
}
