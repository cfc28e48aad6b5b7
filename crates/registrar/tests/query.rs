//! A REGISTER without Contact is a query: 200 with the current bindings and
//! their remaining time, no change.

mod common;

use std::time::Duration;

use common::*;

#[test]
fn query_lists_bindings_with_remaining_time() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p1 = Phone::new("101", "secret", "198.51.100.1:5060");
    let mut p2 = Phone::new("101", "secret", "198.51.100.2:5060");
    assert_eq!(
        sim.register(
            &mut p1,
            Some(&acct),
            Reg::contact_expires("<sip:101@198.51.100.1:5060>", 600)
        )
        .status,
        200
    );
    sim.advance(Duration::from_secs(10));
    assert_eq!(
        sim.register(
            &mut p2,
            Some(&acct),
            Reg::contact("<sip:101@198.51.100.2:5060>")
        )
        .status,
        200
    );
    sim.events();
    sim.advance(Duration::from_millis(90_500));

    let resp = sim.send_authed(&mut p1, Some(&acct), Reg::query());
    assert_eq!(resp.status, 200);
    // Remaining seconds round up: 600 - 100.5 → 500, 1800 - 90.5 → 1710.
    assert_eq!(
        contacts(&resp),
        [
            "<sip:101@198.51.100.1:5060>;expires=500",
            "<sip:101@198.51.100.2:5060>;expires=1710"
        ]
    );
    assert!(resp.headers.get("Date").is_some());
    assert!(sim.events().is_empty());
    assert_eq!(
        sim.reg.lookup("101").next().unwrap().cseq,
        2,
        "a query updates nothing"
    );
}

#[test]
fn query_without_bindings_is_an_empty_200() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    let resp = sim.register(&mut p, Some(&acct), Reg::query());
    assert_eq!(resp.status, 200);
    assert!(contacts(&resp).is_empty());
    assert_eq!(sim.reg.binding_count(), 0);
}

#[test]
fn query_still_needs_credentials() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p = Phone::new("101", "wrong", "198.51.100.1:5060");
    assert_eq!(sim.register(&mut p, Some(&acct), Reg::query()).status, 403);
}
