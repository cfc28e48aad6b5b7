//! Which expiry a contact gets: its `expires` parameter, else the Expires header,
//! else the account default; below Min-Expires is 423, above the maximum is
//! shortened.

mod common;

use common::*;

#[test]
fn below_min_expires_is_423_with_the_floor() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    let resp = sim.register(
        &mut p,
        Some(&acct),
        Reg::contact_expires("<sip:101@198.51.100.1:5060>", 30),
    );
    assert_eq!(
        (resp.status, resp.reason.as_str()),
        (423, "Interval Too Brief")
    );
    assert_eq!(resp.headers.get("Min-Expires"), Some("60"));
    assert_eq!(sim.reg.binding_count(), 0);
    // The phone retries with the floor.
    let resp = sim.send_authed(
        &mut p,
        Some(&acct),
        Reg::contact_expires("<sip:101@198.51.100.1:5060>", 60),
    );
    assert_eq!(resp.status, 200);
    assert_eq!(contacts(&resp), ["<sip:101@198.51.100.1:5060>;expires=60"]);
}

#[test]
fn too_long_is_shortened_to_the_maximum() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    let resp = sim.register(
        &mut p,
        Some(&acct),
        Reg::contact_expires("<sip:101@198.51.100.1:5060>", 999_999_999),
    );
    assert_eq!(resp.status, 200);
    assert_eq!(
        contacts(&resp),
        ["<sip:101@198.51.100.1:5060>;expires=7200"]
    );
}

#[test]
fn contact_param_beats_header_beats_default() {
    let mut sim = Sim::new();
    let mut acct = account("101");
    acct.max_contacts = 5;
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    let reg = Reg {
        contacts: vec![
            "<sip:101@198.51.100.1:5060>;expires=300".into(),
            "<sip:101@198.51.100.1:5070>".into(),
        ],
        expires: Some(600),
    };
    let resp = sim.register(&mut p, Some(&acct), reg);
    assert_eq!(
        contacts(&resp),
        [
            "<sip:101@198.51.100.1:5060>;expires=300",
            "<sip:101@198.51.100.1:5070>;expires=600"
        ]
    );
    let resp = sim.send_authed(
        &mut p,
        Some(&acct),
        Reg::contact("<sip:101@198.51.100.1:5080>"),
    );
    assert_eq!(
        contacts(&resp)[2],
        "<sip:101@198.51.100.1:5080>;expires=1800"
    );
}

#[test]
fn q_value_is_kept_and_echoed() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    let resp = sim.register(
        &mut p,
        Some(&acct),
        Reg::contact("<sip:101@198.51.100.1:5060>;q=0.5"),
    );
    assert_eq!(
        contacts(&resp),
        ["<sip:101@198.51.100.1:5060>;expires=1800;q=0.5"]
    );
    assert_eq!(sim.reg.lookup("101").next().unwrap().q, Some(500));
}

#[test]
fn a_423_changes_nothing_even_for_other_contacts() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    let reg = Reg {
        contacts: vec![
            "<sip:101@198.51.100.1:5060>".into(),
            "<sip:101@198.51.100.1:5070>;expires=10".into(),
        ],
        expires: None,
    };
    assert_eq!(sim.register(&mut p, Some(&acct), reg).status, 423);
    assert_eq!(sim.reg.binding_count(), 0);
    assert!(sim.events().is_empty());
}
