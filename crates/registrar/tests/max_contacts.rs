//! "Number of Simultaneous Register": a new contact beyond `max_contacts` gets 403
//! and changes nothing; refreshing a bound contact always works.

mod common;

use common::*;

#[test]
fn third_contact_is_refused_and_refresh_still_works() {
    let mut sim = Sim::new();
    let acct = account("101"); // max_contacts 2
    let mut p1 = Phone::new("101", "secret", "198.51.100.1:5060");
    let mut p2 = Phone::new("101", "secret", "198.51.100.2:5060");
    let mut p3 = Phone::new("101", "secret", "198.51.100.3:5060");
    let c = |n: u8| format!("<sip:101@198.51.100.{n}:5060>");
    assert_eq!(
        sim.register(&mut p1, Some(&acct), Reg::contact(&c(1)))
            .status,
        200
    );
    assert_eq!(
        sim.register(&mut p2, Some(&acct), Reg::contact(&c(2)))
            .status,
        200
    );
    sim.events();

    let resp = sim.register(&mut p3, Some(&acct), Reg::contact(&c(3)));
    assert_eq!(
        (resp.status, resp.reason.as_str()),
        (403, "Too many contacts")
    );
    assert_eq!(
        bound(&sim, "101"),
        ["sip:101@198.51.100.1:5060", "sip:101@198.51.100.2:5060"]
    );
    assert!(sim.events().is_empty());

    let resp = sim.send_authed(&mut p1, Some(&acct), Reg::contact(&c(1)));
    assert_eq!(resp.status, 200);
    assert_eq!(
        contacts(&resp),
        [
            "<sip:101@198.51.100.1:5060>;expires=1800",
            "<sip:101@198.51.100.2:5060>;expires=1800"
        ]
    );
    assert_eq!(
        event_names(&sim.events()),
        ["refreshed sip:101@198.51.100.1:5060"]
    );

    // Once a contact leaves, the third phone fits.
    assert_eq!(
        sim.send_authed(&mut p2, Some(&acct), Reg::contact_expires(&c(2), 0))
            .status,
        200
    );
    assert_eq!(
        sim.send_authed(&mut p3, Some(&acct), Reg::contact(&c(3)))
            .status,
        200
    );
    assert_eq!(
        bound(&sim, "101"),
        ["sip:101@198.51.100.1:5060", "sip:101@198.51.100.3:5060"]
    );
}

#[test]
fn two_new_contacts_in_one_request_over_the_limit_add_neither() {
    let mut sim = Sim::new();
    let mut acct = account("101");
    acct.max_contacts = 1;
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    let reg = Reg {
        contacts: vec![
            "<sip:101@198.51.100.1:5060>".into(),
            "<sip:101@198.51.100.1:5070>".into(),
        ],
        expires: None,
    };
    assert_eq!(sim.register(&mut p, Some(&acct), reg).status, 403);
    assert_eq!(sim.reg.binding_count(), 0);
}

#[test]
fn same_instance_with_a_new_uri_refreshes_at_the_limit() {
    let mut sim = Sim::new();
    let mut acct = account("101");
    acct.max_contacts = 1;
    let inst = ";+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000a95a0e128>\";reg-id=1";
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    let first = format!("<sip:101@198.51.100.1:5060;ob>{inst}");
    assert_eq!(
        sim.register(&mut p, Some(&acct), Reg::contact(&first))
            .status,
        200
    );
    sim.events();
    // The phone restarted (new Call-ID) on a new port: same instance, new URI.
    let mut again = Phone::new("101", "secret", "198.51.100.1:5099");
    let second = format!("<sip:101@198.51.100.1:5099;ob>{inst}");
    let resp = sim.register(&mut again, Some(&acct), Reg::contact(&second));
    assert_eq!(resp.status, 200);
    assert_eq!(
        contacts(&resp),
        ["<sip:101@198.51.100.1:5099;ob>;expires=1800;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000a95a0e128>\";reg-id=1"]
    );
    assert_eq!(
        event_names(&sim.events()),
        [
            "unregistered sip:101@198.51.100.1:5060;ob",
            "registered sip:101@198.51.100.1:5099;ob"
        ]
    );
}
