//! `/api/v1/settings`: the global PBX options (the DUC "Global PBX Options" page).
//!
//! GET returns every setting; PATCH changes the fields sent (admin only). A change is
//! validated as a whole (all problems listed, the first named in `field`), saved in one store
//! transaction and handed to the engine as the next snapshot, all under the store lock, so new
//! calls and registrations use it at once.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use rotary_config::{validate_settings, Config, Settings, SettingsInput};

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::openapi::{SettingsSchema, SettingsWriteSchema};
use crate::AppState;

/// The current settings.
#[utoipa::path(
    operation_id = "get_settings",
    get, path = "/api/v1/settings", tag = "settings",
    responses(
        (status = 200, description = "Every setting", body = SettingsSchema),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role user", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Settings>, ApiError> {
    caller.require_staff()?;
    Ok(Json(state.backend.config().settings.clone()))
}

/// Change some settings; fields left out keep their values.
#[utoipa::path(
    operation_id = "patch_settings",
    patch, path = "/api/v1/settings", tag = "settings",
    request_body = SettingsWriteSchema,
    responses(
        (status = 200, description = "The settings now in force", body = SettingsSchema),
        (status = 400, description = "Invalid; `field` names the first bad field, `issues` \
                                      lists all", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin may change settings", body = ErrorBody),
        (status = 409, description = "An existing extension lies outside the new \
                                      user_extension_range", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<SettingsInput>,
) -> Result<Json<Settings>, ApiError> {
    caller.require_admin()?;
    let (settings, changed) = state
        .with_store(move |store, backend| {
            let config = backend.config();
            let settings = validate_settings(&input, &config.settings)
                .map_err(|issues| ApiError::invalid(&issues))?;
            if settings == config.settings {
                return Ok((settings, false));
            }
            if settings.user_extension_range != config.settings.user_extension_range {
                check_extensions_fit(&config, &settings)?;
            }
            store.save_settings(&settings).map_err(ApiError::internal)?;
            backend.config_changed(Arc::new(config.with_settings(settings.clone())));
            Ok((settings, true))
        })
        .await?;
    if changed {
        state.metrics.record_config_write();
        tracing::info!(user = %caller.username, "settings updated");
    }
    Ok(Json(settings))
}

/// Narrowing the user range must not strand existing extensions (they could no longer be
/// edited); the admin moves or deletes them first.
fn check_extensions_fit(config: &Config, settings: &Settings) -> Result<(), ApiError> {
    let range = &settings.user_extension_range;
    let outside: Vec<&str> = config
        .extensions
        .keys()
        .map(|n| n.as_str())
        .filter(|n| !range.contains(n))
        .collect();
    match outside.as_slice() {
        [] => Ok(()),
        [first, rest @ ..] => Err(ApiError::Conflict {
            message: format!(
                "extension {first}{} would lie outside user_extension_range {range}; move or \
                 delete {} first",
                if rest.is_empty() {
                    String::new()
                } else {
                    format!(" and {} more", rest.len())
                },
                if rest.is_empty() { "it" } else { "them" },
            ),
            field: Some("user_extension_range".into()),
        }),
    }
}
