//! The routing part of the configuration (DUC guide chapters 5.1.1, 5.2 and 5.3): SIP trunks,
//! outbound routes (dial rules) with dial permissions, PIN sets and caller-ID mapping, inbound
//! and direct routes, time conditions, departments (ring groups), IVR menus, the blacklist
//! and whitelists, and the global routing options.
//!
//! Everything here is plain, typed data. Values that have a syntax (dial patterns, names,
//! digit strings, times, dates, time zones) are parsed when they are deserialized, so a
//! [`RoutingConfig`] that exists holds only well-formed values. Rules that span objects
//! (references that must exist, numbers inside their ranges, loops between time conditions,
//! IVRs and departments) are checked by [`validate_routing`], which reports every problem at
//! once with a field path such as `outbound_routes[2].patterns[0].strip`.
//!
//! The decisions made from this data (which route, which trunk, which branch) live in
//! `rotary-dialplan`; this module only describes and checks.
//!
//! ```
//! use rotary_config::routing::{validate_routing, RoutingConfig};
//! use rotary_config::Config;
//!
//! let routing: RoutingConfig = serde_json::from_str(r#"{
//!   "trunks": [{"id": "provider", "mode": {"kind": "register", "host": "sip.example.com",
//!               "username": "4930123", "password": "pw-123456"}}],
//!   "outbound_routes": [{"id": "national", "dial_prefix": "9",
//!                        "patterns": [{"pattern": "_0ZX."}], "trunks": ["provider"]}]
//! }"#).unwrap();
//! assert!(validate_routing(&routing, &Config::default()).is_empty());
//! ```

mod apps;
mod inbound;
mod loops;
mod names;
mod outbound;
mod pattern;
mod time;
mod trunk;
mod validate;

use serde::{Deserialize, Serialize};

pub use apps::{Department, Ivr, IvrKey, RingStrategy};
pub use inbound::{
    BlacklistEntry, Destination, DirectMatch, DirectRoute, Direction, InboundRoute, OfficeClosed,
    Whitelist, WhitelistDirection,
};
pub use names::{
    Digits, PermissionId, PhoneNumber, PinSetId, PromptName, RouteName, TimeConditionId, TrunkId,
    WhitelistId,
};
pub use outbound::{
    CallerIdMapping, CidSelection, DialPermission, InternalPermissions, NumberRewrite,
    OutboundRoute, Pin, PinSet, RoutePattern, TrunkStrategy,
};
pub use pattern::{DialPattern, PatternMatch};
pub use time::{
    Date, Holiday, OverrideMode, TimeCondition, TimeOfDay, TimeZone, Weekday, WeeklyRange,
};
pub use trunk::{
    AccountTrunk, Host, HostPort, IdentityHeader, PeerTrunk, RegisterTrunk, Transport, Trunk,
    TrunkMode,
};
pub use validate::{validate_routing, RoutingIssue};

/// A routing value from outside could not be read: the reason is specific enough to show
/// next to the field it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoutingError {
    /// Not a usable object name (trunk, route, time condition, …).
    #[error("invalid name: {reason}")]
    InvalidName {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A dial pattern that does not parse.
    #[error("invalid dial pattern at character {position}: {reason}")]
    InvalidPattern {
        /// 1-based position of the offending character (0 for the pattern as a whole).
        position: usize,
        /// What is wrong there.
        reason: &'static str,
    },
    /// Not a digit string (`0-9 * # +`).
    #[error("invalid digits: {reason}")]
    InvalidDigits {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Not a phone number (`+` optional, then digits).
    #[error("invalid phone number: {reason}")]
    InvalidPhoneNumber {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Not a host name or IP address (optionally with a port).
    #[error("invalid host: {reason}")]
    InvalidHost {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Not a time of day `HH:MM` between 00:00 and 24:00.
    #[error("invalid time of day: {reason}")]
    InvalidTime {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Not a calendar date `YYYY-MM-DD`.
    #[error("invalid date: {reason}")]
    InvalidDate {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Not an IANA time zone name such as `Europe/Berlin`.
    #[error("unknown time zone; use an IANA name such as Europe/Berlin or UTC")]
    UnknownTimeZone,
    /// An IVR key other than `0`–`9`, `*`, `#`.
    #[error("invalid IVR key; use one of 0-9, * or #")]
    InvalidIvrKey,
}

/// Everything about routing calls, as one value inside the configuration snapshot.
///
/// Lists keep the order the admin gave them: outbound routes are tried in that order, and
/// it is the order the GUI shows. Every field has a default, so `{}` is a valid (empty)
/// routing configuration: no trunks, no routes, emergency numbers at their defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoutingConfig {
    /// SIP trunks (DUC 5.3.1).
    pub trunks: Vec<Trunk>,
    /// Dial rules, tried in order for numbers that are not internal (DUC 5.3.2).
    pub outbound_routes: Vec<OutboundRoute>,
    /// Which extensions may use which dial rules and internal features (DUC 5.3.3).
    pub dial_permissions: Vec<DialPermission>,
    /// The permission of extensions that no [`DialPermission`] lists; `None` lets them use
    /// every dial rule and every internal feature except call spy.
    pub default_dial_permission: Option<PermissionId>,
    /// PIN sets that dial rules may demand (DUC 5.3.4).
    pub pin_sets: Vec<PinSet>,
    /// Outbound caller IDs per extension (DUC "Outbound CID1/2" and 5.3.5 Mapping).
    pub caller_id_mappings: Vec<CallerIdMapping>,
    /// Inbound routes by trunk, DID and caller (DUC 5.2.4); the most specific match wins.
    pub inbound_routes: Vec<InboundRoute>,
    /// Direct routing by DID or caller number, ahead of inbound routes (DUC 5.2.5).
    pub direct_routes: Vec<DirectRoute>,
    /// Business hours and holidays (DUC 5.2.3).
    pub time_conditions: Vec<TimeCondition>,
    /// Departments, i.e. ring groups (DUC 5.1.1).
    pub departments: Vec<Department>,
    /// IVR menus (DUC 5.2.1).
    pub ivrs: Vec<Ivr>,
    /// Numbers that may not call in or be called (DUC 5.2.6).
    pub blacklist: Vec<BlacklistEntry>,
    /// Per-extension whitelists (DUC 5.5.11).
    pub whitelists: Vec<Whitelist>,
    /// Global routing options.
    pub options: RoutingOptions,
}

impl RoutingConfig {
    /// The trunk with this id.
    #[must_use]
    pub fn trunk(&self, id: &str) -> Option<&Trunk> {
        self.trunks.iter().find(|t| t.id.as_str() == id)
    }

    /// The outbound route with this id.
    #[must_use]
    pub fn outbound_route(&self, id: &str) -> Option<&OutboundRoute> {
        self.outbound_routes.iter().find(|r| r.id.as_str() == id)
    }

    /// The time condition with this id.
    #[must_use]
    pub fn time_condition(&self, id: &str) -> Option<&TimeCondition> {
        self.time_conditions.iter().find(|t| t.id.as_str() == id)
    }

    /// The PIN set with this id.
    #[must_use]
    pub fn pin_set(&self, id: &str) -> Option<&PinSet> {
        self.pin_sets.iter().find(|p| p.id.as_str() == id)
    }

    /// The dial permission with this id.
    #[must_use]
    pub fn dial_permission(&self, id: &str) -> Option<&DialPermission> {
        self.dial_permissions.iter().find(|p| p.id.as_str() == id)
    }

    /// The department with this number.
    #[must_use]
    pub fn department(&self, number: &str) -> Option<&Department> {
        self.departments
            .iter()
            .find(|d| d.number.as_str() == number)
    }

    /// The IVR menu with this number.
    #[must_use]
    pub fn ivr(&self, number: &str) -> Option<&Ivr> {
        self.ivrs.iter().find(|i| i.number.as_str() == number)
    }

    /// The dial permission that applies to extension `number`: the one listing it, else
    /// the default one; `None` means "everything allowed" (no permission configured).
    #[must_use]
    pub fn permission_of(&self, number: &str) -> Option<&DialPermission> {
        self.dial_permissions
            .iter()
            .find(|p| p.members.iter().any(|m| m.as_str() == number))
            .or_else(|| {
                self.default_dial_permission
                    .as_ref()
                    .and_then(|id| self.dial_permission(id.as_str()))
            })
    }
}

/// Global routing options (parts of the DUC "Global PBX Options" page, plus emergency
/// numbers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoutingOptions {
    /// Refuse inbound calls without a caller ID (DUC "Block Anonymous Calls").
    pub block_anonymous: bool,
    /// Numbers that are always allowed out, whatever the dial permissions, PIN sets, time
    /// rules, whitelists and blacklist say.
    pub emergency_numbers: Vec<PhoneNumber>,
    /// Trunks for an emergency number that no dial rule matches (the number is sent as
    /// dialled); empty means such a call fails with "no route".
    pub emergency_trunks: Vec<TrunkId>,
    /// The "Office Closed" switch (DUC 5.7.12): while active, every inbound call goes to
    /// its destination, ahead of direct and inbound routes.
    pub office_closed: OfficeClosed,
}

impl RoutingOptions {
    /// The default emergency numbers: North America, Europe, the UK, Australia/New Zealand
    /// (000) and China (110, 119, 120, 122).
    pub const DEFAULT_EMERGENCY_NUMBERS: [&'static str; 8] =
        ["911", "112", "999", "000", "110", "119", "120", "122"];

    /// Whether `number` is one of the emergency numbers.
    #[must_use]
    pub fn is_emergency(&self, number: &str) -> bool {
        self.emergency_numbers.iter().any(|n| n.as_str() == number)
    }
}

impl Default for RoutingOptions {
    fn default() -> Self {
        Self {
            block_anonymous: false,
            emergency_numbers: Self::DEFAULT_EMERGENCY_NUMBERS
                .iter()
                .filter_map(|n| PhoneNumber::new(*n).ok())
                .collect(),
            emergency_trunks: Vec::new(),
            office_closed: OfficeClosed::default(),
        }
    }
}

#[cfg(test)]
mod tests;
