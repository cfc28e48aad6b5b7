//! Rotary's routing core: where a call goes, as pure functions of the configuration
//! snapshot, the call's numbers and the time, plus the IVR and department applications as
//! sans-IO state machines.
//!
//! - [`route_inbound`]: a call from a trunk → blacklist, Office Closed, direct routes, the
//!   most specific inbound route, time conditions → a [`Target`] or a hang-up.
//! - [`route_outbound`]: what an extension dialled → an internal target (under internal
//!   permissions), or a dial rule's trunks with the number to send and the caller ID per
//!   trunk (under dial permissions, time rules, PIN sets, black- and whitelists;
//!   emergency numbers bypass all of them).
//! - [`dial_status`]: are the digits dialled so far complete, incomplete or hopeless
//!   (overlap dialling, digit timeouts).
//! - [`resolve_destination`]: follow a destination an IVR or a department hands on.
//! - [`evaluate`]: a time condition at a UTC instant.
//! - [`IvrSession`], [`RingGroup`]: the applications, driven by events and deadlines.
//!
//! Every [`Decision`] carries a trace ([`TraceStep`]s) that says which routes were skipped
//! and why, which branch each time condition took, and which list blocked a number; the
//! API serves it as the route tracer. Patterns, time zones and the configuration types
//! are in `rotary_config::routing`.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use rotary_config::routing::RoutingConfig;
//! use rotary_config::Config;
//! use rotary_dialplan::{route_inbound, Outcome, Snapshot, Target};
//!
//! let routing: RoutingConfig = serde_json::from_str(r#"{
//!   "trunks": [{"id": "prov", "mode": {"kind": "peer", "host": "10.0.0.1"}}],
//!   "inbound_routes": [{"name": "main", "did": "_4930X.",
//!                       "destination": {"type": "conference", "number": "0900"}}]
//! }"#).unwrap();
//! let config = Config::default();
//! let now = Utc.with_ymd_and_hms(2024, 6, 3, 10, 0, 0).unwrap();
//! let d = route_inbound(Snapshot::new(&config, &routing), "prov", "4930123", "0301", now);
//! let number = "0900".parse().unwrap();
//! assert_eq!(d.outcome, Outcome::Deliver { target: Target::Conference { number } });
//! assert_eq!(d.route.unwrap().as_str(), "main");
//! ```
//!
//! This crate reads no clock and does no I/O: wall-clock time comes in as
//! `DateTime<Utc>`, monotonic time as `Instant`, and round-robin state
//! ([`TrunkCursors`]) is kept by the caller. Trunk registration, failover on SIP
//! responses, trunk call counting and prompt playback are the engine's.

mod decision;
mod filter;
mod inbound;
mod ivr;
mod outbound;
mod resolve;
mod ring_group;
mod time_condition;

use rotary_config::routing::RoutingConfig;
use rotary_config::Config;

pub use decision::{
    CallKind, CallerId, CidSource, CursorUpdate, Decision, HangupCause, Outcome, RouteKind,
    SkipReason, Target, TimeReason, TraceStep, TrunkAttempt, TrunkSkip,
};
pub use filter::is_anonymous;
pub use inbound::route_inbound;
pub use ivr::{IvrAction, IvrEvent, IvrSession, Lookup, NumberDirectory};
pub use outbound::{check_pin, dial_status, route_outbound, TrunkCursors};
pub use resolve::{resolve_destination, Resolution, MAX_DEPTH};
pub use ring_group::{RingGroup, RingGroupAction, RingGroupEvent};
pub use time_condition::{evaluate, TimeVerdict};

/// The parts of a configuration snapshot that routing reads: the extensions and number
/// ranges ([`Config`]) and the routing objects ([`RoutingConfig`]). Cheap to copy.
#[derive(Clone, Copy, Debug)]
pub struct Snapshot<'a> {
    /// Extensions and global settings.
    pub config: &'a Config,
    /// Trunks, routes, time conditions, IVRs, departments, lists.
    pub routing: &'a RoutingConfig,
}

impl<'a> Snapshot<'a> {
    /// Borrows the two halves of a snapshot.
    #[must_use]
    pub fn new(config: &'a Config, routing: &'a RoutingConfig) -> Self {
        Self { config, routing }
    }
}
