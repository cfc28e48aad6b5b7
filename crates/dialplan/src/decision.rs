//! What a routing function answers: a [`Decision`] (where the call goes, through which
//! trunks, with which number and caller ID) and the [`TraceStep`]s that explain it.
//!
//! Everything here is plain data with `Serialize`, so the API can return a decision as it
//! is from `GET /api/v1/route-trace`.

use std::fmt;

use rotary_config::routing::{
    Destination, Direction, PinSetId, RouteName, TimeConditionId, TrunkId,
};
use rotary_config::ExtensionNumber;
use serde::Serialize;

/// The answer to "what happens to this call?".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Inbound, outbound or internal: what the CDR records as the call type.
    pub kind: CallKind,
    /// What to do with the call.
    pub outcome: Outcome,
    /// The inbound, direct or outbound route that decided, for the CDR; `None` when no
    /// route was involved (internal calls, refusals before routing).
    pub route: Option<RouteName>,
    /// The caller ID to present to the called side (per trunk for outbound calls, see
    /// [`TrunkAttempt::caller_id`]).
    pub caller_id: CallerId,
    /// Why, step by step.
    pub trace: Vec<TraceStep>,
    /// For a `linear_cycle` route: the new round-robin cursor, to store with
    /// [`crate::TrunkCursors::apply`].
    pub cursor: Option<CursorUpdate>,
}

/// Direction of a call, as recorded in the CDR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    /// From a trunk.
    Inbound,
    /// From an extension out through a trunk.
    Outbound,
    /// From an extension to something on this PBX.
    Internal,
}

/// What the engine should do with the call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Outcome {
    /// Hand the call to something on this PBX.
    Deliver {
        /// What to ring or run.
        target: Target,
    },
    /// Call out: try the trunks in order, failing over on 5xx, timeout or congestion.
    Trunks {
        /// The attempts, in the order to try them.
        attempts: Vec<TrunkAttempt>,
        /// Ask the caller for a PIN of this set first (never for emergency calls).
        pin_set: Option<PinSetId>,
        /// Hang up after this many seconds of conversation.
        time_limit_secs: Option<u32>,
        /// The number is an emergency number: permissions, PINs and lists were bypassed.
        emergency: bool,
    },
    /// Refuse or end the call.
    Hangup {
        /// Why; maps to a stable code and a SIP status.
        cause: HangupCause,
    },
}

/// A routing end point inside the PBX (a [`Destination`] after time conditions are
/// resolved).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Target {
    /// Ring an extension.
    Extension {
        /// Its number.
        number: ExtensionNumber,
    },
    /// Run a department's ring group ([`crate::RingGroup`]).
    Department {
        /// Its number.
        number: ExtensionNumber,
    },
    /// Run an IVR menu ([`crate::IvrSession`]).
    Ivr {
        /// Its number.
        number: ExtensionNumber,
    },
    /// Put the call in a queue.
    Queue {
        /// Its number.
        number: ExtensionNumber,
    },
    /// Record a voicemail message.
    Voicemail {
        /// The mailbox's extension.
        extension: ExtensionNumber,
    },
    /// Join a conference room.
    Conference {
        /// Its number.
        number: ExtensionNumber,
    },
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Extension { number } => write!(f, "extension {number}"),
            Target::Department { number } => write!(f, "department {number}"),
            Target::Ivr { number } => write!(f, "IVR {number}"),
            Target::Queue { number } => write!(f, "queue {number}"),
            Target::Voicemail { extension } => write!(f, "voicemail {extension}"),
            Target::Conference { number } => write!(f, "conference {number}"),
        }
    }
}

/// One trunk to try for an outbound call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrunkAttempt {
    /// The trunk.
    pub trunk: TrunkId,
    /// The number to put in the Request-URI.
    pub number: String,
    /// The caller ID to send on this trunk (trunk overrides and rewrites applied).
    pub caller_id: CallerId,
}

/// A caller ID: number and optional display name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct CallerId {
    /// The number (user part of From/PAI).
    pub number: String,
    /// The display name, when known.
    pub name: Option<String>,
}

/// The round-robin state a `linear_cycle` route asks the caller to keep.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct CursorUpdate {
    /// The route whose cursor moves.
    pub route: RouteName,
    /// Index (in the route's trunk list) the next call starts with.
    pub next: usize,
}

/// Why a call is refused or ended. Each cause has a stable code for CDRs, logs and the
/// API, and a SIP status for the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HangupCause {
    /// The configuration says to hang up (a `hangup` destination).
    Configured,
    /// No route takes the number.
    NoRoute,
    /// The number is on the blacklist.
    Blacklisted,
    /// The caller withheld their number and anonymous calls are blocked.
    AnonymousBlocked,
    /// The caller's dial permission does not allow this.
    NotPermitted,
    /// The number is not on the whitelist that governs this call.
    NotWhitelisted,
    /// The call came from a trunk the configuration does not know.
    UnknownTrunk,
    /// The call came from a disabled trunk.
    TrunkDisabled,
    /// The calling extension does not exist.
    UnknownCaller,
    /// Destinations chained deeper than the limit (a loop that validation did not stop).
    Loop,
    /// A destination points at something that no longer exists, or cannot be used here.
    BadDestination,
}

impl HangupCause {
    /// The stable code, e.g. `route.no_match`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            HangupCause::Configured => "route.hangup",
            HangupCause::NoRoute => "route.no_match",
            HangupCause::Blacklisted => "route.blacklisted",
            HangupCause::AnonymousBlocked => "route.anonymous_blocked",
            HangupCause::NotPermitted => "route.not_permitted",
            HangupCause::NotWhitelisted => "route.not_whitelisted",
            HangupCause::UnknownTrunk => "route.unknown_trunk",
            HangupCause::TrunkDisabled => "route.trunk_disabled",
            HangupCause::UnknownCaller => "route.unknown_caller",
            HangupCause::Loop => "route.loop",
            HangupCause::BadDestination => "route.bad_destination",
        }
    }

    /// The SIP final response to refuse an unanswered call with.
    #[must_use]
    pub fn sip_status(self) -> u16 {
        match self {
            HangupCause::Configured => 480,
            HangupCause::NoRoute => 404,
            HangupCause::Blacklisted => 603,
            // RFC 5079: 433 Anonymity Disallowed.
            HangupCause::AnonymousBlocked => 433,
            HangupCause::NotPermitted
            | HangupCause::NotWhitelisted
            | HangupCause::UnknownTrunk
            | HangupCause::TrunkDisabled
            | HangupCause::UnknownCaller => 403,
            // RFC 3261 §21.4.20: 482 Loop Detected.
            HangupCause::Loop => 482,
            HangupCause::BadDestination => 500,
        }
    }
}

impl fmt::Display for HangupCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One step of a routing decision, in the order it was taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum TraceStep {
    /// The trunk's inbound caller-ID rewrite changed the caller number.
    CallerRewritten {
        /// Number as received.
        from: String,
        /// Number after the rewrite.
        to: String,
    },
    /// The caller is anonymous and anonymous calls are blocked.
    AnonymousBlocked,
    /// A blacklist entry matched.
    Blacklisted {
        /// The entry's pattern.
        pattern: String,
        /// Which way it blocks.
        direction: Direction,
        /// The number it matched.
        number: String,
    },
    /// The Office Closed switch is on.
    OfficeClosed,
    /// A route did not take the call.
    RouteSkipped {
        /// Direct, inbound or outbound.
        kind: RouteKind,
        /// The route.
        route: RouteName,
        /// Why not.
        reason: SkipReason,
    },
    /// A route took the call.
    RouteMatched {
        /// Direct, inbound or outbound.
        kind: RouteKind,
        /// The route.
        route: RouteName,
        /// The pattern that matched, if any.
        pattern: Option<String>,
    },
    /// A time condition chose a branch.
    TimeCondition {
        /// The condition.
        id: TimeConditionId,
        /// Whether it matched (business hours).
        matched: bool,
        /// What decided it.
        reason: TimeReason,
        /// The local wall-clock time it was evaluated at (`YYYY-MM-DD HH:MM weekday zone`).
        local_time: String,
    },
    /// The call moves on to a destination.
    Destination {
        /// The destination, in words.
        destination: String,
    },
    /// The dialled number is internal.
    Internal {
        /// What it is.
        target: Target,
    },
    /// The caller's dial permission forbids something.
    PermissionDenied {
        /// What was forbidden (an internal feature or a route).
        what: String,
    },
    /// The number is an emergency number.
    Emergency {
        /// The number.
        number: String,
    },
    /// The number the trunks get, after prefix removal, strip and prepend.
    NumberRewritten {
        /// As dialled.
        from: String,
        /// As sent.
        to: String,
    },
    /// A trunk of the chosen route cannot be used.
    TrunkSkipped {
        /// The trunk.
        trunk: TrunkId,
        /// Why.
        reason: TrunkSkip,
    },
    /// The trunks in the order they will be tried.
    TrunkOrder {
        /// The trunks.
        trunks: Vec<TrunkId>,
        /// For linear cycle: where the rotation started.
        rotated_by: usize,
    },
    /// The caller ID chosen for the call.
    CallerId {
        /// The number.
        number: String,
        /// Where it came from.
        source: CidSource,
    },
    /// A whitelist refused the number.
    NotWhitelisted {
        /// The list.
        list: String,
        /// The number it did not contain.
        number: String,
    },
    /// Destinations chained deeper than the limit.
    DepthExceeded {
        /// The limit.
        limit: usize,
    },
    /// A destination that is not usable here (missing object, return-to-IVR outside an
    /// IVR).
    BadDestination {
        /// The destination, in words.
        destination: String,
    },
}

/// Which kind of route a trace step is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteKind {
    /// A direct route (DID or caller).
    Direct,
    /// An inbound route.
    Inbound,
    /// An outbound route (dial rule).
    Outbound,
}

/// Why a route did not take a call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum SkipReason {
    /// The route is disabled.
    Disabled,
    /// The route is for another trunk.
    OtherTrunk,
    /// The DID does not match.
    DidMismatch,
    /// The caller number does not match.
    CallerMismatch,
    /// The dialled number does not start with the route's dial prefix.
    PrefixMismatch,
    /// No pattern of the route matches.
    NoPatternMatch,
    /// The caller's dial permission does not include the route.
    NotPermitted,
    /// The route's time rule does not match now.
    OutsideTimeRule {
        /// The time condition.
        id: TimeConditionId,
    },
    /// None of the route's trunks is usable.
    NoUsableTrunk,
    /// The DID maps to a number that is not an extension.
    NoSuchExtension {
        /// The mapped number.
        number: String,
    },
    /// Matched, but a more specific route matched too.
    Outranked {
        /// The route that won.
        by: RouteName,
    },
}

/// Why a trunk of the chosen route is left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrunkSkip {
    /// The trunk is disabled.
    Disabled,
    /// No trunk has that name (the configuration was not validated).
    Missing,
}

/// What decided a time condition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum TimeReason {
    /// The day/night override forces the branch.
    Forced,
    /// Today is a holiday.
    Holiday {
        /// Its name.
        name: String,
    },
    /// Inside weekly range number `range` (0-based).
    InHours {
        /// Index into the condition's `weekly` list.
        range: usize,
    },
    /// Outside every weekly range.
    OutsideHours,
}

/// Where an outbound caller ID came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum CidSource {
    /// Outbound CID1 of the mapping with this pattern.
    Cid1 {
        /// The mapping's extension pattern.
        mapping: String,
    },
    /// Outbound CID2 of the mapping with this pattern.
    Cid2 {
        /// The mapping's extension pattern.
        mapping: String,
    },
    /// The extension's own number.
    Extension,
    /// The route's fixed caller ID.
    Fixed,
    /// The trunk's outbound CID (it overrides the route).
    Trunk {
        /// The trunk.
        trunk: TrunkId,
    },
}

impl Target {
    /// The target a terminal destination names, or `None` for time conditions,
    /// return-to-IVR and hang-up.
    #[must_use]
    pub fn from_destination(dest: &Destination) -> Option<Self> {
        Some(match dest {
            Destination::Extension { number } => Target::Extension {
                number: number.clone(),
            },
            Destination::Department { number } => Target::Department {
                number: number.clone(),
            },
            Destination::Ivr { number } => Target::Ivr {
                number: number.clone(),
            },
            Destination::Queue { number } => Target::Queue {
                number: number.clone(),
            },
            Destination::Voicemail { extension } => Target::Voicemail {
                extension: extension.clone(),
            },
            Destination::Conference { number } => Target::Conference {
                number: number.clone(),
            },
            Destination::TimeCondition { .. } | Destination::ReturnToIvr | Destination::Hangup => {
                return None
            }
        })
    }
}
