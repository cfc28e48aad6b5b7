//! The blacklist, whitelists and anonymous-caller check (DUC guide 5.2.6, 5.5.11 and the
//! "Block Anonymous Calls" option).

use rotary_config::routing::{BlacklistEntry, RoutingConfig, Whitelist, WhitelistDirection};

/// Caller user parts that mean "number withheld" (RFC 3323 `anonymous`, and what
/// providers and analog gateways put there instead).
const ANONYMOUS: [&str; 6] = [
    "anonymous",
    "unknown",
    "restricted",
    "private",
    "unavailable",
    "withheld",
];

/// Whether a caller number counts as anonymous: empty or one of the usual placeholders
/// (case-insensitive).
#[must_use]
pub fn is_anonymous(caller: &str) -> bool {
    let caller = caller.trim();
    caller.is_empty() || ANONYMOUS.iter().any(|a| a.eq_ignore_ascii_case(caller))
}

/// The first blacklist entry that blocks `number` in the given direction.
pub(crate) fn blacklisted<'a>(
    routing: &'a RoutingConfig,
    inbound: bool,
    number: &str,
) -> Option<&'a BlacklistEntry> {
    routing.blacklist.iter().find(|e| {
        let applies = if inbound {
            e.direction.inbound()
        } else {
            e.direction.outbound()
        };
        applies && e.pattern.matches(number)
    })
}

/// The whitelist of `extension` for `direction`, if it has one.
pub(crate) fn whitelist_of<'a>(
    routing: &'a RoutingConfig,
    extension: &str,
    direction: WhitelistDirection,
) -> Option<&'a Whitelist> {
    routing
        .whitelists
        .iter()
        .find(|w| w.direction == direction && w.extensions.iter().any(|e| e.as_str() == extension))
}

/// Whether any of `numbers` is on the list.
pub(crate) fn whitelisted(list: &Whitelist, numbers: &[&str]) -> bool {
    numbers
        .iter()
        .any(|n| list.patterns.iter().any(|p| p.matches(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_placeholders() {
        for a in [
            "",
            " ",
            "anonymous",
            "Anonymous",
            "RESTRICTED",
            "unavailable",
        ] {
            assert!(is_anonymous(a), "{a:?}");
        }
        assert!(!is_anonymous("85337096"));
    }

    #[test]
    fn blacklist_direction_matters() {
        let r: RoutingConfig = serde_json::from_str(
            r#"{"blacklist":[{"pattern":"_0900.","direction":"outbound"},
                             {"pattern":"8533709X"}]}"#,
        )
        .unwrap();
        assert!(blacklisted(&r, false, "09001234").is_some());
        assert!(blacklisted(&r, true, "09001234").is_none());
        assert!(blacklisted(&r, true, "85337096").is_some());
        assert!(blacklisted(&r, false, "85337096").is_none());
    }
}
