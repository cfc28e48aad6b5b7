//! Deviations real phones send that the parser accepts: LF-only endings,
//! trailing whitespace, blank lines, missing s= and t=, odd case, unknown
//! line types and unknown attributes.

mod common;

use common::sdp;
use rotary_sdp::{Direction, MediaKind, OtherLine, SessionDescription};

#[test]
fn lf_only_and_crlf_give_the_same_model() {
    let crlf = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    assert_eq!(sdp(crlf), sdp(&crlf.replace("\r\n", "\n")));
}

#[test]
fn trailing_whitespace_and_blank_lines_are_ignored() {
    let messy = "v=0  \r\no=- 1 1 IN IP4 192.0.2.1 \r\n\r\ns=-\t\r\nc=IN IP4 192.0.2.1   \r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8  \r\na=ptime:20 \r\n\r\n\r\n";
    let s = sdp(messy);
    assert_eq!(s.origin.address, "192.0.2.1");
    assert_eq!(s.media[0].payload_types().len(), 2);
    assert_eq!(s.media[0].ptime(), Some(20));
}

#[test]
fn missing_session_name_and_timing_are_filled_in_on_output() {
    let s = sdp("v=0\no=- 1 1 IN IP4 192.0.2.1\nc=IN IP4 192.0.2.1\nm=audio 4000 RTP/AVP 0\n");
    assert_eq!(s.session_name, "-");
    assert!(s.timings.is_empty());
    let out = s.to_string();
    assert!(out.contains("\r\ns=-\r\n"));
    assert!(out.contains("\r\nt=0 0\r\n"));
    // And what we write parses back to the same thing, plus the t= line.
    let again = sdp(&out);
    assert_eq!(again.timings.len(), 1);
    assert_eq!(again.media, s.media);
}

#[test]
fn media_kind_and_direction_are_case_insensitive() {
    let s = sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=in ip4 192.0.2.1\nt=0 0\nm=Audio 4000 rtp/avp 0\na=SendOnly\n");
    assert_eq!(s.media[0].kind, MediaKind::Audio);
    assert!(s.media[0].is_rtp());
    assert_eq!(s.media[0].direction(), Some(Direction::SendOnly));
}

#[test]
fn unknown_lines_are_kept_per_section() {
    let s = sdp(
        "v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nx=session thing\n\
                 m=video 6000 RTP/AVP 96\na=rtpmap:96 PS/90000\ny=0100000001\nf=v/2/4///a///\n",
    );
    assert_eq!(
        s.other_lines,
        [OtherLine {
            kind: 'x',
            value: "session thing".into()
        }]
    );
    let kinds: Vec<char> = s.media[0].other_lines.iter().map(|l| l.kind).collect();
    assert_eq!(kinds, ['y', 'f']);
    assert!(s
        .to_string()
        .ends_with("a=rtpmap:96 PS/90000\r\ny=0100000001\r\nf=v/2/4///a///\r\n"));
}

#[test]
fn rejected_stream_needs_no_connection_and_no_formats() {
    let s = sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\nc=IN IP4 192.0.2.1\nm=video 0 RTP/AVP\n");
    assert_eq!(s.media[1].port, 0);
    assert!(s.media[1].formats.is_empty());
}

#[test]
fn non_rtp_formats_are_opaque_tokens() {
    let s = sdp("v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=image 4002 udptl t38\na=T38FaxVersion:0\n");
    assert_eq!(s.media[0].kind, MediaKind::Image);
    assert!(!s.media[0].is_rtp());
    assert!(s.media[0].payload_types().is_empty());
    assert_eq!(s.media[0].formats.len(), 1);
}

#[test]
fn invalid_utf8_in_free_text_is_replaced_not_rejected() {
    let mut body = b"v=0\r\no=- 1 1 IN IP4 h\r\ns=".to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(b"\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n");
    let s = SessionDescription::parse(&body).expect("lossy text accepted");
    assert_eq!(s.media.len(), 1);
}

#[test]
fn unparseable_known_attributes_stay_raw() {
    let s = sdp(
        "v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/AVP 0\n\
                 a=rtpmap:bogus\na=ptime:soon\na=rtcp:99999\n",
    );
    let m = &s.media[0];
    assert_eq!(m.rtpmaps().count(), 0);
    assert_eq!(m.ptime(), None);
    assert_eq!(m.rtcp(), None);
    assert_eq!(m.attributes.len(), 3);
}
