//! SDP handling for anchored calls, over `rotary-sdp`: read a leg's SDP, trim
//! its codecs, and rewrite it to pbxd's relay address for the other leg.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use rotary_sdp::{
    anchor, apply_hold, filter_offer, hold_state, LocalOrigin, SdpError, SessionDescription,
};

use super::cdr::Cause;

/// What a phone's SDP says about its media.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PeerMedia {
    /// Where it wants RTP (first active audio stream).
    pub(crate) remote: Option<SocketAddr>,
    /// It holds the other party (`sendonly`, `inactive`, `c=0.0.0.0`).
    pub(crate) held: bool,
}

/// Parse an offer and keep only `allowed` codecs (plus telephone-event).
pub(crate) fn filter(body: &[u8], allowed: &[&str]) -> Result<SessionDescription, Cause> {
    let sdp = SessionDescription::parse(body).map_err(|_| Cause::InvalidSdp)?;
    filter_offer(&sdp, allowed).map_err(|e| match e {
        SdpError::NoCommonCodec => Cause::NoCommonCodec,
        _ => Cause::InvalidSdp,
    })
}

/// Parse an SDP (an answer, or an offer that needs no filtering).
pub(crate) fn parse(body: &[u8]) -> Option<SessionDescription> {
    SessionDescription::parse(body).ok()
}

/// What an SDP says about its author's media.
pub(crate) fn peer_media(sdp: &SessionDescription) -> PeerMedia {
    let remote = sdp.first_active_audio().and_then(|(_, m)| sdp.rtp_addr(m));
    PeerMedia {
        remote,
        held: hold_state(sdp).is_held(),
    }
}

/// `sdp` rewritten to point at pbxd's `relay` address, its `o=` stamped from
/// the destination leg's `origin`. An RFC 2543 `c=0.0.0.0` hold is re-expressed
/// as `sendonly`, since the address itself is rewritten.
pub(crate) fn anchored(
    sdp: &SessionDescription,
    relay: SocketAddr,
    origin: &mut LocalOrigin,
) -> Vec<u8> {
    let audio = sdp.first_active_audio().map(|(i, _)| i);
    let ports: Vec<u16> = (0..sdp.media.len())
        .map(|i| if Some(i) == audio { relay.port() } else { 0 })
        .collect();
    // Re-express hold before stamping, so the `o=` version sees the change.
    let state = hold_state(sdp);
    let out = if state.is_held() {
        anchor(&apply_hold(sdp, state), relay.ip(), &ports, origin)
    } else {
        anchor(sdp, relay.ip(), &ports, origin)
    };
    out.to_bytes()
}

/// A placeholder address when an SDP has none (the relay latches anyway).
pub(crate) fn unknown_addr() -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0)
}
