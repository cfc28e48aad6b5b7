//! `GET /api/v1/registrations`: who is registered where, straight from the engine.

use axum::extract::State;
use axum::Json;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::backend::RegistrationView;
use crate::error::{ApiError, ErrorBody, QueryPairs};
use crate::AppState;

/// Filters of the registration list (documentation of the query string).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Only describes the query string for the OpenAPI document.
pub(crate) struct RegistrationFilter {
    /// Only this extension's contacts.
    extension: Option<String>,
}

/// Current registrations (role user: only its own extension's).
#[utoipa::path(
    operation_id = "list_registrations",
    get, path = "/api/v1/registrations", tag = "registrations",
    params(RegistrationFilter),
    responses(
        (status = 200, description = "Registered contacts", body = [RegistrationView]),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Someone else's extension", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: QueryPairs,
) -> Result<Json<Vec<RegistrationView>>, ApiError> {
    caller.require_pbx_view()?;
    let wanted = query.get("extension");
    if let Some(ext) = wanted {
        caller.require_extension(ext)?;
    }
    let scope = caller.own_scope()?;
    let mut regs = state.backend.registrations();
    regs.retain(|r| {
        wanted.is_none_or(|e| r.extension == e) && scope.is_none_or(|own| r.extension == own)
    });
    Ok(Json(regs))
}
