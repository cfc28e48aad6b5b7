//! A wrong password never gets a 200: it is refused with 403 and binds nothing,
//! however often the phone retries; so are credentials of another extension.

mod common;

use common::*;
use rotary_sip::auth::DigestClient;

#[test]
fn wrong_password_is_forbidden_every_time() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut phone = Phone::new("101", "not-the-secret", "198.51.100.10:5062");
    let reg = Reg::contact("<sip:101@198.51.100.10:5062>");
    let resp = sim.register(&mut phone, Some(&acct), reg.clone());
    assert_eq!((resp.status, resp.reason.as_str()), (403, "Forbidden"));
    for _ in 0..5 {
        let again = sim.send_authed(&mut phone, Some(&acct), reg.clone());
        assert_eq!(again.status, 403);
    }
    // A fresh challenge does not help either.
    let again = sim.register(&mut phone, Some(&acct), reg);
    assert_eq!(again.status, 403);
    assert_eq!(sim.reg.binding_count(), 0);
    assert!(sim.events().is_empty());
}

#[test]
fn credentials_of_another_extension_are_forbidden() {
    let mut sim = Sim::new();
    let acct = account("101");
    // The phone registers To 101 but authenticates as 102 (whose password it knows).
    let mut phone = Phone::new("101", "secret", "198.51.100.10:5062");
    phone.client = DigestClient::new("102", "secret");
    let resp = sim.register(
        &mut phone,
        Some(&acct),
        Reg::contact("<sip:101@198.51.100.10:5062>"),
    );
    assert_eq!(resp.status, 403);
    assert_eq!(sim.reg.binding_count(), 0);
}

#[test]
fn garbage_authorization_is_challenged_not_accepted() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut phone = Phone::new("101", "secret", "198.51.100.10:5062");
    let reg = Reg::contact("<sip:101@198.51.100.10:5062>");
    for auth in [
        "Basic MTAxOnNlY3JldA==",
        "Digest username=\"101\"",
        "Digest username=\"101\", realm=\"rotary\", nonce=\"00\", uri=\"sip:192.0.2.1\", response=\"00\"",
    ] {
        let req = phone.request(&reg, Some(auth.to_string()));
        let resp = sim.send(&phone, &req, Some(&acct));
        assert_eq!(resp.status, 401, "{auth}");
        assert!(resp.headers.get("WWW-Authenticate").is_some());
    }
    assert_eq!(sim.reg.binding_count(), 0);
}
