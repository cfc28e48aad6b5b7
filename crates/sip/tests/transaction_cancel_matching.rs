//! CANCEL is its own transaction, matched to the INVITE it cancels
//! (RFC 3261 §9), on the server and on the client side.

mod transaction_support;

use rotary_sip::transaction::{make_cancel, TxEvent, TxState};
use rotary_sip::{Message, Method};
use transaction_support::*;

#[test]
fn server_cancel_finds_its_invite() {
    let mut sim = Sim::new();
    let invite = request("INVITE", "z9hG4bKcx1");
    sim.request(udp(), invite.clone());
    let invite_tx = match sim.take_events().as_slice() {
        [(_, TxEvent::Request { tx, .. })] => *tx,
        other => panic!("unexpected {other:?}"),
    };
    sim.layer
        .respond(sim.now, invite_tx, answer(&invite, 180))
        .unwrap();
    sim.drain();

    let cancel = make_cancel(&invite);
    sim.request(udp(), cancel.clone());
    let cancel_tx = match sim.take_events().as_slice() {
        [(
            _,
            TxEvent::Cancel {
                tx,
                invite: Some(inv),
                request,
                flow,
            },
        )] => {
            assert_eq!(*inv, invite_tx);
            assert_eq!(request, &cancel);
            assert_eq!(flow, &udp());
            *tx
        }
        other => panic!("unexpected {other:?}"),
    };
    assert_ne!(cancel_tx, invite_tx);
    assert_eq!(
        sim.layer.state(invite_tx),
        Some(TxState::Proceeding),
        "INVITE tx untouched"
    );

    // The TU answers both; the CANCEL's retransmission gets its 200 again.
    sim.layer
        .respond(sim.now, cancel_tx, answer(&cancel, 200))
        .unwrap();
    sim.layer
        .respond(sim.now, invite_tx, answer(&invite, 487))
        .unwrap();
    sim.drain();
    sim.request(udp(), cancel);
    let tail: Vec<_> = sim.sent.iter().map(|(_, t)| sent_message(t)).collect();
    let summary: Vec<_> = tail
        .iter()
        .map(|m| match m {
            Message::Response(r) => format!("{} {}", r.status, r.headers.get("CSeq").unwrap()),
            Message::Request(r) => r.method.to_string(),
        })
        .collect();
    assert_eq!(
        summary,
        [
            "180 1 INVITE",
            "200 1 CANCEL",
            "487 1 INVITE",
            "200 1 CANCEL"
        ]
    );
    assert!(sim.events.is_empty());
}

#[test]
fn cancel_without_invite() {
    let mut sim = Sim::new();
    sim.request(udp(), request("CANCEL", "z9hG4bKcx2"));
    assert!(matches!(
        sim.events.as_slice(),
        [(_, TxEvent::Cancel { invite: None, .. })]
    ));
}

#[test]
fn client_cancel_is_a_separate_transaction() {
    let mut sim = Sim::new();
    let invite = request("INVITE", "z9hG4bKcx3");
    let invite_tx = sim
        .layer
        .send_request(sim.now, udp(), invite.clone())
        .unwrap();
    sim.drain();
    sim.response(udp(), response_to(&invite, 180));

    let cancel = make_cancel(&invite);
    assert_eq!(cancel.method, Method::Cancel);
    assert_eq!(cancel.uri, invite.uri);
    assert_eq!(cancel.headers.get("Via"), invite.headers.get("Via"));
    assert_eq!(cancel.headers.get("CSeq"), Some("1 CANCEL"));
    let cancel_tx = sim
        .layer
        .send_request(sim.now, udp(), cancel.clone())
        .unwrap();
    sim.drain();
    sim.take_events();

    // Same branch, different CSeq method: each response finds its own transaction.
    sim.response(udp(), response_to(&cancel, 200));
    sim.response(udp(), response_to(&invite, 487));
    let got: Vec<_> = sim
        .take_events()
        .into_iter()
        .filter_map(|(_, e)| match e {
            TxEvent::Response { tx, response, .. } => Some((tx, response.status)),
            _ => None,
        })
        .collect();
    assert_eq!(got, vec![(cancel_tx, 200), (invite_tx, 487)]);
    assert_eq!(sim.layer.state(invite_tx), Some(TxState::Completed));
    assert_eq!(sim.layer.state(cancel_tx), Some(TxState::Completed));
}

#[test]
fn duplicate_and_invalid_client_requests_are_refused() {
    use rotary_sip::transaction::TxError;
    let mut sim = Sim::new();
    let invite = request("INVITE", "z9hG4bKcx4");
    sim.layer
        .send_request(sim.now, udp(), invite.clone())
        .unwrap();
    assert_eq!(
        sim.layer.send_request(sim.now, udp(), invite.clone()),
        Err(TxError::DuplicateTransaction)
    );
    assert_eq!(
        sim.layer
            .send_request(sim.now, udp(), request("ACK", "z9hG4bKcx5")),
        Err(TxError::AckIsNotATransaction)
    );
    let mut no_branch = request("OPTIONS", "x");
    no_branch.headers.set("Via", "SIP/2.0/UDP 192.0.2.10:5060");
    assert_eq!(
        sim.layer.send_request(sim.now, udp(), no_branch),
        Err(TxError::MissingBranch)
    );
}
