//! Anchoring: every address and port in the forwarded SDP is pbxd's, ICE
//! and foreign RTCP are gone, everything else passes through.

mod common;

use std::net::IpAddr;

use common::{parse_fixture, sdp};
use rotary_sdp::{anchor, LocalOrigin, SessionDescription};

fn ours() -> IpAddr {
    "198.51.100.1".parse().expect("ip")
}

/// Every IP literal that appears anywhere in the text.
fn addresses(s: &SessionDescription) -> Vec<IpAddr> {
    let text = s.to_string();
    text.split(|c: char| c.is_whitespace() || c == '/')
        .filter_map(|w| w.parse::<IpAddr>().ok())
        .collect()
}

#[test]
fn webrtc_style_offer_has_no_foreign_address_left() {
    let offer = parse_fixture("ice_offer.sdp");
    let out = anchor(
        &offer,
        ours(),
        &[20_000, 20_002],
        &mut LocalOrigin::new(99, 1),
    );
    let addrs = addresses(&out);
    assert!(!addrs.is_empty());
    assert!(addrs.iter().all(|a| *a == ours()), "{addrs:?}\n{out}");
    assert_eq!(out.connection.map(|c| c.address), Some(ours()));
    for m in &out.media {
        assert_eq!(m.connection.map(|c| c.address), Some(ours()));
        for name in ["candidate", "ice-ufrag", "ice-pwd", "rtcp"] {
            assert_eq!(m.attribute(name), None, "{name} left in\n{out}");
        }
    }
    assert_eq!(out.media[0].port, 20_000);
    assert_eq!(out.media[1].port, 20_002);
    assert!(out.attributes.iter().all(|a| a.name != "ice-options"));
}

#[test]
fn media_negotiation_attributes_pass_through() {
    let offer = parse_fixture("ice_offer.sdp");
    let out = anchor(
        &offer,
        ours(),
        &[20_000, 20_002],
        &mut LocalOrigin::new(99, 1),
    );
    let m = &out.media[0];
    assert!(m.rtcp_mux());
    assert_eq!(m.attribute("mid"), Some("0"));
    assert_eq!(m.payload_types(), offer.media[0].payload_types());
    assert_eq!(m.rtpmaps().count(), 4);
    let srtp = anchor(
        &parse_fixture("srtp_offer.sdp"),
        ours(),
        &[20_000],
        &mut LocalOrigin::new(1, 1),
    );
    assert_eq!(srtp.media[0].crypto().count(), 2);
    assert_eq!(
        srtp.media[0].rtcp(),
        None,
        "RTCP goes to our port + 1 by default"
    );
    assert_eq!(
        srtp.rtcp_addr(&srtp.media[0]).map(|a| a.port()),
        Some(20_001)
    );
}

#[test]
fn origin_is_ours() {
    let offer = parse_fixture("baresip_offer.sdp");
    let out = anchor(&offer, ours(), &[20_000], &mut LocalOrigin::new(424_242, 7));
    assert_eq!(out.origin.username, "rotary");
    assert_eq!(out.origin.session_id, "424242");
    assert_eq!(out.origin.session_version, "7");
    assert_eq!(out.origin.address, "198.51.100.1");
    assert!(out
        .to_string()
        .starts_with("v=0\r\no=rotary 424242 7 IN IP4 198.51.100.1\r\n"));
}

#[test]
fn rejected_and_unported_streams_are_zero() {
    let offer = sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 192.0.2.9\nt=0 0\n\
                     m=audio 4000/2 RTP/AVP 0\nm=video 0 RTP/AVP 96\nm=video 5000 RTP/AVP 97\nm=text 6000 RTP/AVP 98\n");
    let out = anchor(
        &offer,
        ours(),
        &[20_000, 20_002, 0],
        &mut LocalOrigin::new(1, 1),
    );
    let ports: Vec<u16> = out.media.iter().map(|m| m.port).collect();
    // Port 0 stays 0 even if we had a port; ports[2] = 0 rejects; missing ports[3] rejects.
    assert_eq!(ports, [20_000, 0, 0, 0]);
    assert_eq!(out.media[0].port_count, None);
}

#[test]
fn ipv6_offer_is_anchored_to_ipv4_and_back() {
    let offer = parse_fixture("ipv6_offer.sdp");
    let out = anchor(&offer, ours(), &[20_000], &mut LocalOrigin::new(1, 1));
    let text = out.to_string();
    assert!(text.contains("c=IN IP4 198.51.100.1\r\n"), "{text}");
    assert!(!text.contains("IP6"));
    let v6: IpAddr = "2001:db8::1".parse().expect("ip");
    let back = anchor(
        &parse_fixture("baresip_offer.sdp"),
        v6,
        &[20_000],
        &mut LocalOrigin::new(1, 1),
    );
    assert!(back
        .to_string()
        .contains("o=rotary 1 1 IN IP6 2001:db8::1\r\n"));
    assert!(back.to_string().contains("c=IN IP6 2001:db8::1\r\n"));
}

#[test]
fn anchored_text_parses_back_identically() {
    let offer = parse_fixture("linphone_opus_offer.sdp");
    let out = anchor(
        &offer,
        ours(),
        &[20_000, 20_002],
        &mut LocalOrigin::new(1, 1),
    );
    assert_eq!(sdp(&out.to_string()), out);
}
