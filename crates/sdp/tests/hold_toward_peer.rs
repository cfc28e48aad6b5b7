//! The SDP pbxd sends the other leg to reproduce a hold (or resume).

mod common;

use std::net::IpAddr;

use common::parse_fixture;
use rotary_sdp::{anchor, apply_hold, hold_state, Direction, HoldMethod, HoldState, LocalOrigin};

fn ours() -> IpAddr {
    "198.51.100.1".parse().expect("ip")
}

#[test]
fn sendonly_hold_is_forwarded_as_sendonly() {
    let reinvite = parse_fixture("hold_sendonly.sdp");
    let state = hold_state(&reinvite);
    let toward_b = apply_hold(
        &anchor(&reinvite, ours(), &[20_000], &mut LocalOrigin::new(1, 1)),
        state,
    );
    assert_eq!(
        toward_b.media_direction(&toward_b.media[0]),
        Direction::SendOnly
    );
    assert_eq!(
        toward_b.media[0]
            .attributes
            .iter()
            .filter(|a| Direction::from_attribute(a).is_some())
            .count(),
        1
    );
}

#[test]
fn rfc2543_hold_is_modernised_to_sendonly_at_our_address() {
    let reinvite = parse_fixture("hold_zero_address.sdp");
    let state = hold_state(&reinvite);
    assert_eq!(state, HoldState::Held(HoldMethod::ZeroAddress));
    let anchored = anchor(&reinvite, ours(), &[20_000], &mut LocalOrigin::new(1, 1));
    let toward_b = apply_hold(&anchored, state);
    assert_eq!(toward_b.connection.map(|c| c.address), Some(ours()));
    assert_eq!(toward_b.media[0].direction(), Some(Direction::SendOnly));
    assert_eq!(hold_state(&toward_b), HoldState::Held(HoldMethod::SendOnly));
}

#[test]
fn inactive_and_resume_are_reproduced() {
    let active = parse_fixture("baresip_offer.sdp");
    let held = apply_hold(&active, HoldState::Held(HoldMethod::Inactive));
    assert_eq!(hold_state(&held), HoldState::Held(HoldMethod::Inactive));
    let resumed = apply_hold(&held, HoldState::Active);
    assert_eq!(hold_state(&resumed), HoldState::Active);
    assert_eq!(resumed.media[0].direction(), Some(Direction::SendRecv));
}

#[test]
fn only_active_audio_streams_are_touched() {
    let offer = parse_fixture("linphone_opus_offer.sdp");
    let held = apply_hold(&offer, HoldState::Held(HoldMethod::SendOnly));
    assert_eq!(held.media[0].direction(), Some(Direction::SendOnly));
    assert_eq!(held.media[1], offer.media[1]);
    assert_eq!(apply_hold(&offer, HoldState::NoAudio), offer);
}
