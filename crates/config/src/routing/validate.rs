//! Cross-object checks of a [`RoutingConfig`]: unique names, references that exist,
//! numbers inside their ranges, value limits, and loops between time conditions, IVRs and
//! departments. Every problem is reported, each with the JSON path of the offending field.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::Serialize;

use super::{Destination, RoutingConfig, TrunkMode};
use crate::{Config, NumberRange};

/// One problem in the routing configuration: the JSON path of the field (for example
/// `outbound_routes[2].patterns[0].strip`) and what is wrong with it. The API turns it
/// into `{"error": message, "field": field}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct RoutingIssue {
    /// Path of the offending field inside the routing configuration.
    pub field: String,
    /// Human-readable explanation.
    pub message: String,
}

impl RoutingIssue {
    /// Builds an issue.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for RoutingIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Checks `routing` against itself and against the rest of the snapshot (`config`: which
/// extensions exist, the number ranges). Returns every problem; empty means valid.
///
/// Loops are refused when they can turn without the caller doing anything: time-condition
/// branches, IVR invalid/timeout destinations and department no-answer destinations. A key
/// of an IVR leading back to the same menu is fine (the caller chose it).
#[must_use]
pub fn validate_routing(routing: &RoutingConfig, config: &Config) -> Vec<RoutingIssue> {
    let mut check = Checker {
        r: routing,
        c: config,
        issues: Vec::new(),
    };
    check.trunks();
    check.outbound_routes();
    check.permissions();
    check.pin_sets();
    check.inbound();
    check.time_conditions();
    check.departments();
    check.ivrs();
    check.lists();
    check.options();
    check.loops();
    check.issues
}

/// Accumulates issues while walking the configuration.
struct Checker<'a> {
    r: &'a RoutingConfig,
    c: &'a Config,
    issues: Vec<RoutingIssue>,
}

impl Checker<'_> {
    fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.issues.push(RoutingIssue::new(field, message));
    }

    /// Reports later duplicates of a key within one list.
    fn unique<'k>(&mut self, list: &str, field: &str, keys: impl Iterator<Item = &'k str>) {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, key) in keys.enumerate() {
            if let Some(first) = seen.get(key) {
                self.push(
                    format!("{list}[{i}].{field}"),
                    format!("{key:?} is already used by {list}[{first}]"),
                );
            } else {
                seen.insert(key, i);
            }
        }
    }

    fn range(&mut self, field: String, value: u32, low: u32, high: u32, unit: &str) {
        if !(low..=high).contains(&value) {
            self.push(field, format!("must be between {low} and {high} {unit}"));
        }
    }

    fn trunks(&mut self) {
        let r = self.r;
        self.unique("trunks", "id", r.trunks.iter().map(|t| t.id.as_str()));
        let mut accounts = HashSet::new();
        for (i, t) in r.trunks.iter().enumerate() {
            let at = format!("trunks[{i}]");
            if t.codecs.is_empty() {
                self.push(format!("{at}.codecs"), "must list at least one codec");
            }
            let mut seen = HashSet::new();
            for c in &t.codecs {
                if !seen.insert(*c) {
                    self.push(format!("{at}.codecs"), format!("{c} is listed twice"));
                }
            }
            if t.max_calls == Some(0) {
                self.push(
                    format!("{at}.max_calls"),
                    "must be at least 1 (omit it for no limit)",
                );
            }
            match &t.mode {
                TrunkMode::Register(reg) => {
                    self.sip_user(format!("{at}.mode.username"), &reg.username);
                    if let Some(user) = &reg.auth_user {
                        self.sip_user(format!("{at}.mode.auth_user"), user);
                    }
                    if let Some(user) = &reg.from_user {
                        self.sip_user(format!("{at}.mode.from_user"), user);
                    }
                    if let Some(user) = &reg.contact_user {
                        self.sip_user(format!("{at}.mode.contact_user"), user);
                    }
                    if reg.max_retries == Some(0) {
                        self.push(
                            format!("{at}.mode.max_retries"),
                            "must be at least 1 (omit it to retry for ever)",
                        );
                    }
                    if reg.password.expose().is_empty() {
                        self.push(format!("{at}.mode.password"), "is required");
                    }
                    self.port(format!("{at}.mode.port"), reg.port);
                    self.range(
                        format!("{at}.mode.expiry"),
                        reg.expiry,
                        60,
                        86_400,
                        "seconds",
                    );
                    let retry = reg.retry_interval;
                    self.range(
                        format!("{at}.mode.retry_interval"),
                        retry,
                        5,
                        3600,
                        "seconds",
                    );
                }
                TrunkMode::Peer(peer) => {
                    if let Some(user) = &peer.from_user {
                        self.sip_user(format!("{at}.mode.from_user"), user);
                    }
                    self.port(format!("{at}.mode.port"), peer.port);
                    let q = peer.qualify_interval;
                    if q != 0 && !(10..=3600).contains(&q) {
                        self.push(
                            format!("{at}.mode.qualify_interval"),
                            "must be 0 (off) or 10 to 3600 seconds",
                        );
                    }
                }
                TrunkMode::Account(acc) => {
                    self.sip_user(format!("{at}.mode.username"), &acc.username);
                    if self.c.extension(&acc.username).is_some() {
                        self.push(
                            format!("{at}.mode.username"),
                            "is an extension number; pick another username",
                        );
                    }
                    if !accounts.insert(acc.username.as_str()) {
                        self.push(
                            format!("{at}.mode.username"),
                            "is already used by another account trunk",
                        );
                    }
                    if acc.password.expose().chars().count() < 8 {
                        self.push(
                            format!("{at}.mode.password"),
                            "must be at least 8 characters",
                        );
                    }
                    if acc.permit.is_empty() {
                        self.push(
                            format!("{at}.mode.permit"),
                            "must list at least one network",
                        );
                    }
                }
            }
        }
    }

    fn outbound_routes(&mut self) {
        let r = self.r;
        self.unique(
            "outbound_routes",
            "id",
            r.outbound_routes.iter().map(|o| o.id.as_str()),
        );
        for (i, route) in r.outbound_routes.iter().enumerate() {
            let at = format!("outbound_routes[{i}]");
            if route.patterns.is_empty() {
                self.push(format!("{at}.patterns"), "must list at least one pattern");
            }
            for (j, p) in route.patterns.iter().enumerate() {
                if usize::from(p.strip) > p.pattern.min_len() {
                    self.push(
                        format!("{at}.patterns[{j}].strip"),
                        format!(
                            "strips {} digits but {} may match only {}",
                            p.strip,
                            p.pattern,
                            p.pattern.min_len()
                        ),
                    );
                }
            }
            self.trunk_list(&at, &route.trunks, true);
            if let Some(set) = &route.pin_set {
                if r.pin_set(set.as_str()).is_none() {
                    self.push(
                        format!("{at}.pin_set"),
                        format!("PIN set {set} does not exist"),
                    );
                }
            }
            if let Some(tc) = &route.time_condition {
                if r.time_condition(tc.as_str()).is_none() {
                    self.push(
                        format!("{at}.time_condition"),
                        format!("time condition {tc} does not exist"),
                    );
                }
            }
            if let Some(limit) = route.call_time_limit {
                self.range(
                    format!("{at}.call_time_limit"),
                    limit,
                    60,
                    86_400,
                    "seconds",
                );
            }
        }
    }

    /// A list of trunk references: existing, no duplicates, optionally non-empty.
    fn trunk_list(&mut self, at: &str, trunks: &[super::TrunkId], required: bool) {
        if required && trunks.is_empty() {
            self.push(format!("{at}.trunks"), "must list at least one trunk");
        }
        let mut seen = HashSet::new();
        for (k, id) in trunks.iter().enumerate() {
            if self.r.trunk(id.as_str()).is_none() {
                self.push(
                    format!("{at}.trunks[{k}]"),
                    format!("trunk {id} does not exist"),
                );
            } else if !seen.insert(id.as_str()) {
                self.push(
                    format!("{at}.trunks[{k}]"),
                    format!("trunk {id} is listed twice"),
                );
            }
        }
    }

    fn permissions(&mut self) {
        let r = self.r;
        self.unique(
            "dial_permissions",
            "id",
            r.dial_permissions.iter().map(|p| p.id.as_str()),
        );
        let mut member_of: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, perm) in r.dial_permissions.iter().enumerate() {
            let at = format!("dial_permissions[{i}]");
            for (k, route) in perm.outbound_routes.iter().enumerate() {
                if r.outbound_route(route.as_str()).is_none() {
                    self.push(
                        format!("{at}.outbound_routes[{k}]"),
                        format!("outbound route {route} does not exist"),
                    );
                }
            }
            for (k, ext) in perm.members.iter().enumerate() {
                let field = format!("{at}.members[{k}]");
                if self.c.extension(ext.as_str()).is_none() {
                    self.push(field, format!("extension {ext} does not exist"));
                } else if let Some(other) = member_of.insert(ext.as_str(), i) {
                    self.push(
                        field,
                        format!("extension {ext} already has dial_permissions[{other}]"),
                    );
                }
            }
        }
        if let Some(id) = &r.default_dial_permission {
            if r.dial_permission(id.as_str()).is_none() {
                self.push(
                    "default_dial_permission",
                    format!("dial permission {id} does not exist"),
                );
            }
        }
    }

    fn pin_sets(&mut self) {
        let r = self.r;
        self.unique("pin_sets", "id", r.pin_sets.iter().map(|p| p.id.as_str()));
        for (i, set) in r.pin_sets.iter().enumerate() {
            if set.pins.is_empty() {
                self.push(format!("pin_sets[{i}].pins"), "must list at least one PIN");
            }
            let mut seen = HashSet::new();
            for (k, pin) in set.pins.iter().enumerate() {
                let field = format!("pin_sets[{i}].pins[{k}].code");
                let digits = pin.code.bytes().all(|b| b.is_ascii_digit());
                if !digits || !(3..=12).contains(&pin.code.len()) {
                    self.push(field, "must be 3 to 12 digits");
                } else if !seen.insert(pin.code.as_str()) {
                    self.push(field, "is listed twice in this set");
                }
            }
        }
    }

    fn inbound(&mut self) {
        let r = self.r;
        self.unique(
            "inbound_routes",
            "name",
            r.inbound_routes.iter().map(|x| x.name.as_str()),
        );
        for (i, route) in r.inbound_routes.iter().enumerate() {
            let at = format!("inbound_routes[{i}]");
            if let Some(trunk) = &route.trunk {
                if r.trunk(trunk.as_str()).is_none() {
                    self.push(
                        format!("{at}.trunk"),
                        format!("trunk {trunk} does not exist"),
                    );
                }
            }
            self.destination(format!("{at}.destination"), &route.destination, false);
        }
        self.unique(
            "direct_routes",
            "name",
            r.direct_routes.iter().map(|x| x.name.as_str()),
        );
        for (i, route) in r.direct_routes.iter().enumerate() {
            let at = format!("direct_routes[{i}]");
            match (&route.destination, &route.map_did) {
                (Some(dest), None) => self.destination(format!("{at}.destination"), dest, false),
                (None, Some(_)) if matches!(route.by, super::DirectMatch::Did(_)) => {}
                (None, Some(_)) => self.push(
                    format!("{at}.map_did"),
                    "needs a rule that matches on the DID",
                ),
                _ => self.push(
                    format!("{at}.destination"),
                    "set exactly one of destination and map_did",
                ),
            }
        }
    }

    fn time_conditions(&mut self) {
        let r = self.r;
        self.unique(
            "time_conditions",
            "id",
            r.time_conditions.iter().map(|t| t.id.as_str()),
        );
        for (i, tc) in r.time_conditions.iter().enumerate() {
            let at = format!("time_conditions[{i}]");
            for (j, w) in tc.weekly.iter().enumerate() {
                if w.days.is_empty() {
                    self.push(
                        format!("{at}.weekly[{j}].days"),
                        "must list at least one day",
                    );
                }
                if w.start == super::TimeOfDay::END_OF_DAY {
                    self.push(
                        format!("{at}.weekly[{j}].start"),
                        "cannot be 24:00; use 00:00",
                    );
                }
            }
            for (j, h) in tc.holidays.iter().enumerate() {
                if !h.yearly && h.start > h.end {
                    self.push(format!("{at}.holidays[{j}].end"), "is before the start");
                }
                if h.name.chars().count() > 64 {
                    self.push(
                        format!("{at}.holidays[{j}].name"),
                        "must be at most 64 characters",
                    );
                }
            }
            self.destination(format!("{at}.matched"), &tc.matched, false);
            self.destination(format!("{at}.not_matched"), &tc.not_matched, false);
        }
    }

    fn departments(&mut self) {
        let r = self.r;
        let settings = &self.c.settings;
        self.unique(
            "departments",
            "number",
            r.departments.iter().map(|d| d.number.as_str()),
        );
        for (i, d) in r.departments.iter().enumerate() {
            let at = format!("departments[{i}]");
            self.service_number(
                format!("{at}.number"),
                d.number.as_str(),
                &settings.department_range,
                "department",
            );
            if d.members.is_empty() {
                self.push(format!("{at}.members"), "must list at least one extension");
            }
            let mut seen = HashSet::new();
            for (k, m) in d.members.iter().enumerate() {
                if self.c.extension(m.as_str()).is_none() {
                    self.push(
                        format!("{at}.members[{k}]"),
                        format!("extension {m} does not exist"),
                    );
                } else if !seen.insert(m.as_str()) {
                    self.push(
                        format!("{at}.members[{k}]"),
                        format!("extension {m} is listed twice"),
                    );
                }
            }
            self.range(format!("{at}.ring_time"), d.ring_time, 5, 600, "seconds");
            if let Some(total) = d.total_ring_time {
                self.range(format!("{at}.total_ring_time"), total, 5, 3600, "seconds");
            }
            self.destination(format!("{at}.no_answer"), &d.no_answer, false);
        }
    }

    fn ivrs(&mut self) {
        let r = self.r;
        self.unique("ivrs", "number", r.ivrs.iter().map(|v| v.number.as_str()));
        for (i, ivr) in r.ivrs.iter().enumerate() {
            let at = format!("ivrs[{i}]");
            let range = &self.c.settings.ivr_range;
            self.service_number(format!("{at}.number"), ivr.number.as_str(), range, "IVR");
            if r.department(ivr.number.as_str()).is_some() {
                self.push(format!("{at}.number"), "is already a department number");
            }
            for (key, dest) in &ivr.keys {
                self.destination(format!("{at}.keys[\"{key}\"]"), dest, true);
            }
            self.destination(format!("{at}.invalid"), &ivr.invalid, true);
            self.destination(format!("{at}.timeout"), &ivr.timeout, true);
            self.range(
                format!("{at}.digit_timeout"),
                ivr.digit_timeout,
                1,
                30,
                "seconds",
            );
            let wait = ivr.response_timeout;
            self.range(format!("{at}.response_timeout"), wait, 1, 60, "seconds");
            self.range(format!("{at}.loops"), u32::from(ivr.loops), 1, 10, "times");
        }
    }

    fn lists(&mut self) {
        let r = self.r;
        for (i, entry) in r.blacklist.iter().enumerate() {
            if entry.note.chars().count() > 256 {
                self.push(
                    format!("blacklist[{i}].note"),
                    "must be at most 256 characters",
                );
            }
        }
        self.unique(
            "whitelists",
            "id",
            r.whitelists.iter().map(|w| w.id.as_str()),
        );
        let mut listed = BTreeMap::new();
        for (i, list) in r.whitelists.iter().enumerate() {
            let at = format!("whitelists[{i}]");
            if list.patterns.is_empty() {
                self.push(format!("{at}.patterns"), "must list at least one number");
            }
            for (k, ext) in list.extensions.iter().enumerate() {
                let field = format!("{at}.extensions[{k}]");
                if self.c.extension(ext.as_str()).is_none() {
                    self.push(field, format!("extension {ext} does not exist"));
                } else if let Some(other) = listed.insert((ext.as_str(), list.direction), i) {
                    self.push(
                        field,
                        format!("extension {ext} already uses whitelists[{other}] this way"),
                    );
                }
            }
        }
    }

    fn options(&mut self) {
        let opts = &self.r.options;
        let mut seen = HashSet::new();
        for (k, id) in opts.emergency_trunks.iter().enumerate() {
            let field = format!("options.emergency_trunks[{k}]");
            if self.r.trunk(id.as_str()).is_none() {
                self.push(field, format!("trunk {id} does not exist"));
            } else if !seen.insert(id.as_str()) {
                self.push(field, format!("trunk {id} is listed twice"));
            }
        }
        let dest = &opts.office_closed.destination;
        self.destination("options.office_closed.destination".to_owned(), dest, false);
    }

    /// Refuses cycles of automatic transitions (see [`validate_routing`]).
    fn loops(&mut self) {
        for (field, message) in super::loops::automatic_loops(self.r) {
            self.push(field, message);
        }
    }

    /// A destination's target must exist (or lie in its number range).
    fn destination(&mut self, field: String, dest: &Destination, in_ivr: bool) {
        let (r, c) = (self.r, self.c);
        let problem = match dest {
            Destination::Extension { number } if c.extension(number.as_str()).is_none() => {
                Some(format!("extension {number} does not exist"))
            }
            Destination::Voicemail { extension } => match c.extension(extension.as_str()) {
                None => Some(format!("extension {extension} does not exist")),
                Some(e) if !e.voicemail => {
                    Some(format!("extension {extension} has voicemail turned off"))
                }
                Some(_) => None,
            },
            Destination::Department { number } if r.department(number.as_str()).is_none() => {
                Some(format!("department {number} does not exist"))
            }
            Destination::Ivr { number } if r.ivr(number.as_str()).is_none() => {
                Some(format!("IVR {number} does not exist"))
            }
            Destination::Queue { number } if !c.settings.queue_range.contains(number.as_str()) => {
                Some(format!(
                    "{number} is outside the queue range {}",
                    c.settings.queue_range
                ))
            }
            Destination::Conference { number }
                if !c.settings.conference_range.contains(number.as_str()) =>
            {
                Some(format!(
                    "{number} is outside the conference range {}",
                    c.settings.conference_range
                ))
            }
            Destination::TimeCondition { id } if r.time_condition(id.as_str()).is_none() => {
                Some(format!("time condition {id} does not exist"))
            }
            Destination::ReturnToIvr if !in_ivr => {
                Some("return_to_ivr is only meaningful inside an IVR menu".to_owned())
            }
            _ => None,
        };
        if let Some(message) = problem {
            self.push(field, message);
        }
    }

    /// A department or IVR number: inside its range and not an extension.
    fn service_number(&mut self, field: String, number: &str, range: &NumberRange, what: &str) {
        if !range.contains(number) {
            self.push(field, format!("must be inside the {what} range {range}"));
        } else if self.c.extension(number).is_some() {
            self.push(field, "is already an extension number");
        }
    }

    /// A SIP user part we send or expect.
    fn sip_user(&mut self, field: String, user: &str) {
        if user.is_empty() || user.len() > 64 {
            self.push(field, "must be 1 to 64 characters");
        } else if user
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "@:;<>\"".contains(c))
        {
            self.push(
                field,
                "must not contain spaces, control characters or @ : ; < > \"",
            );
        }
    }

    fn port(&mut self, field: String, port: Option<u16>) {
        if port == Some(0) {
            self.push(field, "must be 1 to 65535 (omit it for the default)");
        }
    }
}
