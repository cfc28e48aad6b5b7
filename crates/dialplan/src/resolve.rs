//! Following a [`Destination`] to where the call really goes: time conditions are
//! evaluated and their branches followed, step by step, up to [`MAX_DEPTH`]; everything
//! else is an end point ([`Target`]) or a hang-up.
//!
//! Used by the routing functions, and by the engine when an IVR or a department hands the
//! call on.

use chrono::{DateTime, Utc};
use rotary_config::routing::{Destination, WhitelistDirection};
use serde::Serialize;

use crate::decision::{HangupCause, Outcome, Target, TraceStep};
use crate::filter::{whitelist_of, whitelisted};
use crate::time_condition::evaluate;
use crate::Snapshot;

/// Most destinations followed for one call before it is cut as a loop. Validation refuses
/// loops; this bounds a snapshot that was never validated.
pub const MAX_DEPTH: usize = 8;

/// Where a destination leads, and how it got there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Resolution {
    /// The end point or hang-up.
    pub outcome: Outcome,
    /// The steps taken.
    pub trace: Vec<TraceStep>,
}

/// Follows `dest` at instant `now`. `caller` is the external caller's number for calls
/// from a trunk (so extension whitelists apply), `None` for internal calls.
#[must_use]
pub fn resolve_destination(
    snap: Snapshot<'_>,
    dest: &Destination,
    caller: Option<&str>,
    now: DateTime<Utc>,
) -> Resolution {
    let mut trace = Vec::new();
    let outcome = resolve_into(snap, dest, caller, now, &mut trace);
    Resolution { outcome, trace }
}

/// [`resolve_destination`], appending to an existing trace.
pub(crate) fn resolve_into(
    snap: Snapshot<'_>,
    dest: &Destination,
    caller: Option<&str>,
    now: DateTime<Utc>,
    trace: &mut Vec<TraceStep>,
) -> Outcome {
    let mut dest = dest;
    for _ in 0..MAX_DEPTH {
        trace.push(TraceStep::Destination {
            destination: dest.to_string(),
        });
        match dest {
            Destination::TimeCondition { id } => {
                let Some(tc) = snap.routing.time_condition(id.as_str()) else {
                    return bad(dest, trace);
                };
                let verdict = evaluate(tc, now);
                let local_time = verdict.local_text();
                trace.push(TraceStep::TimeCondition {
                    id: id.clone(),
                    matched: verdict.matched,
                    reason: verdict.reason,
                    local_time,
                });
                dest = if verdict.matched {
                    &tc.matched
                } else {
                    &tc.not_matched
                };
            }
            Destination::Hangup => {
                return Outcome::Hangup {
                    cause: HangupCause::Configured,
                }
            }
            Destination::ReturnToIvr => return bad(dest, trace),
            Destination::Extension { number } => {
                if snap.config.extension(number.as_str()).is_none() {
                    return bad(dest, trace);
                }
                let list = caller.and_then(|c| {
                    whitelist_of(snap.routing, number.as_str(), WhitelistDirection::Inbound)
                        .filter(|list| !whitelisted(list, &[c]))
                });
                if let (Some(list), Some(c)) = (list, caller) {
                    trace.push(TraceStep::NotWhitelisted {
                        list: list.id.to_string(),
                        number: c.to_owned(),
                    });
                    return Outcome::Hangup {
                        cause: HangupCause::NotWhitelisted,
                    };
                }
                return deliver(dest, trace);
            }
            Destination::Voicemail { extension }
                if snap.config.extension(extension.as_str()).is_none() =>
            {
                return bad(dest, trace)
            }
            Destination::Department { number }
                if snap.routing.department(number.as_str()).is_none() =>
            {
                return bad(dest, trace)
            }
            Destination::Ivr { number } if snap.routing.ivr(number.as_str()).is_none() => {
                return bad(dest, trace)
            }
            _ => return deliver(dest, trace),
        }
    }
    trace.push(TraceStep::DepthExceeded { limit: MAX_DEPTH });
    Outcome::Hangup {
        cause: HangupCause::Loop,
    }
}

/// The end point for a terminal destination.
fn deliver(dest: &Destination, trace: &mut Vec<TraceStep>) -> Outcome {
    match Target::from_destination(dest) {
        Some(target) => Outcome::Deliver { target },
        None => bad(dest, trace),
    }
}

/// A destination that cannot be followed.
fn bad(dest: &Destination, trace: &mut Vec<TraceStep>) -> Outcome {
    trace.push(TraceStep::BadDestination {
        destination: dest.to_string(),
    });
    Outcome::Hangup {
        cause: HangupCause::BadDestination,
    }
}
