//! The wait timers over UDP: D (32 s), I (T4), J (64*T1), K (T4) end their
//! transactions exactly on time and absorb retransmissions until then.

mod transaction_support;

use rotary_sip::transaction::{TxEvent, TxState};
use transaction_support::*;

#[test]
fn timer_d_absorbs_final_retransmissions_for_32s() {
    let mut sim = Sim::new();
    let invite = request("INVITE", "z9hG4bKd1");
    let tx = sim
        .layer
        .send_request(sim.now, udp(), invite.clone())
        .unwrap();
    sim.drain();
    sim.advance_to(ms(100));
    sim.response(udp(), response_to(&invite, 404));
    sim.advance_to(ms(20_000));
    sim.response(udp(), response_to(&invite, 404));
    assert_eq!(sim.sent.len(), 3, "INVITE, ACK, ACK again");
    assert_eq!(sim.layer.state(tx), Some(TxState::Completed));
    assert_eq!(sim.run_until_idle(), ms(100 + 32_000));
    assert_eq!(
        sim.events.last().map(|(_, e)| e.clone()),
        Some(TxEvent::Terminated { tx })
    );
}

#[test]
fn timer_i_is_t4_after_ack() {
    let mut sim = Sim::new();
    let invite = request("INVITE", "z9hG4bKi1");
    sim.request(udp(), invite.clone());
    let tx = match sim.take_events().as_slice() {
        [(_, TxEvent::Request { tx, .. })] => *tx,
        other => panic!("unexpected {other:?}"),
    };
    sim.layer
        .respond(sim.now, tx, answer(&invite, 486))
        .unwrap();
    sim.drain();
    sim.advance_to(ms(700));
    sim.request(udp(), request("ACK", "z9hG4bKi1"));
    assert_eq!(sim.layer.state(tx), Some(TxState::Confirmed));
    assert_eq!(sim.run_until_idle(), ms(700) + T4);
    assert_eq!(only_events(&sim.events), vec![TxEvent::Terminated { tx }]);
}

#[test]
fn timer_j_is_64_t1_after_final() {
    let mut sim = Sim::new();
    let register = request("REGISTER", "z9hG4bKj1");
    sim.request(udp(), register.clone());
    let tx = match sim.take_events().as_slice() {
        [(_, TxEvent::Request { tx, .. })] => *tx,
        other => panic!("unexpected {other:?}"),
    };
    sim.advance_to(ms(40));
    sim.layer
        .respond(sim.now, tx, answer(&register, 200))
        .unwrap();
    sim.drain();
    assert_eq!(sim.run_until_idle(), ms(40) + 64 * T1);
    assert_eq!(only_events(&sim.events), vec![TxEvent::Terminated { tx }]);
}

#[test]
fn timer_k_is_t4_after_final() {
    let mut sim = Sim::new();
    let options = request("OPTIONS", "z9hG4bKk1");
    let tx = sim
        .layer
        .send_request(sim.now, udp(), options.clone())
        .unwrap();
    sim.drain();
    sim.advance_to(ms(250));
    sim.response(udp(), response_to(&options, 200));
    sim.advance_to(ms(3_000));
    sim.response(udp(), response_to(&options, 200));
    assert_eq!(sim.layer.state(tx), Some(TxState::Completed));
    assert_eq!(sim.run_until_idle(), ms(250) + T4);
    let kinds: Vec<_> = only_events(&sim.events);
    assert_eq!(kinds.len(), 2, "one Response, then Terminated: {kinds:?}");
    assert_eq!(kinds[1], TxEvent::Terminated { tx });
}
