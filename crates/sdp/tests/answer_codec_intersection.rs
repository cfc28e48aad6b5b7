//! RFC 3264 §6.1: the answer lists the codecs both sides have, in the
//! offerer's order, restricted to what the extension is allowed.

mod common;

use std::net::{IpAddr, SocketAddr};

use common::{parse_fixture, sdp};
use rotary_sdp::{
    answer, Formats, LocalOrigin, MediaAddr, MediaKind, PayloadType, SessionDescription,
};

fn local() -> MediaAddr {
    MediaAddr {
        ip: "198.51.100.1".parse().expect("ip"),
        audio_port: 10_000,
    }
}

fn names(a: &rotary_sdp::Answer) -> Vec<String> {
    a.codecs.iter().map(|c| c.rtpmap.encoding.clone()).collect()
}

fn pts(s: &SessionDescription, i: usize) -> Vec<u8> {
    s.media[i].payload_types().iter().map(|p| p.get()).collect()
}

#[test]
fn offerer_order_wins_over_our_preference() {
    let offer = parse_fixture("baresip_offer.sdp");
    let a = answer(
        &offer,
        &["PCMA", "PCMU"],
        &local(),
        &mut LocalOrigin::new(7, 1),
    )
    .expect("answer");
    assert_eq!(names(&a), ["PCMU", "PCMA"]);
    assert_eq!(pts(&a.sdp, 0), [0, 8, 101]);
}

#[test]
fn disallowed_codecs_are_left_out() {
    let offer = parse_fixture("polycom_g722_offer.sdp");
    let a = answer(
        &offer,
        &["PCMA", "G729"],
        &local(),
        &mut LocalOrigin::new(7, 1),
    )
    .expect("answer");
    assert_eq!(names(&a), ["PCMA", "G729"]);
    assert_eq!(pts(&a.sdp, 0), [8, 18, 127]);
    // The offerer's fmtp for G.729 is echoed.
    assert_eq!(a.codecs[1].fmtp.as_deref(), Some("annexb=no"));
    let text = a.sdp.to_string();
    assert!(
        text.contains("a=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\n"),
        "{text}"
    );
    assert!(!text.contains("G7221"));
}

#[test]
fn allowed_names_match_case_insensitively() {
    let offer = parse_fixture("linphone_opus_offer.sdp");
    let a = answer(
        &offer,
        &["OPUS", "pcmu"],
        &local(),
        &mut LocalOrigin::new(7, 1),
    )
    .expect("answer");
    assert_eq!(names(&a), ["opus", "PCMU"]);
    assert_eq!(a.codecs[0].rtpmap.channels, Some(2));
    assert!(a
        .sdp
        .to_string()
        .contains("a=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\n"));
}

#[test]
fn answer_is_addressed_to_us_and_reports_the_offerer() {
    let offer = parse_fixture("baresip_offer.sdp");
    let a = answer(&offer, &["PCMU"], &local(), &mut LocalOrigin::new(7, 3)).expect("answer");
    let ours: IpAddr = "198.51.100.1".parse().expect("ip");
    assert_eq!(a.sdp.connection.map(|c| c.address), Some(ours));
    assert_eq!(a.sdp.origin.username, "rotary");
    assert_eq!(a.sdp.origin.session_id, "7");
    assert_eq!(a.sdp.origin.session_version, "3");
    assert_eq!(a.sdp.origin.address, "198.51.100.1");
    assert_eq!(a.sdp.media[0].port, 10_000);
    assert_eq!(a.sdp.media[0].protocol, "RTP/AVP");
    assert_eq!(a.sdp.media[0].ptime(), Some(20));
    assert_eq!(a.ptime, Some(20));
    assert_eq!(a.media_index, 0);
    assert_eq!(a.remote_rtp, SocketAddr::from(([192, 168, 1, 23], 40000)));
    assert_eq!(
        a.remote_rtcp,
        Some(SocketAddr::from(([192, 168, 1, 23], 40001)))
    );
}

#[test]
fn video_is_rejected_with_port_zero_and_kept_in_place() {
    let offer = parse_fixture("linphone_opus_offer.sdp");
    let a = answer(&offer, &["PCMU"], &local(), &mut LocalOrigin::new(7, 1)).expect("answer");
    assert_eq!(a.sdp.media.len(), 2);
    let video = &a.sdp.media[1];
    assert_eq!(video.kind, MediaKind::Video);
    assert_eq!(video.port, 0);
    assert_eq!(
        video.formats,
        Formats::Rtp(vec![PayloadType::new(96).expect("pt")])
    );
    assert!(video.attributes.is_empty());
}

#[test]
fn first_active_plain_rtp_audio_stream_is_chosen() {
    let offer = sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 192.0.2.9\nt=0 0\n\
                     m=audio 0 RTP/AVP 0\n\
                     m=audio 5000 RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\n\
                     m=audio 6000 RTP/AVP 8 0\n");
    let a = answer(&offer, &["PCMU"], &local(), &mut LocalOrigin::new(7, 1)).expect("answer");
    assert_eq!(a.media_index, 2);
    let ports: Vec<u16> = a.sdp.media.iter().map(|m| m.port).collect();
    assert_eq!(ports, [0, 0, 10_000]);
    assert_eq!(pts(&a.sdp, 2), [0]);
    assert_eq!(a.remote_rtp.port(), 6000);
}

#[test]
fn answer_text_parses_back() {
    let offer = parse_fixture("ice_offer.sdp");
    let a = answer(
        &offer,
        &["opus", "PCMU"],
        &local(),
        &mut LocalOrigin::new(7, 1),
    )
    .expect("answer");
    assert_eq!(sdp(&a.sdp.to_string()), a.sdp);
    // We do not answer ICE or rtcp-mux.
    assert!(!a.sdp.to_string().contains("candidate"));
    assert!(!a.sdp.media[0].rtcp_mux());
    // The offer's a=rtcp gives the remote RTCP address.
    assert_eq!(
        a.remote_rtcp,
        Some(SocketAddr::from(([203, 0, 113, 77], 54313)))
    );
}
