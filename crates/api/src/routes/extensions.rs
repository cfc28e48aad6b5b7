//! `/api/v1/extensions`: the SIP accounts. The id is the extension number.
//!
//! Each write validates against the current snapshot, commits one store transaction and hands
//! the next snapshot to the engine, all under the store lock so concurrent writes cannot lose
//! each other's changes or reach the engine out of order.
//!
//! PATCH changes only the fields sent. PUT replaces the extension: fields left out return to
//! their defaults, except the write-only `secret`, which is kept when omitted. Role `user` may
//! only GET and PATCH its own extension, and only `name`, `secret` and `voicemail`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use rotary_config::{
    validate_extension, DtmfMode, Extension, ExtensionInput, ExtensionView, Settings,
};
use rotary_store::{Role, StoreError};

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::openapi::{ExtensionSchema, ExtensionWriteSchema};
use crate::AppState;

/// Every extension the caller may see, ordered by number.
#[utoipa::path(
    operation_id = "list_extensions",
    get, path = "/api/v1/extensions", tag = "extensions",
    responses(
        (status = 200, description = "All extensions (role user: only its own)",
         body = [ExtensionSchema]),
        (status = 401, description = "Not authenticated", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ExtensionView>>, ApiError> {
    caller.require_pbx_view()?;
    let config = state.backend.config();
    let scope = caller.own_scope()?;
    let views = config
        .extensions
        .values()
        .filter(|e| scope.is_none_or(|own| e.number.as_str() == own))
        .map(Extension::view)
        .collect();
    Ok(Json(views))
}

/// Create an extension; it can register at once.
#[utoipa::path(
    operation_id = "create_extension",
    post, path = "/api/v1/extensions", tag = "extensions",
    request_body = ExtensionWriteSchema,
    responses(
        (status = 201, description = "Created", body = ExtensionSchema),
        (status = 400, description = "Invalid; `field` names the first bad field", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role may not create extensions", body = ErrorBody),
        (status = 409, description = "The number is taken", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<ExtensionInput>,
) -> Result<(StatusCode, Json<ExtensionView>), ApiError> {
    caller.require_staff()?;
    let view = state
        .with_store(move |store, backend| {
            let config = backend.config();
            let ext = validate_extension(&input, None, &config.settings)
                .map_err(|issues| ApiError::invalid(&issues))?;
            if config.extension(ext.number.as_str()).is_some() {
                return Err(duplicate(ext.number.as_str()));
            }
            store.insert_extension(&ext).map_err(store_error)?;
            let view = ext.view();
            backend.config_changed(Arc::new(config.with_extension(ext)));
            Ok(view)
        })
        .await?;
    state.metrics.record_config_write();
    tracing::info!(user = %caller.username, number = %view.number, "extension created");
    Ok((StatusCode::CREATED, Json(view)))
}

/// One extension.
#[utoipa::path(
    operation_id = "get_extension",
    get, path = "/api/v1/extensions/{number}", tag = "extensions",
    params(("number" = String, Path, description = "Extension number")),
    responses(
        (status = 200, description = "The extension", body = ExtensionSchema),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Someone else's extension", body = ErrorBody),
        (status = 404, description = "No such extension", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> Result<Json<ExtensionView>, ApiError> {
    caller.require_extension(&number)?;
    let config = state.backend.config();
    let ext = config
        .extension(&number)
        .ok_or_else(|| not_found(&number))?;
    Ok(Json(ext.view()))
}

/// Replace an extension (fields left out take their defaults; an omitted secret is kept).
#[utoipa::path(
    operation_id = "replace_extension",
    put, path = "/api/v1/extensions/{number}", tag = "extensions",
    params(("number" = String, Path, description = "Extension number")),
    request_body = ExtensionWriteSchema,
    responses(
        (status = 200, description = "Replaced", body = ExtensionSchema),
        (status = 400, description = "Invalid; `field` names the first bad field", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role may not replace extensions", body = ErrorBody),
        (status = 404, description = "No such extension", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(input): ApiJson<ExtensionInput>,
) -> Result<Json<ExtensionView>, ApiError> {
    caller.require_staff()?;
    update(state, caller, number, input, Mode::Replace).await
}

/// Change some fields of an extension.
#[utoipa::path(
    operation_id = "patch_extension",
    patch, path = "/api/v1/extensions/{number}", tag = "extensions",
    params(("number" = String, Path, description = "Extension number")),
    request_body = ExtensionWriteSchema,
    responses(
        (status = 200, description = "Updated", body = ExtensionSchema),
        (status = 400, description = "Invalid; `field` names the first bad field", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Someone else's extension, or a field the role may not change",
         body = ErrorBody),
        (status = 404, description = "No such extension", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(input): ApiJson<ExtensionInput>,
) -> Result<Json<ExtensionView>, ApiError> {
    caller.require_extension(&number)?;
    if caller.role == Role::User {
        check_user_fields(&input)?;
    }
    update(state, caller, number, input, Mode::Patch).await
}

/// Delete an extension; its phones can no longer register or call.
#[utoipa::path(
    operation_id = "delete_extension",
    delete, path = "/api/v1/extensions/{number}", tag = "extensions",
    params(("number" = String, Path, description = "Extension number")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role may not delete extensions", body = ErrorBody),
        (status = 404, description = "No such extension", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_staff()?;
    let key = number.clone();
    state
        .with_store(move |store, backend| {
            let config = backend.config();
            if !store.delete_extension(&key).map_err(store_error)? {
                return Err(not_found(&key));
            }
            backend.config_changed(Arc::new(config.without_extension(&key)));
            Ok(())
        })
        .await?;
    state.metrics.record_config_write();
    tracing::info!(user = %caller.username, %number, "extension deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// How an update treats fields that were left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Keep their current values.
    Patch,
    /// Reset them to the defaults (the secret is kept).
    Replace,
}

/// Shared body of PUT and PATCH.
async fn update(
    state: AppState,
    caller: Caller,
    number: String,
    input: ExtensionInput,
    mode: Mode,
) -> Result<Json<ExtensionView>, ApiError> {
    let view = state
        .with_store(move |store, backend| {
            let config = backend.config();
            let current = config
                .extension(&number)
                .ok_or_else(|| not_found(&number))?;
            let base = match mode {
                Mode::Patch => current.clone(),
                Mode::Replace => defaults_keeping_secret(current, &config.settings),
            };
            let ext = validate_extension(&input, Some(&base), &config.settings)
                .map_err(|issues| ApiError::invalid(&issues))?;
            store.update_extension(&ext).map_err(store_error)?;
            let view = ext.view();
            backend.config_changed(Arc::new(config.with_extension(ext)));
            Ok(view)
        })
        .await?;
    state.metrics.record_config_write();
    tracing::info!(user = %caller.username, number = %view.number, ?mode, "extension updated");
    Ok(Json(view))
}

/// The extension as a fresh create would make it (same defaults as `validate_extension`),
/// with the number and secret of `current`.
pub(crate) fn defaults_keeping_secret(current: &Extension, settings: &Settings) -> Extension {
    Extension {
        number: current.number.clone(),
        name: String::new(),
        secret: current.secret.clone(),
        max_contacts: Extension::DEFAULT_MAX_CONTACTS,
        permit: Extension::default_permit(),
        voicemail: true,
        codecs: Extension::DEFAULT_CODECS.to_vec(),
        dtmf_mode: DtmfMode::default(),
        nat: true,
        register_expiry: settings.default_expiry,
        qualify_interval: settings.qualify_interval,
        remote: false,
        record_calls: false,
    }
}

/// Role `user` may change only its name, secret and voicemail flag.
fn check_user_fields(input: &ExtensionInput) -> Result<(), ApiError> {
    let forbidden = [
        ("max_contacts", input.max_contacts.is_some()),
        ("permit", input.permit.is_some()),
        ("codecs", input.codecs.is_some()),
        ("dtmf_mode", input.dtmf_mode.is_some()),
        ("nat", input.nat.is_some()),
        ("register_expiry", input.register_expiry.is_some()),
        ("qualify_interval", input.qualify_interval.is_some()),
        ("remote", input.remote.is_some()),
    ];
    match forbidden.iter().find(|(_, given)| *given) {
        Some((field, _)) => Err(ApiError::Forbidden {
            message: format!("role user may change only name, secret and voicemail, not {field}"),
            field: Some((*field).to_owned()),
        }),
        None => Ok(()),
    }
}

fn not_found(number: &str) -> ApiError {
    ApiError::NotFound(format!("extension {number} not found"))
}

fn duplicate(number: &str) -> ApiError {
    ApiError::Conflict {
        message: format!("extension {number} already exists"),
        field: Some("number".into()),
    }
}

/// Store failures: a duplicate is the client's 409, a missing row its 404, the rest a 500.
fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Duplicate { key, .. } => duplicate(&key),
        StoreError::NotFound { key, .. } => not_found(&key),
        other => ApiError::internal(other),
    }
}
