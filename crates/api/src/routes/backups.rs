//! `/api/v1/backups`: make, list, download, delete and restore backups (see the `backup`
//! module for the archive and what a restore does).
//!
//! - `POST /api/v1/backups` starts a backup job and answers 202 with the job; poll
//!   `GET /api/v1/backups/jobs/{id}` for its progress (files and bytes written).
//! - `POST /api/v1/backups/restore` takes an archive as the request body
//!   (`application/gzip`), checks it and restores it; `POST /api/v1/backups/{name}/restore`
//!   restores a stored one. Either answers 400 with `field` = `archive` for a damaged,
//!   foreign or too new archive, and then nothing was changed.
//!
//! Admin and operator may make, list and download backups; only admin may delete or
//! restore them.

use std::path::PathBuf;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::backup::{self, BackupInfo, BackupOptions, JobView, RestoreReport, TempDir};
use crate::error::{parse_json, ApiError, ErrorBody};
use crate::system_settings::SystemSettings;
use crate::AppState;

/// Answer of `POST /api/v1/backups`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct JobStarted {
    /// The job; poll `GET /api/v1/backups/jobs/{id}`.
    job: JobView,
    /// Where to poll.
    #[schema(example = "/api/v1/backups/jobs/1")]
    href: String,
}

/// Start a backup.
#[utoipa::path(
    operation_id = "create_backup",
    post, path = "/api/v1/backups", tag = "backups",
    request_body(content = BackupOptions, description = "Optional; defaults: cdr true, recordings false"),
    responses(
        (status = 202, description = "Started", body = JobStarted),
        (status = 400, description = "Bad options", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role billing or user", body = ErrorBody),
        (status = 409, description = "This pbxd keeps no files (no data dir)", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<JobStarted>), ApiError> {
    caller.require_staff()?;
    let opts: BackupOptions = if body.iter().all(u8::is_ascii_whitespace) {
        BackupOptions {
            recordings: false,
            cdr: true,
        }
    } else {
        parse_json(&body)?
    };
    let dir = data_dir(&state)?;
    let id = backup::start_backup(&state, dir, opts, false);
    let job = state
        .backups
        .get(id)
        .ok_or_else(|| ApiError::internal("job vanished"))?;
    tracing::info!(user = %caller.username, job = id, "backup started");
    Ok((
        StatusCode::ACCEPTED,
        Json(JobStarted {
            job,
            href: format!("/api/v1/backups/jobs/{id}"),
        }),
    ))
}

/// Progress of a backup job.
#[utoipa::path(
    operation_id = "get_backup_job",
    get, path = "/api/v1/backups/jobs/{id}", tag = "backups",
    params(("id" = u64, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job", body = JobView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role billing or user", body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    caller.require_staff()?;
    let id: u64 = id
        .parse()
        .map_err(|_| ApiError::bad_field("id", "id must be a job number"))?;
    state
        .backups
        .get(id)
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no backup job {id}")))
}

/// The stored backups, newest first.
#[utoipa::path(
    operation_id = "list_backups",
    get, path = "/api/v1/backups", tag = "backups",
    responses(
        (status = 200, description = "Stored backups", body = [BackupInfo]),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role billing or user", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<BackupInfo>>, ApiError> {
    caller.require_staff()?;
    let Some(dir) = state.backend.data_dir() else {
        return Ok(Json(Vec::new()));
    };
    let list = tokio::task::spawn_blocking(move || backup::list_backups(&dir))
        .await
        .map_err(ApiError::internal)??;
    Ok(Json(list))
}

/// Download a stored backup.
#[utoipa::path(
    operation_id = "download_backup",
    get, path = "/api/v1/backups/{name}", tag = "backups",
    params(("name" = String, Path, description = "Backup file name")),
    responses(
        (status = 200, description = "The archive", content_type = "application/gzip"),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role billing or user", body = ErrorBody),
        (status = 404, description = "No such backup", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_staff()?;
    let path = stored_path(&state, &name)?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| ApiError::NotFound(format!("no backup {name}")))?;
    let len = file.metadata().await.map(|m| m.len()).ok();
    let mut resp = Body::from_stream(tokio_util::io::ReaderStream::new(file)).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/gzip"),
    );
    if let Ok(v) = header::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(len) = len {
        h.insert(header::CONTENT_LENGTH, header::HeaderValue::from(len));
    }
    Ok(resp)
}

/// Delete a stored backup.
#[utoipa::path(
    operation_id = "delete_backup",
    delete, path = "/api/v1/backups/{name}", tag = "backups",
    params(("name" = String, Path, description = "Backup file name")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin may delete backups", body = ErrorBody),
        (status = 404, description = "No such backup", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_admin()?;
    let path = stored_path(&state, &name)?;
    let dir = data_dir(&state)?;
    let deleted = tokio::task::spawn_blocking(move || backup::delete_backup(&dir, &name))
        .await
        .map_err(ApiError::internal)??;
    if !deleted {
        return Err(ApiError::NotFound(format!(
            "no backup {}",
            path.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        )));
    }
    crate::audit::write_standalone(&state).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Restore a stored backup.
#[utoipa::path(
    operation_id = "restore_stored_backup",
    post, path = "/api/v1/backups/{name}/restore", tag = "backups",
    params(("name" = String, Path, description = "Backup file name")),
    responses(
        (status = 200, description = "Restored and in force (no restart)", body = RestoreReport),
        (status = 400, description = "Damaged, foreign or too new archive (`field` = archive); \
                                      nothing was changed", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin may restore", body = ErrorBody),
        (status = 404, description = "No such backup", body = ErrorBody),
        (status = 409, description = "A backup or restore is running", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn restore_stored(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<RestoreReport>, ApiError> {
    caller.require_admin()?;
    let path = stored_path(&state, &name)?;
    if !path.is_file() {
        return Err(ApiError::NotFound(format!("no backup {name}")));
    }
    crate::audit::describe("restore", "backups", Some(&name));
    run_restore(&state, path, None).await
}

/// Upload an archive and restore it.
#[utoipa::path(
    operation_id = "restore_uploaded_backup",
    post, path = "/api/v1/backups/restore", tag = "backups",
    request_body(content = Vec<u8>, content_type = "application/gzip",
                 description = "A backup archive as downloaded"),
    responses(
        (status = 200, description = "Restored and in force (no restart)", body = RestoreReport),
        (status = 400, description = "Damaged, foreign or too new archive (`field` = archive); \
                                      nothing was changed", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin may restore", body = ErrorBody),
        (status = 409, description = "A backup or restore is running", body = ErrorBody),
        (status = 413, description = "Larger than 16 GiB", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn restore_upload(
    State(state): State<AppState>,
    caller: Caller,
    body: Body,
) -> Result<Json<RestoreReport>, ApiError> {
    caller.require_admin()?;
    crate::audit::describe("restore", "backups", Some("upload"));
    let dir = data_dir(&state)?;
    let incoming = TempDir::new(&dir, ".upload")?;
    let path = incoming.path().join("upload.tar.gz");
    let mut file = tokio::fs::File::create(&path)
        .await
        .map_err(ApiError::internal)?;
    let mut stream = body.into_data_stream();
    let mut total = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest {
            message: format!("upload interrupted: {e}"),
            field: Some("archive".into()),
            issues: vec![],
        })?;
        total += chunk.len() as u64;
        if total > MAX_UPLOAD {
            return Err(ApiError::PayloadTooLarge(
                "a backup upload may be at most 16 GiB".into(),
            ));
        }
        file.write_all(&chunk).await.map_err(ApiError::internal)?;
    }
    file.flush().await.map_err(ApiError::internal)?;
    drop(file);
    if total == 0 {
        return Err(ApiError::bad_field(
            "archive",
            "the request body is empty; send the backup archive",
        ));
    }
    run_restore(&state, path, Some(incoming)).await
}

/// The restore itself, with the restore lock held; refreshes the caches a restore changes.
async fn run_restore(
    state: &AppState,
    archive: PathBuf,
    keep_alive: Option<TempDir>,
) -> Result<Json<RestoreReport>, ApiError> {
    let Ok(_busy) = state.backups.busy.try_lock() else {
        return Err(ApiError::Conflict {
            message: "a backup or restore is running; try again when it is done".into(),
            field: None,
        });
    };
    let dir = data_dir(state)?;
    let entry = crate::audit::pending_entry()
        .ok_or_else(|| ApiError::internal("restore outside an audited request"))?;
    let store = std::sync::Arc::clone(&state.store);
    let backend = std::sync::Arc::clone(&state.backend);
    let report = tokio::task::spawn_blocking(move || {
        let r = backup::restore(&store, backend.as_ref(), &dir, &archive, &entry);
        drop(keep_alive);
        r
    })
    .await
    .map_err(ApiError::internal)??;
    crate::audit::mark_written();
    // Accounts and system settings came from the backup too.
    let system = state
        .with_store_unaudited(|store, _| Ok(SystemSettings::load(store)))
        .await?;
    state.auth.set_timeouts(system.session_timeouts());
    if let Ok(mut s) = state.system.write() {
        *s = system;
    }
    state.auth.forget_cached_checks();
    state.metrics.record_config_write();
    tracing::warn!(from = %report.created_at, "backup restored; configuration replaced live");
    Ok(Json(report))
}

fn data_dir(state: &AppState) -> Result<PathBuf, ApiError> {
    state.backend.data_dir().ok_or_else(|| ApiError::Conflict {
        message: "this pbxd keeps no files (no data directory), so it has no backups".into(),
        field: None,
    })
}

/// The path of stored backup `name`; 404 for names this API never writes.
fn stored_path(state: &AppState, name: &str) -> Result<PathBuf, ApiError> {
    if !backup::is_backup_name(name) {
        return Err(ApiError::NotFound(format!("no backup {name}")));
    }
    Ok(data_dir(state)?.join(backup::BACKUP_DIR).join(name))
}

/// Largest upload taken.
const MAX_UPLOAD: u64 = 16 << 30;
