//! `GET /api/v1/cdr` (JSON) and `GET /api/v1/cdr.csv`: call detail records.
//!
//! `from`/`to` take RFC 3339 (`2024-05-01T12:00:00Z`), a UTC date-time without zone
//! (`2024-05-01T12:00:00`) or a date (`2024-05-01`). `from` is inclusive; `to` is exclusive,
//! except that a plain date for `to` includes that whole day.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta};
use rotary_store::{format_unix_ms, CdrQuery, CdrRecord, Disposition};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, QueryPairs};
use crate::AppState;

/// One call as `GET /api/v1/cdr` returns it. Times are RFC 3339 UTC.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CdrView {
    /// Row id, increasing.
    id: Option<i64>,
    /// When the call arrived.
    #[schema(example = "2024-05-01T12:00:00.250Z")]
    start: String,
    /// When it was answered; absent if never.
    answer: Option<String>,
    /// When it ended.
    end: String,
    /// Calling number.
    caller: String,
    /// Dialled number.
    callee: String,
    /// Seconds from start to end.
    duration: u32,
    /// Seconds from answer to end.
    billsec: u32,
    /// `ANSWERED`, `NO ANSWER`, `BUSY`, `FAILED` or `CONGESTION`.
    #[schema(example = "ANSWERED")]
    disposition: &'static str,
    /// Stable failure code such as `route.no_match`.
    cause: Option<String>,
    /// Trunk used for external calls.
    trunk: Option<String>,
    /// Call-ID of the inbound leg.
    call_id: String,
    /// Call-ID of the outbound leg.
    peer_call_id: Option<String>,
    /// Recording file, relative to the data directory.
    recording: Option<String>,
    /// `internal`, `inbound` (from a trunk) or `outbound` (out through a trunk).
    #[schema(example = "inbound")]
    call_type: String,
    /// The number dialled from outside (inbound calls).
    did: Option<String>,
    /// The inbound, direct or outbound route that decided.
    route: Option<String>,
    /// The PIN (its label, else its code) keyed for a PIN-protected dial rule.
    pin: Option<String>,
}

/// Query parameters of the CDR endpoints (documentation of the query string).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Only describes the query string for the OpenAPI document.
pub(crate) struct CdrParams {
    /// Calls that started at or after this time.
    from: Option<String>,
    /// Calls that started before this time (a plain date includes that day).
    to: Option<String>,
    /// Calls where this number is the caller or the callee.
    number: Option<String>,
    /// `ANSWERED`, `NO_ANSWER`, `BUSY`, `FAILED` or `CONGESTION`.
    disposition: Option<String>,
    /// At most this many calls (JSON: default 100, at most 1000; CSV: default all).
    limit: Option<u32>,
    /// Skip this many calls first.
    offset: Option<u32>,
}

/// Call records, newest first.
#[utoipa::path(
    operation_id = "list_cdr",
    get, path = "/api/v1/cdr", tag = "cdr",
    params(CdrParams),
    responses(
        (status = 200, description = "Calls, newest first", body = [CdrView]),
        (status = 400, description = "Bad filter; `field` names it", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Someone else's calls", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: QueryPairs,
) -> Result<Json<Vec<CdrView>>, ApiError> {
    let mut query = cdr_query(&caller, &params)?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if limit > MAX_LIMIT {
        return Err(ApiError::bad_field(
            "limit",
            format!("limit must be at most {MAX_LIMIT}"),
        ));
    }
    query.limit = Some(limit);
    let rows = state
        .with_store(move |store, _| store.query_cdr(&query).map_err(ApiError::internal))
        .await?;
    Ok(Json(rows.into_iter().map(view).collect()))
}

/// Call records as CSV with the header line
/// `start,answer,end,caller,callee,duration,billsec,disposition,trunk,call_id,recording,call_type,did,route,pin`.
#[utoipa::path(
    operation_id = "export_cdr_csv",
    get, path = "/api/v1/cdr.csv", tag = "cdr",
    params(CdrParams),
    responses(
        (status = 200, description = "CSV, newest first", body = String, content_type = "text/csv"),
        (status = 400, description = "Bad filter; `field` names it", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Someone else's calls", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn csv(
    State(state): State<AppState>,
    caller: Caller,
    params: QueryPairs,
) -> Result<Response, ApiError> {
    let query = cdr_query(&caller, &params)?;
    // Rendered in memory under the store lock (fast), then sent without holding it.
    let body = state
        .with_store(move |store, _| {
            let mut out = Vec::new();
            store
                .write_cdr_csv(&query, &mut out)
                .map_err(ApiError::internal)?;
            Ok(out)
        })
        .await?;
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"cdr.csv\"",
        ),
    ];
    Ok((headers, body).into_response())
}

/// Build the store query from the parameters, confining role `user` to its own number.
fn cdr_query(caller: &Caller, params: &QueryPairs) -> Result<CdrQuery, ApiError> {
    let mut number = params.get("number").map(str::to_owned);
    if let Some(own) = caller.own_scope()? {
        match &number {
            Some(n) if n != own => {
                return Err(ApiError::forbidden(format!(
                    "calls of {n} belong to someone else"
                )))
            }
            _ => number = Some(own.to_owned()),
        }
    }
    let disposition = params
        .get("disposition")
        .map(|d| {
            d.parse::<Disposition>().map_err(|_| {
                ApiError::bad_field(
                    "disposition",
                    "disposition must be ANSWERED, NO_ANSWER, BUSY, FAILED or CONGESTION",
                )
            })
        })
        .transpose()?;
    let limit: Option<u32> = params.number("limit")?;
    if limit == Some(0) {
        return Err(ApiError::bad_field("limit", "limit must be at least 1"));
    }
    Ok(CdrQuery {
        from_unix_ms: params
            .get("from")
            .map(|v| parse_time("from", v, false))
            .transpose()?,
        to_unix_ms: params
            .get("to")
            .map(|v| parse_time("to", v, true))
            .transpose()?,
        number,
        disposition,
        limit,
        offset: params.number("offset")?.unwrap_or(0),
    })
}

/// Parse a time filter to unix milliseconds; `end_of_day` makes a plain date mean the
/// following midnight (so `to=2024-05-01` includes May 1st).
fn parse_time(field: &str, value: &str, end_of_day: bool) -> Result<i64, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.timestamp_millis());
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S") {
        return Ok(t.and_utc().timestamp_millis());
    }
    if let Ok(d) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let start = d.and_time(chrono::NaiveTime::MIN).and_utc();
        let t = if end_of_day {
            start + TimeDelta::days(1)
        } else {
            start
        };
        return Ok(t.timestamp_millis());
    }
    Err(ApiError::bad_field(
        field,
        format!("{field} must be an RFC 3339 time (2024-05-01T12:00:00Z) or a date (2024-05-01)"),
    ))
}

fn view(c: CdrRecord) -> CdrView {
    CdrView {
        id: c.id,
        start: format_unix_ms(c.start_unix_ms),
        answer: c.answer_unix_ms.map(format_unix_ms),
        end: format_unix_ms(c.end_unix_ms),
        caller: c.caller,
        callee: c.callee,
        duration: c.duration,
        billsec: c.billsec,
        disposition: c.disposition.as_str(),
        cause: c.cause,
        trunk: c.trunk,
        call_id: c.call_id,
        peer_call_id: c.peer_call_id,
        recording: c.recording,
        call_type: c.call_type,
        did: c.did,
        route: c.route,
        pin: c.pin,
    }
}

/// JSON page size when the client gives no `limit`.
const DEFAULT_LIMIT: u32 = 100;
/// Largest JSON page; use `offset` or the CSV export for more.
const MAX_LIMIT: u32 = 1000;
