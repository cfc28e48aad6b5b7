//! `/api/v1/routing` (the whole routing document, for export and import),
//! `/api/v1/routing/options` (global routing options, PIN sets, dial permissions, caller-ID
//! mappings, whitelists), the day/night override of a time condition and the order of the
//! outbound routes; plus the write path every routing handler shares ([`commit`]).
//!
//! Every write builds the complete next `RoutingConfig`, checks it with
//! `rotary_config::routing::validate_routing` against the current snapshot, stores it in one
//! transaction and hands the next snapshot to the engine, all under the store lock. Nothing
//! half-valid is ever stored: a problem answers 400 with `field` naming the path inside the
//! routing document (e.g. `outbound_routes[2].patterns[0]`) and `issues` listing all.
//!
//! Reading needs role admin or operator; writing needs admin. Trunk passwords are
//! write-only: never returned, and kept when a write leaves them out.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use rotary_config::routing::{
    validate_routing, CallerIdMapping, DialPermission, OfficeClosed, OverrideMode, PermissionId,
    PhoneNumber, PinSet, RoutingConfig, RoutingIssue, Trunk, TrunkId, TrunkMode, Whitelist,
};
use rotary_config::Config;
use rotary_store::Store;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ErrorBody, IssueBody};
use crate::openapi::{GenericObject, OptionsSchema};
use crate::{AppState, Backend};

/// Whether [`commit`] refuses every problem of the new routing, or only those the write
/// introduces (problems already in the snapshot, e.g. a route to an extension deleted since,
/// do not block unrelated writes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Strictness {
    /// Refuse any problem (import of a whole document).
    All,
    /// Refuse problems not already present before the write.
    New,
}

/// Validates `next` against `config`, stores it and hands the engine the next snapshot.
pub(crate) fn commit(
    store: &mut Store,
    backend: &dyn Backend,
    config: &Config,
    next: RoutingConfig,
    strictness: Strictness,
) -> Result<Arc<Config>, ApiError> {
    let mut issues = validate_routing(&next, config);
    if strictness == Strictness::New && !issues.is_empty() {
        let before = validate_routing(&config.routing, config);
        issues.retain(|i| !before.contains(i));
    }
    if !issues.is_empty() {
        return Err(invalid(&issues));
    }
    store.save_routing(&next).map_err(ApiError::internal)?;
    let snapshot = Arc::new(config.with_routing(next));
    backend.config_changed(Arc::clone(&snapshot));
    Ok(snapshot)
}

/// A 400 from routing issues: the first names the field, all are listed.
pub(crate) fn invalid(issues: &[RoutingIssue]) -> ApiError {
    let list: Vec<IssueBody> = issues
        .iter()
        .map(|i| IssueBody {
            field: i.field.clone(),
            message: i.message.clone(),
        })
        .collect();
    match issues.first() {
        Some(first) => ApiError::BadRequest {
            message: format!("{}: {}", first.field, first.message),
            field: Some(first.field.clone()),
            issues: list,
        },
        None => ApiError::BadRequest {
            message: "invalid routing configuration".into(),
            field: None,
            issues: list,
        },
    }
}

/// Serializes a routing value for a response (passwords are skipped by the types).
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(ApiError::internal)
}

/// A trunk written without a password keeps the one `old` has (same mode kind).
pub(crate) fn keep_trunk_password(old: &Trunk, new: &mut Trunk) {
    match (&old.mode, &mut new.mode) {
        (TrunkMode::Register(o), TrunkMode::Register(n)) if n.password.expose().is_empty() => {
            n.password = o.password.clone();
        }
        (TrunkMode::Account(o), TrunkMode::Account(n)) if n.password.expose().is_empty() => {
            n.password = o.password.clone();
        }
        _ => {}
    }
}

/// The whole routing configuration (trunk passwords left out): the export document.
#[utoipa::path(
    operation_id = "get_routing",
    get, path = "/api/v1/routing", tag = "routing",
    responses(
        (status = 200, description = "The routing document (trunk passwords omitted)",
         body = GenericObject),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role user", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    caller.require_staff()?;
    Ok(Json(to_json(&state.backend.config().routing)?))
}

/// Replace the whole routing configuration (import). A trunk without a password keeps the
/// password of the current trunk with the same id; every problem is refused.
#[utoipa::path(
    operation_id = "replace_routing",
    put, path = "/api/v1/routing", tag = "routing",
    request_body = GenericObject,
    responses(
        (status = 200, description = "The routing now in force", body = GenericObject),
        (status = 400, description = "Invalid; `field` names the first bad path, `issues` \
                                      lists all", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin may change routing", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(mut next): ApiJson<RoutingConfig>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let value = state
        .with_store(move |store, backend| {
            let config = backend.config();
            for trunk in &mut next.trunks {
                if let Some(old) = config.routing.trunk(trunk.id.as_str()) {
                    keep_trunk_password(old, trunk);
                }
            }
            let snapshot = commit(store, backend, &config, next, Strictness::All)?;
            to_json(&snapshot.routing)
        })
        .await?;
    state.metrics.record_config_write();
    tracing::info!(user = %caller.username, "routing replaced");
    Ok(Json(value))
}

/// A change of the routing options: the fields sent replace the current ones.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OptionsInput {
    block_anonymous: Option<bool>,
    emergency_numbers: Option<Vec<PhoneNumber>>,
    emergency_trunks: Option<Vec<TrunkId>>,
    office_closed: Option<OfficeClosed>,
    pin_sets: Option<Vec<PinSet>>,
    dial_permissions: Option<Vec<DialPermission>>,
    #[serde(default, deserialize_with = "present")]
    default_dial_permission: Option<Option<PermissionId>>,
    caller_id_mappings: Option<Vec<CallerIdMapping>>,
    whitelists: Option<Vec<Whitelist>>,
}

/// Tells "sent as null" (`Some(None)`) from "not sent" (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The options document: `RoutingOptions` fields plus the lists that go with them.
fn options_view(r: &RoutingConfig) -> Result<Value, ApiError> {
    Ok(json!({
        "block_anonymous": r.options.block_anonymous,
        "emergency_numbers": to_json(&r.options.emergency_numbers)?,
        "emergency_trunks": to_json(&r.options.emergency_trunks)?,
        "office_closed": to_json(&r.options.office_closed)?,
        "pin_sets": to_json(&r.pin_sets)?,
        "dial_permissions": to_json(&r.dial_permissions)?,
        "default_dial_permission": to_json(&r.default_dial_permission)?,
        "caller_id_mappings": to_json(&r.caller_id_mappings)?,
        "whitelists": to_json(&r.whitelists)?,
    }))
}

/// The global routing options, PIN sets, dial permissions, caller-ID mappings and
/// whitelists.
#[utoipa::path(
    operation_id = "get_routing_options",
    get, path = "/api/v1/routing/options", tag = "routing",
    responses(
        (status = 200, description = "The options", body = OptionsSchema),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role user", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn show_options(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    caller.require_staff()?;
    Ok(Json(options_view(&state.backend.config().routing)?))
}

/// Change some routing options; fields left out keep their values (`default_dial_permission:
/// null` clears it).
#[utoipa::path(
    operation_id = "patch_routing_options",
    patch, path = "/api/v1/routing/options", tag = "routing",
    request_body = OptionsSchema,
    responses(
        (status = 200, description = "The options now in force", body = OptionsSchema),
        (status = 400, description = "Invalid; `field` names the first bad path", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin may change routing", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn patch_options(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<OptionsInput>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let value = state
        .with_store(move |store, backend| {
            let config = backend.config();
            let mut next = config.routing.clone();
            let o = &mut next.options;
            if let Some(v) = input.block_anonymous {
                o.block_anonymous = v;
            }
            if let Some(v) = input.emergency_numbers {
                o.emergency_numbers = v;
            }
            if let Some(v) = input.emergency_trunks {
                o.emergency_trunks = v;
            }
            if let Some(v) = input.office_closed {
                o.office_closed = v;
            }
            if let Some(v) = input.pin_sets {
                next.pin_sets = v;
            }
            if let Some(v) = input.dial_permissions {
                next.dial_permissions = v;
            }
            if let Some(v) = input.default_dial_permission {
                next.default_dial_permission = v;
            }
            if let Some(v) = input.caller_id_mappings {
                next.caller_id_mappings = v;
            }
            if let Some(v) = input.whitelists {
                next.whitelists = v;
            }
            let snapshot = commit(store, backend, &config, next, Strictness::New)?;
            options_view(&snapshot.routing)
        })
        .await?;
    state.metrics.record_config_write();
    tracing::info!(user = %caller.username, "routing options updated");
    Ok(Json(value))
}

/// Body of the day/night override.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OverrideInput {
    /// `none` (follow the schedule), `force_match` (day) or `force_nomatch` (night).
    mode: OverrideMode,
}

/// Set the day/night override of a time condition.
#[utoipa::path(
    operation_id = "override_time_condition",
    post, path = "/api/v1/time-conditions/{id}/override", tag = "time-conditions",
    params(("id" = String, Path, description = "Time condition id")),
    request_body(content = GenericObject,
                 description = "`{\"mode\": \"none\" | \"force_match\" | \"force_nomatch\"}`"),
    responses(
        (status = 200, description = "The time condition with its new mode", body = GenericObject),
        (status = 400, description = "Bad mode", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin may change routing", body = ErrorBody),
        (status = 404, description = "No such time condition", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn override_time_condition(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<OverrideInput>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let key = id.clone();
    let value = state
        .with_store(move |store, backend| {
            let config = backend.config();
            let mut next = config.routing.clone();
            let tc = next
                .time_conditions
                .iter_mut()
                .find(|t| t.id.as_str() == key)
                .ok_or_else(|| ApiError::NotFound(format!("time condition {key} not found")))?;
            tc.mode = input.mode;
            let view = to_json(tc)?;
            commit(store, backend, &config, next, Strictness::New)?;
            Ok(view)
        })
        .await?;
    state.metrics.record_config_write();
    tracing::info!(user = %caller.username, %id, mode = ?input.mode, "time condition override");
    Ok(Json(value))
}

/// Body of an outbound-route move.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MoveInput {
    /// The new 0-based place in the list.
    position: usize,
}

/// Move an outbound route to another place in the order (routes are tried in order).
#[utoipa::path(
    operation_id = "move_outbound_route",
    post, path = "/api/v1/outbound-routes/{id}/move", tag = "outbound-routes",
    params(("id" = String, Path, description = "Outbound route id")),
    request_body(content = GenericObject, description = "`{\"position\": 0}` (0 = first)"),
    responses(
        (status = 200, description = "Every outbound route in the new order",
         body = [GenericObject]),
        (status = 400, description = "Position out of range", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin may change routing", body = ErrorBody),
        (status = 404, description = "No such outbound route", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn move_outbound_route(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MoveInput>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let key = id.clone();
    let value = state
        .with_store(move |store, backend| {
            let config = backend.config();
            let mut next = config.routing.clone();
            let routes = &mut next.outbound_routes;
            let from = routes
                .iter()
                .position(|r| r.id.as_str() == key)
                .ok_or_else(|| ApiError::NotFound(format!("outbound route {key} not found")))?;
            if input.position >= routes.len() {
                return Err(ApiError::bad_field(
                    "position",
                    format!("position must be between 0 and {}", routes.len() - 1),
                ));
            }
            let route = routes.remove(from);
            routes.insert(input.position, route);
            let snapshot = commit(store, backend, &config, next, Strictness::New)?;
            to_json(&snapshot.routing.outbound_routes)
        })
        .await?;
    state.metrics.record_config_write();
    tracing::info!(user = %caller.username, %id, position = input.position, "outbound route moved");
    Ok(Json(value))
}
