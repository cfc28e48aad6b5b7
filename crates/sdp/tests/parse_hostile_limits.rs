//! Hostile sizes: the body, line and media caps turn into errors, not
//! allocations or panics.

use rotary_sdp::{SdpError, SessionDescription, MAX_LEN, MAX_LINES, MAX_MEDIA};

const HEAD: &str = "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n";

#[test]
fn body_over_64_kib_is_too_large() {
    let mut body = HEAD.to_owned();
    body.push_str(&"a=x\r\n".repeat(MAX_LEN / 5 + 1));
    assert_eq!(
        SessionDescription::parse(body.as_bytes()),
        Err(SdpError::TooLarge {
            len: body.len(),
            max: 64 * 1024
        })
    );
}

#[test]
fn more_than_256_media_sections_is_refused() {
    let mut body = HEAD.to_owned();
    for i in 0..=MAX_MEDIA {
        body.push_str(&format!("m=audio {} RTP/AVP 0\r\n", 10_000 + i));
    }
    assert!(body.len() < MAX_LEN);
    assert_eq!(
        SessionDescription::parse(body.as_bytes()),
        Err(SdpError::TooManyMedia { max: 256 })
    );
}

#[test]
fn exactly_256_media_sections_is_fine() {
    let mut body = HEAD.to_owned();
    for i in 0..MAX_MEDIA {
        body.push_str(&format!("m=audio {} RTP/AVP 0\r\n", 10_000 + i));
    }
    let s = SessionDescription::parse(body.as_bytes()).expect("at the limit");
    assert_eq!(s.media.len(), MAX_MEDIA);
}

#[test]
fn too_many_short_lines_is_refused() {
    let mut body = HEAD.to_owned();
    body.push_str(&"a=x\n".repeat(MAX_LINES));
    assert!(body.len() <= MAX_LEN);
    assert_eq!(
        SessionDescription::parse(body.as_bytes()),
        Err(SdpError::TooManyLines { max: MAX_LINES })
    );
}

#[test]
fn a_single_huge_line_within_the_cap_parses() {
    let mut body = HEAD.to_owned();
    body.push_str("m=audio 4000 RTP/AVP");
    body.push_str(&" 0".repeat(20_000));
    body.push_str("\r\n");
    let s = SessionDescription::parse(body.as_bytes()).expect("parses");
    assert_eq!(s.media[0].payload_types().len(), 20_000);
}
