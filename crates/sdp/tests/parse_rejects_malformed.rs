//! Where the parser is strict: the first line, `o=`, `m=` syntax, ports,
//! payload types, `c=` addresses, and a connection for every active stream.

use rotary_sdp::{SdpError, SessionDescription};

fn err(text: &str) -> SdpError {
    match text.parse::<SessionDescription>() {
        Ok(s) => panic!("accepted:\n{text}\n{s:?}"),
        Err(e) => e,
    }
}

fn malformed_at(text: &str) -> usize {
    match err(text) {
        SdpError::Malformed { line_no, .. } => line_no,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

const HEAD: &str = "v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n";

#[test]
fn must_start_with_version_zero() {
    assert_eq!(malformed_at("o=- 1 1 IN IP4 h\nv=0\n"), 1);
    assert_eq!(malformed_at("v=1\no=- 1 1 IN IP4 h\n"), 1);
    assert_eq!(err(""), SdpError::MissingLine { line: 'v' });
    assert_eq!(err("\r\n\r\n"), SdpError::MissingLine { line: 'v' });
}

#[test]
fn origin_is_required_and_has_six_fields() {
    assert_eq!(
        err("v=0\ns=-\nc=IN IP4 192.0.2.1\n"),
        SdpError::MissingLine { line: 'o' }
    );
    assert_eq!(malformed_at("v=0\no=- 1 1 IN IP4\n"), 2);
}

#[test]
fn lines_must_be_type_equals_value() {
    assert_eq!(malformed_at(&format!("{HEAD}hello\n")), 6);
    assert_eq!(malformed_at(&format!("{HEAD}a =x\n")), 6);
    assert_eq!(malformed_at(&format!("{HEAD}1=x\n")), 6);
    assert_eq!(malformed_at(&format!("{HEAD}a=\n")), 6);
}

#[test]
fn ports_must_be_decimal_and_in_range() {
    for bad in ["65536", "99999999", "-1", "+40", "4o00", "0x10", ""] {
        let line = malformed_at(&format!("{HEAD}m=audio {bad} RTP/AVP 0\n"));
        assert_eq!(line, 6, "port {bad:?}");
    }
    assert_eq!(
        malformed_at(&format!("{HEAD}m=audio 4000/0 RTP/AVP 0\n")),
        6
    );
    let ok: SessionDescription = format!("{HEAD}m=audio 65535/2 RTP/AVP 0\n")
        .parse()
        .expect("ok");
    assert_eq!(ok.media[0].port, 65535);
    assert_eq!(ok.media[0].port_count, Some(2));
}

#[test]
fn payload_types_must_be_0_to_127() {
    for bad in ["128", "255", "1000", "-0", "abc", "8.0"] {
        assert_eq!(
            malformed_at(&format!("{HEAD}m=audio 4000 RTP/AVP 0 {bad}\n")),
            6,
            "{bad:?}"
        );
    }
    assert_eq!(malformed_at(&format!("{HEAD}m=audio 4000 RTP/AVP\n")), 6);
    assert_eq!(malformed_at(&format!("{HEAD}m=audio 4000\n")), 6);
}

#[test]
fn connection_addresses_must_be_ip_literals() {
    let with_c =
        |c: &str| format!("v=0\no=- 1 1 IN IP4 h\ns=-\nc={c}\nt=0 0\nm=audio 4000 RTP/AVP 0\n");
    for bad in [
        "IN IP4 pbx.example.com",
        "IN IP4 300.1.1.1",
        "IN IP4",
        "IN IP5 192.0.2.1",
        "ATM NSAP 47.0005",
        "IN IP4 192.0.2.1 extra",
        "IN IP4 224.2.1.1/999",
        "IN IP6 ff15::101/3/4",
    ] {
        assert_eq!(malformed_at(&with_c(bad)), 4, "{bad:?}");
    }
    let multicast: SessionDescription = with_c("IN IP4 224.2.1.1/127/3").parse().expect("ok");
    let c = multicast.connection.expect("c");
    assert_eq!((c.ttl, c.count), (Some(127), Some(3)));
}

#[test]
fn active_stream_without_any_connection_is_an_error() {
    let text = "v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\nc=IN IP4 192.0.2.1\nm=video 5000 RTP/AVP 96\n";
    assert_eq!(err(text), SdpError::MissingConnection { media_index: 1 });
}

#[test]
fn duplicates_and_misplaced_lines_are_rejected() {
    assert_eq!(malformed_at(&format!("{HEAD}c=IN IP4 192.0.2.2\n")), 6);
    assert_eq!(malformed_at(&format!("{HEAD}o=- 2 2 IN IP4 h\n")), 6);
    assert_eq!(
        malformed_at(&format!("{HEAD}m=audio 4000 RTP/AVP 0\nt=0 0\n")),
        7
    );
    assert_eq!(
        malformed_at(&format!(
            "{HEAD}m=audio 4000 RTP/AVP 0\nc=IN IP4 1.2.3.4\nc=IN IP4 1.2.3.5\n"
        )),
        8
    );
    assert_eq!(malformed_at("v=0\no=- 1 1 IN IP4 h\nr=7d 1h 0 25h\n"), 3);
    assert_eq!(malformed_at(&format!("{HEAD}b=AS\n")), 6);
    assert_eq!(malformed_at(&format!("{HEAD}b=AS:lots\n")), 6);
    assert_eq!(malformed_at("v=0\no=- 1 1 IN IP4 h\nt=now 0\n"), 3);
}

#[test]
fn errors_render_with_line_numbers() {
    let e = err(&format!("{HEAD}m=audio 4000 RTP/AVP 200\n"));
    assert_eq!(
        e.to_string(),
        "malformed SDP at line 6: m= payload type is not 0-127"
    );
}
