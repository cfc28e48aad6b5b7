//! Sans-IO SIP trunks for Rotary (DUC guide 5.3.1, RFC 3261 §10.2): everything about a
//! trunk except routing calls through it.
//!
//! - [`RegistrationClient`]: one per "register" (DUC "client mode") trunk. Sends REGISTER,
//!   answers 401/407 digest challenges (MD5, SHA-256, `qop=auth`) with `rotary-sip`'s
//!   digest client, refreshes at 85 % of the expiry the provider grants, follows 423
//!   Min-Expires, backs off after failures (retry interval doubled per failure up to
//!   30 minutes, seeded jitter), stops retrying fast after 403, and unregisters
//!   (Expires: 0) when stopped. Its [`TrunkStatus`] is what the API shows.
//! - [`PeerMonitor`]: one per "peer" (IP-authenticated) trunk with a `qualify_interval`.
//!   Sends SIP OPTIONS (RFC 3261 §11) and reports the peer `reachable` (any final answer,
//!   with its code and round-trip time) or `unreachable` (timeout, transport error,
//!   unresolved host), probing every 10 s while it is down.
//! - [`TrunkDirectory`]: which trunk an inbound request came from.
//!
//! Driving a client (the engine puts each request in a client transaction and feeds the
//! transaction's outcome back):
//!
//! ```
//! use std::time::Instant;
//! use rotary_trunks::{RegistrationClient, RegistrationConfig, RegistrationEvent};
//!
//! let trunk: rotary_config::routing::Trunk = serde_json::from_str(
//!     r#"{"id":"prov","mode":{"kind":"register","host":"192.0.2.1","username":"u1",
//!         "password":"pw-123456"}}"#).unwrap();
//! let config = RegistrationConfig::from_trunk(&trunk, "Rotary").unwrap();
//! let local = "192.0.2.9:5060".parse().unwrap();
//! let mut client = RegistrationClient::new(config, local, [7; 32]).unwrap();
//! let now = Instant::now();
//! client.start(now);
//! client.set_destination(now, Some("192.0.2.1:5060".parse().unwrap()));
//! let out = client.poll_transmit().unwrap();
//! assert!(out.request.to_bytes().starts_with(b"REGISTER sip:192.0.2.1 SIP/2.0"));
//! // ... transaction: client.handle_response(now, &response) / handle_failure(now, ..)
//! while let Some(event) = client.poll_event() {
//!     if let RegistrationEvent::StatusChanged(s) = event { assert_eq!(s.state.name(), "registering") }
//! }
//! let _wake_at = client.poll_timeout(); // then client.handle_timeout(wake_at)
//! ```
//!
//! Not here: sending (the engine's transaction layer), DNS (the engine's shell), routing
//! calls through trunks (the engine's B2BUA), and the "account" trunk's registrar (the
//! engine reuses `rotary-registrar` with an account derived from the trunk).

mod backoff;
mod identify;
mod peer;
mod register;
mod status;

pub use backoff::MAX_BACKOFF;
pub use identify::{hostnames, InboundRequest, TrunkDirectory};
pub use peer::{
    PeerConfig, PeerEvent, PeerMonitor, PeerState, PeerStatus, UNREACHABLE_PROBE_INTERVAL,
};
pub use register::{
    RegistrationClient, RegistrationConfig, RegistrationEvent, TransactionFailure, TrunkRequest,
};
pub use status::{FailureReason, RegistrationState, TrunkStatus};

/// A trunk's settings could not be turned into a working client.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrunkError {
    /// The registrar URI built from host, port and transport does not parse.
    #[error("registrar URI {uri} is not a valid SIP URI")]
    InvalidRegistrar {
        /// The URI as built.
        uri: String,
    },
    /// The peer URI built from host, port and transport does not parse.
    #[error("peer URI {uri} is not a valid SIP URI")]
    InvalidPeer {
        /// The URI as built.
        uri: String,
    },
}
