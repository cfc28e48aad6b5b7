//! 2xx handling on the client (RFC 6026): in Accepted every 2xx (retransmitted
//! or forked) goes to the TU; after Timer M a 2xx is a stray for the dialog
//! layer; other unmatched responses are dropped.

mod transaction_support;

use rotary_sip::transaction::{TxEvent, TxState};
use transaction_support::*;

#[test]
fn accepted_then_stray() {
    let mut sim = Sim::new();
    let invite = request("INVITE", "z9hG4bKst1");
    let tx = sim
        .layer
        .send_request(sim.now, udp(), invite.clone())
        .unwrap();
    sim.drain();
    let ok = response_to(&invite, 200);
    sim.advance_to(ms(300));
    sim.response(udp(), ok.clone());
    assert_eq!(sim.layer.state(tx), Some(TxState::Accepted));

    // A retransmission and a 2xx from another fork both reach the TU.
    let mut fork = ok.clone();
    fork.headers
        .set("To", "<sip:1002@pbx.example.com>;tag=fork2");
    sim.advance_to(ms(800));
    sim.response(udp(), ok.clone());
    sim.response(udp(), fork.clone());
    let got: Vec<_> = sim
        .take_events()
        .into_iter()
        .map(|(_, e)| match e {
            TxEvent::Response {
                tx: t,
                response,
                flow,
            } => {
                assert_eq!((t, flow), (tx, udp()));
                response.headers.get("To").unwrap().to_string()
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(got.len(), 3);
    assert_eq!(got[2], "<sip:1002@pbx.example.com>;tag=fork2");

    // Timer M = 64*T1 after the first 2xx.
    sim.advance_to(ms(300) + 64 * T1 - ms(1));
    assert_eq!(sim.layer.state(tx), Some(TxState::Accepted));
    sim.advance_to(ms(300) + 64 * T1);
    assert_eq!(
        only_events(&sim.take_events()),
        vec![TxEvent::Terminated { tx }]
    );

    sim.response(udp(), ok.clone());
    assert_eq!(
        only_events(&sim.take_events()),
        vec![TxEvent::StrayResponse {
            flow: udp(),
            response: ok
        }]
    );
    assert_eq!(sim.sent.len(), 1, "the layer never ACKs a 2xx itself");
}

#[test]
fn unmatched_non_2xx_is_dropped() {
    let mut sim = Sim::new();
    let invite = request("INVITE", "z9hG4bKst2");
    sim.response(udp(), response_to(&invite, 486));
    sim.response(udp(), response_to(&request("OPTIONS", "z9hG4bKst3"), 200));
    assert!(sim.events.is_empty());
    assert_eq!(sim.layer.dropped(), 2);
}
