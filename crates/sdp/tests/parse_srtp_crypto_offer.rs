//! An SDES-SRTP offer: `RTP/SAVP`, two `a=crypto` lines kept opaque, `a=rtcp`.

mod common;

use std::net::SocketAddr;

use common::{fixture_crlf, parse_fixture};
use rotary_sdp::Rtcp;

#[test]
fn crypto_lines_are_kept_verbatim_in_order() {
    let sdp = parse_fixture("srtp_offer.sdp");
    let m = &sdp.media[0];
    assert_eq!(m.protocol, "RTP/SAVP");
    assert!(m.is_rtp());
    let crypto: Vec<&str> = m.crypto().collect();
    assert_eq!(crypto.len(), 2);
    assert_eq!(
        crypto[0],
        "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4"
    );
    assert!(crypto[1].starts_with("2 AES_CM_128_HMAC_SHA1_32 "));
}

#[test]
fn rtcp_attribute_is_typed() {
    let sdp = parse_fixture("srtp_offer.sdp");
    let m = &sdp.media[0];
    assert_eq!(
        m.rtcp(),
        Some(Rtcp {
            port: 16385,
            address: Some("203.0.113.5".parse().expect("ip"))
        })
    );
    assert_eq!(
        sdp.rtcp_addr(m),
        Some(SocketAddr::from(([203, 0, 113, 5], 16385)))
    );
}

#[test]
fn srtp_offer_round_trips_byte_for_byte() {
    let sdp = parse_fixture("srtp_offer.sdp");
    assert_eq!(sdp.to_string(), fixture_crlf("srtp_offer.sdp"));
}
