//! RFC 3264 §6.1 direction in the answer: sendonly→recvonly,
//! recvonly→sendonly, inactive→inactive; media level beats session level.

mod common;

use common::{parse_fixture, sdp};
use rotary_sdp::{answer, Direction, LocalOrigin, MediaAddr, SessionDescription};

fn local() -> MediaAddr {
    MediaAddr {
        ip: "198.51.100.1".parse().expect("ip"),
        audio_port: 10_000,
    }
}

fn offer_with(session_dir: &str, media_dir: &str) -> SessionDescription {
    sdp(&format!(
        "v=0\no=- 1 1 IN IP4 h\ns=-\nc=IN IP4 192.0.2.9\nt=0 0\n{session_dir}m=audio 4000 RTP/AVP 0\n{media_dir}"
    ))
}

fn answered(offer: &SessionDescription) -> Direction {
    let a = answer(offer, &["PCMU"], &local(), &mut LocalOrigin::new(1, 1)).expect("answer");
    assert_eq!(
        a.sdp.media[0].direction(),
        Some(a.direction),
        "written explicitly"
    );
    a.direction
}

#[test]
fn each_offered_direction_gets_its_counterpart() {
    let cases = [
        ("", Direction::SendRecv),
        ("a=sendrecv\n", Direction::SendRecv),
        ("a=sendonly\n", Direction::RecvOnly),
        ("a=recvonly\n", Direction::SendOnly),
        ("a=inactive\n", Direction::Inactive),
    ];
    for (line, expect) in cases {
        assert_eq!(answered(&offer_with("", line)), expect, "{line:?}");
    }
}

#[test]
fn media_level_direction_beats_session_level() {
    assert_eq!(
        answered(&offer_with("a=inactive\n", "a=sendrecv\n")),
        Direction::SendRecv
    );
    assert_eq!(
        answered(&offer_with("a=sendonly\n", "")),
        Direction::RecvOnly
    );
}

#[test]
fn rfc2543_zero_address_hold_is_answered_recvonly() {
    let offer = parse_fixture("hold_zero_address.sdp");
    assert_eq!(answered(&offer), Direction::RecvOnly);
}

#[test]
fn hold_reinvite_is_answered_recvonly() {
    let offer = parse_fixture("hold_sendonly.sdp");
    assert_eq!(answered(&offer), Direction::RecvOnly);
}
