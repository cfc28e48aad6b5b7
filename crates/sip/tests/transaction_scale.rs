//! Tens of thousands of concurrent transactions: every one is matched to the
//! right handle and every one ends on its own timer.

mod transaction_support;

use std::collections::HashSet;

use rotary_sip::transaction::TxEvent;
use transaction_support::*;

#[test]
fn twenty_thousand_concurrent_transactions() {
    const N: usize = 10_000;
    let mut sim = Sim::new();
    let mut client = Vec::with_capacity(N);
    let mut server = Vec::with_capacity(N);
    for i in 0..N {
        let out = request("OPTIONS", &format!("z9hG4bKout{i}"));
        let tx = sim.layer.send_request(sim.now, udp(), out.clone()).unwrap();
        client.push((tx, out));
        let incoming = request("REGISTER", &format!("z9hG4bKin{i}"));
        sim.layer.handle_request(sim.now, udp(), incoming.clone());
        server.push(incoming);
    }
    assert_eq!(sim.layer.len(), 2 * N);
    let mut server_tx = Vec::with_capacity(N);
    while let Some(e) = sim.layer.poll_event() {
        match e {
            TxEvent::Request { tx, .. } => server_tx.push(tx),
            other => panic!("unexpected {other:?}"),
        }
    }
    while sim.layer.poll_transmit().is_some() {}
    assert_eq!(server_tx.len(), N);
    let distinct: HashSet<_> = server_tx
        .iter()
        .chain(client.iter().map(|(t, _)| t))
        .collect();
    assert_eq!(distinct.len(), 2 * N);

    // Answer everything in reverse order; each response finds its own tx.
    for (i, (tx, out)) in client.iter().enumerate().rev() {
        sim.layer
            .handle_response(sim.now, udp(), response_to(out, 200));
        match sim.layer.poll_event() {
            Some(TxEvent::Response { tx: got, .. }) => assert_eq!(got, *tx, "client {i}"),
            other => panic!("unexpected {other:?}"),
        }
        sim.layer
            .respond(sim.now, server_tx[i], answer(&server[i], 200))
            .unwrap();
    }
    while sim.layer.poll_transmit().is_some() {}

    // K (T4) ends the clients, J (64*T1) the servers.
    sim.advance_to(T4);
    assert_eq!(sim.layer.len(), N);
    assert_eq!(sim.run_until_idle(), 64 * T1);
    assert!(sim.layer.is_empty());
    let terminated = sim
        .events
        .iter()
        .filter(|(_, e)| matches!(e, TxEvent::Terminated { .. }))
        .count();
    assert_eq!(terminated, 2 * N);
}
