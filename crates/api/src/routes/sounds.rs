//! The audio library: system and IVR prompts and music-on-hold folders (DUC guide 5.4,
//! "Audio Library"). An upload is any WAV (PCM, µ-law, A-law, any rate) or MP3; it is
//! decoded once and stored in the playback format, 16 kHz and 8 kHz mono WAV, so no call
//! ever decodes an MP3. Files live under the data directory: `prompts/<name>.wav` and
//! `moh/<class>/<name>.wav` (each with its `.8k.wav` sibling). A music class plays its
//! folder in a loop and rereads the folder at the end of each pass, so uploads and
//! deletions reach the next pass without any apply step.

use std::path::{Path, PathBuf};

use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rotary_media::sound::{import_prompt, DecodeLimits, SoundError, DEFAULT_MOH_CLASS};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;

/// Folder under the data directory holding prompts.
const PROMPTS_DIR: &str = "prompts";
/// Folder under the data directory holding one sub-folder per music-on-hold class.
const MOH_DIR: &str = "moh";
/// Size of the header our own WAV writer puts before the samples.
const WAV_HEADER: u64 = 44;
/// Bytes per second of a stored 16 kHz mono 16-bit file.
const WIDE_BYTES_PER_S: u64 = 32_000;

/// One stored sound.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SoundFile {
    /// The name it is referred to by (an IVR's `prompt`, a file of a music class).
    name: String,
    /// How long it plays, in milliseconds.
    duration_ms: u64,
}

/// What an upload became.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UploadedSound {
    /// The stored name.
    name: String,
    /// How long it plays, in milliseconds.
    duration_ms: u64,
    /// Sample rate of the uploaded file, Hz.
    source_rate: u32,
    /// Channels of the uploaded file (mixed down to mono).
    source_channels: u16,
    /// The file was damaged part-way; what could be decoded was kept.
    truncated: bool,
}

/// One music-on-hold class and its files.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MohClassView {
    /// Class name (`default` always exists).
    class: String,
    /// The files it plays, in playing order.
    files: Vec<SoundFile>,
}

fn data_dir(state: &AppState) -> Result<PathBuf, ApiError> {
    state
        .backend
        .data_dir()
        .ok_or_else(|| ApiError::NotFound("this PBX keeps no sound files".into()))
}

/// Music class names follow the sound-name rule without dots: a plain folder name.
fn check_class(class: &str) -> Result<(), ApiError> {
    if rotary_config::is_moh_class_name(class) {
        Ok(())
    } else {
        Err(ApiError::bad_field(
            "class",
            "class must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'",
        ))
    }
}

fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && !name.to_ascii_lowercase().ends_with(".8k")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_field(
            "name",
            "name must be 1-100 characters of A-Z, a-z, 0-9, '_', '-' or '.', not starting with '.'",
        ))
    }
}

/// The stored sounds of a folder, by name.
fn list_folder(dir: &Path) -> Vec<SoundFile> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<SoundFile> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let lower = name.to_ascii_lowercase();
            if name.starts_with('.') || lower.ends_with(".8k.wav") || !lower.ends_with(".wav") {
                return None;
            }
            let len = e.metadata().ok().filter(std::fs::Metadata::is_file)?.len();
            Some(SoundFile {
                name: name[..name.len() - 4].to_owned(),
                duration_ms: len.saturating_sub(WAV_HEADER) * 1000 / WIDE_BYTES_PER_S,
            })
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

/// The request body if it fits in `max` bytes. A larger one is read on and thrown away
/// (up to four times the limit) before the 413 goes out, so a client that sends the whole
/// body before reading the answer sees the 413 instead of a reset connection.
async fn read_limited(body: Body, max: usize) -> Result<Bytes, ApiError> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut kept: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_field("file", format!("upload broken off: {e}")))?;
        seen = seen.saturating_add(chunk.len());
        if seen <= max {
            kept.extend_from_slice(&chunk);
        } else if seen > max.saturating_mul(4) {
            break;
        }
    }
    if seen > max {
        return Err(ApiError::TooLarge {
            message: format!(
                "file is larger than the limit of {} MiB",
                max / (1024 * 1024)
            ),
            field: "file".into(),
        });
    }
    Ok(Bytes::from(kept))
}

/// The audit row of a stored upload (files are not in the database, so it is written on
/// its own).
async fn audit_upload(state: &AppState, stored: &UploadedSound) {
    crate::audit::set_fields(serde_json::json!({
        "duration_ms": stored.duration_ms,
        "source_rate": stored.source_rate,
        "truncated": stored.truncated,
    }));
    crate::audit::write_standalone(state).await;
}

/// Reads the upload (at most the limit) and stores it converted in `dir`.
async fn store_upload(dir: PathBuf, name: String, body: Body) -> Result<UploadedSound, ApiError> {
    let limits = DecodeLimits::default();
    let bytes = read_limited(body, limits.max_bytes).await?;
    if bytes.is_empty() {
        return Err(ApiError::bad_field(
            "file",
            "file is empty: send the WAV or MP3 as the request body",
        ));
    }
    let info = tokio::task::spawn_blocking(move || import_prompt(&bytes, &dir, &name, &limits))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            SoundError::InvalidName { .. } => ApiError::bad_field("name", e.to_string()),
            SoundError::TooLarge { .. } => ApiError::TooLarge {
                message: format!("file: {e}"),
                field: "file".into(),
            },
            SoundError::Io { .. } => ApiError::internal(e),
            other => ApiError::bad_field("file", format!("file: {other}")),
        })?;
    Ok(UploadedSound {
        name: info.name,
        duration_ms: u64::try_from(info.duration.as_millis()).unwrap_or(u64::MAX),
        source_rate: info.source_rate,
        source_channels: info.source_channels,
        truncated: info.truncated,
    })
}

/// Removes a stored pair; false when there was none.
async fn remove_pair(dir: &Path, name: &str) -> Result<bool, ApiError> {
    let wide = dir.join(format!("{name}.wav"));
    let narrow = dir.join(format!("{name}.8k.wav"));
    let existed = tokio::fs::try_exists(&wide).await.unwrap_or(false);
    for path in [&wide, &narrow] {
        match tokio::fs::remove_file(path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(ApiError::internal(e)),
        }
    }
    Ok(existed)
}

/// Lists the uploaded prompts.
#[utoipa::path(
    operation_id = "list_prompts",
    get, path = "/api/v1/prompts", tag = "sounds",
    responses(
        (status = 200, description = "The prompts", body = [SoundFile]),
        (status = 403, description = "Staff only", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn list_prompts(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<SoundFile>>, ApiError> {
    caller.require_staff()?;
    let dir = data_dir(&state)?.join(PROMPTS_DIR);
    let files = tokio::task::spawn_blocking(move || list_folder(&dir))
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(files))
}

/// Uploads (or replaces) a prompt: the body is the WAV or MP3 file.
#[utoipa::path(
    operation_id = "upload_prompt",
    put, path = "/api/v1/prompts/{name}", tag = "sounds",
    params(("name" = String, Path, description = "Prompt name")),
    request_body(content = Vec<u8>, content_type = "audio/wav", description = "WAV or MP3"),
    responses(
        (status = 201, description = "Stored", body = UploadedSound),
        (status = 400, description = "Not audio, empty, too long, or a bad name", body = ErrorBody),
        (status = 413, description = "Over the size limit", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn upload_prompt(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(name): UrlPath<String>,
    body: Body,
) -> Result<Response, ApiError> {
    caller.require_staff()?;
    check_name(&name)?;
    let dir = data_dir(&state)?.join(PROMPTS_DIR);
    let stored = store_upload(dir, name, body).await?;
    audit_upload(&state, &stored).await;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

/// Downloads a prompt as stored (16 kHz mono WAV).
#[utoipa::path(
    operation_id = "download_prompt",
    get, path = "/api/v1/prompts/{name}", tag = "sounds",
    params(("name" = String, Path, description = "Prompt name")),
    responses(
        (status = 200, description = "The prompt", content_type = "audio/wav"),
        (status = 404, description = "No such prompt", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn download_prompt(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(name): UrlPath<String>,
) -> Result<Response, ApiError> {
    caller.require_staff()?;
    check_name(&name)?;
    let path = data_dir(&state)?
        .join(PROMPTS_DIR)
        .join(format!("{name}.wav"));
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| ApiError::NotFound(format!("no prompt {name}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "audio/wav".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.wav\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Deletes a prompt.
#[utoipa::path(
    operation_id = "delete_prompt",
    delete, path = "/api/v1/prompts/{name}", tag = "sounds",
    params(("name" = String, Path, description = "Prompt name")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such prompt", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn delete_prompt(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(name): UrlPath<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_staff()?;
    check_name(&name)?;
    let dir = data_dir(&state)?.join(PROMPTS_DIR);
    if remove_pair(&dir, &name).await? {
        crate::audit::write_standalone(&state).await;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("no prompt {name}")))
    }
}

/// Lists the music-on-hold classes and their files.
#[utoipa::path(
    operation_id = "list_moh",
    get, path = "/api/v1/moh", tag = "sounds",
    responses(
        (status = 200, description = "The classes", body = [MohClassView]),
        (status = 403, description = "Staff only", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn list_moh(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<MohClassView>>, ApiError> {
    caller.require_staff()?;
    let root = data_dir(&state)?.join(MOH_DIR);
    let classes = tokio::task::spawn_blocking(move || {
        let mut names: Vec<String> = std::fs::read_dir(&root)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| check_class(n).is_ok())
            .collect();
        if !names.iter().any(|n| n == DEFAULT_MOH_CLASS) {
            names.push(DEFAULT_MOH_CLASS.to_owned());
        }
        names.sort();
        names
            .into_iter()
            .map(|class| MohClassView {
                files: list_folder(&root.join(&class)),
                class,
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(ApiError::internal)?;
    Ok(Json(classes))
}

/// Uploads (or replaces) a file of a music class; the class folder is created on first
/// upload. Playing calls hear it from the class's next pass.
#[utoipa::path(
    operation_id = "upload_moh",
    put, path = "/api/v1/moh/{class}/{name}", tag = "sounds",
    params(
        ("class" = String, Path, description = "Music class"),
        ("name" = String, Path, description = "File name"),
    ),
    request_body(content = Vec<u8>, content_type = "audio/mpeg", description = "WAV or MP3"),
    responses(
        (status = 201, description = "Stored", body = UploadedSound),
        (status = 400, description = "Not audio, empty, too long, or a bad name", body = ErrorBody),
        (status = 413, description = "Over the size limit", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn upload_moh(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath((class, name)): UrlPath<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    caller.require_staff()?;
    check_class(&class)?;
    check_name(&name)?;
    let dir = data_dir(&state)?.join(MOH_DIR).join(&class);
    let stored = store_upload(dir, name, body).await?;
    audit_upload(&state, &stored).await;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

/// Deletes a file of a music class.
#[utoipa::path(
    operation_id = "delete_moh",
    delete, path = "/api/v1/moh/{class}/{name}", tag = "sounds",
    params(
        ("class" = String, Path, description = "Music class"),
        ("name" = String, Path, description = "File name"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such file", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn delete_moh(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath((class, name)): UrlPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require_staff()?;
    check_class(&class)?;
    check_name(&name)?;
    let dir = data_dir(&state)?.join(MOH_DIR).join(&class);
    if remove_pair(&dir, &name).await? {
        crate::audit::write_standalone(&state).await;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!(
            "no file {name} in class {class}"
        )))
    }
}
