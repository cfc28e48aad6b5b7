//! Server transactions absorb request retransmissions: nothing reaches the
//! TU twice, and once a response was sent it is sent again.

mod transaction_support;

use rotary_sip::transaction::{TxEvent, TxState};
use transaction_support::*;

#[test]
fn non_invite_retransmissions() {
    let mut sim = Sim::new();
    let options = request("OPTIONS", "z9hG4bKr1");
    sim.request(udp(), options.clone());
    let tx = match sim.take_events().as_slice() {
        [(_, TxEvent::Request { tx, .. })] => *tx,
        other => panic!("unexpected {other:?}"),
    };

    // Trying: absorbed silently.
    sim.advance_to(ms(500));
    sim.request(udp(), options.clone());
    assert!(sim.sent.is_empty() && sim.events.is_empty());

    // Proceeding: the last provisional is re-sent.
    sim.layer
        .respond(sim.now, tx, answer(&options, 100))
        .unwrap();
    sim.drain();
    sim.request(udp(), options.clone());
    assert_eq!(
        sim.sent
            .iter()
            .map(|(_, t)| sent_status(t))
            .collect::<Vec<_>>(),
        vec![100, 100]
    );

    // Completed: the final is re-sent, byte for byte.
    sim.layer
        .respond(sim.now, tx, answer(&options, 200))
        .unwrap();
    sim.drain();
    sim.advance_to(ms(1_500));
    sim.request(udp(), options.clone());
    let sent = sim.take_sent();
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[2].1, sent[3].1);
    assert_eq!(sent_status(&sent[3].1), 200);
    assert!(sim.events.is_empty());
    assert_eq!(sim.layer.state(tx), Some(TxState::Completed));

    // Timer J (64*T1 from the final) ends it; a late copy is then a new request.
    sim.advance_to(ms(500) + 64 * T1);
    assert_eq!(
        only_events(&sim.take_events()),
        vec![TxEvent::Terminated { tx }]
    );
    sim.request(udp(), options);
    assert!(matches!(
        sim.events.as_slice(),
        [(_, TxEvent::Request { tx: new, .. })] if *new != tx
    ));
}

#[test]
fn invite_retransmission_gets_last_provisional() {
    let mut sim = Sim::new();
    let invite = request("INVITE", "z9hG4bKr2");
    sim.request(udp(), invite.clone());
    let tx = match sim.take_events().as_slice() {
        [(_, TxEvent::Request { tx, .. })] => *tx,
        other => panic!("unexpected {other:?}"),
    };
    sim.layer
        .respond(sim.now, tx, answer(&invite, 180))
        .unwrap();
    sim.drain();
    sim.advance_to(ms(500));
    sim.request(udp(), invite.clone());
    assert_eq!(
        sim.sent
            .iter()
            .map(|(_, t)| sent_status(t))
            .collect::<Vec<_>>(),
        vec![180, 180]
    );

    sim.layer
        .respond(sim.now, tx, answer(&invite, 486))
        .unwrap();
    sim.drain();
    sim.request(udp(), invite);
    let statuses: Vec<_> = sim.sent.iter().map(|(_, t)| sent_status(t)).collect();
    assert_eq!(statuses, vec![180, 180, 486, 486]);
    assert!(sim.events.is_empty());
}

#[test]
fn different_sent_by_or_branch_is_a_different_transaction() {
    let mut sim = Sim::new();
    let a = request("OPTIONS", "z9hG4bKr3");
    let mut b = a.clone();
    b.headers
        .set("Via", "SIP/2.0/UDP 198.51.100.8:5062;branch=z9hG4bKr3");
    let c = request("OPTIONS", "z9hG4bKr4");
    sim.request(udp(), a);
    sim.request(udp(), b);
    sim.request(udp(), c);
    let news = sim
        .events
        .iter()
        .filter(|(_, e)| matches!(e, TxEvent::Request { .. }))
        .count();
    assert_eq!(news, 3);
    assert_eq!(sim.layer.len(), 3);
}

#[test]
fn rfc2543_requests_without_cookie_are_matched() {
    let mut sim = Sim::new();
    let invite = request("INVITE", "old1");
    sim.request(udp(), invite.clone());
    let tx = match sim.take_events().as_slice() {
        [(_, TxEvent::Request { tx, .. })] => *tx,
        other => panic!("unexpected {other:?}"),
    };
    sim.request(udp(), invite.clone());
    assert!(sim.events.is_empty(), "retransmission absorbed");

    let rejection = answer(&invite, 404);
    sim.layer.respond(sim.now, tx, rejection.clone()).unwrap();
    sim.drain();
    let mut ack = request("ACK", "old1");
    ack.headers.set("To", rejection.headers.get("To").unwrap());
    sim.request(udp(), ack);
    assert!(sim.events.is_empty());
    assert_eq!(sim.layer.state(tx), Some(TxState::Confirmed));
}
