//! A phone whose address changed registers a new contact under its old Call-ID.
//! At the contact limit the old binding of that Call-ID is replaced; below it,
//! both live (RFC 3261: distinct bindings).

mod common;

use common::*;

#[test]
fn same_call_id_replaces_old_contact_at_the_limit() {
    let mut sim = Sim::new();
    let mut acct = account("101");
    acct.max_contacts = 1;
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    assert_eq!(
        sim.register(
            &mut p,
            Some(&acct),
            Reg::contact("<sip:101@198.51.100.1:5060>")
        )
        .status,
        200
    );
    sim.events();

    p.flow = flow("198.51.100.77:5060");
    let resp = sim.send_authed(
        &mut p,
        Some(&acct),
        Reg::contact("<sip:101@198.51.100.77:5060>"),
    );
    assert_eq!(resp.status, 200);
    assert_eq!(
        contacts(&resp),
        ["<sip:101@198.51.100.77:5060>;expires=1800"]
    );
    assert_eq!(
        event_names(&sim.events()),
        [
            "unregistered sip:101@198.51.100.1:5060",
            "registered sip:101@198.51.100.77:5060"
        ]
    );
    assert_eq!(
        sim.reg.lookup("101").next().unwrap().flow,
        flow("198.51.100.77:5060")
    );
}

#[test]
fn below_the_limit_both_bindings_stay() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    assert_eq!(
        sim.register(
            &mut p,
            Some(&acct),
            Reg::contact("<sip:101@198.51.100.1:5060>")
        )
        .status,
        200
    );
    p.flow = flow("198.51.100.77:5060");
    assert_eq!(
        sim.send_authed(
            &mut p,
            Some(&acct),
            Reg::contact("<sip:101@198.51.100.77:5060>")
        )
        .status,
        200
    );
    assert_eq!(
        bound(&sim, "101"),
        ["sip:101@198.51.100.1:5060", "sip:101@198.51.100.77:5060"]
    );
}

#[test]
fn another_phones_call_id_is_never_replaced() {
    let mut sim = Sim::new();
    let mut acct = account("101");
    acct.max_contacts = 1;
    let mut p1 = Phone::new("101", "secret", "198.51.100.1:5060");
    let mut p2 = Phone::new("101", "secret", "198.51.100.2:5060");
    assert_eq!(
        sim.register(
            &mut p1,
            Some(&acct),
            Reg::contact("<sip:101@198.51.100.1:5060>")
        )
        .status,
        200
    );
    assert_eq!(
        sim.register(
            &mut p2,
            Some(&acct),
            Reg::contact("<sip:101@198.51.100.2:5060>")
        )
        .status,
        403
    );
    assert_eq!(bound(&sim, "101"), ["sip:101@198.51.100.1:5060"]);
}
