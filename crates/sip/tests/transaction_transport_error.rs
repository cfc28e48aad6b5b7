//! Transport failures terminate transactions with a TransportError event;
//! misuse of handles is an error, not a panic.

mod transaction_support;

use rotary_sip::transaction::{TxError, TxEvent};
use transaction_support::*;

#[test]
fn transport_error_terminates() {
    let mut sim = Sim::new();
    let tx = sim
        .layer
        .send_request(sim.now, udp(), request("INVITE", "z9hG4bKe1"))
        .unwrap();
    sim.layer.handle_transport_error(sim.now, tx);
    sim.drain();
    assert_eq!(
        only_events(&sim.events),
        vec![TxEvent::TransportError { tx }, TxEvent::Terminated { tx }]
    );
    assert_eq!(sim.layer.poll_timeout(), None);
    // A second report for the same (now gone) handle does nothing.
    sim.layer.handle_transport_error(sim.now, tx);
    sim.drain();
    assert_eq!(sim.events.len(), 2);
}

#[test]
fn closed_connection_fails_its_transactions_only() {
    let mut sim = Sim::new();
    let on_tcp = sim
        .layer
        .send_request(sim.now, tcp(), request("OPTIONS", "z9hG4bKe2"))
        .unwrap();
    sim.request(tcp(), request("INVITE", "z9hG4bKe3"));
    let on_udp = sim
        .layer
        .send_request(sim.now, udp(), request("OPTIONS", "z9hG4bKe4"))
        .unwrap();
    let server_tx = match sim.take_events().as_slice() {
        [(_, TxEvent::Request { tx, .. })] => *tx,
        other => panic!("unexpected {other:?}"),
    };
    sim.layer.handle_flow_closed(sim.now, tcp());
    sim.drain();
    let errors: Vec<_> = sim
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            TxEvent::TransportError { tx } => Some(*tx),
            _ => None,
        })
        .collect();
    assert_eq!(errors, vec![on_tcp, server_tx]);
    assert!(sim.layer.state(on_udp).is_some());
    assert_eq!(sim.layer.len(), 1);
}

#[test]
fn respond_misuse_is_reported() {
    let mut sim = Sim::new();
    let invite = request("INVITE", "z9hG4bKe5");
    let client = sim
        .layer
        .send_request(sim.now, udp(), invite.clone())
        .unwrap();
    assert_eq!(
        sim.layer.respond(sim.now, client, answer(&invite, 200)),
        Err(TxError::NotAServerTransaction { tx: client })
    );
    sim.layer.handle_transport_error(sim.now, client);
    assert_eq!(
        sim.layer.respond(sim.now, client, answer(&invite, 200)),
        Err(TxError::UnknownTransaction { tx: client })
    );
}

#[test]
fn unusable_requests_are_dropped_and_counted() {
    let mut sim = Sim::new();
    let mut broken = request("OPTIONS", "z9hG4bKe6");
    broken.headers.remove("Via");
    sim.request(udp(), broken);
    assert!(sim.events.is_empty() && sim.sent.is_empty());
    assert_eq!(sim.layer.dropped(), 1);
}
