//! INVITE client transaction over UDP: Timer A retransmits with doubling
//! intervals until Timer B (64*T1) times the transaction out.

mod transaction_support;

use rotary_sip::transaction::{TxEvent, TxState};
use transaction_support::*;

#[test]
fn invite_retransmits_doubling_until_timer_b() {
    let mut sim = Sim::new();
    let tx = sim
        .layer
        .send_request(sim.now, udp(), request("INVITE", "z9hG4bKc1"))
        .unwrap();
    sim.drain();
    assert_eq!(sim.layer.state(tx), Some(TxState::Calling));

    let idle = sim.run_until_idle();

    // Sent at 0, then T1, 2T1, 4T1, ... after each previous send; B at 64*T1.
    let expected: Vec<_> = [0, 500, 1500, 3500, 7500, 15500, 31500].map(ms).to_vec();
    assert_eq!(sim.send_times(), expected);
    assert!(sim.sent.iter().all(|(_, t)| t.flow == udp()));
    assert!(sim.sent.iter().all(|(_, t)| t.bytes == sim.sent[0].1.bytes));
    assert_eq!(idle, 64 * T1);
    assert_eq!(
        sim.events,
        vec![
            (64 * T1, TxEvent::Timeout { tx }),
            (64 * T1, TxEvent::Terminated { tx })
        ]
    );
    assert!(sim.layer.is_empty());
    assert_eq!(sim.layer.state(tx), None);
}

#[test]
fn provisional_stops_retransmissions_and_timer_b() {
    let mut sim = Sim::new();
    let invite = request("INVITE", "z9hG4bKc2");
    let tx = sim
        .layer
        .send_request(sim.now, udp(), invite.clone())
        .unwrap();
    sim.drain();
    sim.advance_to(ms(700));
    sim.response(udp(), response_to(&invite, 180));
    assert_eq!(sim.layer.state(tx), Some(TxState::Proceeding));

    sim.advance_to(ms(120_000));
    assert_eq!(sim.send_times(), vec![ms(0), ms(500)]);
    assert_eq!(sim.layer.poll_timeout(), None);
    assert!(matches!(
        sim.events.as_slice(),
        [(_, TxEvent::Response { tx: t, response, .. })] if *t == tx && response.status == 180
    ));
}

#[test]
fn custom_t1_scales_every_timer() {
    let config = rotary_sip::transaction::TimerConfig {
        t1: ms(100),
        ..Default::default()
    };
    let mut sim = Sim::with_config(config);
    sim.layer
        .send_request(sim.now, udp(), request("INVITE", "z9hG4bKc3"))
        .unwrap();
    sim.drain();
    assert_eq!(sim.run_until_idle(), ms(6400));
    assert_eq!(
        sim.send_times(),
        [0, 100, 300, 700, 1500, 3100, 6300].map(ms).to_vec()
    );
}
