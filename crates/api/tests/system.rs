//! The read-mostly endpoints: health, metrics, the OpenAPI document, registrations, CDR, and
//! how unknown paths and server faults answer.

mod common;

use std::sync::atomic::Ordering;

use axum::http::{header, StatusCode};
use common::{Auth, Harness, ADMIN, OPERATOR, USER101};
use rotary_api::RegistrationView;
use rotary_store::{CdrRecord, Disposition, CSV_HEADER};
use serde_json::{json, Value};

#[tokio::test]
async fn healthz_follows_readiness() {
    let h = Harness::new();
    let r = h.call("GET", "/healthz", Auth::None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json, json!({"status":"ok"}));
    h.backend.ready.store(false, Ordering::SeqCst);
    let r = h.call("GET", "/healthz", Auth::None, None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn metrics_has_http_and_engine_counters() {
    let h = Harness::new();
    h.call("GET", "/api/v1/extensions", ADMIN, None).await;
    h.call(
        "GET",
        "/api/v1/extensions",
        Auth::Basic("admin", "bad"),
        None,
    )
    .await;
    let r = h.call("GET", "/metrics", Auth::None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = r.text;
    assert!(
        text.contains("# TYPE rotary_http_requests_total counter"),
        "{text}"
    );
    assert!(
        text.contains(r#"rotary_http_requests_total{method="GET",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"rotary_http_requests_total{method="GET",status="401"} 1"#),
        "{text}"
    );
    assert!(text.contains("rotary_http_auth_failures_total 1"), "{text}");
    assert!(text.contains("rotary_engine_fake_total 7"), "{text}");
    assert_eq!(
        h.state.metrics().render().lines().count() + 2,
        text.lines().count()
    );
}

#[tokio::test]
async fn openapi_document_lists_the_paths() {
    let h = Harness::new();
    let r = h
        .call("GET", "/api/v1/openapi.json", Auth::None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&r.text).expect("valid JSON");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/healthz",
        "/metrics",
        "/api/v1/login",
        "/api/v1/extensions",
        "/api/v1/extensions/{number}",
        "/api/v1/registrations",
        "/api/v1/cdr",
        "/api/v1/cdr.csv",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    let item = &paths["/api/v1/extensions/{number}"];
    for m in ["get", "put", "patch", "delete"] {
        assert!(item.get(m).is_some(), "missing {m}");
    }
    let mut ids: Vec<&str> = paths
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let total = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total, "operationIds must be unique");
    assert!(total >= 14);
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert!(schemes.contains_key("basic") && schemes.contains_key("bearer"));
}

/// The hand-mirrored extension schemas must name exactly the fields the config types use.
#[tokio::test]
async fn openapi_extension_schemas_match_the_wire_types() {
    let doc: Value = serde_json::from_str(&rotary_api::openapi_json()).unwrap();
    let props = |name: &str| -> Vec<String> {
        let mut keys: Vec<String> = doc["components"]["schemas"][name]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("schema {name} missing"))
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    let h = Harness::new();
    let view = serde_json::to_value(
        h.backend
            .config
            .lock()
            .unwrap()
            .extension("101")
            .unwrap()
            .view(),
    )
    .unwrap();
    let mut view_keys: Vec<String> = view.as_object().unwrap().keys().cloned().collect();
    view_keys.sort();
    assert_eq!(props("Extension"), view_keys);

    let full = rotary_config::ExtensionInput {
        number: Some(String::new()),
        name: Some(String::new()),
        secret: Some(String::new()),
        max_contacts: Some(1),
        permit: Some(vec![]),
        voicemail: Some(true),
        codecs: Some(vec![]),
        dtmf_mode: Some(String::new()),
        nat: Some(true),
        register_expiry: Some(1),
        qualify_interval: Some(1),
        remote: Some(true),
        record_calls: Some(false),
        moh_class: Some(String::new()),
    };
    let input = serde_json::to_value(full).unwrap();
    let mut input_keys: Vec<String> = input.as_object().unwrap().keys().cloned().collect();
    input_keys.sort();
    assert_eq!(props("ExtensionInput"), input_keys);
}

fn registration(ext: &str, port: u16) -> RegistrationView {
    RegistrationView {
        extension: ext.into(),
        contact: format!("sip:{ext}@127.0.0.1:{port}"),
        source: format!("127.0.0.1:{port}"),
        transport: "udp".into(),
        user_agent: "baresip".into(),
        expires_at: "2025-01-31T12:00:00Z".into(),
    }
}

#[tokio::test]
async fn registrations_list_and_filter() {
    let h = Harness::new();
    *h.backend.registrations.lock().unwrap() = vec![
        registration("101", 5071),
        registration("102", 5072),
        registration("101", 5073),
    ];
    let r = h.call("GET", "/api/v1/registrations", OPERATOR, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json.as_array().unwrap().len(), 3);
    assert_eq!(
        r.json[0],
        json!({"extension":"101","contact":"sip:101@127.0.0.1:5071","source":"127.0.0.1:5071",
               "transport":"udp","user_agent":"baresip","expires_at":"2025-01-31T12:00:00Z"})
    );
    let r = h
        .call("GET", "/api/v1/registrations?extension=102", ADMIN, None)
        .await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);
    assert_eq!(r.json[0]["source"], "127.0.0.1:5072");
    // Role user: its own only.
    let r = h.call("GET", "/api/v1/registrations", USER101, None).await;
    assert_eq!(r.json.as_array().unwrap().len(), 2);
    let r = h
        .call("GET", "/api/v1/registrations?extension=102", USER101, None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = h
        .call("GET", "/api/v1/registrations", Auth::None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

fn cdr(start_s: i64, caller: &str, callee: &str, disposition: Disposition) -> CdrRecord {
    let answered = disposition == Disposition::Answered;
    CdrRecord {
        id: None,
        start_unix_ms: start_s * 1000,
        answer_unix_ms: answered.then_some(start_s * 1000 + 2000),
        end_unix_ms: start_s * 1000 + 12_000,
        caller: caller.into(),
        callee: callee.into(),
        duration: 12,
        billsec: if answered { 10 } else { 0 },
        disposition,
        cause: None,
        trunk: None,
        call_id: format!("call-{start_s}"),
        peer_call_id: None,
        recording: None,
        call_type: "internal".into(),
        did: None,
        route: None,
        pin: None,
    }
}

/// 2024-05-01T00:00:00Z in unix seconds.
const MAY_1: i64 = 1_714_521_600;

fn seed_cdr(h: &Harness) {
    let mut store = h.store.lock().unwrap();
    store
        .insert_cdr(&cdr(MAY_1 + 3600, "101", "102", Disposition::Answered))
        .unwrap();
    store
        .insert_cdr(&cdr(MAY_1 + 7200, "102", "103", Disposition::Busy))
        .unwrap();
    store
        .insert_cdr(&cdr(
            MAY_1 + 86_400 + 60,
            "103",
            "101",
            Disposition::NoAnswer,
        ))
        .unwrap();
}

#[tokio::test]
async fn cdr_json_with_filters() {
    let h = Harness::new();
    seed_cdr(&h);
    let r = h.call("GET", "/api/v1/cdr", ADMIN, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rows = r.json.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["call_id"], format!("call-{}", MAY_1 + 86_400 + 60));
    assert_eq!(rows[2]["start"], "2024-05-01T01:00:00.000Z");
    assert_eq!(rows[2]["disposition"], "ANSWERED");

    let count = |v: &Value| v.as_array().map_or(usize::MAX, Vec::len);
    let r = h
        .call(
            "GET",
            "/api/v1/cdr?from=2024-05-01&to=2024-05-01",
            ADMIN,
            None,
        )
        .await;
    assert_eq!(count(&r.json), 2, "{}", r.text);
    let r = h
        .call("GET", "/api/v1/cdr?from=2024-05-01T01:30:00Z", ADMIN, None)
        .await;
    assert_eq!(count(&r.json), 2);
    let r = h.call("GET", "/api/v1/cdr?number=101", ADMIN, None).await;
    assert_eq!(count(&r.json), 2);
    let r = h
        .call("GET", "/api/v1/cdr?disposition=no_answer", ADMIN, None)
        .await;
    assert_eq!(count(&r.json), 1);
    let r = h
        .call("GET", "/api/v1/cdr?limit=1&offset=1", ADMIN, None)
        .await;
    assert_eq!(count(&r.json), 1);
    assert_eq!(r.json[0]["disposition"], "BUSY");

    for (query, field) in [
        ("from=yesterday", "from"),
        ("to=2024-13-01", "to"),
        ("limit=abc", "limit"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("offset=-1", "offset"),
        ("disposition=LOST", "disposition"),
    ] {
        let r = h
            .call("GET", &format!("/api/v1/cdr?{query}"), ADMIN, None)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(r.json["field"], field, "{query}");
    }

    // Role user: only calls of its own extension.
    let r = h.call("GET", "/api/v1/cdr", USER101, None).await;
    assert_eq!(count(&r.json), 2);
    let r = h.call("GET", "/api/v1/cdr?number=103", USER101, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn cdr_csv_export() {
    let h = Harness::new();
    seed_cdr(&h);
    let r = h
        .call("GET", "/api/v1/cdr.csv?to=2024-05-01", OPERATOR, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let lines: Vec<&str> = r.text.lines().collect();
    assert_eq!(lines[0], CSV_HEADER);
    assert_eq!(
        lines[0],
        "start,answer,end,caller,callee,duration,billsec,disposition,trunk,call_id,recording,\
         call_type,did,route,pin"
    );
    assert_eq!(lines.len(), 3);
    assert!(
        lines[2].starts_with("2024-05-01T01:00:00.000Z,2024-05-01T01:00:02.000Z,"),
        "{}",
        lines[2]
    );
    let r = h.call("GET", "/api/v1/cdr.csv", Auth::None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_path_is_json_404() {
    let h = Harness::new();
    let r = h.call("GET", "/api/v1/nothing-here", ADMIN, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json["error"].is_string());
}

#[tokio::test]
async fn server_fault_is_a_plain_500() {
    let h = Harness::new();
    // Poison the store mutex: a thread panics while holding it.
    let store = std::sync::Arc::clone(&h.store);
    let _ = std::thread::spawn(move || {
        let _guard = store.lock().unwrap();
        panic!("poison the store lock on purpose");
    })
    .join();
    let body = json!({"number":"150","secret":"s3cret-Pass"}).to_string();
    let r = h
        .call("POST", "/api/v1/extensions", ADMIN, Some(&body))
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.text, "internal server error\n");
    assert!(!r.text.contains("poison"));
    let r = h.call("GET", "/metrics", Auth::None, None).await;
    assert!(r.text.contains(r#"status="500"} 1"#), "{}", r.text);
}
