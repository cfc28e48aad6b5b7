//! `GET /api/v1/route-trace`: what would happen to a call, step by step, without placing it.
//!
//! With `trunk`, the call arrives on that trunk from `from` to DID `to`
//! (`rotary_dialplan::route_inbound`); without it, extension `from` dials `to`
//! (`rotary_dialplan::route_outbound`, round-robin routes start at their first trunk). `at`
//! (RFC 3339, default now) is the wall-clock time the time conditions see. The answer is the
//! dialplan's `Decision` as JSON, each trace step with a `text` line for people, plus the
//! `query` as understood and a one-line `summary`.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use rotary_config::routing::Direction;
use rotary_dialplan::{
    route_inbound, route_outbound, CidSource, Outcome, RouteKind, SkipReason, Snapshot, TimeReason,
    TraceStep, TrunkCursors, TrunkSkip,
};
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, QueryPairs};
use crate::openapi::GenericObject;
use crate::AppState;

/// Longest number accepted in `from` / `to`.
const MAX_NUMBER_LEN: usize = 64;

/// Trace a call through the routing without placing it.
#[utoipa::path(
    operation_id = "route_trace",
    get, path = "/api/v1/route-trace", tag = "routing",
    params(
        ("from" = String, Query, description = "Caller: an extension number (outbound), or the \
                                                caller number on the trunk (inbound)"),
        ("to" = String, Query, description = "Dialled number (outbound) or DID (inbound)"),
        ("trunk" = Option<String>, Query, description = "Trace an inbound call arriving on \
                                                          this trunk"),
        ("at" = Option<String>, Query, description = "RFC 3339 time to evaluate time \
                                                       conditions at (default now)"),
    ),
    responses(
        (status = 200, description = "The decision: kind, outcome, route, caller_id, cursor, \
                                      trace (each step with `text`), query and summary",
         body = GenericObject),
        (status = 400, description = "Bad input; `field` names the parameter", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role user", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn trace(
    State(state): State<AppState>,
    caller: Caller,
    query: QueryPairs,
) -> Result<Json<Value>, ApiError> {
    caller.require_staff()?;
    let from = required(&query, "from")?;
    let to = required(&query, "to")?;
    if !is_dialled(to) {
        return Err(ApiError::bad_field(
            "to",
            "to must be 1 to 64 of 0-9 * # + (a dialled number or DID)",
        ));
    }
    let at = match query.get("at") {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map_err(|e| ApiError::bad_field("at", format!("at must be an RFC 3339 time: {e}")))?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let config = state.backend.config();
    let snap = Snapshot::new(&config, &config.routing);
    let trunk = query.get("trunk");
    let decision = match trunk {
        Some(trunk) => {
            if config.routing.trunk(trunk).is_none() {
                return Err(ApiError::bad_field(
                    "trunk",
                    format!("no trunk named {trunk}"),
                ));
            }
            route_inbound(snap, trunk, to, from, at)
        }
        None => {
            if config.extension(from).is_none() {
                return Err(ApiError::bad_field(
                    "from",
                    format!(
                        "extension {from} does not exist (give trunk= to trace an inbound call)"
                    ),
                ));
            }
            route_outbound(snap, from, to, at, &TrunkCursors::default())
        }
    };
    let summary = summarize(&decision.outcome);
    let texts: Vec<String> = decision.trace.iter().map(describe).collect();
    let mut value = serde_json::to_value(&decision).map_err(ApiError::internal)?;
    if let Some(steps) = value.get_mut("trace").and_then(Value::as_array_mut) {
        for (step, text) in steps.iter_mut().zip(texts) {
            if let Some(obj) = step.as_object_mut() {
                obj.insert("text".into(), Value::String(text));
            }
        }
    }
    if let Some(obj) = value.as_object_mut() {
        obj.insert(
            "query".into(),
            json!({
                "from": from, "to": to, "trunk": trunk,
                "at": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }),
        );
        obj.insert("summary".into(), Value::String(summary));
    }
    Ok(Json(value))
}

/// A required, printable query parameter of at most [`MAX_NUMBER_LEN`] characters.
fn required<'q>(query: &'q QueryPairs, key: &str) -> Result<&'q str, ApiError> {
    let value = query
        .get(key)
        .ok_or_else(|| ApiError::bad_field(key, format!("{key} is required")))?;
    if value.chars().count() > MAX_NUMBER_LEN
        || value.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(ApiError::bad_field(
            key,
            format!("{key} must be at most {MAX_NUMBER_LEN} characters without spaces"),
        ));
    }
    Ok(value)
}

/// Whether `s` looks like something dialled: `0-9 * # +`.
fn is_dialled(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_NUMBER_LEN
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | '+'))
}

/// The outcome in one line.
fn summarize(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Deliver { target } => format!("deliver to {target}"),
        Outcome::Trunks {
            attempts,
            pin_set,
            time_limit_secs,
            emergency,
        } => {
            let tries: Vec<String> = attempts
                .iter()
                .map(|a| format!("{} as {}", a.trunk, a.number))
                .collect();
            let mut line = format!("call out via {}", tries.join(", then "));
            if *emergency {
                line.push_str(" (emergency)");
            }
            if let Some(set) = pin_set {
                line.push_str(&format!("; PIN of set {set} first"));
            }
            if let Some(limit) = time_limit_secs {
                line.push_str(&format!("; limited to {limit} s"));
            }
            line
        }
        Outcome::Hangup { cause } => {
            format!("hang up: {} (SIP {})", cause.code(), cause.sip_status())
        }
    }
}

fn kind_word(kind: RouteKind) -> &'static str {
    match kind {
        RouteKind::Direct => "direct",
        RouteKind::Inbound => "inbound",
        RouteKind::Outbound => "outbound",
    }
}

fn direction_word(d: Direction) -> &'static str {
    match d {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
        Direction::Both => "both ways",
    }
}

fn skip_text(reason: &SkipReason) -> String {
    match reason {
        SkipReason::Disabled => "disabled".into(),
        SkipReason::OtherTrunk => "for another trunk".into(),
        SkipReason::DidMismatch => "DID does not match".into(),
        SkipReason::CallerMismatch => "caller does not match".into(),
        SkipReason::PrefixMismatch => "dial prefix does not match".into(),
        SkipReason::NoPatternMatch => "no pattern matches".into(),
        SkipReason::NotPermitted => "not in the caller's dial permission".into(),
        SkipReason::OutsideTimeRule { id } => format!("outside its time rule {id}"),
        SkipReason::NoUsableTrunk => "no usable trunk".into(),
        SkipReason::NoSuchExtension { number } => {
            format!("DID maps to {number}, which is not an extension")
        }
        SkipReason::Outranked { by } => format!("matches, but {by} is more specific"),
    }
}

/// One trace step in words.
fn describe(step: &TraceStep) -> String {
    match step {
        TraceStep::CallerRewritten { from, to } => {
            format!("caller number rewritten by the trunk: {from} -> {to}")
        }
        TraceStep::AnonymousBlocked => "anonymous caller blocked (block_anonymous)".into(),
        TraceStep::Blacklisted {
            pattern,
            direction,
            number,
        } => format!(
            "{number} is blacklisted by {pattern} ({})",
            direction_word(*direction)
        ),
        TraceStep::OfficeClosed => "Office Closed is on".into(),
        TraceStep::RouteSkipped {
            kind,
            route,
            reason,
        } => format!(
            "{} route {route} skipped: {}",
            kind_word(*kind),
            skip_text(reason)
        ),
        TraceStep::RouteMatched {
            kind,
            route,
            pattern,
        } => match pattern {
            Some(p) => format!("{} route {route} matches (pattern {p})", kind_word(*kind)),
            None => format!("{} route {route} matches", kind_word(*kind)),
        },
        TraceStep::TimeCondition {
            id,
            matched,
            reason,
            local_time,
        } => {
            let why = match reason {
                TimeReason::Forced => "forced by the day/night override".to_owned(),
                TimeReason::Holiday { name } => format!("holiday {name}"),
                TimeReason::InHours { range } => format!("inside weekly range {range}"),
                TimeReason::OutsideHours => "outside the weekly hours".to_owned(),
            };
            let branch = if *matched { "matched" } else { "not matched" };
            format!("time condition {id} at {local_time}: {branch} ({why})")
        }
        TraceStep::Destination { destination } => format!("go to {destination}"),
        TraceStep::Internal { target } => format!("internal number: {target}"),
        TraceStep::PermissionDenied { what } => format!("not permitted: {what}"),
        TraceStep::Emergency { number } => {
            format!("{number} is an emergency number: permissions, PINs and lists bypassed")
        }
        TraceStep::NumberRewritten { from, to } => format!("number rewritten: {from} -> {to}"),
        TraceStep::TrunkSkipped { trunk, reason } => {
            let why = match reason {
                TrunkSkip::Disabled => "disabled",
                TrunkSkip::Missing => "does not exist",
            };
            format!("trunk {trunk} skipped: {why}")
        }
        TraceStep::TrunkOrder { trunks, rotated_by } => {
            let names: Vec<&str> = trunks.iter().map(|t| t.as_str()).collect();
            if *rotated_by == 0 {
                format!("trunks in order: {}", names.join(", "))
            } else {
                format!(
                    "trunks in order: {} (rotated by {rotated_by})",
                    names.join(", ")
                )
            }
        }
        TraceStep::CallerId { number, source } => {
            let from = match source {
                CidSource::Cid1 { mapping } => format!("CID1 of mapping {mapping}"),
                CidSource::Cid2 { mapping } => format!("CID2 of mapping {mapping}"),
                CidSource::Extension => "the extension number".to_owned(),
                CidSource::Fixed => "the route's fixed caller ID".to_owned(),
                CidSource::Trunk { trunk } => format!("trunk {trunk}'s outbound CID"),
            };
            format!("caller ID {number} (from {from})")
        }
        TraceStep::NotWhitelisted { list, number } => {
            format!("{number} is not on whitelist {list}")
        }
        TraceStep::DepthExceeded { limit } => {
            format!("destinations chained deeper than {limit}: cut as a loop")
        }
        TraceStep::BadDestination { destination } => {
            format!("unusable destination: {destination}")
        }
    }
}
