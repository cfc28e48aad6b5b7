//! Our own `o=` line per call leg: one session id for the dialog, and a
//! version that goes up exactly when what we send changes (RFC 3264 §8).

use std::net::IpAddr;

use crate::attribute::addr_type;
use crate::model::{Origin, SessionDescription};

/// The `o=` state pbxd keeps for one leg, so every SDP it sends on that leg
/// carries the same session id and a correctly bumped version.
///
/// The session id should be random (the engine's seeded RNG supplies it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalOrigin {
    session_id: u64,
    version: u64,
    /// The body (all but `o=`) last stamped, to detect changes.
    last_body: Option<String>,
}

impl LocalOrigin {
    /// The `o=` user name pbxd writes.
    pub const USERNAME: &'static str = "rotary";

    /// Starts a leg's origin; the first SDP stamped gets `initial_version`.
    #[must_use]
    pub fn new(session_id: u64, initial_version: u64) -> LocalOrigin {
        LocalOrigin {
            session_id,
            version: initial_version,
            last_body: None,
        }
    }

    /// Sets `sdp.origin` to ours, bumping the version first if the body
    /// differs from the previously stamped one (RFC 3264 §8: a re-offer that
    /// changes nothing keeps the version, one that changes anything bumps it).
    pub fn stamp(&mut self, sdp: &mut SessionDescription, addr: IpAddr) {
        let mut body = String::new();
        // Writing to a String cannot fail.
        let _ = sdp.write_body(&mut body);
        match &self.last_body {
            Some(prev) if *prev == body => {}
            Some(_) => self.version = self.version.wrapping_add(1),
            None => {}
        }
        self.last_body = Some(body);
        sdp.origin = self.origin(addr);
    }

    /// The session id written in `o=`.
    #[must_use]
    pub fn session_id(&self) -> u64 {
        self.session_id
    }

    /// The version of the last stamped SDP (or the initial one before any).
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Our `o=` line with the current version.
    #[must_use]
    pub fn origin(&self, addr: IpAddr) -> Origin {
        Origin {
            username: Self::USERNAME.to_owned(),
            session_id: self.session_id.to_string(),
            session_version: self.version.to_string(),
            net_type: "IN".to_owned(),
            addr_type: addr_type(addr).to_owned(),
            address: addr.to_string(),
        }
    }
}
