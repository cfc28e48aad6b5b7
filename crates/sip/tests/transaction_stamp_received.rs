//! `stamp_received` (RFC 3261 §18.2.1, RFC 3581 §4) and `make_response`
//! together: the response's top Via tells the phone what we saw.

mod transaction_support;

use rotary_sip::parse::parse_message;
use rotary_sip::transaction::{make_response, set_to_tag, stamp_received};
use rotary_sip::Message;
use transaction_support::*;

#[test]
fn nat_phone_gets_received_and_rport() {
    let mut register = req("REGISTER sip:pbx.example.com SIP/2.0
Via: SIP/2.0/UDP 10.0.0.5:5060;rport;branch=z9hG4bKnat1
Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKinner
Max-Forwards: 70
From: <sip:1001@pbx.example.com>;tag=77
To: <sip:1001@pbx.example.com>
Call-ID: nat@10.0.0.5
CSeq: 9 REGISTER
Contact: <sip:1001@10.0.0.5:5060>
Expires: 3600
Content-Length: 0

");
    stamp_received(&mut register, addr("203.0.113.9:61000"));
    let mut ok = make_response(&register, 200, "OK");
    set_to_tag(&mut ok, "srv1");
    let Ok(Message::Response(wire)) = parse_message(&ok.to_bytes()) else {
        panic!()
    };
    let vias: Vec<_> = wire.headers.get_all("Via").collect();
    assert_eq!(
        vias,
        vec![
            "SIP/2.0/UDP 10.0.0.5:5060;rport=61000;branch=z9hG4bKnat1;received=203.0.113.9",
            "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKinner",
        ]
    );
    assert_eq!(
        wire.headers.get("To"),
        Some("<sip:1001@pbx.example.com>;tag=srv1")
    );
    assert_eq!(
        wire.headers.get("From"),
        Some("<sip:1001@pbx.example.com>;tag=77")
    );
    assert_eq!(wire.headers.get("Call-ID"), Some("nat@10.0.0.5"));
    assert_eq!(wire.headers.get("CSeq"), Some("9 REGISTER"));
    assert_eq!(
        wire.headers.get("Contact"),
        None,
        "the TU adds Contact itself"
    );
}

#[test]
fn public_phone_is_left_alone() {
    let mut options = request("OPTIONS", "z9hG4bKpub");
    let before = options.clone();
    stamp_received(&mut options, udp().remote);
    assert_eq!(options, before);
}
