//! Non-INVITE client transaction over UDP: Timer E doubles up to T2 (then
//! fires every T2 once a provisional arrived) until Timer F times it out.

mod transaction_support;

use rotary_sip::transaction::{TxEvent, TxState};
use transaction_support::*;

#[test]
fn retransmits_capped_at_t2_until_timer_f() {
    let mut sim = Sim::new();
    let tx = sim
        .layer
        .send_request(sim.now, udp(), request("OPTIONS", "z9hG4bKn1"))
        .unwrap();
    sim.drain();
    assert_eq!(sim.layer.state(tx), Some(TxState::Trying));

    let idle = sim.run_until_idle();

    // 0, .5, 1.5, 3.5, 7.5, then every T2 = 4 s: 11.5 ... 31.5.
    let expected: Vec<_> = [
        0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]
    .map(ms)
    .to_vec();
    assert_eq!(sim.send_times(), expected);
    assert_eq!(idle, 64 * T1);
    assert_eq!(
        only_events(&sim.events),
        vec![TxEvent::Timeout { tx }, TxEvent::Terminated { tx }]
    );
}

#[test]
fn after_provisional_timer_e_fires_every_t2() {
    let mut sim = Sim::new();
    let options = request("OPTIONS", "z9hG4bKn2");
    let tx = sim
        .layer
        .send_request(sim.now, udp(), options.clone())
        .unwrap();
    sim.drain();
    sim.advance_to(ms(100));
    sim.response(udp(), response_to(&options, 100));
    assert_eq!(sim.layer.state(tx), Some(TxState::Proceeding));

    sim.advance_to(ms(9_000));
    // E was armed for 500 ms before the 100; in Proceeding each firing re-arms T2.
    assert_eq!(sim.send_times(), [0, 500, 4500, 8500].map(ms).to_vec());

    sim.response(udp(), response_to(&options, 200));
    assert_eq!(sim.layer.state(tx), Some(TxState::Completed));
    sim.advance_to(ms(12_000));
    assert_eq!(sim.sent.len(), 4, "no retransmission once Completed");
}

#[test]
fn final_response_reaches_tu_once() {
    let mut sim = Sim::new();
    let register = request("REGISTER", "z9hG4bKn3");
    let tx = sim
        .layer
        .send_request(sim.now, udp(), register.clone())
        .unwrap();
    sim.drain();
    sim.response(udp(), response_to(&register, 401));
    sim.response(udp(), response_to(&register, 401));
    let responses: Vec<_> = sim
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            TxEvent::Response {
                tx: t, response, ..
            } if *t == tx => Some(response.status),
            _ => None,
        })
        .collect();
    assert_eq!(responses, vec![401]);
}
