//! "Permit IP": credentials from outside the account's networks get 403
//! "Forbidden (permit)" (after the usual challenge, so probes learn nothing).

mod common;

use common::*;

fn restricted() -> rotary_registrar::Account {
    let mut acct = account("101");
    acct.permit = vec![
        "10.0.0.0/8".parse().unwrap(),
        "2001:db8::/32".parse().unwrap(),
    ];
    acct
}

#[test]
fn outside_the_permit_list_is_forbidden() {
    let mut sim = Sim::new();
    let acct = restricted();
    let mut p = Phone::new("101", "secret", "198.51.100.10:5060");
    let resp = sim.register(
        &mut p,
        Some(&acct),
        Reg::contact("<sip:101@198.51.100.10:5060>"),
    );
    assert_eq!(
        (resp.status, resp.reason.as_str()),
        (403, "Forbidden (permit)")
    );
    assert_eq!(sim.reg.binding_count(), 0);
    assert!(sim.events().is_empty());
}

#[test]
fn inside_the_permit_list_registers() {
    let mut sim = Sim::new();
    let acct = restricted();
    for (i, src) in [
        "10.1.2.3:5060",
        "[2001:db8::7]:5060",
        "[::ffff:10.9.9.9]:5060",
    ]
    .iter()
    .enumerate()
    {
        let mut p = Phone::new("101", "secret", src);
        let mut a = acct.clone();
        a.max_contacts = 5;
        let resp = sim.register(
            &mut p,
            Some(&a),
            Reg::contact(&format!("<sip:101@10.0.0.{i}:5060>")),
        );
        assert_eq!(resp.status, 200, "{src}");
    }
    assert_eq!(sim.reg.binding_count(), 3);
}

#[test]
fn narrowing_the_permit_list_drops_bindings_from_outside() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "198.51.100.10:5060");
    assert_eq!(
        sim.register(
            &mut p,
            Some(&acct),
            Reg::contact("<sip:101@198.51.100.10:5060>")
        )
        .status,
        200
    );
    sim.events();
    let now = sim.now;
    sim.reg.update_account(now, &restricted());
    assert_eq!(
        event_names(&sim.events()),
        ["unregistered sip:101@198.51.100.10:5060"]
    );
    assert_eq!(sim.reg.binding_count(), 0);
}
