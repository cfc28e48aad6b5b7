//! `GET /api/v1/audit`: the audit log (every change made through the API, and logins),
//! newest first, paged and filtered. Admin only.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, NaiveDate, TimeDelta};
use rotary_store::{format_unix_ms, AuditQuery, AuditRecord};
use serde::Serialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, QueryPairs};
use crate::AppState;

/// One page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AuditPage {
    /// How many rows match the filters in all.
    total: u64,
    /// This page, newest first.
    items: Vec<AuditView>,
}

/// One audit row.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AuditView {
    /// Row id, increasing.
    id: i64,
    /// When, RFC 3339 UTC.
    #[schema(example = "2025-01-31T12:00:00.250Z")]
    at: String,
    /// The account that made the change.
    #[schema(example = "admin")]
    actor: String,
    /// Its role then.
    role: String,
    /// The client's IP address.
    #[schema(example = "192.0.2.7")]
    address: String,
    /// `create`, `update`, `replace`, `delete`, `login`, `login_failed`, `restore`, …
    #[schema(example = "update")]
    action: String,
    /// Kind of object, e.g. `extensions`.
    #[schema(example = "extensions")]
    resource: String,
    /// The object's id.
    #[schema(example = "101")]
    resource_id: Option<String>,
    /// The fields sent, secrets shown as `***`.
    #[schema(value_type = Object)]
    fields: Value,
}

/// Filters of `GET /api/v1/audit` (documentation of the query string).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Only describes the query string for the OpenAPI document.
pub(crate) struct AuditParams {
    /// Rows at or after this time (RFC 3339 or a date).
    from: Option<String>,
    /// Rows before this time (a plain date includes that day).
    to: Option<String>,
    /// Only changes by this account.
    actor: Option<String>,
    /// Only this kind of object (`extensions`, `trunks`, `accounts`, `session`, …).
    resource: Option<String>,
    /// Only this object id.
    resource_id: Option<String>,
    /// Only this action.
    action: Option<String>,
    /// Only changes from this IP address.
    address: Option<String>,
    /// Page size (default 50, at most 500).
    limit: Option<u32>,
    /// Rows to skip.
    offset: Option<u32>,
}

/// The audit log, newest first.
#[utoipa::path(
    operation_id = "list_audit",
    get, path = "/api/v1/audit", tag = "audit",
    params(AuditParams),
    responses(
        (status = 200, description = "One page", body = AuditPage),
        (status = 400, description = "Bad filter; `field` names it", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin may read the audit log", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: QueryPairs,
) -> Result<Json<AuditPage>, ApiError> {
    caller.require_admin()?;
    let limit: u32 = params.number("limit")?.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::bad_field(
            "limit",
            format!("limit must be from 1 to {MAX_LIMIT}"),
        ));
    }
    let text = |k: &str| params.get(k).map(|v| v.chars().take(256).collect());
    let query = AuditQuery {
        from_unix_ms: params
            .get("from")
            .map(|v| parse_time("from", v, false))
            .transpose()?,
        to_unix_ms: params
            .get("to")
            .map(|v| parse_time("to", v, true))
            .transpose()?,
        actor: text("actor"),
        resource: text("resource"),
        resource_id: text("resource_id"),
        action: text("action"),
        address: text("address"),
        limit,
        offset: params.number("offset")?.unwrap_or(0),
    };
    let (rows, total) = state
        .with_store_unaudited(move |store, _| Ok(store.query_audit(&query)?))
        .await?;
    Ok(Json(AuditPage {
        total,
        items: rows.into_iter().map(view).collect(),
    }))
}

fn view(r: AuditRecord) -> AuditView {
    let e = r.entry;
    AuditView {
        id: r.id,
        at: format_unix_ms(e.at_unix_ms),
        actor: e.actor,
        role: e.role,
        address: e.address,
        action: e.action,
        resource: e.resource,
        resource_id: e.resource_id,
        fields: serde_json::from_str(&e.fields).unwrap_or(Value::Null),
    }
}

/// RFC 3339 or a date (`to` with a date means the end of that day) → unix ms.
fn parse_time(field: &str, value: &str, end_of_day: bool) -> Result<i64, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.timestamp_millis());
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
        format!("{field} must be an RFC 3339 time (2025-01-31T12:00:00Z) or a date (2025-01-31)"),
    ))
}

/// Page size when the client gives none.
const DEFAULT_LIMIT: u32 = 50;
/// Largest page.
const MAX_LIMIT: u32 = 500;
