//! `GET /api/v1/calls` (the calls in progress) and `DELETE /api/v1/calls/{id}` (an operator
//! hangs one up): the dashboard's live call list. Admin and operator only.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use crate::auth::Caller;
use crate::backend::ActiveCallView;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;

/// The calls in progress, oldest first.
#[utoipa::path(
    operation_id = "list_calls",
    get, path = "/api/v1/calls", tag = "calls",
    responses(
        (status = 200, description = "Calls ringing, answered, held or in an IVR",
         body = [ActiveCallView]),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role billing or user", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ActiveCallView>>, ApiError> {
    caller.require_staff()?;
    Ok(Json(state.backend.active_calls().await))
}

/// Hang a call up: BYE to both parties when answered, else CANCEL the ringing phones and
/// 480 to the caller. The CDR records cause `hangup`.
#[utoipa::path(
    operation_id = "hangup_call",
    delete, path = "/api/v1/calls/{id}", tag = "calls",
    params(("id" = String, Path, description = "Call id from the list, e.g. `call17`")),
    responses(
        (status = 204, description = "Hung up"),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role billing or user", body = ErrorBody),
        (status = 404, description = "No such call in progress", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn hangup(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_staff()?;
    if state.backend.hangup_call(&id).await {
        tracing::info!(call = %id, by = %caller.username, "call hung up through the API");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("call {id} is not in progress")))
    }
}
