//! The operator's endpoints: active calls and hang-up, the box's CPU/memory/disk, extensions
//! as CSV, and the whole configuration as one JSON document.

mod common;

use axum::http::StatusCode;
use common::{Harness, ADMIN, BILLING, OPERATOR, USER101};
use rotary_api::ActiveCallView;
use serde_json::{json, Value};

fn call(id: &str, state: &str) -> ActiveCallView {
    ActiveCallView {
        id: id.into(),
        caller: "101".into(),
        callee: "102".into(),
        state: state.into(),
        call_type: "internal".into(),
        trunk: None,
        started_at: "2026-11-25T10:00:00+00:00".into(),
        answered_at: None,
    }
}

#[tokio::test]
async fn calls_are_listed_and_hung_up_by_staff_only() {
    let h = Harness::new();
    *h.backend.calls.lock().unwrap() = vec![call("call1", "answered"), call("call2", "ringing")];
    let r = h.call("GET", "/api/v1/calls", OPERATOR, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json.as_array().unwrap().len(), 2);
    assert_eq!(r.json[0]["id"], "call1");
    assert_eq!(r.json[0]["answered_at"], Value::Null);
    for who in [BILLING, USER101] {
        let r = h.call("GET", "/api/v1/calls", who.clone(), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = h.call("DELETE", "/api/v1/calls/call1", who, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let r = h.call("DELETE", "/api/v1/calls/call1", ADMIN, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let r = h.call("DELETE", "/api/v1/calls/call1", ADMIN, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json["error"].as_str().unwrap().contains("call1"));
    let r = h.call("GET", "/api/v1/calls", ADMIN, None).await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn system_status_reports_cpu_memory_and_disk() {
    let h = Harness::with_files();
    let r = h.call("GET", "/api/v1/system", OPERATOR, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mem = &r.json["memory"];
    assert!(mem["total_bytes"].as_u64().unwrap() > 0);
    assert!(mem["available_bytes"].as_u64().unwrap() <= mem["total_bytes"].as_u64().unwrap());
    assert!(mem["process_rss_bytes"].as_u64().unwrap() > 0);
    assert!(r.json["disk"]["total_bytes"].as_u64().unwrap() > 0);
    assert_eq!(
        r.json["disk"]["path"].as_str().unwrap(),
        h.dir().display().to_string()
    );
    let cpu = r.json["cpu_percent"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&cpu), "{cpu}");
    assert_eq!(r.json["load_average"].as_array().unwrap().len(), 3);
    let r = h.call("GET", "/api/v1/system", BILLING, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn extensions_round_trip_through_csv() {
    let h = Harness::new();
    let csv = "number,name,secret,max_contacts,codecs,voicemail\n\
               102,\"Smith, Bob\",Bob-Secret-991,3,PCMA;G722,no\n\
               101,Alice Cooper,,,,\n";
    let r = h
        .call("POST", "/api/v1/extensions.csv", OPERATOR, Some(csv))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json, json!({"created": 1, "updated": 1}));
    let config = h.backend.config.lock().unwrap().clone();
    let bob = config.extension("102").unwrap();
    assert_eq!(
        (bob.name.as_str(), bob.max_contacts, bob.voicemail),
        ("Smith, Bob", 3, false)
    );
    let alice = config.extension("101").unwrap();
    assert_eq!(alice.name, "Alice Cooper");
    assert_eq!(
        alice.secret.expose(),
        common::ALICE_SECRET,
        "empty cell keeps the secret"
    );

    let r = h.call("GET", "/api/v1/extensions.csv", ADMIN, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let mut lines = r.text.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("number,name,max_contacts,"));
    assert!(lines.next().unwrap().starts_with("101,Alice Cooper,"));
    assert!(lines
        .next()
        .unwrap()
        .starts_with("102,\"Smith, Bob\",3,false,rfc4733,PCMA;G722,"));
    assert!(!r.text.contains("Bob-Secret"), "no secret in the export");

    // The export imports again unchanged (secrets kept).
    let again = r.text.clone();
    let before = h.change_count();
    let r = h
        .call("POST", "/api/v1/extensions.csv", ADMIN, Some(&again))
        .await;
    assert_eq!(r.json, json!({"created": 0, "updated": 2}), "{}", r.text);
    assert_eq!(
        h.change_count(),
        before + 1,
        "one snapshot for the whole file"
    );
}

#[tokio::test]
async fn a_bad_csv_row_stores_nothing() {
    let h = Harness::new();
    let changes = h.change_count();
    for (csv, field, line) in [
        (
            "number,secret\n103,Good-Secret-123\n104,\n",
            "secret",
            "line 3",
        ),
        (
            "number,secret,max_contacts\n103,Good-Secret-123,9\n",
            "max_contacts",
            "line 2",
        ),
        (
            "number,secret\n103,Good-Secret-123\nabc,Other-Secret-44\n",
            "number",
            "line 3",
        ),
        (
            "number,secret,nat\n103,Good-Secret-123,perhaps\n",
            "nat",
            "line 2",
        ),
        (
            "number,secret\n103,Good-Secret-123,extra\n",
            "file",
            "line 2",
        ),
    ] {
        let r = h
            .call("POST", "/api/v1/extensions.csv", ADMIN, Some(csv))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{csv}: {}", r.text);
        assert_eq!(r.json["field"], field, "{csv}: {}", r.text);
        let msg = r.json["error"].as_str().unwrap();
        assert!(msg.starts_with(line), "{csv}: {msg}");
    }
    assert_eq!(h.change_count(), changes);
    assert!(h.backend.config.lock().unwrap().extension("103").is_none());
    let r = h
        .call(
            "POST",
            "/api/v1/extensions.csv",
            BILLING,
            Some("number\n1\n"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_whole_configuration_exports_and_imports() {
    let h = Harness::new();
    let routing = json!({"departments": [{"number": "0400", "name": "Sales", "members": ["101"]}]});
    let r = h
        .call("PUT", "/api/v1/routing", ADMIN, Some(&routing.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = h.call("GET", "/api/v1/config", OPERATOR, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut doc = r.json.clone();
    assert_eq!(
        (doc["format"].as_str(), doc["version"].as_u64()),
        (Some("rotary-config"), Some(1))
    );
    assert!(!r.text.contains(common::ALICE_SECRET));

    // Import it back unchanged: same document out, Alice keeps her secret.
    let r = h
        .call("PUT", "/api/v1/config", ADMIN, Some(&doc.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json, doc);
    let cfg = h.backend.config.lock().unwrap().clone();
    assert_eq!(
        cfg.extension("101").unwrap().secret.expose(),
        common::ALICE_SECRET
    );

    // A new extension that the department names, in the same document.
    doc["extensions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"number": "102", "name": "Bob", "secret": "Bob-Secret-991"}));
    doc["routing"]["departments"][0]["members"] = json!(["101", "102"]);
    doc["settings"]["realm"] = json!("example.test");
    let r = h
        .call("PUT", "/api/v1/config", ADMIN, Some(&doc.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let cfg = h.backend.config.lock().unwrap().clone();
    assert!(cfg.extension("102").is_some());
    assert_eq!(cfg.settings.realm, "example.test");

    // Operators may read but not import; an extension left out is deleted.
    let r = h
        .call("PUT", "/api/v1/config", OPERATOR, Some(&doc.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut fewer = doc.clone();
    fewer["extensions"]
        .as_array_mut()
        .unwrap()
        .retain(|e| e["number"] != "102");
    fewer["routing"]["departments"][0]["members"] = json!(["101"]);
    let r = h
        .call("PUT", "/api/v1/config", ADMIN, Some(&fewer.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(h.backend.config.lock().unwrap().extension("102").is_none());
}

/// One change that spoils a document.
type Edit = Box<dyn Fn(&mut Value)>;

#[tokio::test]
async fn a_bad_configuration_document_names_its_path_and_stores_nothing() {
    let h = Harness::new();
    let good = h.call("GET", "/api/v1/config", ADMIN, None).await.json;
    let changes = h.change_count();
    let cases: Vec<(Edit, &str)> = vec![
        (Box::new(|d| d["format"] = json!("asterisk")), "format"),
        (Box::new(|d| d["version"] = json!(9)), "version"),
        (
            Box::new(|d| {
                d["extensions"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"number": "103", "name": "No secret"}))
            }),
            "extensions[1].secret",
        ),
        (
            Box::new(|d| {
                d["extensions"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"number": "101", "secret": "Again-Secret-55"}))
            }),
            "extensions[1].number",
        ),
        (
            Box::new(|d| {
                d["routing"]["departments"] =
                    json!([{"number": "0401", "name": "X", "members": ["999"]}])
            }),
            "routing.departments",
        ),
        (
            Box::new(|d| d["settings"]["realm"] = json!("")),
            "settings.realm",
        ),
    ];
    for (change, field) in cases {
        let mut doc = good.clone();
        change(&mut doc);
        let r = h
            .call("PUT", "/api/v1/config", ADMIN, Some(&doc.to_string()))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field}: {}", r.text);
        let got = r.json["field"].as_str().unwrap_or_default();
        assert!(
            got.starts_with(field),
            "wanted {field}, got {got}: {}",
            r.text
        );
    }
    assert_eq!(h.change_count(), changes);
}
