//! Inbound control (DUC guide 5.2.4–5.2.6, 5.5.11): where calls from trunks go, the
//! destinations every routing object can point at, and the black- and whitelists.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{DialPattern, NumberRewrite, RouteName, TimeConditionId, TrunkId, WhitelistId};
use crate::ExtensionNumber;

/// Where a call goes next. Inbound routes, direct routes, time-condition branches, IVR
/// keys and department no-answer settings all name one.
///
/// JSON: `{"type": "extension", "number": "101"}`, `{"type": "hangup"}`, …
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Destination {
    /// Ring a user extension.
    Extension {
        /// The extension number.
        number: ExtensionNumber,
    },
    /// Ring a department (ring group).
    Department {
        /// The department number.
        number: ExtensionNumber,
    },
    /// Run an IVR menu.
    Ivr {
        /// The IVR number.
        number: ExtensionNumber,
    },
    /// Join a call queue (queues arrive with a later issue; the number must lie in the queue
    /// range).
    Queue {
        /// The queue number.
        number: ExtensionNumber,
    },
    /// Leave a message in an extension's voicemail box.
    Voicemail {
        /// The mailbox's extension.
        extension: ExtensionNumber,
    },
    /// Join a conference room (the number must lie in the conference range).
    Conference {
        /// The room number.
        number: ExtensionNumber,
    },
    /// Branch on a time condition.
    TimeCondition {
        /// The time condition.
        id: TimeConditionId,
    },
    /// Go back to the IVR menu the caller came from (valid only in IVR settings; in a
    /// top-level menu it replays the menu).
    ReturnToIvr,
    /// Hang up.
    Hangup,
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Extension { number } => write!(f, "extension {number}"),
            Destination::Department { number } => write!(f, "department {number}"),
            Destination::Ivr { number } => write!(f, "IVR {number}"),
            Destination::Queue { number } => write!(f, "queue {number}"),
            Destination::Voicemail { extension } => write!(f, "voicemail {extension}"),
            Destination::Conference { number } => write!(f, "conference {number}"),
            Destination::TimeCondition { id } => write!(f, "time condition {id}"),
            Destination::ReturnToIvr => f.write_str("return to IVR"),
            Destination::Hangup => f.write_str("hang up"),
        }
    }
}

/// An inbound route: calls from a trunk (or any trunk) to a DID, optionally from certain
/// callers, go to a destination. When several match, the most specific wins: a named
/// trunk beats "any trunk", then the more specific DID pattern, then the more specific
/// caller pattern, then list order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundRoute {
    /// Unique name, shown in traces and CDRs.
    pub name: RouteName,
    /// A disabled route is skipped.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Only calls from this trunk; `None` means any trunk.
    #[serde(default)]
    pub trunk: Option<TrunkId>,
    /// Only calls to matching DIDs; `None` means any DID.
    #[serde(default)]
    pub did: Option<DialPattern>,
    /// Only calls from matching caller numbers; `None` means any caller.
    #[serde(default)]
    pub caller: Option<DialPattern>,
    /// Where matching calls go.
    pub destination: Destination,
}

/// Direct routing (DUC 5.2.5): a DID or a caller number straight to a destination, from
/// any trunk and at any time, ahead of the inbound routes. Caller rules are checked before
/// DID rules; within each kind, list order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectRoute {
    /// Unique name, shown in traces and CDRs.
    pub name: RouteName,
    /// A disabled rule is skipped.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// What the rule matches on.
    pub by: DirectMatch,
    /// Where matching calls go; exactly one of `destination` and `map_did` is set.
    #[serde(default)]
    pub destination: Option<Destination>,
    /// Ring the extension whose number is the DID rewritten this way (for example strip
    /// the first 5 digits of `5550123` to ring `123`); only with `by: did`.
    #[serde(default)]
    pub map_did: Option<NumberRewrite>,
}

/// What a direct route matches on.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DirectMatch {
    /// The dialled DID.
    Did(DialPattern),
    /// The caller's number.
    Caller(DialPattern),
}

/// One blacklist entry (DUC 5.2.6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlacklistEntry {
    /// The numbers blocked.
    pub pattern: DialPattern,
    /// Calls in from them, calls out to them, or both.
    #[serde(default)]
    pub direction: Direction,
    /// Why the number is listed (free text for the admin).
    #[serde(default)]
    pub note: String,
}

/// Which calls a blacklist entry blocks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Calls from the number (the DUC blacklist).
    #[default]
    Inbound,
    /// Calls to the number.
    Outbound,
    /// Both.
    Both,
}

impl Direction {
    /// Whether the entry applies to inbound calls.
    #[must_use]
    pub fn inbound(self) -> bool {
        matches!(self, Direction::Inbound | Direction::Both)
    }

    /// Whether the entry applies to outbound calls.
    #[must_use]
    pub fn outbound(self) -> bool {
        matches!(self, Direction::Outbound | Direction::Both)
    }
}

/// A whitelist (DUC 5.5.11): for its extensions, only listed numbers may call in
/// ([`WhitelistDirection::Inbound`]) or be called ([`WhitelistDirection::Outbound`]).
/// Emergency numbers are always allowed out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Whitelist {
    /// Unique name.
    pub id: WhitelistId,
    /// Which calls the list governs.
    pub direction: WhitelistDirection,
    /// The allowed numbers; at least one.
    pub patterns: Vec<DialPattern>,
    /// The extensions that use the list; each in at most one list per direction.
    pub extensions: Vec<ExtensionNumber>,
}

/// Which calls a whitelist governs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhitelistDirection {
    /// Calls to the extensions.
    Inbound,
    /// Calls from the extensions.
    Outbound,
}

/// The "Office Closed" switch (DUC 5.7.12).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OfficeClosed {
    /// Whether the office is closed now (set by the admin or a feature code).
    pub active: bool,
    /// Where every inbound call goes while closed.
    pub destination: Destination,
}

impl Default for OfficeClosed {
    fn default() -> Self {
        Self {
            active: false,
            destination: Destination::Hangup,
        }
    }
}

/// Serde default for `true` flags.
fn yes() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destination_json_shapes() {
        let d: Destination =
            serde_json::from_str(r#"{"type":"extension","number":"101"}"#).unwrap();
        assert_eq!(d.to_string(), "extension 101");
        let h: Destination = serde_json::from_str(r#"{"type":"hangup"}"#).unwrap();
        assert_eq!(h, Destination::Hangup);
        let tc: Destination =
            serde_json::from_str(r#"{"type":"time_condition","id":"office"}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&tc).unwrap(),
            r#"{"type":"time_condition","id":"office"}"#
        );
        assert!(
            serde_json::from_str::<Destination>(r#"{"type":"extension","number":"1x"}"#).is_err()
        );
    }

    #[test]
    fn direct_route_json() {
        let r: DirectRoute = serde_json::from_str(
            r#"{"name":"boss","by":{"caller":"85337096"},
                "destination":{"type":"extension","number":"101"}}"#,
        )
        .unwrap();
        assert!(matches!(r.by, DirectMatch::Caller(_)) && r.enabled);
    }
}
