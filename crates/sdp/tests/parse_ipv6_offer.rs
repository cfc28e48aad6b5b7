//! An IPv6 offer: `IN IP6` in o=, c= and a=rtcp.

mod common;

use std::net::{IpAddr, SocketAddr};

use common::{fixture_crlf, parse_fixture, sdp};
use rotary_sdp::SdpError;

#[test]
fn ipv6_connection_is_parsed() {
    let s = parse_fixture("ipv6_offer.sdp");
    let ip: IpAddr = "2001:db8::10".parse().expect("ip");
    assert_eq!(s.origin.addr_type, "IP6");
    assert_eq!(s.connection.map(|c| c.address), Some(ip));
    assert_eq!(s.rtp_addr(&s.media[0]), Some(SocketAddr::new(ip, 30000)));
    assert_eq!(s.media[0].rtcp().and_then(|r| r.address), Some(ip));
    assert_eq!(s.to_string(), fixture_crlf("ipv6_offer.sdp"));
}

#[test]
fn address_family_must_match_address_type() {
    let text = "v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    assert!(matches!(
        text.parse::<rotary_sdp::SessionDescription>(),
        Err(SdpError::Malformed { line_no: 4, .. })
    ));
    let text =
        "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 ::1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    assert!(text.parse::<rotary_sdp::SessionDescription>().is_err());
}

#[test]
fn media_level_ipv6_beats_session_ipv4() {
    let s = sdp(
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n\
                 m=audio 4000 RTP/AVP 0\nc=IN IP6 2001:db8::7\n",
    );
    let ip: IpAddr = "2001:db8::7".parse().expect("ip");
    assert_eq!(s.media_connection(&s.media[0]).map(|c| c.address), Some(ip));
}
