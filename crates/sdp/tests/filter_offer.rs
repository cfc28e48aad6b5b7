//! Trimming an offer to the callee's allowed codecs before forwarding it.

mod common;

use common::{parse_fixture, sdp};
use rotary_sdp::{filter_offer, SdpError};

fn pts(s: &rotary_sdp::SessionDescription, i: usize) -> Vec<u8> {
    s.media[i].payload_types().iter().map(|p| p.get()).collect()
}

#[test]
fn disallowed_codecs_and_their_lines_are_removed() {
    let offer = parse_fixture("linphone_opus_offer.sdp");
    let out = filter_offer(&offer, &["PCMA", "opus"]).expect("filtered");
    assert_eq!(pts(&out, 0), [96, 8, 101, 99, 100]);
    let text = out.to_string();
    assert!(!text.contains("speex"), "{text}");
    assert!(!text.contains("a=fmtp:97"));
    assert!(!text.contains("a=fmtp:18"));
    // Wildcard rtcp-fb and other attributes stay.
    assert!(text.contains("a=rtcp-fb:* trr-int 1000"));
    assert!(text.contains("a=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\n"));
    // Everything else is untouched.
    assert_eq!(out.origin, offer.origin);
    assert_eq!(out.media[1], offer.media[1]);
    assert_eq!(out.attributes, offer.attributes);
}

#[test]
fn telephone_event_is_kept() {
    let offer = parse_fixture("baresip_offer.sdp");
    let out = filter_offer(&offer, &["PCMA"]).expect("filtered");
    assert_eq!(pts(&out, 0), [8, 101]);
    let text = out.to_string();
    assert!(text.contains("a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"));
    assert!(!text.contains("PCMU"));
}

#[test]
fn nothing_left_is_no_common_codec() {
    let offer = parse_fixture("baresip_offer.sdp");
    assert_eq!(
        filter_offer(&offer, &["G722"]),
        Err(SdpError::NoCommonCodec)
    );
}

#[test]
fn no_audio_is_no_audio() {
    let video = sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 192.0.2.9\nt=0 0\nm=video 4000 RTP/AVP 96\na=rtpmap:96 VP8/90000\n");
    assert_eq!(filter_offer(&video, &["PCMU"]), Err(SdpError::NoAudio));
}

#[test]
fn an_emptied_second_audio_stream_is_disabled_not_removed() {
    let offer = sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 192.0.2.9\nt=0 0\n\
                     m=audio 4000 RTP/AVP 0\nm=audio 4002 RTP/AVP 9\n");
    let out = filter_offer(&offer, &["PCMU"]).expect("filtered");
    assert_eq!(out.media.len(), 2);
    assert_eq!(out.media[1].port, 0);
    assert_eq!(pts(&out, 1), [9]);
}

#[test]
fn srtp_offer_is_filtered_with_crypto_intact() {
    let offer = parse_fixture("srtp_offer.sdp");
    let out = filter_offer(&offer, &["PCMU"]).expect("filtered");
    assert_eq!(pts(&out, 0), [0, 101]);
    assert_eq!(out.media[0].crypto().count(), 2);
}
