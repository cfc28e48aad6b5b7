//! serialize(parse(x)) == x for every real-world fixture (modulo CRLF), and
//! parse(serialize(parse(x))) == parse(x).

mod common;

use common::{fixture, fixture_crlf, sdp};

const FIXTURES: [&str; 8] = [
    "baresip_offer.sdp",
    "linphone_opus_offer.sdp",
    "polycom_g722_offer.sdp",
    "srtp_offer.sdp",
    "ipv6_offer.sdp",
    "hold_sendonly.sdp",
    "hold_zero_address.sdp",
    "ice_offer.sdp",
];

#[test]
fn every_fixture_round_trips_byte_for_byte() {
    for name in FIXTURES {
        let parsed = sdp(&fixture(name));
        assert_eq!(parsed.to_string(), fixture_crlf(name), "{name}");
    }
}

#[test]
fn every_fixture_model_is_stable_through_text() {
    for name in FIXTURES {
        let parsed = sdp(&fixture(name));
        assert_eq!(sdp(&parsed.to_string()), parsed, "{name}");
    }
}

#[test]
fn unknown_attributes_keep_their_order_among_known_ones() {
    let text = "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
                m=audio 4000 RTP/AVP 0\r\na=X-vendor:1\r\na=rtpmap:0 PCMU/8000\r\na=zzz\r\na=ptime:20\r\na=foo:\r\n";
    assert_eq!(sdp(text).to_string(), text);
}

#[test]
fn full_rfc8866_example_round_trips() {
    // RFC 8866 §5 example, with every session-level line type.
    let text = "v=0\r\n\
o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\n\
s=Call to John Smith\r\n\
i=SDP Offer #1\r\n\
u=http://www.jdoe.example.com/home.html\r\n\
e=Jane Doe <jane@jdoe.example.com>\r\n\
p=+1 617 555-6011\r\n\
c=IN IP4 198.51.100.1\r\n\
b=CT:128\r\n\
t=3724394400 3724398000\r\n\
r=604800 3600 0 90000\r\n\
z=2882844526 -1h 2898848070 0\r\n\
k=prompt\r\n\
a=recvonly\r\n\
m=audio 49170 RTP/AVP 0\r\n\
i=voice\r\n\
c=IN IP4 224.2.1.1/127/3\r\n\
b=AS:64\r\n\
k=clear:secret\r\n\
a=rtpmap:0 PCMU/8000\r\n\
m=video 51372/2 RTP/AVP 99\r\n\
c=IN IP6 ff15::101/3\r\n\
a=rtpmap:99 h263-1998/90000\r\n";
    let parsed = sdp(text);
    assert_eq!(parsed.to_string(), text);
    assert_eq!(parsed.timings[0].repeats.len(), 1);
    assert_eq!(parsed.media[1].port_count, Some(2));
}
