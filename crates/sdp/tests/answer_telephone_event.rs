//! RFC 4733 telephone-event is answered with the offerer's payload type,
//! never counts as a codec, and follows the clock of the chosen codec.

mod common;

use common::{parse_fixture, sdp};
use rotary_sdp::{answer, LocalOrigin, MediaAddr, SdpError};

fn local() -> MediaAddr {
    MediaAddr {
        ip: "198.51.100.1".parse().expect("ip"),
        audio_port: 10_000,
    }
}

#[test]
fn offerer_payload_type_and_fmtp_are_kept() {
    let offer = parse_fixture("polycom_g722_offer.sdp");
    let a = answer(&offer, &["G722"], &local(), &mut LocalOrigin::new(1, 1)).expect("answer");
    let te = a.telephone_event.expect("telephone-event answered");
    assert_eq!(te.payload_type.get(), 127);
    let text = a.sdp.to_string();
    assert!(text.contains("m=audio 10000 RTP/AVP 9 127\r\n"), "{text}");
    assert!(text.contains("a=rtpmap:127 telephone-event/8000\r\n"));

    let offer = parse_fixture("baresip_offer.sdp");
    let a = answer(&offer, &["PCMU"], &local(), &mut LocalOrigin::new(1, 1)).expect("answer");
    assert!(a
        .sdp
        .to_string()
        .contains("a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"));
}

#[test]
fn event_rate_matches_the_first_codec_clock() {
    let offer = parse_fixture("linphone_opus_offer.sdp");
    let with_opus = answer(
        &offer,
        &["opus", "PCMU"],
        &local(),
        &mut LocalOrigin::new(1, 1),
    )
    .expect("answer");
    assert_eq!(
        with_opus
            .telephone_event
            .map(|t| (t.payload_type.get(), t.clock_rate)),
        Some((101, 48000))
    );
    let narrowband =
        answer(&offer, &["PCMU"], &local(), &mut LocalOrigin::new(1, 1)).expect("answer");
    assert_eq!(
        narrowband
            .telephone_event
            .map(|t| (t.payload_type.get(), t.clock_rate)),
        Some((100, 8000))
    );
    let pts: Vec<u8> = narrowband.sdp.media[0]
        .payload_types()
        .iter()
        .map(|p| p.get())
        .collect();
    assert_eq!(pts, [0, 100]);
}

#[test]
fn no_event_offered_means_none_answered() {
    let offer =
        sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 192.0.2.9\nt=0 0\nm=audio 4000 RTP/AVP 8\n");
    let a = answer(&offer, &["PCMA"], &local(), &mut LocalOrigin::new(1, 1)).expect("answer");
    assert_eq!(a.telephone_event, None);
    assert!(!a.sdp.to_string().contains("telephone-event"));
}

#[test]
fn telephone_event_alone_is_not_a_common_codec() {
    let offer = sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 192.0.2.9\nt=0 0\n\
                     m=audio 4000 RTP/AVP 9 101\na=rtpmap:101 telephone-event/8000\n");
    assert_eq!(
        answer(
            &offer,
            &["PCMU", "telephone-event"],
            &local(),
            &mut LocalOrigin::new(1, 1)
        ),
        Err(SdpError::NoCommonCodec)
    );
}
