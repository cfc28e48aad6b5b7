//! `GET /api/v1/config` and `PUT /api/v1/config`: the whole configuration (settings,
//! extensions, routing) as one JSON document, to copy a box's setup to another or keep it in
//! version control. Secrets are never exported; on import an extension or trunk that already
//! exists keeps its secret when the document leaves it out, and a new extension must bring one.
//!
//! Import replaces everything in one transaction: extensions missing from the document are
//! deleted, every part is validated against the others (a route may name an extension that the
//! same document creates) and the first problem answers 400 naming its path, with nothing
//! stored. Backups (`/api/v1/backups`) are the way to move secrets, prompts and voicemail.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use rotary_config::routing::{validate_routing, RoutingConfig};
use rotary_config::{
    validate_extension, validate_settings, Config, Extension, ExtensionInput, ExtensionView,
    SettingsInput,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::extensions::defaults_keeping_secret;
use super::routing::{invalid as routing_invalid, keep_trunk_password, to_json};
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::openapi::GenericObject;
use crate::AppState;

/// The `format` marker of the document.
const FORMAT: &str = "rotary-config";
/// The document layout version this build writes and reads.
const VERSION: u32 = 1;

/// The export document.
#[derive(Serialize)]
struct ConfigDocOut {
    format: &'static str,
    version: u32,
    settings: Value,
    extensions: Vec<ExtensionView>,
    routing: Value,
}

/// The import document.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigDocIn {
    format: String,
    version: u32,
    settings: SettingsInput,
    extensions: Vec<ExtensionInput>,
    routing: RoutingConfig,
}

/// The whole configuration without secrets.
#[utoipa::path(
    operation_id = "export_config",
    get, path = "/api/v1/config", tag = "system",
    responses(
        (status = 200, description = "`{format, version, settings, extensions, routing}`",
         body = GenericObject),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin and operator", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn export(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    caller.require_staff()?;
    to_json(&document(&state.backend.config())?).map(Json)
}

fn document(config: &Config) -> Result<ConfigDocOut, ApiError> {
    Ok(ConfigDocOut {
        format: FORMAT,
        version: VERSION,
        settings: to_json(&config.settings)?,
        extensions: config.extensions.values().map(Extension::view).collect(),
        routing: to_json(&config.routing)?,
    })
}

/// Replace the whole configuration from a document made by `GET /api/v1/config`.
#[utoipa::path(
    operation_id = "import_config",
    put, path = "/api/v1/config", tag = "system",
    request_body = GenericObject,
    responses(
        (status = 200, description = "The configuration now in force (as exported)",
         body = GenericObject),
        (status = 400, description = "Invalid; `field` names the first bad path \
                                      (`extensions[3].secret`, `routing.trunks[0].host`…)",
         body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin may import", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn import(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(doc): ApiJson<ConfigDocIn>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    if doc.format != FORMAT {
        return Err(ApiError::bad_field(
            "format",
            format!("format must be {FORMAT:?}, not {:?}", doc.format),
        ));
    }
    if doc.version != VERSION {
        return Err(ApiError::bad_field(
            "version",
            format!(
                "this pbxd reads version {VERSION} documents, not {}",
                doc.version
            ),
        ));
    }
    let value = state
        .with_store(move |store, backend| {
            let current = backend.config();
            let next = build(&current, doc)?;
            store
                .save_settings(&next.settings)
                .map_err(ApiError::internal)?;
            let keep: BTreeSet<&str> = next.extensions.keys().map(|n| n.as_str()).collect();
            for number in current.extensions.keys() {
                if !keep.contains(number.as_str()) {
                    store
                        .delete_extension(number.as_str())
                        .map_err(ApiError::internal)?;
                }
            }
            for ext in next.extensions.values() {
                if current.extension(ext.number.as_str()).is_some() {
                    store.update_extension(ext).map_err(ApiError::internal)?;
                } else {
                    store.insert_extension(ext).map_err(ApiError::internal)?;
                }
            }
            store
                .save_routing(&next.routing)
                .map_err(ApiError::internal)?;
            let out = to_json(&document(&next)?)?;
            backend.config_changed(Arc::new(next));
            Ok(out)
        })
        .await?;
    state.metrics.record_config_write();
    tracing::info!(user = %caller.username, "configuration imported");
    Ok(Json(value))
}

/// The snapshot the document describes, checked part by part; errors name the JSON path.
fn build(current: &Config, doc: ConfigDocIn) -> Result<Config, ApiError> {
    let prefixed = |prefix: String, e: ApiError| match e {
        ApiError::BadRequest {
            message,
            field,
            issues,
        } => ApiError::BadRequest {
            message: format!("{prefix}{message}"),
            field: field.map(|f| format!("{prefix}{f}")),
            issues,
        },
        other => other,
    };
    let settings = validate_settings(&doc.settings, &current.settings)
        .map_err(|i| prefixed("settings.".into(), ApiError::invalid(&i)))?;
    let mut extensions = Vec::with_capacity(doc.extensions.len());
    let mut seen = BTreeSet::new();
    for (i, input) in doc.extensions.iter().enumerate() {
        let at = format!("extensions[{i}].");
        let number = input.number.clone().unwrap_or_default();
        if !seen.insert(number.clone()) {
            return Err(ApiError::bad_field(
                format!("{at}number"),
                format!("{at}number {number} appears twice"),
            ));
        }
        // Replace semantics: fields left out take their defaults, the secret is kept.
        let base = current
            .extension(&number)
            .map(|old| defaults_keeping_secret(old, &settings));
        let ext = validate_extension(input, base.as_ref(), &settings)
            .map_err(|issues| prefixed(at.clone(), ApiError::invalid(&issues)))?;
        if !settings.user_extension_range.contains(ext.number.as_str()) {
            return Err(ApiError::bad_field(
                format!("{at}number"),
                format!(
                    "{at}number {} lies outside user_extension_range {}",
                    ext.number, settings.user_extension_range
                ),
            ));
        }
        extensions.push(ext);
    }
    let mut routing = doc.routing;
    for trunk in &mut routing.trunks {
        if let Some(old) = current.routing.trunk(trunk.id.as_str()) {
            keep_trunk_password(old, trunk);
        }
    }
    let base = Config::new(settings, extensions);
    let issues = validate_routing(&routing, &base);
    if !issues.is_empty() {
        return Err(prefixed("routing.".into(), routing_invalid(&issues)));
    }
    Ok(base.with_routing(routing))
}
