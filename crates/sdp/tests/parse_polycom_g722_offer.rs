//! A Polycom-style offer: G.722 first, G.722.1 dynamic, session-level
//! `a=sendrecv`, telephone-event on 127.

mod common;

use common::parse_fixture;
use rotary_sdp::{Codec, Direction, PayloadType};

fn pt(n: u8) -> PayloadType {
    PayloadType::new(n).expect("valid pt")
}

#[test]
fn g722_keeps_its_8000_rtp_clock() {
    let sdp = parse_fixture("polycom_g722_offer.sdp");
    let g722 = sdp.media[0].rtpmap(PayloadType::G722).expect("mapped");
    assert_eq!(g722.codec(), Some(Codec::G722));
    assert_eq!(g722.clock_rate, 8000);
}

#[test]
fn payload_127_is_telephone_event() {
    let sdp = parse_fixture("polycom_g722_offer.sdp");
    let te = sdp.media[0].rtpmap(pt(127)).expect("mapped");
    assert!(te.is_telephone_event());
    assert!(pt(127).is_dynamic());
}

#[test]
fn session_level_direction_applies_to_media() {
    let sdp = parse_fixture("polycom_g722_offer.sdp");
    assert_eq!(sdp.direction(), Some(Direction::SendRecv));
    assert_eq!(sdp.media[0].direction(), None);
    assert_eq!(sdp.media_direction(&sdp.media[0]), Direction::SendRecv);
}

#[test]
fn g7221_is_not_a_known_codec() {
    let sdp = parse_fixture("polycom_g722_offer.sdp");
    let m = sdp.media[0].rtpmap(pt(102)).expect("mapped");
    assert_eq!(m.encoding, "G7221");
    assert_eq!(m.codec(), None);
}
