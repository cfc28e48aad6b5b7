//! `GET /api/v1/trunks/{id}/status`: a trunk's live state (registered, failed and why, …)
//! from the engine, and the `status` field the trunk list and trunk view carry.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::Value;

use crate::auth::Caller;
use crate::backend::{Backend, TrunkStatusView};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;

/// One trunk's live status.
#[utoipa::path(
    operation_id = "get_trunk_status",
    get, path = "/api/v1/trunks/{id}/status", tag = "trunks",
    params(("id" = String, Path, description = "Trunk id")),
    responses(
        (status = 200, description = "The trunk's registration or reachability state, \
                                      failure reason, last response code and failed \
                                      outbound call attempts", body = TrunkStatusView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role user", body = ErrorBody),
        (status = 404, description = "No such trunk", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TrunkStatusView>, ApiError> {
    caller.require_staff()?;
    if state.backend.config().routing.trunk(&id).is_none() {
        return Err(ApiError::NotFound(format!("trunk {id} not found")));
    }
    Ok(Json(status_of(&*state.backend, &id)))
}

/// Add `status` to one trunk object or to each trunk of a list.
pub(crate) fn annotate(backend: &dyn Backend, value: &mut Value) {
    let statuses = backend.trunk_statuses();
    let mut add = |item: &mut Value| {
        let Some(obj) = item.as_object_mut() else {
            return;
        };
        let Some(id) = obj.get("id").and_then(Value::as_str).map(str::to_owned) else {
            return;
        };
        let status = statuses
            .iter()
            .find(|s| s.trunk == id)
            .cloned()
            .unwrap_or_else(|| unknown(&id));
        if let Ok(v) = serde_json::to_value(status) {
            obj.insert("status".to_owned(), v);
        }
    };
    match value {
        Value::Array(items) => items.iter_mut().for_each(&mut add),
        item => add(item),
    }
}

/// The status of `id`, or `unknown` before the engine has reported on it.
fn status_of(backend: &dyn Backend, id: &str) -> TrunkStatusView {
    backend
        .trunk_statuses()
        .into_iter()
        .find(|s| s.trunk == id)
        .unwrap_or_else(|| unknown(id))
}

fn unknown(id: &str) -> TrunkStatusView {
    TrunkStatusView {
        trunk: id.to_owned(),
        kind: String::new(),
        state: "unknown".to_owned(),
        reason: None,
        detail: None,
        last_code: None,
        rtt_ms: None,
        failures: 0,
        expires_at: None,
        retry_at: None,
        contacts: Vec::new(),
        call_failures: 0,
        last_call_failure: None,
    }
}
