//! The 488 cases: nothing in common, no audio, or only audio we cannot answer.

mod common;

use common::{parse_fixture, sdp, ALL_CODECS};
use rotary_sdp::{answer, LocalOrigin, MediaAddr, SdpError};

fn local() -> MediaAddr {
    MediaAddr {
        ip: "198.51.100.1".parse().expect("ip"),
        audio_port: 10_000,
    }
}

#[test]
fn no_overlap_is_no_common_codec() {
    let offer = parse_fixture("baresip_offer.sdp");
    let mut origin = LocalOrigin::new(1, 1);
    assert_eq!(
        answer(&offer, &["G722", "opus"], &local(), &mut origin),
        Err(SdpError::NoCommonCodec)
    );
    assert_eq!(
        answer(&offer, &[], &local(), &mut origin),
        Err(SdpError::NoCommonCodec)
    );
}

#[test]
fn dynamic_type_without_rtpmap_is_not_guessed() {
    let offer =
        sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 192.0.2.9\nt=0 0\nm=audio 4000 RTP/AVP 96\n");
    assert_eq!(
        answer(&offer, &ALL_CODECS, &local(), &mut LocalOrigin::new(1, 1)),
        Err(SdpError::NoCommonCodec)
    );
}

#[test]
fn video_only_or_rejected_audio_is_no_audio() {
    let video = sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 192.0.2.9\nt=0 0\nm=video 4000 RTP/AVP 96\na=rtpmap:96 VP8/90000\n");
    assert_eq!(
        answer(&video, &ALL_CODECS, &local(), &mut LocalOrigin::new(1, 1)),
        Err(SdpError::NoAudio)
    );
    let rejected = sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\nm=audio 0 RTP/AVP 0\n");
    assert_eq!(
        answer(
            &rejected,
            &ALL_CODECS,
            &local(),
            &mut LocalOrigin::new(1, 1)
        ),
        Err(SdpError::NoAudio)
    );
    let none = sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\n");
    assert_eq!(
        answer(&none, &ALL_CODECS, &local(), &mut LocalOrigin::new(1, 1)),
        Err(SdpError::NoAudio)
    );
}

#[test]
fn srtp_only_offer_is_unsupported_protocol() {
    let offer = parse_fixture("srtp_offer.sdp");
    assert_eq!(
        answer(&offer, &ALL_CODECS, &local(), &mut LocalOrigin::new(1, 1)),
        Err(SdpError::UnsupportedProtocol { media_index: 0 })
    );
}

#[test]
fn a_failed_answer_does_not_advance_the_origin() {
    let offer = parse_fixture("baresip_offer.sdp");
    let mut origin = LocalOrigin::new(1, 5);
    let before = origin.clone();
    assert!(answer(&offer, &["G729"], &local(), &mut origin).is_err());
    assert_eq!(origin, before);
}
