//! The audit log: every change through the API leaves one row (who, what, id, when, from
//! where, the fields without secrets) in the same transaction; refused or empty changes
//! leave none; logins are recorded; the log is paged and filtered.

mod common;

use std::net::SocketAddr;

use axum::http::StatusCode;
use common::{Auth, Harness, ADMIN, OPERATOR};
use serde_json::{json, Value};

async fn audit(h: &Harness, query: &str) -> Value {
    let r = h
        .call("GET", &format!("/api/v1/audit{query}"), ADMIN, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json
}

fn count(h: &Harness) -> u64 {
    let store = h.store.lock().unwrap();
    store
        .query_audit(&rotary_store::AuditQuery {
            limit: 1,
            ..Default::default()
        })
        .unwrap()
        .1
}

#[tokio::test]
async fn a_change_is_recorded_with_who_what_and_where_but_no_secret() {
    let h = Harness::new();
    let peer: SocketAddr = "192.0.2.7:40000".parse().unwrap();
    let r = h
        .call_from(
            "POST",
            "/api/v1/extensions",
            OPERATOR,
            Some(r#"{"number":"150","name":"Bob","secret":"Very-Secret-x9y"}"#),
            Some(peer),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let page = audit(&h, "?resource=extensions").await;
    assert_eq!(page["total"], 1);
    let row = &page["items"][0];
    assert_eq!(row["actor"], "oper");
    assert_eq!(row["role"], "operator");
    assert_eq!(row["address"], "192.0.2.7");
    assert_eq!(row["action"], "create");
    assert_eq!(row["resource"], "extensions");
    assert_eq!(row["resource_id"], "150");
    assert_eq!(row["fields"]["name"], "Bob");
    assert_eq!(row["fields"]["secret"], "***");
    assert!(row["at"].as_str().unwrap().ends_with('Z'));
    assert!(!h.transcript.lock().unwrap().contains("Very-Secret-x9y"));
    let stored = h
        .store
        .lock()
        .unwrap()
        .query_audit(&rotary_store::AuditQuery {
            limit: 100,
            ..Default::default()
        });
    assert!(!format!("{stored:?}").contains("Very-Secret"));

    // PATCH and DELETE name the id from the path.
    h.call(
        "PATCH",
        "/api/v1/extensions/150",
        ADMIN,
        Some(r#"{"name":"Robert"}"#),
    )
    .await;
    h.call("DELETE", "/api/v1/extensions/150", ADMIN, None)
        .await;
    let page = audit(&h, "?resource_id=150").await;
    let actions: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["delete", "update", "create"]);
}

#[tokio::test]
async fn refused_and_empty_changes_leave_no_row() {
    let h = Harness::new();
    let before = count(&h);
    // Invalid, forbidden, unknown: no change, no row.
    h.call(
        "POST",
        "/api/v1/extensions",
        ADMIN,
        Some(r#"{"number":"150","max_contacts":9}"#),
    )
    .await;
    h.call(
        "PATCH",
        "/api/v1/settings",
        OPERATOR,
        Some(r#"{"global_ring_time":40}"#),
    )
    .await;
    h.call("DELETE", "/api/v1/extensions/999", ADMIN, None)
        .await;
    // A PATCH that changes nothing is not a change.
    let current = h.call("GET", "/api/v1/settings", ADMIN, None).await;
    let same = json!({"global_ring_time": current.json["global_ring_time"]}).to_string();
    let r = h
        .call("PATCH", "/api/v1/settings", ADMIN, Some(&same))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(count(&h), before);
    // A real one is.
    h.call(
        "PATCH",
        "/api/v1/settings",
        ADMIN,
        Some(r#"{"global_ring_time":41}"#),
    )
    .await;
    assert_eq!(count(&h), before + 1);
    let row = &audit(&h, "?resource=settings").await["items"][0];
    assert_eq!(row["fields"], json!({"global_ring_time": 41}));
}

#[tokio::test]
async fn trunk_passwords_and_account_passwords_are_masked() {
    let h = Harness::new();
    let trunk = json!({"id":"provider","enabled":true,"mode":{"kind":"register",
        "host":"sip.example.com","username":"4930123","password":"Trunk-Pw-999"},
        "codecs":["PCMU"],"dtmf_mode":"rfc4733","max_calls":4});
    let r = h
        .call("POST", "/api/v1/trunks", ADMIN, Some(&trunk.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    h.call(
        "POST",
        "/api/v1/accounts",
        ADMIN,
        Some(r#"{"username":"acc1","password":"Account-Pw-777","role":"billing"}"#),
    )
    .await;
    let page = audit(&h, "").await;
    let text = page.to_string();
    assert!(
        !text.contains("Trunk-Pw-999") && !text.contains("Account-Pw-777"),
        "{text}"
    );
    let trunk_row = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == "trunks")
        .unwrap();
    assert_eq!(trunk_row["resource_id"], "provider");
    assert_eq!(trunk_row["fields"]["mode"]["password"], "***");
    assert_eq!(trunk_row["fields"]["mode"]["host"], "sip.example.com");
}

#[tokio::test]
async fn logins_are_recorded_and_the_log_pages_and_filters() {
    let h = Harness::new();
    h.login("admin", common::ADMIN_PW).await;
    let r = h
        .call(
            "POST",
            "/api/v1/login",
            Auth::None,
            Some(r#"{"username":"admin","password":"nope"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    for n in 0..7 {
        let body = json!({"number": format!("16{n}"), "secret": "Secret-Pass-x7"}).to_string();
        h.call("POST", "/api/v1/extensions", ADMIN, Some(&body))
            .await;
    }
    let logins = audit(&h, "?resource=session").await;
    let actions: Vec<&str> = logins["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["login_failed", "login"]);

    let page1 = audit(&h, "?resource=extensions&limit=3").await;
    assert_eq!(page1["total"], 7);
    assert_eq!(page1["items"].as_array().unwrap().len(), 3);
    assert_eq!(page1["items"][0]["resource_id"], "166");
    let page3 = audit(&h, "?resource=extensions&limit=3&offset=6").await;
    assert_eq!(page3["items"].as_array().unwrap().len(), 1);
    assert_eq!(page3["items"][0]["resource_id"], "160");
    assert_eq!(audit(&h, "?actor=oper").await["total"], 0);
    assert_eq!(audit(&h, "?action=create&actor=admin").await["total"], 7);
    assert_eq!(audit(&h, "?to=2000-01-01").await["total"], 0);

    let r = h.call("GET", "/api/v1/audit?limit=0", ADMIN, None).await;
    assert_eq!(r.json["field"], "limit");
    let r = h
        .call("GET", "/api/v1/audit?from=yesterday", ADMIN, None)
        .await;
    assert_eq!(r.json["field"], "from");
}

#[tokio::test]
async fn the_row_commits_with_the_change() {
    // Store level: a failing change rolls back its row, a good one keeps both.
    let mut store = rotary_store::Store::open_in_memory().unwrap();
    let entry = rotary_store::AuditEntry {
        at_unix_ms: 1,
        actor: "admin".into(),
        role: "admin".into(),
        address: "127.0.0.1".into(),
        action: "update".into(),
        resource: "settings".into(),
        resource_id: None,
        fields: "{}".into(),
    };
    let failed: Result<((), bool), rotary_store::StoreError> = store.audited(&entry, |s| {
        let mut settings = s.load_settings()?;
        settings.global_ring_time = 77;
        s.save_settings(&settings)?;
        Err(rotary_store::StoreError::NotFound {
            what: "thing",
            key: "x".into(),
        })
    });
    assert!(failed.is_err());
    assert_ne!(store.load_settings().unwrap().global_ring_time, 77);
    assert_eq!(store.query_audit(&Default::default()).unwrap().1, 0);
    let ok: Result<((), bool), rotary_store::StoreError> = store.audited(&entry, |s| {
        let mut settings = s.load_settings()?;
        settings.global_ring_time = 77;
        s.save_settings(&settings)
    });
    assert!(ok.unwrap().1);
    assert_eq!(store.load_settings().unwrap().global_ring_time, 77);
    assert_eq!(store.query_audit(&Default::default()).unwrap().1, 1);
}

#[tokio::test]
async fn uploads_and_deletions_of_sound_files_are_recorded() {
    use axum::body::Body;
    use axum::http::{header, Request};
    let h = Harness::with_files();
    // One second of silence as 8 kHz 16-bit PCM.
    let data = vec![0u8; 16000];
    let mut wav = Vec::new();
    for part in [
        &b"RIFF"[..],
        &(36 + data.len() as u32).to_le_bytes(),
        b"WAVEfmt ",
        &16u32.to_le_bytes(),
        &1u16.to_le_bytes(),
        &1u16.to_le_bytes(),
        &8000u32.to_le_bytes(),
        &16000u32.to_le_bytes(),
        &2u16.to_le_bytes(),
        &16u16.to_le_bytes(),
        b"data",
        &(data.len() as u32).to_le_bytes(),
        &data,
    ] {
        wav.extend_from_slice(part);
    }
    let before = count(&h);
    let req = Request::builder()
        .method("PUT")
        .uri("/api/v1/prompts/welcome")
        .header(
            header::AUTHORIZATION,
            common::basic_header("oper", common::OPERATOR_PW),
        )
        .header(header::CONTENT_TYPE, "audio/wav")
        .body(Body::from(wav))
        .unwrap();
    let r = h.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(count(&h), before + 1);
    let log = audit(&h, "?limit=1").await;
    let row = &log["items"][0];
    assert_eq!(
        (row["actor"].as_str(), row["resource"].as_str()),
        (Some("oper"), Some("prompts")),
        "{row}"
    );
    assert_eq!(row["resource_id"], "welcome", "{row}");
    assert_eq!(row["fields"]["duration_ms"], 1000, "{row}");

    let r = h
        .call("DELETE", "/api/v1/prompts/welcome", OPERATOR, None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(count(&h), before + 2);
    // Deleting what is not there changes nothing and leaves no row.
    let r = h
        .call("DELETE", "/api/v1/prompts/welcome", ADMIN, None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(count(&h), before + 2);
}
