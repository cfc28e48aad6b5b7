//! A nonce older than its lifetime gets a 401 with `stale=true`; the phone
//! answers the new challenge and is registered.

mod common;

use std::time::Duration;

use common::*;
use rotary_sip::auth::Challenge;

#[test]
fn stale_nonce_is_rechallenged_then_accepted() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut phone = Phone::new("101", "secret", "198.51.100.10:5062");
    let reg = Reg::contact("<sip:101@198.51.100.10:5062>");
    assert_eq!(
        sim.register(&mut phone, Some(&acct), reg.clone()).status,
        200
    );
    sim.events();

    // Within the lifetime the nonce is reused (next nonce count).
    sim.advance(Duration::from_secs(200));
    assert_eq!(
        sim.send_authed(&mut phone, Some(&acct), reg.clone()).status,
        200
    );
    sim.events();

    sim.advance(Duration::from_secs(101));
    let resp = sim.send_authed(&mut phone, Some(&acct), reg.clone());
    assert_eq!(resp.status, 401);
    let challenges: Vec<Challenge> = resp
        .headers
        .get_all("WWW-Authenticate")
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(challenges.len(), 2);
    assert!(challenges.iter().all(|c| c.stale));
    assert!(sim.events().is_empty(), "a stale request changes nothing");

    assert!(phone.take_challenge(&resp));
    let resp = sim.send_authed(&mut phone, Some(&acct), reg);
    assert_eq!(resp.status, 200);
    assert_eq!(
        event_names(&sim.events()),
        ["refreshed sip:101@198.51.100.10:5062"]
    );
}

#[test]
fn nonce_from_before_a_restart_gets_a_fresh_challenge() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut phone = Phone::new("101", "secret", "198.51.100.10:5062");
    let reg = Reg::contact("<sip:101@198.51.100.10:5062>");
    assert_eq!(
        sim.register(&mut phone, Some(&acct), reg.clone()).status,
        200
    );
    // A new registrar has a new nonce secret: the old nonce is not ours.
    let mut sim = sim.restart();
    let resp = sim.send_authed(&mut phone, Some(&acct), reg.clone());
    assert_eq!(
        resp.status, 401,
        "not 403: the phone must be able to recover"
    );
    assert!(phone.take_challenge(&resp));
    assert_eq!(sim.send_authed(&mut phone, Some(&acct), reg).status, 200);
}
