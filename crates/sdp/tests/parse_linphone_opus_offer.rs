//! A linphone offer: Opus first, speex, several telephone-event rates,
//! session-level attributes, a video stream and `rtcp-fb` lines.

mod common;

use common::parse_fixture;
use rotary_sdp::{Codec, MediaKind, PayloadType};

fn pt(n: u8) -> PayloadType {
    PayloadType::new(n).expect("valid pt")
}

#[test]
fn opus_is_mapped_with_two_channels() {
    let sdp = parse_fixture("linphone_opus_offer.sdp");
    let m = &sdp.media[0];
    let opus = m.rtpmap(pt(96)).expect("opus rtpmap");
    assert_eq!(opus.codec(), Some(Codec::Opus));
    assert_eq!(opus.clock_rate, 48000);
    assert_eq!(opus.channels, Some(2));
    assert_eq!(
        m.fmtp(pt(96)).map(|f| f.params),
        Some("useinbandfec=1".into())
    );
}

#[test]
fn static_types_resolve_without_rtpmap_and_keep_their_fmtp() {
    let sdp = parse_fixture("linphone_opus_offer.sdp");
    let m = &sdp.media[0];
    assert_eq!(m.rtpmap(pt(18)).map(|r| r.encoding), Some("G729".into()));
    assert_eq!(m.rtpmap(pt(0)).map(|r| r.encoding), Some("PCMU".into()));
    assert_eq!(m.fmtp(pt(18)).map(|f| f.params), Some("annexb=yes".into()));
}

#[test]
fn three_telephone_event_rates_are_listed() {
    let sdp = parse_fixture("linphone_opus_offer.sdp");
    let rates: Vec<u32> = sdp.media[0]
        .rtpmaps()
        .filter(|r| r.is_telephone_event())
        .map(|r| r.clock_rate)
        .collect();
    assert_eq!(rates, [48000, 16000, 8000]);
}

#[test]
fn session_attributes_and_video_are_kept() {
    let sdp = parse_fixture("linphone_opus_offer.sdp");
    assert_eq!(sdp.session_name, "Talk");
    assert_eq!(sdp.attributes.len(), 2);
    assert_eq!(sdp.attributes[1].name, "record");
    assert_eq!(sdp.media[1].kind, MediaKind::Video);
    assert_eq!(sdp.media[1].attributes.len(), 4);
    // Video inherits the session c=.
    assert!(sdp.rtp_addr(&sdp.media[1]).is_some());
}
