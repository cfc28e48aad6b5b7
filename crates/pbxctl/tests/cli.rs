//! Runs the built `pbxctl` binary against a tiny in-process HTTP server that mimics the API
//! contract, checking output, the error line and the exit status (0 / 1 / 2).

use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Output};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// `Basic base64("admin:pw")`.
const GOOD_AUTH: &str = "Basic YWRtaW46cHc=";

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(GOOD_AUTH)
}

fn unauthorized() -> axum::response::Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error":"invalid credentials"})),
    )
        .into_response()
}

async fn list(headers: HeaderMap) -> axum::response::Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    Json(json!([
        {"number":"101","name":"Alice","max_contacts":2,"voicemail":true,"codecs":["PCMU","PCMA"]},
        {"number":"102","name":"Bob","max_contacts":1,"voicemail":false,"codecs":["opus"]}
    ]))
    .into_response()
}

async fn create(headers: HeaderMap, body: Bytes) -> axum::response::Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let Ok(mut v) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error":"bad json"}))).into_response();
    };
    if v["secret"] == "weak" {
        let e = json!({"error":"secret too weak","field":"secret"});
        return (StatusCode::BAD_REQUEST, Json(e)).into_response();
    }
    if let Some(o) = v.as_object_mut() {
        o.remove("secret");
    }
    (StatusCode::CREATED, Json(v)).into_response()
}

async fn one(headers: HeaderMap) -> axum::response::Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn show_one(headers: HeaderMap) -> axum::response::Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    Json(json!({"voicemail":true,"number":"101","name":"Alice","codecs":["PCMU"],"zeta":1}))
        .into_response()
}

async fn csv(headers: HeaderMap) -> axum::response::Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    ([("content-type", "text/csv")], "start,answer\n1,2\n").into_response()
}

async fn settings_show(headers: HeaderMap) -> axum::response::Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    Json(
        json!({"call_waiting":true,"global_ring_time":30,"realm":"rotary",
                "user_extension_range":"100-899"}),
    )
    .into_response()
}

/// Echoes the PATCH body back, or refuses a bad ring time like the real API.
async fn settings_patch(headers: HeaderMap, body: Bytes) -> axum::response::Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error":"bad json"}))).into_response();
    };
    if v["global_ring_time"] == 1 {
        let e = json!({"error":"global_ring_time must be between 5 and 600 seconds",
                       "field":"global_ring_time"});
        return (StatusCode::BAD_REQUEST, Json(e)).into_response();
    }
    Json(v).into_response()
}

/// Start the fake API on a free port in a background thread; returns its base URL.
fn server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Router::new()
                .route("/healthz", get(|| async { Json(json!({"status":"ok"})) }))
                .route("/api/v1/extensions", get(list).post(create))
                .route("/api/v1/extensions/{number}", get(show_one).delete(one))
                .route("/api/v1/cdr.csv", get(csv))
                .route("/api/v1/settings", get(settings_show).patch(settings_patch));
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{addr}")
}

fn pbxctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pbxctl"))
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
fn bad_usage_exits_2() {
    assert_eq!(pbxctl(&["extension", "frobnicate"]).status.code(), Some(2));
    assert_eq!(pbxctl(&["extension", "add", "101"]).status.code(), Some(2));
    assert_eq!(pbxctl(&["extension", "set", "101"]).status.code(), Some(2));
    assert_eq!(pbxctl(&[]).status.code(), Some(2));
}

#[test]
fn help_exits_0() {
    let out = pbxctl(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("extension"));
}

#[test]
fn unreachable_url_exits_1_with_message() {
    // A port that was just free: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = pbxctl(&["--url", &url, "--password", "pw", "extension", "list"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with("error: cannot reach"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn list_prints_aligned_table() {
    let url = server();
    let out = pbxctl(&["--url", &url, "--password", "pw", "extension", "list"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "NUMBER  NAME   MAX_CONTACTS  VOICEMAIL  CODECS\n\
         101     Alice  2             yes        PCMU,PCMA\n\
         102     Bob    1             no         opus\n"
    );
}

#[test]
fn json_flag_prints_raw_json() {
    let url = server();
    let out = pbxctl(&[
        "--url",
        &url,
        "--password",
        "pw",
        "--json",
        "extension",
        "list",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[1]["number"], "102");
}

#[test]
fn wrong_password_exits_1() {
    let url = server();
    let out = pbxctl(&["--url", &url, "--password", "nope", "extension", "list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("error: invalid credentials"));
}

#[test]
fn api_error_names_the_field() {
    let url = server();
    let out = pbxctl(&[
        "--url",
        &url,
        "--password",
        "pw",
        "extension",
        "add",
        "101",
        "--secret",
        "weak",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: secret too weak (field: secret)\n"
    );
}

#[test]
fn add_sends_fields_and_hides_secret() {
    let url = server();
    let out = pbxctl(&[
        "--url",
        &url,
        "--password",
        "pw",
        "--json",
        "extension",
        "add",
        "103",
        "--secret",
        "s3cret-Pass",
        "--name",
        "Carol",
        "--max-contacts",
        "3",
        "--codecs",
        "PCMU,G722",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        json!({"number":"103","name":"Carol","max_contacts":3,"codecs":["PCMU","G722"]})
    );
}

#[test]
fn delete_and_health() {
    let url = server();
    let out = pbxctl(&[
        "--url",
        &url,
        "--password",
        "pw",
        "extension",
        "delete",
        "101",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "extension 101 deleted\n");
    let out = pbxctl(&["--url", &url, "health"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "ok\n");
}

#[test]
fn cdr_export_streams_csv_to_file() {
    let url = server();
    let path = std::env::temp_dir().join(format!("pbxctl-test-{}.csv", std::process::id()));
    let p = path.to_str().unwrap();
    let out = pbxctl(&[
        "--url",
        &url,
        "--password",
        "pw",
        "cdr",
        "export",
        "--csv",
        "-o",
        p,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "start,answer\n1,2\n"
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn show_prints_fields_in_api_order() {
    let url = server();
    let out = pbxctl(&[
        "--url",
        &url,
        "--password",
        "pw",
        "extension",
        "show",
        "101",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "number:     101\nname:       Alice\nvoicemail:  yes\ncodecs:     PCMU\nzeta:       1\n"
    );
}

#[test]
fn settings_show_lists_in_documented_order() {
    let url = server();
    let out = pbxctl(&["--url", &url, "--password", "pw", "settings", "show"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "realm:                 rotary\n\
         global_ring_time:      30\n\
         call_waiting:          yes\n\
         user_extension_range:  100-899\n"
    );
}

#[test]
fn settings_set_sends_typed_values() {
    let url = server();
    let out = pbxctl(&[
        "--url",
        &url,
        "--password",
        "pw",
        "--json",
        "settings",
        "set",
        "global_ring_time=45",
        "call_waiting=false",
        "user_extension_range=100-899",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        json!({"global_ring_time":45,"call_waiting":false,"user_extension_range":"100-899"})
    );
}

#[test]
fn settings_set_reports_the_bad_field() {
    let url = server();
    let out = pbxctl(&[
        "--url",
        &url,
        "--password",
        "pw",
        "settings",
        "set",
        "global_ring_time=1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: global_ring_time must be between 5 and 600 seconds (field: global_ring_time)\n"
    );
    assert_eq!(pbxctl(&["settings", "set"]).status.code(), Some(2));
    assert_eq!(pbxctl(&["settings", "set", "realm"]).status.code(), Some(2));
}
