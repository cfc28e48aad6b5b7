//! `GET /api/v1/recordings/{id}`: download the recording of call `id` (the CDR row id).
//! Staff may fetch any; an extension user only the calls they made or took.

use std::path::{Component, Path};

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;

/// The WAV file of one recorded call.
#[utoipa::path(
    operation_id = "download_recording",
    get, path = "/api/v1/recordings/{id}", tag = "cdr",
    params(("id" = i64, Path, description = "The call's CDR id")),
    responses(
        (status = 200, description = "The recording", content_type = "audio/wav"),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Someone else's call", body = ErrorBody),
        (status = 404, description = "No such call, or it was not recorded", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn download(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_field("id", "id must be a call record id (an integer)"))?;
    let own = caller.own_scope()?.map(str::to_owned);
    let cdr = state
        .with_store(move |store, _| store.get_cdr(id).map_err(ApiError::internal))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no call record {id}")))?;
    if let Some(own) = own {
        if cdr.caller != own && cdr.callee != own {
            return Err(ApiError::forbidden(format!(
                "call {id} belongs to someone else"
            )));
        }
    }
    let rel = cdr
        .recording
        .filter(|r| is_plain_relative(Path::new(r)))
        .ok_or_else(|| ApiError::NotFound(format!("call {id} was not recorded")))?;
    let Some(dir) = state.backend.data_dir() else {
        return Err(ApiError::NotFound(format!("call {id} was not recorded")));
    };
    let file = tokio::fs::File::open(dir.join(&rel))
        .await
        .map_err(|_| ApiError::NotFound(format!("the recording of call {id} is gone")))?;
    let len = file.metadata().await.map(|m| m.len()).ok();
    let name = Path::new(&rel)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("recording.wav")
        .replace('"', "");
    let mut resp = Body::from_stream(tokio_util::io::ReaderStream::new(file)).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("audio/wav"),
    );
    if let Ok(v) = header::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(len) = len {
        h.insert(header::CONTENT_LENGTH, header::HeaderValue::from(len));
    }
    Ok(resp)
}

/// A path inside the data directory: relative, no `..`, no root or prefix.
fn is_plain_relative(p: &Path) -> bool {
    p.components().all(|c| matches!(c, Component::Normal(_)))
}
