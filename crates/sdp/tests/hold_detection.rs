//! Hold as RFC 3264 directions and as the RFC 2543 `c=0.0.0.0` form.

mod common;

use common::{parse_fixture, sdp};
use rotary_sdp::{hold_state, HoldMethod, HoldState};

fn with(conn: &str, attrs: &str) -> rotary_sdp::SessionDescription {
    sdp(&format!(
        "v=0\no=- 1 2 IN IP4 h\ns=-\nc=IN {conn}\nt=0 0\nm=audio 4000 RTP/AVP 0\n{attrs}"
    ))
}

#[test]
fn baresip_sendonly_reinvite_is_held() {
    assert_eq!(
        hold_state(&parse_fixture("hold_sendonly.sdp")),
        HoldState::Held(HoldMethod::SendOnly)
    );
    assert_eq!(
        hold_state(&parse_fixture("baresip_offer.sdp")),
        HoldState::Active
    );
}

#[test]
fn cisco_zero_address_reinvite_is_held() {
    let s = parse_fixture("hold_zero_address.sdp");
    assert_eq!(hold_state(&s), HoldState::Held(HoldMethod::ZeroAddress));
    assert!(hold_state(&s).is_held());
}

#[test]
fn ipv6_unspecified_address_is_held_too() {
    assert_eq!(
        hold_state(&with("IP6 ::", "")),
        HoldState::Held(HoldMethod::ZeroAddress)
    );
}

#[test]
fn every_direction_and_address_combination() {
    let cases = [
        ("IP4 192.0.2.1", "", HoldState::Active),
        ("IP4 192.0.2.1", "a=sendrecv\n", HoldState::Active),
        (
            "IP4 192.0.2.1",
            "a=sendonly\n",
            HoldState::Held(HoldMethod::SendOnly),
        ),
        (
            "IP4 192.0.2.1",
            "a=inactive\n",
            HoldState::Held(HoldMethod::Inactive),
        ),
        ("IP4 192.0.2.1", "a=recvonly\n", HoldState::RecvOnly),
        (
            "IP4 0.0.0.0",
            "a=sendonly\n",
            HoldState::Held(HoldMethod::SendOnly),
        ),
        (
            "IP4 0.0.0.0",
            "a=recvonly\n",
            HoldState::Held(HoldMethod::Inactive),
        ),
        (
            "IP4 0.0.0.0",
            "a=inactive\n",
            HoldState::Held(HoldMethod::Inactive),
        ),
    ];
    for (conn, attrs, expect) in cases {
        assert_eq!(hold_state(&with(conn, attrs)), expect, "{conn} {attrs:?}");
    }
}

#[test]
fn session_level_direction_counts_unless_media_overrides() {
    let s = sdp("v=0\no=- 1 2 IN IP4 h\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\na=sendonly\nm=audio 4000 RTP/AVP 0\n");
    assert_eq!(hold_state(&s), HoldState::Held(HoldMethod::SendOnly));
    let s = sdp("v=0\no=- 1 2 IN IP4 h\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\na=sendonly\nm=audio 4000 RTP/AVP 0\na=sendrecv\n");
    assert_eq!(hold_state(&s), HoldState::Active);
}

#[test]
fn media_connection_beats_session_zero_address() {
    let s = sdp("v=0\no=- 1 2 IN IP4 h\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 4000 RTP/AVP 0\nc=IN IP4 192.0.2.1\n");
    assert_eq!(hold_state(&s), HoldState::Active);
}

#[test]
fn no_active_audio_is_reported_as_such() {
    let s = sdp("v=0\no=- 1 2 IN IP4 h\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 0 RTP/AVP 0\nm=video 5000 RTP/AVP 96\n");
    assert_eq!(hold_state(&s), HoldState::NoAudio);
}
