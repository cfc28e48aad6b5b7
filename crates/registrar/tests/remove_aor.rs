//! Deleting an extension drops its bindings (each reported), leaving others alone.

mod common;

use common::*;

#[test]
fn remove_aor_unregisters_all_its_contacts() {
    let mut sim = Sim::new();
    let (a, b) = (account("101"), account("102"));
    let mut p1 = Phone::new("101", "secret", "198.51.100.1:5060");
    let mut p2 = Phone::new("101", "secret", "198.51.100.2:5060");
    let mut p3 = Phone::new("102", "secret", "198.51.100.3:5060");
    assert_eq!(
        sim.register(
            &mut p1,
            Some(&a),
            Reg::contact("<sip:101@198.51.100.1:5060>")
        )
        .status,
        200
    );
    assert_eq!(
        sim.register(
            &mut p2,
            Some(&a),
            Reg::contact("<sip:101@198.51.100.2:5060>")
        )
        .status,
        200
    );
    assert_eq!(
        sim.register(
            &mut p3,
            Some(&b),
            Reg::contact("<sip:102@198.51.100.3:5060>")
        )
        .status,
        200
    );
    sim.events();

    sim.reg.remove_aor("101");
    assert_eq!(
        event_names(&sim.events()),
        [
            "unregistered sip:101@198.51.100.1:5060",
            "unregistered sip:101@198.51.100.2:5060"
        ]
    );
    assert_eq!(sim.reg.binding_count(), 1);
    assert_eq!(
        sim.reg
            .bindings()
            .map(|b| b.aor.as_str())
            .collect::<Vec<_>>(),
        ["102"]
    );
    assert_eq!(sim.reg.lookup("101").count(), 0);
    sim.reg.remove_aor("999");
    assert!(sim.events().is_empty());
}
