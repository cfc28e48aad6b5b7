//! A baresip offer: PCMU/PCMA plus telephone-event, ptime 20, LF endings.

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use common::parse_fixture;
use rotary_sdp::{Direction, Formats, MediaKind, PayloadType, RtpMap};

fn pt(n: u8) -> PayloadType {
    PayloadType::new(n).expect("valid pt")
}

#[test]
fn session_fields_are_read() {
    let sdp = parse_fixture("baresip_offer.sdp");
    assert_eq!(sdp.origin.username, "-");
    assert_eq!(sdp.origin.session_id, "1931240402");
    assert_eq!(sdp.origin.session_version, "3594120187");
    assert_eq!(sdp.origin.address, "192.168.1.23");
    assert_eq!(sdp.session_name, "-");
    assert_eq!(
        sdp.connection.map(|c| c.address),
        Some(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 23)))
    );
    assert_eq!(sdp.timings.len(), 1);
    assert_eq!(sdp.media.len(), 1);
}

#[test]
fn audio_stream_has_payload_types_and_typed_attributes() {
    let sdp = parse_fixture("baresip_offer.sdp");
    let m = &sdp.media[0];
    assert_eq!(m.kind, MediaKind::Audio);
    assert_eq!(m.port, 40000);
    assert_eq!(m.protocol, "RTP/AVP");
    assert_eq!(m.formats, Formats::Rtp(vec![pt(0), pt(8), pt(101)]));
    assert_eq!(m.bandwidths[0].kind, "AS");
    assert_eq!(m.bandwidths[0].value, 64);
    assert_eq!(m.ptime(), Some(20));
    assert_eq!(m.direction(), Some(Direction::SendRecv));
    assert_eq!(sdp.media_direction(m), Direction::SendRecv);
    let te = m.rtpmap(pt(101)).expect("telephone-event mapped");
    assert!(te.is_telephone_event());
    assert_eq!(te.clock_rate, 8000);
    assert_eq!(m.fmtp(pt(101)).map(|f| f.params), Some("0-16".to_owned()));
    assert_eq!(
        m.rtpmap(pt(8)),
        Some(RtpMap {
            payload_type: pt(8),
            encoding: "PCMA".into(),
            clock_rate: 8000,
            channels: None
        })
    );
    assert_eq!(m.attribute("label"), Some("1"));
    assert!(!m.rtcp_mux());
}

#[test]
fn rtp_and_rtcp_addresses_follow_session_connection() {
    let sdp = parse_fixture("baresip_offer.sdp");
    let m = &sdp.media[0];
    assert_eq!(
        sdp.rtp_addr(m),
        Some(SocketAddr::from(([192, 168, 1, 23], 40000)))
    );
    assert_eq!(
        sdp.rtcp_addr(m),
        Some(SocketAddr::from(([192, 168, 1, 23], 40001)))
    );
}
