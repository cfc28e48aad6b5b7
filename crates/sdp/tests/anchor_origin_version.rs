//! RFC 3264 §8: our o= version goes up exactly when what we send changes,
//! and never because only the peer's o= changed.

mod common;

use std::net::IpAddr;

use common::parse_fixture;
use rotary_sdp::{anchor, apply_hold, hold_state, LocalOrigin};

fn ours() -> IpAddr {
    "198.51.100.1".parse().expect("ip")
}

#[test]
fn identical_reoffer_keeps_the_version() {
    let offer = parse_fixture("baresip_offer.sdp");
    let mut origin = LocalOrigin::new(5, 1);
    let first = anchor(&offer, ours(), &[20_000], &mut origin);
    let second = anchor(&offer, ours(), &[20_000], &mut origin);
    assert_eq!(first.origin.session_version, "1");
    assert_eq!(second.origin.session_version, "1");
    assert_eq!(first, second);
}

#[test]
fn peer_version_bump_alone_is_not_a_change_for_us() {
    let mut offer = parse_fixture("baresip_offer.sdp");
    let mut origin = LocalOrigin::new(5, 1);
    let _ = anchor(&offer, ours(), &[20_000], &mut origin);
    offer.origin.session_version = "3594120999".into();
    let again = anchor(&offer, ours(), &[20_000], &mut origin);
    assert_eq!(again.origin.session_version, "1");
}

#[test]
fn changes_bump_once_each() {
    let active = parse_fixture("baresip_offer.sdp");
    let held = parse_fixture("hold_sendonly.sdp");
    let mut origin = LocalOrigin::new(5, 1);
    let versions: Vec<String> = [
        (&active, 20_000),
        (&active, 20_000),
        (&held, 20_000),
        (&held, 20_000),
        (&active, 20_000),
        (&active, 20_004),
    ]
    .into_iter()
    .map(|(sdp, port)| {
        anchor(sdp, ours(), &[port], &mut origin)
            .origin
            .session_version
    })
    .collect();
    assert_eq!(versions, ["1", "1", "2", "2", "3", "4"]);
    assert_eq!(origin.version(), 4);
    assert_eq!(origin.session_id(), 5);
}

#[test]
fn hold_toward_the_other_leg_bumps_through_stamp() {
    let active = parse_fixture("baresip_offer.sdp");
    let held = parse_fixture("hold_zero_address.sdp");
    let mut origin = LocalOrigin::new(5, 10);
    let a = anchor(&active, ours(), &[20_000], &mut origin);
    // Build the hold re-offer toward B, then stamp it with B's origin.
    let mut reoffer = apply_hold(&a, hold_state(&held));
    origin.stamp(&mut reoffer, ours());
    assert_eq!(a.origin.session_version, "10");
    assert_eq!(reoffer.origin.session_version, "11");
    // Stamping the same again does not bump.
    let mut again = reoffer.clone();
    origin.stamp(&mut again, ours());
    assert_eq!(again.origin.session_version, "11");
}
