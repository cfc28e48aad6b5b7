//! Outbound control (DUC guide 5.3.2–5.3.5): dial rules, dial permissions, PIN sets and
//! caller-ID mapping.
//!
//! How a dial rule turns what the user dialled into what the trunk gets:
//! 1. the dialled string must start with the rule's `dial_prefix` (for example `9` for an
//!    outside line), which is removed;
//! 2. the rest must match one of the rule's patterns;
//! 3. that pattern's `strip` removes further digits from the front, and its `prepend` is
//!    added in front of what remains (for example an area code).
//!
//! So with `dial_prefix = "9"` and pattern `{pattern: "_0ZX.", strip: 1, prepend: "+49"}`,
//! dialling `9030123456` sends `+4930123456`.

use serde::{Deserialize, Serialize};

use super::{
    DialPattern, Digits, PermissionId, PhoneNumber, PinSetId, RouteName, TimeConditionId, TrunkId,
};
use crate::ExtensionNumber;

/// One dial rule: which numbers go out through which trunks, and how.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboundRoute {
    /// Unique name; dial permissions refer to the rule by it.
    pub id: RouteName,
    /// A disabled rule is skipped.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Digits the user dials first to pick this rule; removed before matching (DUC "Dial
    /// Prefix").
    #[serde(default)]
    pub dial_prefix: Digits,
    /// The numbers this rule takes, after the dial prefix; at least one.
    pub patterns: Vec<RoutePattern>,
    /// Trunks to try, in order; at least one.
    pub trunks: Vec<TrunkId>,
    /// Linear or linear cycle (DUC "Call Method").
    #[serde(default)]
    pub strategy: TrunkStrategy,
    /// Callers must key a PIN from this set before the call goes out.
    #[serde(default)]
    pub pin_set: Option<PinSetId>,
    /// Longest conversation through this rule, in seconds (60–86400); `None` means no limit.
    #[serde(default)]
    pub call_time_limit: Option<u32>,
    /// Which caller ID the call presents (DUC "Outbound CID").
    #[serde(default)]
    pub caller_id: CidSelection,
    /// The rule is usable only while this time condition matches (DUC "Time Rules").
    #[serde(default)]
    pub time_condition: Option<TimeConditionId>,
}

/// One pattern of a dial rule with its number rewriting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutePattern {
    /// The numbers this entry takes (after the rule's dial prefix).
    pub pattern: DialPattern,
    /// How many further digits to remove from the front after a match.
    #[serde(default)]
    pub strip: u8,
    /// Digits to add in front after stripping (DUC "Prepend").
    #[serde(default)]
    pub prepend: Digits,
}

/// How a dial rule uses its trunks (DUC "Call Method").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrunkStrategy {
    /// Always start with the first trunk; fail over down the list.
    #[default]
    Linear,
    /// Start with the trunk after the one the previous call started with (round robin),
    /// then fail over down the rotated list.
    LinearCycle,
}

/// Which caller ID a dial rule presents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CidSelection {
    /// The extension's Outbound CID1 from [`CallerIdMapping`] (the DUC default).
    #[default]
    Cid1,
    /// The extension's Outbound CID2, falling back to CID1.
    Cid2,
    /// The extension number itself.
    Extension,
    /// This number, for every caller.
    Fixed(PhoneNumber),
}

/// Outbound caller IDs for the extensions a pattern matches (DUC "Outbound CID1/2" and the
/// Mapping page). The most specific matching pattern wins; an extension without a mapping
/// presents its own number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallerIdMapping {
    /// Which extensions this applies to, e.g. `101` or `_1XX`.
    pub extensions: DialPattern,
    /// Outbound CID1.
    #[serde(default)]
    pub cid1: Option<PhoneNumber>,
    /// Outbound CID2.
    #[serde(default)]
    pub cid2: Option<PhoneNumber>,
}

/// Removes digits from the front of a number and adds others: a caller-ID or DID rewrite.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NumberRewrite {
    /// Symbols removed from the front.
    pub strip: u8,
    /// Symbols added in front after stripping.
    pub prepend: Digits,
}

impl NumberRewrite {
    /// Applies the rewrite; stripping more than the number holds leaves just `prepend`.
    #[must_use]
    pub fn apply(&self, number: &str) -> String {
        let rest = number.get(usize::from(self.strip)..).unwrap_or("");
        let mut out = String::with_capacity(self.prepend.as_str().len() + rest.len());
        out.push_str(self.prepend.as_str());
        out.push_str(rest);
        out
    }

    /// Whether the rewrite changes nothing.
    #[must_use]
    pub fn is_identity(&self) -> bool {
        self.strip == 0 && self.prepend.is_empty()
    }
}

/// A dial permission (DUC 5.3.3): the dial rules and internal features its members may use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialPermission {
    /// Unique name.
    pub id: PermissionId,
    /// Dial rules the members may use.
    #[serde(default)]
    pub outbound_routes: Vec<RouteName>,
    /// Internal features the members may use.
    #[serde(default)]
    pub internal: InternalPermissions,
    /// Extensions holding this permission; an extension may be listed in only one.
    #[serde(default)]
    pub members: Vec<ExtensionNumber>,
}

/// Internal dial permissions (DUC 5.3.3 "Internal Permissions"). Every feature is allowed
/// by default except call spy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InternalPermissions {
    /// Dial other extensions.
    pub extension: bool,
    /// Dial paging and intercom groups.
    pub paging: bool,
    /// Dial departments.
    pub department: bool,
    /// Answer parked calls.
    pub call_parking: bool,
    /// Use conference rooms.
    pub conference: bool,
    /// Pick up calls ringing elsewhere.
    pub call_pickup: bool,
    /// Use DISA.
    pub disa: bool,
    /// Dial call queues.
    pub call_queue: bool,
    /// Use feature codes.
    pub feature_codes: bool,
    /// Listen in on other extensions' calls.
    pub call_spy: bool,
    /// Dial IVR menus.
    pub ivr: bool,
    /// Seize an analog CO line directly.
    pub seize_co_line: bool,
}

impl InternalPermissions {
    /// Everything allowed except call spy: what an extension without a configured
    /// permission gets.
    pub const DEFAULT: Self = Self {
        extension: true,
        paging: true,
        department: true,
        call_parking: true,
        conference: true,
        call_pickup: true,
        disa: true,
        call_queue: true,
        feature_codes: true,
        call_spy: false,
        ivr: true,
        seize_co_line: true,
    };
}

impl Default for InternalPermissions {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A PIN set (DUC 5.3.4): codes that unlock dial rules, and say in the CDR who used them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinSet {
    /// Unique name.
    pub id: PinSetId,
    /// The codes; at least one, each unique in the set.
    pub pins: Vec<Pin>,
}

impl PinSet {
    /// The PIN matching what the caller keyed, if any.
    #[must_use]
    pub fn check(&self, keyed: &str) -> Option<&Pin> {
        self.pins.iter().find(|p| p.code == keyed)
    }
}

/// One PIN code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    /// 3 to 12 digits.
    pub code: String,
    /// Who the PIN belongs to, for the CDR.
    #[serde(default)]
    pub label: String,
}

/// Serde default for `true` flags.
fn yes() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrite_strips_then_prepends() {
        let rw = NumberRewrite {
            strip: 1,
            prepend: Digits::new("+49").unwrap(),
        };
        assert_eq!(rw.apply("030123"), "+4930123");
        let all = NumberRewrite {
            strip: 9,
            prepend: Digits::new("1").unwrap(),
        };
        assert_eq!(all.apply("12"), "1");
        assert!(NumberRewrite::default().is_identity());
    }

    #[test]
    fn cid_selection_json() {
        let fixed: CidSelection = serde_json::from_str(r#"{"fixed":"+4930123"}"#).unwrap();
        assert_eq!(
            fixed,
            CidSelection::Fixed(PhoneNumber::new("+4930123").unwrap())
        );
        let c2: CidSelection = serde_json::from_str(r#""cid2""#).unwrap();
        assert_eq!(c2, CidSelection::Cid2);
    }

    #[test]
    fn internal_permissions_default_denies_only_spy() {
        let p: InternalPermissions = serde_json::from_str(r#"{"ivr":false}"#).unwrap();
        assert!(!p.ivr && !p.call_spy && p.extension && p.department);
    }
}
