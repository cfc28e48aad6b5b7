//! INVITE server transaction over UDP: a non-2xx final response is
//! retransmitted on Timer G until the ACK arrives, or until Timer H reports
//! the missing ACK.

mod transaction_support;

use rotary_sip::transaction::{TxEvent, TxState};
use transaction_support::*;

fn start(sim: &mut Sim, branch: &str) -> (rotary_sip::transaction::TxHandle, rotary_sip::Request) {
    let invite = request("INVITE", branch);
    sim.request(udp(), invite.clone());
    let tx = match sim.take_events().as_slice() {
        [(_, TxEvent::Request { tx, request, flow })] => {
            assert_eq!(request, &invite);
            assert_eq!(flow, &udp());
            *tx
        }
        other => panic!("unexpected {other:?}"),
    };
    (tx, invite)
}

#[test]
fn final_response_retransmitted_until_timer_h() {
    let mut sim = Sim::new();
    let (tx, invite) = start(&mut sim, "z9hG4bKs1");
    sim.layer
        .respond(sim.now, tx, answer(&invite, 486))
        .unwrap();
    sim.drain();
    assert_eq!(sim.layer.state(tx), Some(TxState::Completed));

    let idle = sim.run_until_idle();

    // G: T1, 2T1, 4T1, then capped at T2 = 4 s, until H at 64*T1 = 32 s.
    let expected: Vec<_> = [
        0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]
    .map(ms)
    .to_vec();
    assert_eq!(sim.send_times(), expected);
    assert!(sim
        .sent
        .iter()
        .all(|(_, t)| sent_status(t) == 486 && t.flow == udp()));
    assert_eq!(idle, 64 * T1);
    assert_eq!(
        only_events(&sim.events),
        vec![TxEvent::Timeout { tx }, TxEvent::Terminated { tx }]
    );
}

#[test]
fn ack_stops_retransmissions_and_timer_i_ends_it() {
    let mut sim = Sim::new();
    let (tx, invite) = start(&mut sim, "z9hG4bKs2");
    let rejection = answer(&invite, 603);
    sim.layer.respond(sim.now, tx, rejection.clone()).unwrap();
    sim.drain();
    sim.advance_to(ms(2_000));
    assert_eq!(sim.send_times(), [0, 500, 1500].map(ms).to_vec());

    // The ACK for a non-2xx carries the INVITE's branch and the response's To.
    let mut ack = request("ACK", "z9hG4bKs2");
    ack.headers.set("To", rejection.headers.get("To").unwrap());
    sim.request(udp(), ack.clone());
    assert_eq!(sim.layer.state(tx), Some(TxState::Confirmed));
    assert!(sim.events.is_empty(), "the ACK is absorbed, not passed up");

    // ACK retransmissions are absorbed too.
    sim.advance_to(ms(3_000));
    sim.request(udp(), ack);
    assert!(sim.events.is_empty());

    let idle = sim.run_until_idle();
    assert_eq!(sim.sent.len(), 3, "no retransmission after the ACK");
    assert_eq!(idle, ms(2_000) + T4, "Timer I = T4 after the ACK");
    assert_eq!(only_events(&sim.events), vec![TxEvent::Terminated { tx }]);
}

#[test]
fn second_final_response_is_refused() {
    let mut sim = Sim::new();
    let (tx, invite) = start(&mut sim, "z9hG4bKs3");
    sim.layer
        .respond(sim.now, tx, answer(&invite, 486))
        .unwrap();
    let err = sim
        .layer
        .respond(sim.now, tx, answer(&invite, 200))
        .unwrap_err();
    assert_eq!(
        err,
        rotary_sip::transaction::TxError::WrongState {
            state: TxState::Completed,
            status: 200
        }
    );
    assert_eq!(
        sim.layer.respond(sim.now, tx, answer(&invite, 99)),
        Err(rotary_sip::transaction::TxError::InvalidStatus { status: 99 })
    );
}
