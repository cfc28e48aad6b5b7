//! "NAT Support": a binding keeps the flow its REGISTER came in on, whatever
//! private address the Contact names; a refresh from a new NAT mapping moves it.

mod common;

use common::*;
use rotary_registrar::RegistrarEvent;
use rotary_sip::{ConnId, Flow, FlowTransport};

#[test]
fn binding_keeps_source_flow_not_contact_host() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "203.0.113.7:40001");
    let resp = sim.register(
        &mut p,
        Some(&acct),
        Reg::contact("<sip:101@192.168.1.23:5062;transport=udp>"),
    );
    assert_eq!(resp.status, 200);
    let b = sim.reg.lookup("101").next().unwrap();
    assert_eq!(b.contact, "sip:101@192.168.1.23:5062;transport=udp");
    assert_eq!(b.flow, flow("203.0.113.7:40001"));
    let events = sim.events();
    let RegistrarEvent::Registered { binding } = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(binding.flow.remote.to_string(), "203.0.113.7:40001");
}

#[test]
fn refresh_from_a_new_mapping_moves_the_flow() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "203.0.113.7:40001");
    let reg = Reg::contact("<sip:101@192.168.1.23:5062>");
    assert_eq!(sim.register(&mut p, Some(&acct), reg.clone()).status, 200);
    sim.events();
    // The NAT gave the phone a new public port; over TCP this time.
    p.flow = Flow {
        transport: FlowTransport::Tcp,
        conn: Some(ConnId(17)),
        ..flow("203.0.113.7:40999")
    };
    assert_eq!(sim.send_authed(&mut p, Some(&acct), reg).status, 200);
    assert_eq!(
        event_names(&sim.events()),
        ["refreshed sip:101@192.168.1.23:5062"]
    );
    let b = sim.reg.lookup("101").next().unwrap();
    assert_eq!(b.flow.remote.to_string(), "203.0.113.7:40999");
    assert_eq!(b.flow.conn, Some(ConnId(17)));
    assert_eq!(sim.reg.binding_count(), 1);
}

#[test]
fn qualify_goes_through_the_nat_flow() {
    let mut sim = Sim::new();
    let mut acct = account("101");
    acct.qualify_interval = 20;
    let mut p = Phone::new("101", "secret", "203.0.113.7:40001");
    assert_eq!(
        sim.register(
            &mut p,
            Some(&acct),
            Reg::contact("<sip:101@192.168.1.23:5062>")
        )
        .status,
        200
    );
    assert!(sim.step());
    let actions = sim.actions();
    let [rotary_registrar::RegistrarAction::Qualify {
        flow: f, request, ..
    }] = actions.as_slice()
    else {
        panic!("{actions:?}")
    };
    assert_eq!(*f, flow("203.0.113.7:40001"));
    assert_eq!(request.uri.to_string(), "sip:101@192.168.1.23:5062");
}
