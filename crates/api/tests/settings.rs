//! `GET`/`PATCH /api/v1/settings`: roles, validation naming the field, one store write and
//! one new snapshot per change, and the OpenAPI schemas matching the wire types.

mod common;

use axum::http::StatusCode;
use common::{Auth, Harness, ADMIN, OPERATOR, USER101};
use rotary_config::{Settings, SettingsInput};
use serde_json::{json, Value};

#[tokio::test]
async fn admin_and_operator_read_the_settings() {
    let h = Harness::new();
    let want = serde_json::to_value(Settings::default()).unwrap();
    for who in [ADMIN, OPERATOR] {
        let r = h.call("GET", "/api/v1/settings", who, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json, want);
    }
    assert_eq!(
        h.call("GET", "/api/v1/settings", USER101, None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.call("GET", "/api/v1/settings", Auth::None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn patch_saves_once_and_hands_the_engine_a_new_snapshot() {
    let h = Harness::new();
    let body = r#"{"global_ring_time":45,"call_waiting":false,"realm":"pbx.example",
                   "conference_range":"0950-0959","digest_algorithms":["SHA-256","MD5"]}"#;
    let r = h.call("PATCH", "/api/v1/settings", ADMIN, Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["global_ring_time"], 45);
    assert_eq!(r.json["call_waiting"], false);
    assert_eq!(r.json["realm"], "pbx.example");
    assert_eq!(r.json["conference_range"], "0950-0959");
    assert_eq!(r.json["digest_algorithms"], json!(["SHA-256", "MD5"]));
    assert_eq!(
        r.json["max_concurrent_calls"], 200,
        "untouched fields keep their value"
    );
    assert_eq!(h.change_count(), 1);
    let snapshot = h.last_change();
    assert_eq!(snapshot.settings.global_ring_time, 45);
    assert!(
        snapshot.extension("101").is_some(),
        "extensions carried over"
    );
    assert_eq!(h.stored().settings, snapshot.settings);
    let again = h.call("GET", "/api/v1/settings", OPERATOR, None).await;
    assert_eq!(again.json, r.json);
    let metrics = h.call("GET", "/metrics", Auth::None, None).await.text;
    assert!(
        metrics.contains("rotary_config_writes_total 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn patch_without_a_change_writes_nothing() {
    let h = Harness::new();
    let r = h
        .call(
            "PATCH",
            "/api/v1/settings",
            ADMIN,
            Some(r#"{"global_ring_time":30}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = h.call("PATCH", "/api/v1/settings", ADMIN, Some("{}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(h.change_count(), 0);
}

#[tokio::test]
async fn only_admin_may_change_settings() {
    let h = Harness::new();
    let body = Some(r#"{"global_ring_time":45}"#);
    for who in [OPERATOR, USER101] {
        let r = h.call("PATCH", "/api/v1/settings", who, body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    }
    assert_eq!(
        h.call("PATCH", "/api/v1/settings", Auth::None, body)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(h.change_count(), 0);
    assert_eq!(h.stored().settings, Settings::default());
}

#[tokio::test]
async fn invalid_values_answer_400_naming_the_field() {
    let h = Harness::new();
    let cases = [
        (r#"{"global_ring_time":2}"#, "global_ring_time"),
        (r#"{"rtp_timeout":-1}"#, "rtp_timeout"),
        (r#"{"realm":"bad realm"}"#, "realm"),
        (r#"{"queue_range":"0300"}"#, "queue_range"),
        (r#"{"paging_range":"0900-0901"}"#, "paging_range"),
        (r#"{"ring_time":30}"#, "ring_time"),
        (r#"{"call_waiting":"yes"}"#, "call_waiting"),
        (r#"{"digest_algorithms":["SHA-1"]}"#, "digest_algorithms"),
    ];
    for (body, field) in cases {
        let r = h.call("PATCH", "/api/v1/settings", ADMIN, Some(body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
        assert_eq!(r.json["field"], field, "{body}: {}", r.text);
        assert!(r.json["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    let r = h
        .call(
            "PATCH",
            "/api/v1/settings",
            ADMIN,
            Some(r#"{"min_expires":5,"global_ring_time":1000}"#),
        )
        .await;
    let issues: Vec<&str> = r.json["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["field"].as_str().unwrap())
        .collect();
    assert!(
        issues.contains(&"min_expires") && issues.contains(&"global_ring_time"),
        "{issues:?}"
    );
    assert_eq!(h.change_count(), 0);
}

#[tokio::test]
async fn narrowing_the_user_range_past_an_extension_conflicts() {
    let h = Harness::new();
    let r = h
        .call(
            "PATCH",
            "/api/v1/settings",
            ADMIN,
            Some(r#"{"user_extension_range":"200-299"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.json["field"], "user_extension_range");
    assert!(
        r.json["error"].as_str().unwrap().contains("101"),
        "{}",
        r.text
    );
    assert_eq!(h.change_count(), 0);
    let r = h
        .call(
            "PATCH",
            "/api/v1/settings",
            ADMIN,
            Some(r#"{"user_extension_range":"100-199"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        h.last_change().settings.user_extension_range.to_string(),
        "100-199"
    );
}

#[tokio::test]
async fn openapi_documents_settings_and_events() {
    let doc: Value = serde_json::from_str(&rotary_api::openapi_json()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths["/api/v1/settings"].get("get").is_some());
    assert!(paths["/api/v1/settings"].get("patch").is_some());
    assert!(paths["/api/v1/events"].get("get").is_some());
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
    let keys_of = |v: Value| -> Vec<String> {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    let settings = serde_json::to_value(Settings::default()).unwrap();
    assert_eq!(props("Settings"), keys_of(settings.clone()));
    // Every settings field set: SettingsInput accepts exactly the same names.
    let full: SettingsInput = serde_json::from_value(json!({
        "realm": "r", "default_expiry": 1, "min_expires": 1, "max_expires": 1,
        "qualify_interval": 1, "qualify_timeout": 1, "global_ring_time": 1,
        "call_waiting": true, "max_concurrent_calls": 1, "rtp_timeout": 1,
        "recording_stereo": true,
        "digest_algorithms": ["MD5"],
        "user_extension_range": "1-2", "conference_range": "1-2", "queue_range": "1-2",
        "department_range": "1-2", "paging_range": "1-2", "ivr_range": "1-2",
        "disa_range": "1-2", "tone_zone": "de"
    }))
    .unwrap();
    assert_eq!(
        props("SettingsInput"),
        keys_of(serde_json::to_value(full).unwrap())
    );
    assert_eq!(props("SettingsInput"), keys_of(settings));
    assert_eq!(props("EventMessage"), ["seq", "time", "type"]);
    assert_eq!(props("GapMessage"), ["from", "to", "type"]);
}
