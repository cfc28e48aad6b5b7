//! The INVITE client transaction acknowledges a 300-699 response itself
//! (RFC 3261 §17.1.1.3) and re-sends that ACK for every retransmission.

mod transaction_support;

use rotary_sip::transaction::{TxEvent, TxState};
use rotary_sip::{Message, Method};
use transaction_support::*;

#[test]
fn ack_has_the_rfc_headers() {
    let mut sim = Sim::new();
    let invite = req("INVITE sip:1002@pbx.example.com;transport=udp SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKack1;rport
Route: <sip:p1.example.com;lr>
Route: <sip:p2.example.com;lr>
Max-Forwards: 70
From: \"Alice\" <sip:1001@pbx.example.com>;tag=a1
To: <sip:1002@pbx.example.com>
Call-ID: ack-test@192.0.2.10
CSeq: 17 INVITE
Contact: <sip:1001@192.0.2.10:5060>
Content-Type: application/sdp
Content-Length: 5

v=0
");
    let tx = sim
        .layer
        .send_request(sim.now, udp(), invite.clone())
        .unwrap();
    sim.drain();
    let mut busy = resp(
        "SIP/2.0 486 Busy Here
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKack1;rport=5060;received=192.0.2.10
From: \"Alice\" <sip:1001@pbx.example.com>;tag=a1
To: <sip:1002@pbx.example.com>;tag=b2
Call-ID: ack-test@192.0.2.10
CSeq: 17 INVITE
Content-Length: 0

",
    );
    sim.advance_to(ms(200));
    sim.response(udp(), busy.clone());
    assert_eq!(sim.layer.state(tx), Some(TxState::Completed));

    let sent = sim.take_sent();
    assert_eq!(sent.len(), 2);
    let Message::Request(ack) = sent_message(&sent[1].1) else {
        panic!("not a request")
    };
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(ack.uri, invite.uri);
    let vias: Vec<_> = ack.headers.get_all("Via").collect();
    assert_eq!(
        vias,
        vec!["SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKack1;rport"]
    );
    assert_eq!(
        ack.headers.get("To"),
        Some("<sip:1002@pbx.example.com>;tag=b2")
    );
    assert_eq!(ack.headers.get("From"), invite.headers.get("From"));
    assert_eq!(ack.headers.get("Call-ID"), Some("ack-test@192.0.2.10"));
    assert_eq!(ack.headers.get("CSeq"), Some("17 ACK"));
    let routes: Vec<_> = ack.headers.get_all("Route").collect();
    assert_eq!(
        routes,
        vec!["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]
    );
    assert!(ack.body.is_empty());
    assert_eq!(ack.headers.get("Contact"), None);

    // A retransmitted 486 gets the same ACK again and is not passed up twice.
    busy.reason = "Busy Here".into();
    sim.response(udp(), busy);
    let again = sim.take_sent();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].1, sent[1].1);
    let responses = sim
        .events
        .iter()
        .filter(|(_, e)| matches!(e, TxEvent::Response { .. }))
        .count();
    assert_eq!(responses, 1);
}

#[test]
fn two_hundred_is_not_acked_by_the_transaction() {
    let mut sim = Sim::new();
    let invite = request("INVITE", "z9hG4bKack2");
    let tx = sim
        .layer
        .send_request(sim.now, udp(), invite.clone())
        .unwrap();
    sim.drain();
    sim.response(udp(), response_to(&invite, 200));
    assert_eq!(
        sim.sent.len(),
        1,
        "only the INVITE; the dialog layer ACKs a 2xx"
    );
    assert_eq!(sim.layer.state(tx), Some(TxState::Accepted));
}
