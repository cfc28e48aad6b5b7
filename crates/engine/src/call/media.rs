//! SDP handling for anchored calls, over `rotary-sdp`: read a leg's SDP, trim
//! its codecs, and rewrite it to pbxd's relay address for the other leg.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use rotary_config::{Codec, DtmfMode};
use rotary_sdp::{
    anchor, answer, apply_hold, chosen_codec, filter_offer, hold_state, offer_with,
    Codec as SdpCodec, LocalOrigin, MediaAddr, SdpError, SessionDescription,
};

use super::cdr::Cause;
use super::types::{DtmfTransport, LegMedia, MediaPlan};

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

/// Whether pbxd can decode and encode `codec` (G.729 is relayed only).
pub(crate) fn transcodable(codec: Codec) -> bool {
    codec != Codec::G729
}

/// The offer for the callee's phones: the caller's codecs the callee may use (they
/// pass through), then the callee's other codecs pbxd can transcode into, when the
/// caller offered something pbxd can decode.
pub(crate) fn callee_offer(
    a_offer: &SessionDescription,
    callee: &[Codec],
) -> Result<SessionDescription, Cause> {
    let offered = offered_codecs(a_offer);
    let keep: Vec<&str> = callee.iter().map(|c| c.name()).collect();
    let can_decode = offered.iter().any(|c| transcodable(*c));
    let add: Vec<SdpCodec> = if can_decode {
        callee
            .iter()
            .filter(|c| transcodable(**c) && !offered.contains(c))
            .filter_map(|c| SdpCodec::from_name(c.name()))
            .collect()
    } else {
        Vec::new()
    };
    offer_with(a_offer, &keep, &add).map_err(|e| match e {
        SdpError::NoCommonCodec => Cause::NoCommonCodec,
        _ => Cause::InvalidSdp,
    })
}

/// The codecs (known to the config) on the first active audio stream, in order.
fn offered_codecs(sdp: &SessionDescription) -> Vec<Codec> {
    let Some((_, m)) = sdp.first_active_audio() else {
        return Vec::new();
    };
    m.payload_types()
        .iter()
        .filter_map(|pt| m.rtpmap(*pt))
        .filter_map(|r| r.encoding.parse::<Codec>().ok())
        .collect()
}

/// The media an SDP answer settles for its author's leg, whose extension sends DTMF
/// as `dtmf` says.
pub(crate) fn leg_media(sdp: &SessionDescription, dtmf: DtmfMode) -> Option<LegMedia> {
    let (codec, te) = chosen_codec(sdp)?;
    let ptime = sdp.first_active_audio().and_then(|(_, m)| m.ptime());
    Some(LegMedia {
        codec: codec.rtpmap.encoding.parse().ok()?,
        payload_type: codec.rtpmap.payload_type.get(),
        dtmf: DtmfTransport::settle(dtmf, te.is_some()),
        event_payload_type: te.map(|t| t.payload_type.get()),
        ptime_ms: ptime.filter(|p| (10..=120).contains(p)).unwrap_or(20),
    })
}

/// The callee answered with `b_answer`: what the caller gets and how media flows.
///
/// When the callee chose a codec the caller offered, its answer is relayed (anchored)
/// and packets pass through. Otherwise pbxd answers the caller itself with the first
/// codec of the caller's offer it can decode, and transcodes. Legs whose DTMF travels
/// differently (RFC 4733, in-band, INFO) are transcoded too, so digits can be converted.
pub(crate) fn settle(
    a_offer: &SessionDescription,
    b_answer: &SessionDescription,
    relay_a: SocketAddr,
    origin_a: &mut LocalOrigin,
    caller: &[Codec],
    dtmf: [DtmfMode; 2],
) -> (Vec<u8>, MediaPlan) {
    let b = leg_media(b_answer, dtmf[1]);
    let offered = offered_codecs(a_offer);
    let passes = b.is_none_or(|b| offered.contains(&b.codec));
    if !passes {
        let allowed: Vec<&str> = caller
            .iter()
            .filter(|c| transcodable(**c))
            .map(|c| c.name())
            .collect();
        let local = MediaAddr {
            ip: relay_a.ip(),
            audio_port: relay_a.port(),
        };
        if let Ok(ans) = answer(a_offer, &allowed, &local, origin_a) {
            let a = leg_media(&ans.sdp, dtmf[0]).map(|mut m| {
                m.ptime_ms = ans.ptime.filter(|p| (10..=120).contains(p)).unwrap_or(20);
                m
            });
            let plan = MediaPlan {
                a,
                b,
                transcode: true,
            };
            return (ans.sdp.to_bytes(), plan);
        }
    }
    let body = anchored(b_answer, relay_a, origin_a);
    // Pass-through: the caller receives the callee's answer, so both legs share it;
    // only the caller's DTMF mode is its own.
    let a = b.map(|m| LegMedia {
        dtmf: DtmfTransport::settle(dtmf[0], m.event_payload_type.is_some()),
        ..m
    });
    let transcode = matches!((a, b), (Some(a), Some(b)) if a.dtmf != b.dtmf);
    (body, MediaPlan { a, b, transcode })
}
