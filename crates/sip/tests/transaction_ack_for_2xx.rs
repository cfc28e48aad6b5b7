//! After a 2xx the INVITE server transaction is Accepted (RFC 6026): INVITE
//! retransmissions are absorbed, the ACK (its own transaction) goes to the
//! dialog layer, and the TU's own 2xx retransmissions pass through.

mod transaction_support;

use rotary_sip::transaction::{TxEvent, TxState};
use transaction_support::*;

#[test]
fn accepted_server_transaction() {
    let mut sim = Sim::new();
    let invite = request("INVITE", "z9hG4bKa1");
    sim.request(udp(), invite.clone());
    let tx = match sim.take_events().as_slice() {
        [(_, TxEvent::Request { tx, .. })] => *tx,
        other => panic!("unexpected {other:?}"),
    };
    let ok = answer(&invite, 200);
    sim.layer.respond(sim.now, tx, ok.clone()).unwrap();
    sim.drain();
    assert_eq!(sim.layer.state(tx), Some(TxState::Accepted));

    // No automatic 2xx retransmission (that is the TU's job) ...
    sim.advance_to(ms(2_000));
    assert_eq!(sim.sent.len(), 1);
    // ... and a retransmitted INVITE is absorbed, not a new request.
    sim.request(udp(), invite.clone());
    assert!(sim.events.is_empty());
    assert_eq!(sim.sent.len(), 1);
    // The TU's retransmission goes out on the transaction's flow.
    sim.layer.respond(sim.now, tx, ok).unwrap();
    sim.drain();
    assert_eq!(sim.sent.len(), 2);
    assert_eq!(sent_status(&sim.sent[1].1), 200);

    // The ACK for the 2xx has a new branch: it belongs to the dialog.
    let ack = request("ACK", "z9hG4bKa1-ack");
    sim.request(udp(), ack.clone());
    assert_eq!(
        only_events(&sim.take_events()),
        vec![TxEvent::Ack {
            flow: udp(),
            request: ack
        }]
    );

    // Timer L = 64*T1 after the 2xx.
    assert_eq!(sim.run_until_idle(), 64 * T1);
    assert_eq!(only_events(&sim.events), vec![TxEvent::Terminated { tx }]);
}

#[test]
fn rfc2543_ack_for_2xx_reaches_the_dialog() {
    // Without the magic cookie the ACK for a 2xx matches the INVITE's key;
    // in Accepted it is passed up rather than swallowed.
    let mut sim = Sim::new();
    let invite = request("INVITE", "old-2xx");
    sim.request(udp(), invite.clone());
    let tx = match sim.take_events().as_slice() {
        [(_, TxEvent::Request { tx, .. })] => *tx,
        other => panic!("unexpected {other:?}"),
    };
    let ok = answer(&invite, 200);
    sim.layer.respond(sim.now, tx, ok.clone()).unwrap();
    let mut ack = request("ACK", "old-2xx");
    ack.headers.set("To", ok.headers.get("To").unwrap());
    sim.request(udp(), ack.clone());
    assert_eq!(
        only_events(&sim.events),
        vec![TxEvent::Ack {
            flow: udp(),
            request: ack
        }]
    );
}
