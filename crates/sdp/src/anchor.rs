//! Media anchoring: rewriting a leg's SDP so every address and port points
//! at pbxd's relay before it is forwarded to the other leg.
//!
//! pbxd terminates media, so ICE candidates and foreign RTCP addresses are
//! removed; everything else (codecs, `a=crypto`, `rtcp-mux`, unknown lines)
//! passes through so the two ends still negotiate with each other.

use std::net::IpAddr;

use crate::model::{Connection, SessionDescription};
use crate::origin::LocalOrigin;

/// Attributes dropped because pbxd terminates ICE (RFC 8839).
const ICE_ATTRIBUTES: [&str; 8] = [
    "candidate",
    "remote-candidates",
    "end-of-candidates",
    "ice-ufrag",
    "ice-pwd",
    "ice-options",
    "ice-lite",
    "ice-mismatch",
];

/// Returns `sdp` rewritten to point at pbxd: session and media `c=` become
/// `addr`, `m=` port *i* becomes `ports[i]`, and `o=` is stamped from the
/// leg's `origin` (version bumped only if the result differs from the last
/// SDP stamped with it, RFC 3264 §8).
///
/// A stream with port 0 stays at 0, and so does one whose `ports[i]` is 0
/// or missing (that is how the caller rejects it). `a=rtcp` lines are
/// dropped, so RTCP defaults to our port + 1; ICE attributes are dropped.
/// Call [`crate::hold_state`] first if you need to know about an RFC 2543
/// `c=0.0.0.0` hold, since that address is rewritten too.
#[must_use]
pub fn anchor(
    sdp: &SessionDescription,
    addr: IpAddr,
    ports: &[u16],
    origin: &mut LocalOrigin,
) -> SessionDescription {
    let mut out = sdp.clone();
    out.connection = Some(Connection::new(addr));
    out.attributes.retain(|a| !is_dropped(&a.name));
    for (i, m) in out.media.iter_mut().enumerate() {
        let ours = ports.get(i).copied().unwrap_or(0);
        m.port = if m.port == 0 { 0 } else { ours };
        m.port_count = None;
        if m.connection.is_some() {
            m.connection = Some(Connection::new(addr));
        }
        m.attributes.retain(|a| !is_dropped(&a.name));
    }
    origin.stamp(&mut out, addr);
    out
}

fn is_dropped(name: &str) -> bool {
    name.eq_ignore_ascii_case("rtcp") || ICE_ATTRIBUTES.iter().any(|n| n.eq_ignore_ascii_case(name))
}
