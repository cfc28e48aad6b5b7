//! Routing what an extension dials (DUC guide 5.3): internal numbers first (extensions,
//! departments, IVRs, conference rooms, queues, under the caller's internal
//! permissions), then emergency numbers, then the dial rules in order.
//!
//! A dial rule takes the call when the number starts with its dial prefix, the rest
//! matches one of its patterns, the caller's dial permission includes it, its time rule
//! matches and at least one of its trunks is enabled. Emergency numbers skip the
//! permission, time rule, PIN, blacklist and whitelist checks.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rotary_config::routing::{
    CidSelection, DialPattern, OutboundRoute, PatternMatch, Pin, PinSetId, RouteName,
    TrunkStrategy, WhitelistDirection,
};
use rotary_config::Extension;

use crate::decision::{
    CallKind, CallerId, CidSource, CursorUpdate, Decision, HangupCause, Outcome, RouteKind,
    SkipReason, Target, TraceStep, TrunkAttempt, TrunkSkip,
};
use crate::filter::{blacklisted, whitelist_of, whitelisted};
use crate::time_condition::evaluate;
use crate::Snapshot;

/// The round-robin positions of `linear_cycle` routes, kept by the engine between calls
/// (routing itself holds no state).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrunkCursors(HashMap<RouteName, usize>);

impl TrunkCursors {
    /// No call placed yet: every route starts with its first trunk.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores the position a decision returned in [`Decision::cursor`].
    pub fn apply(&mut self, update: &CursorUpdate) {
        self.0.insert(update.route.clone(), update.next);
    }

    /// Where the next call through `route` starts (an index into its trunk list, taken
    /// modulo the list length).
    #[must_use]
    pub fn start(&self, route: &str) -> usize {
        self.0.get(route).copied().unwrap_or(0)
    }
}

/// Decides what happens when extension `caller` dials `dialled` at instant `now`.
///
/// `cursors` holds the round-robin state of `linear_cycle` routes; when the decision
/// moves one, [`Decision::cursor`] says so and the engine applies it.
#[must_use]
pub fn route_outbound(
    snap: Snapshot<'_>,
    caller: &str,
    dialled: &str,
    now: DateTime<Utc>,
    cursors: &TrunkCursors,
) -> Decision {
    let mut d = Decision {
        kind: CallKind::Internal,
        outcome: Outcome::Hangup {
            cause: HangupCause::NoRoute,
        },
        route: None,
        caller_id: CallerId {
            number: caller.to_owned(),
            name: None,
        },
        trace: Vec::new(),
        cursor: None,
    };
    let Some(ext) = snap.config.extension(caller) else {
        d.outcome = Outcome::Hangup {
            cause: HangupCause::UnknownCaller,
        };
        return d;
    };
    if !ext.name.is_empty() {
        d.caller_id.name = Some(ext.name.clone());
    }
    if internal(snap, caller, dialled, &mut d) {
        return d;
    }
    d.kind = CallKind::Outbound;
    let emergency = snap.routing.options.is_emergency(dialled);
    if emergency {
        d.trace.push(TraceStep::Emergency {
            number: dialled.to_owned(),
        });
    }
    let permission = snap.routing.permission_of(caller);
    d.trace.reserve(snap.routing.outbound_routes.len() + 8);
    for route in &snap.routing.outbound_routes {
        let Some(found) = try_route(snap, route, dialled, emergency, permission, now, &mut d)
        else {
            continue;
        };
        let FoundRoute {
            rest,
            number,
            emergency,
        } = found;
        if !emergency && !lists_allow(snap, caller, [dialled, &rest, &number], &mut d) {
            return d;
        }
        let start = cursors.start(route.id.as_str());
        d.outcome = trunks_out(snap, route, ext, &number, start, emergency, &mut d);
        d.route = Some(route.id.clone());
        return d;
    }
    if emergency && !snap.routing.options.emergency_trunks.is_empty() {
        d.outcome = emergency_trunks(snap, ext, dialled, &mut d);
        return d;
    }
    // A rule would have taken the number but the caller may not use it: say so (403)
    // rather than "no route" (404).
    let denied = d.trace.iter().any(|s| {
        matches!(
            s,
            TraceStep::RouteSkipped {
                reason: SkipReason::NotPermitted,
                ..
            }
        )
    });
    if denied {
        d.outcome = Outcome::Hangup {
            cause: HangupCause::NotPermitted,
        };
    }
    d
}

/// Whether the digits an extension has dialled so far are a number the PBX knows, and
/// whether more digits could still make one: for overlap dialling from analog lines and
/// for deciding when to stop waiting for digits. `matches && !could_extend` means "dial
/// now"; `!matches && could_extend` means "wait for more (up to the inter-digit
/// timeout)"; neither means "no such number". Permissions are not considered here
/// ([`route_outbound`] applies them).
#[must_use]
pub fn dial_status(snap: Snapshot<'_>, digits: &str) -> PatternMatch {
    let (config, routing) = (snap.config, snap.routing);
    let mut status = PatternMatch {
        matches: false,
        could_extend: false,
    };
    let mut add = |m: PatternMatch| {
        status.matches |= m.matches;
        status.could_extend |= m.could_extend;
    };
    let found = crate::NumberDirectory::lookup(&snap, digits);
    add(PatternMatch {
        matches: found.exact,
        could_extend: found.longer,
    });
    let numbers = routing
        .departments
        .iter()
        .map(|d| d.number.as_str())
        .chain(routing.ivrs.iter().map(|i| i.number.as_str()))
        .chain(routing.options.emergency_numbers.iter().map(|n| n.as_str()));
    for number in numbers {
        add(PatternMatch {
            matches: number == digits,
            could_extend: number.len() > digits.len() && number.starts_with(digits),
        });
    }
    for range in [
        &config.settings.conference_range,
        &config.settings.queue_range,
    ] {
        add(range_status(range, digits));
    }
    for route in routing.outbound_routes.iter().filter(|r| r.enabled) {
        let prefix = route.dial_prefix.as_str();
        match digits.strip_prefix(prefix) {
            Some(rest) => route
                .patterns
                .iter()
                .for_each(|p| add(p.pattern.check(rest))),
            None if prefix.starts_with(digits) => add(PatternMatch {
                matches: false,
                could_extend: true,
            }),
            None => {}
        }
    }
    status
}

/// How `digits` relates to the numbers of a range.
fn range_status(range: &rotary_config::NumberRange, digits: &str) -> PatternMatch {
    let (low, high) = (range.low(), range.high());
    let could_extend = digits.bytes().all(|b| b.is_ascii_digit())
        && digits.len() < high.len()
        && (low.len() != high.len() || {
            // Some number of the range's length starts with `digits`.
            let pad = |fill: char| {
                let mut s = digits.to_owned();
                s.extend(std::iter::repeat_n(fill, high.len() - digits.len()));
                s
            };
            pad('0').as_str() <= high && pad('9').as_str() >= low
        });
    PatternMatch {
        matches: range.contains(digits),
        could_extend,
    }
}

/// The PIN of `set` that the caller keyed, if it is one (DUC 5.3.4). The CDR records
/// the PIN's label.
#[must_use]
pub fn check_pin<'a>(snap: Snapshot<'a>, set: &PinSetId, keyed: &str) -> Option<&'a Pin> {
    snap.routing.pin_set(set.as_str())?.check(keyed)
}

/// Internal numbers; `true` when the decision is made.
fn internal(snap: Snapshot<'_>, caller: &str, dialled: &str, d: &mut Decision) -> bool {
    let (config, routing) = (snap.config, snap.routing);
    let perms = routing
        .permission_of(caller)
        .map_or(rotary_config::routing::InternalPermissions::DEFAULT, |p| {
            p.internal
        });
    let settings = &config.settings;
    let (target, allowed, what) = if let Some(e) = config.extensions.get_key_value(dialled) {
        let number = e.0.clone();
        (Target::Extension { number }, perms.extension, "extension")
    } else if let Some(dep) = routing.department(dialled) {
        let number = dep.number.clone();
        (
            Target::Department { number },
            perms.department,
            "department",
        )
    } else if let Some(ivr) = routing.ivr(dialled) {
        let number = ivr.number.clone();
        (Target::Ivr { number }, perms.ivr, "ivr")
    } else if let Some(number) = in_range(&settings.conference_range, dialled) {
        (
            Target::Conference { number },
            perms.conference,
            "conference",
        )
    } else if let Some(number) = in_range(&settings.queue_range, dialled) {
        (Target::Queue { number }, perms.call_queue, "call_queue")
    } else {
        return false;
    };
    d.trace.push(TraceStep::Internal {
        target: target.clone(),
    });
    d.outcome = if allowed {
        Outcome::Deliver { target }
    } else {
        d.trace.push(TraceStep::PermissionDenied {
            what: what.to_owned(),
        });
        Outcome::Hangup {
            cause: HangupCause::NotPermitted,
        }
    };
    true
}

/// The number as an extension-style number when it lies in `range`.
fn in_range(
    range: &rotary_config::NumberRange,
    dialled: &str,
) -> Option<rotary_config::ExtensionNumber> {
    range
        .contains(dialled)
        .then(|| rotary_config::ExtensionNumber::new(dialled).ok())
        .flatten()
}

/// What a route that takes the call yields.
struct FoundRoute {
    /// The dialled number without the route's dial prefix.
    rest: String,
    /// The number to send.
    number: String,
    /// Whether the dialled or sent number is an emergency number.
    emergency: bool,
}

/// One dial rule; `Some` when it takes the call. Pushes a skip or match trace step.
fn try_route(
    snap: Snapshot<'_>,
    route: &OutboundRoute,
    dialled: &str,
    emergency: bool,
    permission: Option<&rotary_config::routing::DialPermission>,
    now: DateTime<Utc>,
    d: &mut Decision,
) -> Option<FoundRoute> {
    let skip = |d: &mut Decision, reason| {
        d.trace.push(TraceStep::RouteSkipped {
            kind: RouteKind::Outbound,
            route: route.id.clone(),
            reason,
        });
        None
    };
    if !route.enabled {
        return skip(d, SkipReason::Disabled);
    }
    let Some(rest) = dialled.strip_prefix(route.dial_prefix.as_str()) else {
        return skip(d, SkipReason::PrefixMismatch);
    };
    let best = route
        .patterns
        .iter()
        .filter(|p| p.pattern.matches(rest))
        .min_by(|a, b| a.pattern.cmp_specificity(&b.pattern));
    let Some(entry) = best else {
        return skip(d, SkipReason::NoPatternMatch);
    };
    let kept = rest.get(usize::from(entry.strip)..).unwrap_or("");
    let number = format!("{}{kept}", entry.prepend);
    let options = &snap.routing.options;
    let emergency = emergency || options.is_emergency(rest) || options.is_emergency(&number);
    if !emergency {
        let permitted = permission.is_none_or(|p| p.outbound_routes.contains(&route.id));
        if !permitted {
            d.trace.push(TraceStep::PermissionDenied {
                what: format!("outbound route {}", route.id),
            });
            return skip(d, SkipReason::NotPermitted);
        }
        if let Some(id) = &route.time_condition {
            let open = snap
                .routing
                .time_condition(id.as_str())
                .is_some_and(|tc| evaluate(tc, now).matched);
            if !open {
                return skip(d, SkipReason::OutsideTimeRule { id: id.clone() });
            }
        }
    }
    let usable = route
        .trunks
        .iter()
        .any(|t| snap.routing.trunk(t.as_str()).is_some_and(|t| t.enabled));
    if !usable {
        return skip(d, SkipReason::NoUsableTrunk);
    }
    d.trace.push(TraceStep::RouteMatched {
        kind: RouteKind::Outbound,
        route: route.id.clone(),
        pattern: Some(entry.pattern.to_string()),
    });
    if number != dialled {
        d.trace.push(TraceStep::NumberRewritten {
            from: dialled.to_owned(),
            to: number.clone(),
        });
    }
    if emergency
        && !d
            .trace
            .iter()
            .any(|s| matches!(s, TraceStep::Emergency { .. }))
    {
        d.trace.push(TraceStep::Emergency {
            number: number.clone(),
        });
    }
    Some(FoundRoute {
        rest: rest.to_owned(),
        number,
        emergency,
    })
}

/// Outbound blacklist and the caller's outbound whitelist, checked against the number
/// as dialled, without the dial prefix, and as sent; `false` (with the outcome set) when
/// the call is refused.
fn lists_allow(snap: Snapshot<'_>, caller: &str, numbers: [&str; 3], d: &mut Decision) -> bool {
    for n in numbers {
        if let Some(entry) = blacklisted(snap.routing, false, n) {
            d.trace.push(TraceStep::Blacklisted {
                pattern: entry.pattern.to_string(),
                direction: entry.direction,
                number: n.to_owned(),
            });
            d.outcome = Outcome::Hangup {
                cause: HangupCause::Blacklisted,
            };
            return false;
        }
    }
    if let Some(list) = whitelist_of(snap.routing, caller, WhitelistDirection::Outbound) {
        if !whitelisted(list, &numbers) {
            d.trace.push(TraceStep::NotWhitelisted {
                list: list.id.to_string(),
                number: numbers[1].to_owned(),
            });
            d.outcome = Outcome::Hangup {
                cause: HangupCause::NotWhitelisted,
            };
            return false;
        }
    }
    true
}

/// The trunk attempts of a route that took the call.
fn trunks_out(
    snap: Snapshot<'_>,
    route: &OutboundRoute,
    ext: &Extension,
    number: &str,
    cursor: usize,
    emergency: bool,
    d: &mut Decision,
) -> Outcome {
    let n = route.trunks.len();
    let start = match route.strategy {
        TrunkStrategy::Linear => 0,
        TrunkStrategy::LinearCycle if n > 0 => {
            let start = cursor % n;
            d.cursor = Some(CursorUpdate {
                route: route.id.clone(),
                next: (start + 1) % n,
            });
            start
        }
        TrunkStrategy::LinearCycle => 0,
    };
    let base = base_caller_id(snap, &route.caller_id, ext, d);
    let order = route.trunks.iter().cycle().skip(start).take(n);
    let attempts = attempts(snap, order, number, &base, d);
    d.trace.push(TraceStep::TrunkOrder {
        trunks: attempts.iter().map(|a| a.trunk.clone()).collect(),
        rotated_by: start,
    });
    if let Some(first) = attempts.first() {
        d.caller_id = first.caller_id.clone();
    }
    Outcome::Trunks {
        attempts,
        pin_set: if emergency {
            None
        } else {
            route.pin_set.clone()
        },
        time_limit_secs: route.call_time_limit,
        emergency,
    }
}

/// An emergency number that no dial rule takes: out through the emergency trunks, as
/// dialled.
fn emergency_trunks(
    snap: Snapshot<'_>,
    ext: &Extension,
    dialled: &str,
    d: &mut Decision,
) -> Outcome {
    let base = base_caller_id(snap, &CidSelection::Cid1, ext, d);
    let trunks = &snap.routing.options.emergency_trunks;
    let attempts = attempts(snap, trunks.iter(), dialled, &base, d);
    d.trace.push(TraceStep::TrunkOrder {
        trunks: attempts.iter().map(|a| a.trunk.clone()).collect(),
        rotated_by: 0,
    });
    if let Some(first) = attempts.first() {
        d.caller_id = first.caller_id.clone();
    }
    Outcome::Trunks {
        attempts,
        pin_set: None,
        time_limit_secs: None,
        emergency: true,
    }
}

/// One attempt per enabled trunk in `order`, each with its caller ID.
fn attempts<'a>(
    snap: Snapshot<'_>,
    order: impl Iterator<Item = &'a rotary_config::routing::TrunkId>,
    number: &str,
    base: &CallerId,
    d: &mut Decision,
) -> Vec<TrunkAttempt> {
    let mut out = Vec::new();
    for id in order {
        let Some(trunk) = snap.routing.trunk(id.as_str()) else {
            d.trace.push(TraceStep::TrunkSkipped {
                trunk: id.clone(),
                reason: TrunkSkip::Missing,
            });
            continue;
        };
        if !trunk.enabled {
            d.trace.push(TraceStep::TrunkSkipped {
                trunk: id.clone(),
                reason: TrunkSkip::Disabled,
            });
            continue;
        }
        let mut caller_id = base.clone();
        if let Some(forced) = &trunk.outbound_cid {
            caller_id.number = forced.to_string();
            d.trace.push(TraceStep::CallerId {
                number: caller_id.number.clone(),
                source: CidSource::Trunk { trunk: id.clone() },
            });
        }
        caller_id.number = trunk.outbound_cid_rewrite.apply(&caller_id.number);
        out.push(TrunkAttempt {
            trunk: id.clone(),
            number: number.to_owned(),
            caller_id,
        });
    }
    out
}

/// The caller ID a route selects for `ext`, before trunk overrides.
fn base_caller_id(
    snap: Snapshot<'_>,
    selection: &CidSelection,
    ext: &Extension,
    d: &mut Decision,
) -> CallerId {
    let mapping = snap
        .routing
        .caller_id_mappings
        .iter()
        .filter(|m| m.extensions.matches(ext.number.as_str()))
        .min_by(|a, b| a.extensions.cmp_specificity(&b.extensions));
    let pattern =
        |m: &rotary_config::routing::CallerIdMapping| DialPattern::to_string(&m.extensions);
    let own = || (ext.number.to_string(), CidSource::Extension);
    let (number, source) = match selection {
        CidSelection::Fixed(n) => (n.to_string(), CidSource::Fixed),
        CidSelection::Extension => own(),
        CidSelection::Cid2 => match mapping {
            Some(m) if m.cid2.is_some() => (
                m.cid2.as_ref().map(ToString::to_string).unwrap_or_default(),
                CidSource::Cid2 {
                    mapping: pattern(m),
                },
            ),
            Some(m) if m.cid1.is_some() => (
                m.cid1.as_ref().map(ToString::to_string).unwrap_or_default(),
                CidSource::Cid1 {
                    mapping: pattern(m),
                },
            ),
            _ => own(),
        },
        CidSelection::Cid1 => match mapping.and_then(|m| m.cid1.as_ref().map(|c| (m, c))) {
            Some((m, c)) => (
                c.to_string(),
                CidSource::Cid1 {
                    mapping: pattern(m),
                },
            ),
            None => own(),
        },
    };
    d.trace.push(TraceStep::CallerId {
        number: number.clone(),
        source,
    });
    CallerId {
        number,
        name: (!ext.name.is_empty()).then(|| ext.name.clone()),
    }
}
