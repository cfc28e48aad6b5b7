//! Routing a call that arrives from a trunk (DUC guide 5.2.4–5.2.6).
//!
//! Order: the trunk must be known and enabled; its inbound caller-ID rewrite is applied;
//! anonymous callers are refused when that option is on; the blacklist; the Office Closed
//! switch; direct routes (caller rules, then DID rules); the most specific inbound route.
//! The chosen destination is then followed through time conditions.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use rotary_config::routing::{Destination, DialPattern, DirectMatch, DirectRoute, InboundRoute};
use rotary_config::ExtensionNumber;

use crate::decision::{
    CallKind, CallerId, Decision, HangupCause, Outcome, RouteKind, SkipReason, TraceStep,
};
use crate::filter::{blacklisted, is_anonymous};
use crate::resolve::resolve_into;
use crate::Snapshot;

/// Decides where a call from `trunk` to `did`, from `caller`, goes at instant `now`.
///
/// `trunk` is the id of the trunk the engine matched the call to, `did` the user part of
/// the Request-URI (or To), `caller` the user part of From (or P-Asserted-Identity).
#[must_use]
pub fn route_inbound(
    snap: Snapshot<'_>,
    trunk: &str,
    did: &str,
    caller: &str,
    now: DateTime<Utc>,
) -> Decision {
    let mut d = Decision {
        kind: CallKind::Inbound,
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
    let routing = snap.routing;
    let Some(t) = routing.trunk(trunk) else {
        return hang_up(d, HangupCause::UnknownTrunk);
    };
    if !t.enabled {
        return hang_up(d, HangupCause::TrunkDisabled);
    }
    let anonymous = is_anonymous(caller);
    if !anonymous && !t.inbound_cid_rewrite.is_identity() {
        let to = t.inbound_cid_rewrite.apply(caller);
        d.trace.push(TraceStep::CallerRewritten {
            from: caller.to_owned(),
            to: to.clone(),
        });
        d.caller_id.number = to;
    }
    let caller = d.caller_id.number.clone();
    if anonymous && routing.options.block_anonymous {
        d.trace.push(TraceStep::AnonymousBlocked);
        return hang_up(d, HangupCause::AnonymousBlocked);
    }
    if let Some(entry) = blacklisted(routing, true, &caller) {
        d.trace.push(TraceStep::Blacklisted {
            pattern: entry.pattern.to_string(),
            direction: entry.direction,
            number: caller,
        });
        return hang_up(d, HangupCause::Blacklisted);
    }
    let dest = if routing.options.office_closed.active {
        d.trace.push(TraceStep::OfficeClosed);
        Some(routing.options.office_closed.destination.clone())
    } else {
        direct(snap, did, &caller, &mut d).or_else(|| inbound(snap, trunk, did, &caller, &mut d))
    };
    match dest {
        Some(dest) => {
            d.outcome = resolve_into(snap, &dest, Some(&caller), now, &mut d.trace);
            d
        }
        None => hang_up(d, HangupCause::NoRoute),
    }
}

/// Direct routing: caller rules first, then DID rules, each in list order.
fn direct(snap: Snapshot<'_>, did: &str, caller: &str, d: &mut Decision) -> Option<Destination> {
    let routes = &snap.routing.direct_routes;
    let by_caller = routes
        .iter()
        .filter(|r| matches!(r.by, DirectMatch::Caller(_)));
    let by_did = routes
        .iter()
        .filter(|r| matches!(r.by, DirectMatch::Did(_)));
    for route in by_caller.chain(by_did) {
        if let Some(dest) = try_direct(snap, route, did, caller, d) {
            d.route = Some(route.name.clone());
            return Some(dest);
        }
    }
    None
}

/// One direct route: its destination if it takes the call, with trace steps either way.
fn try_direct(
    snap: Snapshot<'_>,
    route: &DirectRoute,
    did: &str,
    caller: &str,
    d: &mut Decision,
) -> Option<Destination> {
    let skip = |d: &mut Decision, reason| {
        d.trace.push(TraceStep::RouteSkipped {
            kind: RouteKind::Direct,
            route: route.name.clone(),
            reason,
        });
        None
    };
    if !route.enabled {
        return skip(d, SkipReason::Disabled);
    }
    let (pattern, matched, miss) = match &route.by {
        DirectMatch::Did(p) => (p, p.matches(did), SkipReason::DidMismatch),
        DirectMatch::Caller(p) => (p, p.matches(caller), SkipReason::CallerMismatch),
    };
    if !matched {
        return skip(d, miss);
    }
    let dest = match (&route.destination, &route.map_did) {
        (Some(dest), _) => dest.clone(),
        (None, Some(rewrite)) => {
            let number = rewrite.apply(did);
            match ExtensionNumber::new(number.as_str()) {
                Ok(n) if snap.config.extension(n.as_str()).is_some() => {
                    Destination::Extension { number: n }
                }
                _ => return skip(d, SkipReason::NoSuchExtension { number }),
            }
        }
        (None, None) => return skip(d, SkipReason::NoPatternMatch),
    };
    d.trace.push(TraceStep::RouteMatched {
        kind: RouteKind::Direct,
        route: route.name.clone(),
        pattern: Some(pattern.to_string()),
    });
    Some(dest)
}

/// The most specific inbound route that matches.
fn inbound(
    snap: Snapshot<'_>,
    trunk: &str,
    did: &str,
    caller: &str,
    d: &mut Decision,
) -> Option<Destination> {
    let routes = &snap.routing.inbound_routes;
    d.trace.reserve(routes.len() + 4);
    let mut best: Option<&InboundRoute> = None;
    let mut matched: Vec<&InboundRoute> = Vec::new();
    for route in routes {
        let reason = if !route.enabled {
            Some(SkipReason::Disabled)
        } else if route.trunk.as_ref().is_some_and(|t| t.as_str() != trunk) {
            Some(SkipReason::OtherTrunk)
        } else if !pattern_ok(route.did.as_ref(), did) {
            Some(SkipReason::DidMismatch)
        } else if !pattern_ok(route.caller.as_ref(), caller) {
            Some(SkipReason::CallerMismatch)
        } else {
            None
        };
        match reason {
            Some(reason) => d.trace.push(TraceStep::RouteSkipped {
                kind: RouteKind::Inbound,
                route: route.name.clone(),
                reason,
            }),
            None => {
                matched.push(route);
                if best.is_none_or(|b| more_specific(route, b) == Ordering::Less) {
                    best = Some(route);
                }
            }
        }
    }
    let best = best?;
    for route in matched.into_iter().filter(|r| !std::ptr::eq(*r, best)) {
        d.trace.push(TraceStep::RouteSkipped {
            kind: RouteKind::Inbound,
            route: route.name.clone(),
            reason: SkipReason::Outranked {
                by: best.name.clone(),
            },
        });
    }
    d.trace.push(TraceStep::RouteMatched {
        kind: RouteKind::Inbound,
        route: best.name.clone(),
        pattern: best.did.as_ref().map(DialPattern::to_string),
    });
    d.route = Some(best.name.clone());
    Some(best.destination.clone())
}

/// An optional pattern: absent matches everything.
fn pattern_ok(pattern: Option<&DialPattern>, number: &str) -> bool {
    pattern.is_none_or(|p| p.matches(number))
}

/// `Less` when `a` should win over `b`: a named trunk beats any trunk, then the more
/// specific DID, then the more specific caller pattern (a pattern beats none). Ties keep
/// the earlier route (the caller only replaces on `Less`).
fn more_specific(a: &InboundRoute, b: &InboundRoute) -> Ordering {
    let trunk = b.trunk.is_some().cmp(&a.trunk.is_some());
    trunk
        .then_with(|| optional_specificity(a.did.as_ref(), b.did.as_ref()))
        .then_with(|| optional_specificity(a.caller.as_ref(), b.caller.as_ref()))
}

/// Compares two optional patterns by specificity; a present pattern beats an absent one.
fn optional_specificity(a: Option<&DialPattern>, b: Option<&DialPattern>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp_specificity(b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Ends the decision with a hang-up.
fn hang_up(mut d: Decision, cause: HangupCause) -> Decision {
    d.outcome = Outcome::Hangup { cause };
    d
}
