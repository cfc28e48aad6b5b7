//! RFC 3261 §17.2.1: the INVITE server transaction sends `100 Trying` itself
//! when the TU has not responded within 200 ms.

mod transaction_support;

use rotary_sip::transaction::{TimerConfig, TxEvent};
use rotary_sip::Message;
use transaction_support::*;

fn tx_of(sim: &mut Sim) -> rotary_sip::transaction::TxHandle {
    match sim.take_events().as_slice() {
        [(_, TxEvent::Request { tx, .. })] => *tx,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn trying_after_200ms_without_tu_response() {
    let mut sim = Sim::new();
    let mut invite = request("INVITE", "z9hG4bKt1");
    invite.headers.push("Timestamp", "54");
    sim.request(udp(), invite.clone());
    let _tx = tx_of(&mut sim);
    assert!(sim.sent.is_empty());

    sim.advance_to(ms(199));
    assert!(sim.sent.is_empty());
    sim.advance_to(ms(1_000));
    assert_eq!(sim.send_times(), vec![ms(200)]);
    let Message::Response(trying) = sent_message(&sim.sent[0].1) else {
        panic!()
    };
    assert_eq!(trying.status, 100);
    assert_eq!(
        trying.headers.get("To"),
        invite.headers.get("To"),
        "no To tag on 100"
    );
    assert_eq!(trying.headers.get("Via"), invite.headers.get("Via"));
    assert_eq!(trying.headers.get("CSeq"), Some("1 INVITE"));
    assert_eq!(trying.headers.get("Timestamp"), Some("54"));

    // A retransmitted INVITE now gets the 100 again.
    sim.request(udp(), invite);
    assert_eq!(sim.sent.len(), 2);
    assert_eq!(sim.sent[1].1, sim.sent[0].1);
}

#[test]
fn no_trying_when_tu_answers_first() {
    let mut sim = Sim::new();
    let invite = request("INVITE", "z9hG4bKt2");
    sim.request(udp(), invite.clone());
    let tx = tx_of(&mut sim);
    sim.advance_to(ms(150));
    sim.layer
        .respond(sim.now, tx, answer(&invite, 180))
        .unwrap();
    sim.drain();
    sim.advance_to(ms(5_000));
    let statuses: Vec<_> = sim.sent.iter().map(|(_, t)| sent_status(t)).collect();
    assert_eq!(statuses, vec![180]);
}

#[test]
fn non_invite_never_gets_automatic_trying() {
    let mut sim = Sim::new();
    sim.request(udp(), request("REGISTER", "z9hG4bKt3"));
    sim.advance_to(ms(10_000));
    assert!(sim.sent.is_empty());
}

#[test]
fn configurable_immediate_or_never() {
    let mut config = TimerConfig {
        trying_delay: Some(ms(0)),
        ..Default::default()
    };
    let mut sim = Sim::with_config(config);
    sim.request(udp(), request("INVITE", "z9hG4bKt4"));
    assert_eq!(sim.send_times(), vec![ms(0)]);
    assert_eq!(sent_status(&sim.sent[0].1), 100);

    config.trying_delay = None;
    let mut sim = Sim::with_config(config);
    sim.request(udp(), request("INVITE", "z9hG4bKt5"));
    sim.advance_to(ms(10_000));
    assert!(sim.sent.is_empty());
}
