//! `GET`/`PATCH /api/v1/system-settings`: the appliance's own settings (setup wizard state,
//! session timeouts, automatic backups, HTTPS, region and network answers). Readable by
//! admin and operator, writable by admin. Session timeouts apply at once (to existing
//! tokens too); `https_bind` applies at the next start of pbxd.

use axum::extract::State;
use axum::Json;

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::system_settings::{validate, SystemSettings, SystemSettingsInput};
use crate::AppState;

/// The system settings in force.
#[utoipa::path(
    operation_id = "get_system_settings",
    get, path = "/api/v1/system-settings", tag = "system-settings",
    responses(
        (status = 200, description = "Every system setting", body = SystemSettings),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role billing or user", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SystemSettings>, ApiError> {
    caller.require_staff()?;
    Ok(Json(state.system_settings()))
}

/// Change some system settings; fields left out keep their values.
#[utoipa::path(
    operation_id = "patch_system_settings",
    patch, path = "/api/v1/system-settings", tag = "system-settings",
    request_body = SystemSettingsInput,
    responses(
        (status = 200, description = "The settings now in force", body = SystemSettings),
        (status = 400, description = "Invalid; `field` names the first bad field, `issues` \
                                      lists all", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin may change them", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<SystemSettingsInput>,
) -> Result<Json<SystemSettings>, ApiError> {
    caller.require_admin()?;
    let system = std::sync::Arc::clone(&state.system);
    let next = state
        .with_store(move |store, _| {
            // Validated and cached under the store lock, so two PATCHes cannot interleave.
            let current = system.read().map(|s| s.clone()).unwrap_or_default();
            let next = validate(&input, &current)?;
            store.save_system_settings(&next.to_rows())?;
            if let Ok(mut s) = system.write() {
                *s = next.clone();
            }
            Ok(next)
        })
        .await?;
    state.auth.set_timeouts(next.session_timeouts());
    tracing::info!(user = %caller.username, "system settings updated");
    Ok(Json(next))
}
