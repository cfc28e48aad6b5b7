//! A binding that is not refreshed lapses at exactly its expiry instant, with an
//! `Expired` event; a refresh pushes the deadline out.

mod common;

use std::time::Duration;

use common::*;
use rotary_registrar::RegistrarEvent;

#[test]
fn binding_expires_at_the_right_instant() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    assert_eq!(
        sim.register(
            &mut p,
            Some(&acct),
            Reg::contact_expires("<sip:101@198.51.100.1:5060>", 120)
        )
        .status,
        200
    );
    sim.events();
    assert_eq!(
        sim.reg.poll_timeout(),
        Some(sim.t0 + Duration::from_secs(120))
    );

    sim.advance(Duration::from_secs(119));
    assert_eq!(sim.reg.binding_count(), 1);
    assert!(sim.events().is_empty());

    assert!(sim.step());
    assert_eq!(sim.elapsed(), Duration::from_secs(120));
    assert_eq!(sim.reg.binding_count(), 0);
    let events = sim.events();
    assert_eq!(event_names(&events), ["expired sip:101@198.51.100.1:5060"]);
    let RegistrarEvent::Expired { binding } = &events[0] else {
        unreachable!()
    };
    assert_eq!(binding.expires_at_unix, WALL0 + 120);
    assert_eq!(sim.reg.poll_timeout(), None);
    assert_eq!(sim.reg.lookup("101").count(), 0);
}

#[test]
fn refresh_moves_the_deadline() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    let reg = Reg::contact_expires("<sip:101@198.51.100.1:5060>", 120);
    assert_eq!(sim.register(&mut p, Some(&acct), reg.clone()).status, 200);
    sim.advance(Duration::from_secs(100));
    let resp = sim.send_authed(&mut p, Some(&acct), reg);
    assert_eq!(resp.status, 200);
    sim.events();
    assert_eq!(
        sim.reg.poll_timeout(),
        Some(sim.t0 + Duration::from_secs(220))
    );
    sim.advance(Duration::from_secs(119));
    assert_eq!(sim.reg.binding_count(), 1);
    sim.advance(Duration::from_secs(1));
    assert_eq!(
        event_names(&sim.events()),
        ["expired sip:101@198.51.100.1:5060"]
    );
}

#[test]
fn handle_timeout_is_idempotent() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    assert_eq!(
        sim.register(
            &mut p,
            Some(&acct),
            Reg::contact_expires("<sip:101@198.51.100.1:5060>", 60)
        )
        .status,
        200
    );
    sim.events();
    let early = sim.t0 + Duration::from_secs(30);
    sim.reg.handle_timeout(early);
    sim.reg.handle_timeout(early);
    assert_eq!(sim.reg.binding_count(), 1);
    let due = sim.t0 + Duration::from_secs(60);
    sim.reg.handle_timeout(due);
    sim.reg.handle_timeout(due);
    assert_eq!(
        event_names(&sim.events()),
        ["expired sip:101@198.51.100.1:5060"]
    );
}
