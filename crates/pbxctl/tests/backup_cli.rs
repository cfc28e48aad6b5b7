//! `pbxctl backup …` against a small fake of the backup API: create waits for the job and
//! reports progress on stderr (the name alone on stdout), download saves the archive,
//! restore uploads the file and prints the report, a redirecting pbxd is named.

use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

const NAME: &str = "rotary-backup-0.1.0-20250101-120000.tar.gz";
const ARCHIVE: &[u8] = b"\x1f\x8b-fake-archive-bytes";

/// Start the fake on a free port; returns its base URL.
fn server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let polls = Arc::new(AtomicU32::new(0));
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Router::new()
                .route("/api/v1/backups", post(create).get(list))
                .route("/api/v1/backups/jobs/7", get(job))
                .route(&format!("/api/v1/backups/{NAME}"), get(download))
                .route("/api/v1/backups/restore", post(restore))
                .route(
                    "/redirecting/api/v1/backups",
                    post(|| async {
                        (
                            StatusCode::PERMANENT_REDIRECT,
                            [(header::LOCATION, "https://pbx:8443/api/v1/backups")],
                        )
                    }),
                )
                .with_state(polls);
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{addr}")
}

async fn create(body: Bytes) -> impl IntoResponse {
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v, json!({"recordings": true, "cdr": true}));
    (
        StatusCode::ACCEPTED,
        Json(
            json!({"job": {"id": 7, "state": "running", "files_done": 0, "bytes_done": 0},
                    "href": "/api/v1/backups/jobs/7"}),
        ),
    )
}

async fn job(State(polls): State<Arc<AtomicU32>>) -> impl IntoResponse {
    let n = polls.fetch_add(1, Ordering::SeqCst);
    if n < 2 {
        Json(json!({"id": 7, "state": "running", "files_done": n + 1, "bytes_done": 4096}))
    } else {
        Json(
            json!({"id": 7, "state": "done", "files_done": 3, "bytes_done": 8192,
                    "backup": {"name": NAME, "size": 1234}}),
        )
    }
}

async fn list() -> impl IntoResponse {
    Json(
        json!([{"name": NAME, "size": 1234, "created_at": "2025-01-01T12:00:00Z",
                 "schema_version": 3, "automatic": false}]),
    )
}

async fn download() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/gzip")], ARCHIVE)
}

async fn restore(headers: axum::http::HeaderMap, body: Bytes) -> impl IntoResponse {
    assert_eq!(headers[header::CONTENT_TYPE], "application/gzip");
    if body.as_ref() != ARCHIVE {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({"error": "not a usable Rotary backup: damaged archive", "field": "archive"}),
            ),
        )
            .into_response();
    }
    Json(
        json!({"applied": "live", "created_at": "2025-01-01T12:00:00Z", "version": "0.1.0",
                "schema_version_found": 2, "schema_version": 3, "extensions": 4,
                "includes": {"config": true, "cdr": true, "recordings": false}}),
    )
    .into_response()
}

fn pbxctl(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pbxctl"))
        .args(["--url", url, "--password", "pw"])
        .args(args)
        .env_remove("PBX_URL")
        .env_remove("PBX_USER")
        .env_remove("PBX_PASSWORD")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn create_waits_and_reports_progress_on_stderr() {
    let url = server();
    let out = pbxctl(&url, &["backup", "create", "--recordings"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), NAME);
    let err = text(&out.stderr);
    assert!(err.contains("backing up: 1 files"), "{err}");
    assert!(err.contains("backup written"), "{err}");
    let out = pbxctl(&url, &["backup", "list"]);
    assert!(text(&out.stdout).contains(NAME));
}

#[test]
fn download_then_restore_round_trip_and_bad_file() {
    let url = server();
    let dir = std::env::temp_dir().join(format!("pbxctl-backup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("b.tar.gz");
    let out = pbxctl(
        &url,
        &["backup", "download", NAME, "-o", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&file).unwrap(), ARCHIVE);
    assert!(text(&out.stderr).contains("downloaded"));

    let out = pbxctl(&url, &["backup", "restore", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("live") && stdout.contains("cdr, config"),
        "{stdout}"
    );
    assert!(text(&out.stderr).contains("uploaded"));

    std::fs::write(&file, b"garbage").unwrap();
    let out = pbxctl(&url, &["backup", "restore", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("damaged archive") && err.contains("field: archive"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_redirect_to_https_is_named() {
    let url = format!("{}/redirecting", server());
    let out = pbxctl(&url, &["backup", "create"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("redirects to https://pbx:8443"),
        "{}",
        text(&out.stderr)
    );
}
