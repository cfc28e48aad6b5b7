//! Over TCP (reliable) no transaction retransmits, and Timers D, I, J and K
//! are zero, while B, F and H keep their 64*T1 (RFC 3261 §17).

mod transaction_support;

use rotary_sip::transaction::{TxEvent, TxState};
use transaction_support::*;

#[test]
fn client_invite_sends_once_and_times_out_at_b() {
    let mut sim = Sim::new();
    let tx = sim
        .layer
        .send_request(sim.now, tcp(), request("INVITE", "z9hG4bKtcp1"))
        .unwrap();
    sim.drain();
    assert_eq!(sim.run_until_idle(), 64 * T1);
    assert_eq!(sim.send_times(), vec![ms(0)]);
    assert_eq!(sim.sent[0].1.flow, tcp());
    assert_eq!(
        only_events(&sim.events),
        vec![TxEvent::Timeout { tx }, TxEvent::Terminated { tx }]
    );
}

#[test]
fn client_invite_timer_d_is_zero() {
    let mut sim = Sim::new();
    let invite = request("INVITE", "z9hG4bKtcp2");
    let tx = sim
        .layer
        .send_request(sim.now, tcp(), invite.clone())
        .unwrap();
    sim.drain();
    sim.response(tcp(), response_to(&invite, 503));
    assert_eq!(sim.sent.len(), 2, "INVITE and ACK");
    assert_eq!(sim.layer.state(tx), None);
    let events = only_events(&sim.events);
    assert!(matches!(events[0], TxEvent::Response { .. }));
    assert_eq!(events[1], TxEvent::Terminated { tx });
    assert_eq!(sim.layer.poll_timeout(), None);
}

#[test]
fn client_non_invite_sends_once_and_timer_k_is_zero() {
    let mut sim = Sim::new();
    let options = request("OPTIONS", "z9hG4bKtcp3");
    let tx = sim
        .layer
        .send_request(sim.now, tcp(), options.clone())
        .unwrap();
    sim.drain();
    sim.advance_to(ms(20_000));
    assert_eq!(sim.sent.len(), 1);
    sim.response(tcp(), response_to(&options, 200));
    assert_eq!(sim.layer.state(tx), None);
    assert_eq!(
        only_events(&sim.events).last(),
        Some(&TxEvent::Terminated { tx })
    );
}

#[test]
fn server_non_invite_timer_j_is_zero() {
    let mut sim = Sim::new();
    let bye = request("BYE", "z9hG4bKtcp4");
    sim.request(tcp(), bye.clone());
    let tx = match sim.take_events().as_slice() {
        [(_, TxEvent::Request { tx, .. })] => *tx,
        other => panic!("unexpected {other:?}"),
    };
    sim.layer.respond(sim.now, tx, answer(&bye, 200)).unwrap();
    sim.drain();
    assert_eq!(sim.layer.state(tx), None);
    assert_eq!(only_events(&sim.events), vec![TxEvent::Terminated { tx }]);
    assert_eq!(sim.sent[0].1.flow, tcp());
}

#[test]
fn server_invite_no_timer_g_and_timer_i_is_zero() {
    let mut sim = Sim::new();
    let invite = request("INVITE", "z9hG4bKtcp5");
    sim.request(tcp(), invite.clone());
    let tx = match sim.take_events().as_slice() {
        [(_, TxEvent::Request { tx, .. })] => *tx,
        other => panic!("unexpected {other:?}"),
    };
    let rejection = answer(&invite, 480);
    sim.layer.respond(sim.now, tx, rejection.clone()).unwrap();
    sim.drain();
    sim.advance_to(ms(10_000));
    let statuses: Vec<_> = sim.sent.iter().map(|(_, t)| sent_status(t)).collect();
    assert_eq!(statuses, vec![480], "no G retransmissions");
    assert_eq!(sim.layer.state(tx), Some(TxState::Completed));

    let mut ack = request("ACK", "z9hG4bKtcp5");
    ack.headers.set("To", rejection.headers.get("To").unwrap());
    sim.request(tcp(), ack);
    assert_eq!(sim.layer.state(tx), None, "Timer I is zero");
    assert_eq!(only_events(&sim.events), vec![TxEvent::Terminated { tx }]);
}

#[test]
fn server_invite_timer_h_still_runs() {
    let mut sim = Sim::new();
    let invite = request("INVITE", "z9hG4bKtcp6");
    sim.request(tcp(), invite.clone());
    let tx = match sim.take_events().as_slice() {
        [(_, TxEvent::Request { tx, .. })] => *tx,
        other => panic!("unexpected {other:?}"),
    };
    sim.layer
        .respond(sim.now, tx, answer(&invite, 480))
        .unwrap();
    sim.drain();
    assert_eq!(sim.run_until_idle(), 64 * T1);
    assert_eq!(
        only_events(&sim.events),
        vec![TxEvent::Timeout { tx }, TxEvent::Terminated { tx }]
    );
}
