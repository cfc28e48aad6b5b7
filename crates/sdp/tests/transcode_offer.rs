//! The far-leg offer of a transcoded call: pass-through codecs first, the codecs pbxd
//! transcodes into after them, telephone-event kept; and reading an answer's choice.

mod common;

use common::parse_fixture;
use rotary_sdp::{chosen_codec, offer_with, Codec, PayloadType, SdpError, SessionDescription};

fn pt(n: u8) -> PayloadType {
    PayloadType::new(n).expect("valid pt")
}

#[test]
fn added_codecs_follow_the_kept_ones_and_precede_telephone_event() {
    let offer = parse_fixture("baresip_offer.sdp"); // 0 8 101
    let out = offer_with(&offer, &["PCMU"], &[Codec::Opus, Codec::G722]).expect("offer");
    let m = &out.media[0];
    let opus = m.payload_types()[1];
    assert_eq!(m.payload_types(), &[pt(0), opus, pt(9), pt(101)]);
    assert!(opus.is_dynamic() && opus != pt(101));
    assert_eq!(m.rtpmap(opus).and_then(|r| r.codec()), Some(Codec::Opus));
    assert_eq!(m.rtpmap(pt(9)).and_then(|r| r.codec()), Some(Codec::G722));
    let text = String::from_utf8(out.to_bytes()).expect("utf-8");
    assert!(!text.contains("PCMA"), "PCMA was not kept: {text}");
    assert_eq!(
        m.fmtp(opus).map(|f| f.params),
        Some("useinbandfec=1".into())
    );
}

#[test]
fn nothing_kept_still_offers_the_transcoded_codecs() {
    let offer = parse_fixture("baresip_offer.sdp");
    let out = offer_with(&offer, &[], &[Codec::G726]).expect("offer");
    let m = &out.media[0];
    let g726 = m.payload_types()[0];
    assert_eq!(m.payload_types(), &[g726, pt(101)]);
    let map = m.rtpmap(g726).expect("rtpmap");
    assert_eq!(map.to_string(), format!("{} G726-32/8000", g726.get()));
}

#[test]
fn an_already_offered_codec_is_not_added_twice() {
    let offer = parse_fixture("baresip_offer.sdp");
    let out = offer_with(&offer, &["PCMU", "PCMA"], &[Codec::Pcma]).expect("offer");
    assert_eq!(out.media[0].payload_types(), &[pt(0), pt(8), pt(101)]);
}

#[test]
fn nothing_to_keep_or_add_is_no_common_codec() {
    let offer = parse_fixture("baresip_offer.sdp");
    assert_eq!(offer_with(&offer, &[], &[]), Err(SdpError::NoCommonCodec));
}

#[test]
fn chosen_codec_is_the_first_on_the_answer_line_with_its_event_type() {
    let answer = SessionDescription::parse(
        b"v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n\
          m=audio 5000 RTP/AVP 111 101\r\na=rtpmap:111 opus/48000/2\r\n\
          a=rtpmap:101 telephone-event/48000\r\na=sendrecv\r\n",
    )
    .expect("parses");
    let (codec, te) = chosen_codec(&answer).expect("a codec");
    assert_eq!(codec.rtpmap.codec(), Some(Codec::Opus));
    assert_eq!(codec.rtpmap.payload_type, pt(111));
    assert_eq!(te.map(|t| t.payload_type), Some(pt(101)));
}
