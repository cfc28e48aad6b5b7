//! `/api/v1/extensions`: the CRUD cycle, validation errors naming the field, conflicts, the
//! write-only secret, and the snapshot handed to the engine after every write.

mod common;

use axum::http::StatusCode;
use common::{Auth, Harness, ADMIN, ALICE_SECRET, OPERATOR, USER101};
use serde_json::json;

const SECRET: &str = "s3cret-Pass";

fn body(v: serde_json::Value) -> String {
    v.to_string()
}

#[tokio::test]
async fn create_get_update_patch_delete() {
    let h = Harness::new();

    let r = h
        .call(
            "POST",
            "/api/v1/extensions",
            ADMIN,
            Some(&body(
                json!({"number":"102","name":"Bob","secret":SECRET,"max_contacts":3,
                              "permit":["10.0.0.0/8"],"codecs":["PCMU","opus"],
                              "dtmf_mode":"info","nat":false,"voicemail":false}),
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["number"], "102");
    assert_eq!(r.json["name"], "Bob");
    assert_eq!(r.json["max_contacts"], 3);
    assert_eq!(r.json["permit"], json!(["10.0.0.0/8"]));
    assert_eq!(r.json["codecs"], json!(["PCMU", "opus"]));
    assert_eq!(r.json["dtmf_mode"], "info");
    assert_eq!(r.json["nat"], false);
    assert_eq!(r.json["voicemail"], false);
    // The engine got a snapshot with the new extension, secret included, at once.
    assert_eq!(h.change_count(), 1);
    let snap = h.last_change();
    let ext = snap.extension("102").expect("new extension in snapshot");
    assert_eq!(ext.secret.expose(), SECRET);
    assert_eq!(ext.max_contacts, 3);
    assert!(h.stored().extension("102").is_some());

    let r = h.call("GET", "/api/v1/extensions/102", ADMIN, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["name"], "Bob");

    let r = h.call("GET", "/api/v1/extensions", OPERATOR, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let numbers: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["101", "102"]);

    // PATCH changes only what is sent.
    let r = h
        .call(
            "PATCH",
            "/api/v1/extensions/102",
            ADMIN,
            Some(&body(json!({"name":"Robert"}))),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["name"], "Robert");
    assert_eq!(r.json["max_contacts"], 3);
    assert_eq!(r.json["codecs"], json!(["PCMU", "opus"]));
    assert_eq!(h.change_count(), 2);
    assert_eq!(h.last_change().extension("102").unwrap().name, "Robert");

    // PUT replaces: omitted fields go back to defaults, the omitted secret is kept.
    let r = h
        .call(
            "PUT",
            "/api/v1/extensions/102",
            OPERATOR,
            Some(&body(json!({"name":"Rob"}))),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["name"], "Rob");
    assert_eq!(r.json["max_contacts"], 2);
    assert_eq!(r.json["codecs"], json!(["PCMU", "PCMA", "G722", "opus"]));
    assert_eq!(r.json["nat"], true);
    assert_eq!(h.change_count(), 3);
    let snap = h.last_change();
    assert_eq!(snap.extension("102").unwrap().secret.expose(), SECRET);
    assert_eq!(h.stored().extension("102").unwrap().name, "Rob");

    // A new secret through PATCH reaches the engine.
    let r = h
        .call(
            "PATCH",
            "/api/v1/extensions/102",
            ADMIN,
            Some(&body(json!({"secret":"n3w-Secret"}))),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        h.last_change().extension("102").unwrap().secret.expose(),
        "n3w-Secret"
    );

    let r = h
        .call("DELETE", "/api/v1/extensions/102", ADMIN, None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.text.is_empty());
    assert_eq!(h.change_count(), 5);
    assert!(h.last_change().extension("102").is_none());
    assert!(h.stored().extension("102").is_none());
    let r = h.call("GET", "/api/v1/extensions/102", ADMIN, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json["error"].as_str().unwrap().contains("102"));

    // No secret was ever sent back.
    let transcript = h.transcript.lock().unwrap().clone();
    for secret in [SECRET, "n3w-Secret", ALICE_SECRET] {
        assert!(!transcript.contains(secret), "secret {secret} leaked");
    }
    assert!(!transcript.contains("\"secret\""));
}

#[tokio::test]
async fn put_defaults_match_create_defaults() {
    let h = Harness::new();
    let created = h
        .call(
            "POST",
            "/api/v1/extensions",
            ADMIN,
            Some(&body(json!({"number":"103","secret":SECRET}))),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    h.call(
        "PATCH",
        "/api/v1/extensions/101",
        ADMIN,
        Some(&body(json!({"max_contacts":5,"nat":false,
        "codecs":["GSM"],"dtmf_mode":"auto","voicemail":false,"permit":["10.1.0.0/16"],
        "register_expiry":600,"qualify_interval":0}))),
    )
    .await;
    let replaced = h
        .call("PUT", "/api/v1/extensions/101", ADMIN, Some("{}"))
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    let mut a = created.json.clone();
    let mut b = replaced.json.clone();
    a["number"] = json!("");
    b["number"] = json!("");
    assert_eq!(a, b);
    assert_eq!(
        h.last_change().extension("101").unwrap().secret.expose(),
        ALICE_SECRET
    );
}

/// POST `input` as admin; expect 400 naming `field`; check nothing was written.
async fn rejected(h: &Harness, input: &str, field: &str) -> serde_json::Value {
    let before = h.stored();
    let changes = h.change_count();
    let r = h
        .call("POST", "/api/v1/extensions", ADMIN, Some(input))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{input}: {}", r.text);
    assert_eq!(r.json["field"], field, "{input}: {}", r.text);
    assert!(r.json["error"].as_str().is_some_and(|e| !e.is_empty()));
    assert_eq!(h.stored(), before, "store changed by rejected {input}");
    assert_eq!(
        h.change_count(),
        changes,
        "engine told about rejected {input}"
    );
    r.json
}

#[tokio::test]
async fn validation_errors_name_the_field() {
    let h = Harness::new();
    let weak = rejected(&h, &body(json!({"number":"102","secret":"abc"})), "secret").await;
    assert!(weak["issues"].as_array().is_some_and(|i| !i.is_empty()));
    rejected(
        &h,
        &body(json!({"number":"102","secret":"password1"})),
        "secret",
    )
    .await;
    rejected(
        &h,
        &body(json!({"number":"102","secret":SECRET,"max_contacts":0})),
        "max_contacts",
    )
    .await;
    rejected(
        &h,
        &body(json!({"number":"102","secret":SECRET,"max_contacts":6})),
        "max_contacts",
    )
    .await;
    rejected(&h, &body(json!({"number":"99","secret":SECRET})), "number").await;
    rejected(&h, &body(json!({"number":"900","secret":SECRET})), "number").await;
    rejected(&h, &body(json!({"number":"1a2","secret":SECRET})), "number").await;
    rejected(&h, &body(json!({"secret":SECRET})), "number").await;
    rejected(&h, &body(json!({"number":"102"})), "secret").await;
    rejected(
        &h,
        &body(json!({"number":"102","secret":SECRET,"permit":["10.0.0.300/8"]})),
        "permit",
    )
    .await;
    rejected(
        &h,
        &body(json!({"number":"102","secret":SECRET,"codecs":["speex"]})),
        "codecs",
    )
    .await;
    // Serde-level problems still name the field.
    let unknown = rejected(
        &h,
        &body(json!({"number":"102","secret":SECRET,"colour":"red"})),
        "colour",
    )
    .await;
    assert!(unknown["error"].as_str().unwrap().contains("colour"));
    rejected(&h, &body(json!({"number":102,"secret":SECRET})), "number").await;
    rejected(
        &h,
        &body(json!({"number":"102","secret":SECRET,"nat":"yes"})),
        "nat",
    )
    .await;
    rejected(
        &h,
        &body(json!({"number":"102","secret":SECRET,"max_contacts":"2"})),
        "max_contacts",
    )
    .await;
}

#[tokio::test]
async fn all_issues_are_listed() {
    let h = Harness::new();
    let r = h
        .call(
            "POST",
            "/api/v1/extensions",
            ADMIN,
            Some(&body(
                json!({"number":"102","secret":"x","max_contacts":9,"dtmf_mode":"morse"}),
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = r.json["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["field"].as_str().unwrap())
        .collect();
    for f in ["secret", "max_contacts", "dtmf_mode"] {
        assert!(fields.contains(&f), "{fields:?} lacks {f}");
    }
    assert_eq!(r.json["field"], fields[0]);
}

#[tokio::test]
async fn malformed_bodies_are_json_errors() {
    let h = Harness::new();
    for bad in [
        r#"{"number":"102","#,
        "[1,2",
        "not json",
        "",
        r#"{"number":"102"} trailing"#,
    ] {
        let r = h.call("POST", "/api/v1/extensions", ADMIN, Some(bad)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad:?}");
        assert!(r.json["error"].is_string(), "{bad:?}: {}", r.text);
    }
    let r = h
        .call("POST", "/api/v1/extensions", ADMIN, Some("[]"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json["error"].is_string());
    // A form post is not JSON.
    let req = axum::http::Request::post("/api/v1/extensions")
        .header(
            "authorization",
            common::basic_header("admin", common::ADMIN_PW),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("number=102"))
        .unwrap();
    let r = h.send(req).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(r.json["error"].is_string());
    assert_eq!(h.change_count(), 0);
}

#[tokio::test]
async fn invalid_updates_change_nothing() {
    let h = Harness::new();
    let before = h.stored();
    for (method, input, field) in [
        ("PATCH", json!({"max_contacts":0}), "max_contacts"),
        ("PATCH", json!({"secret":"short"}), "secret"),
        ("PATCH", json!({"number":"102"}), "number"),
        ("PUT", json!({"max_contacts":6}), "max_contacts"),
        ("PATCH", json!({"bogus":true}), "bogus"),
    ] {
        let r = h
            .call(method, "/api/v1/extensions/101", ADMIN, Some(&body(input)))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{method} {}", r.text);
        assert_eq!(r.json["field"], field);
    }
    assert_eq!(h.stored(), before);
    assert_eq!(h.change_count(), 0);
}

#[tokio::test]
async fn duplicate_is_409() {
    let h = Harness::new();
    let r = h
        .call(
            "POST",
            "/api/v1/extensions",
            ADMIN,
            Some(&body(json!({"number":"101","secret":SECRET}))),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.json["field"], "number");
    assert_eq!(h.change_count(), 0);
    assert_eq!(
        h.stored().extension("101").unwrap().secret.expose(),
        ALICE_SECRET
    );
}

#[tokio::test]
async fn unknown_extension_is_404() {
    let h = Harness::new();
    for method in ["GET", "PUT", "PATCH", "DELETE"] {
        let b = (method == "PUT" || method == "PATCH").then_some(r#"{"name":"x"}"#);
        let r = h.call(method, "/api/v1/extensions/555", ADMIN, b).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method}");
        assert!(r.json["error"].is_string());
    }
    assert_eq!(h.change_count(), 0);
}

#[tokio::test]
async fn user_role_sees_and_patches_only_its_own_extension() {
    let h = Harness::new();
    h.call(
        "POST",
        "/api/v1/extensions",
        ADMIN,
        Some(&body(json!({"number":"102","secret":SECRET}))),
    )
    .await;

    let r = h.call("GET", "/api/v1/extensions", USER101, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json.as_array().unwrap().len(), 1);
    assert_eq!(r.json[0]["number"], "101");

    assert_eq!(
        h.call("GET", "/api/v1/extensions/101", USER101, None)
            .await
            .status,
        StatusCode::OK
    );
    let r = h.call("GET", "/api/v1/extensions/102", USER101, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.json["error"].is_string());

    // Own name and secret: allowed.
    let r = h
        .call(
            "PATCH",
            "/api/v1/extensions/101",
            USER101,
            Some(&body(json!({"name":"Alice B","secret":"Other-Secret-8"}))),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        h.last_change().extension("101").unwrap().secret.expose(),
        "Other-Secret-8"
    );
    let changes = h.change_count();

    // Someone else's secret, policy fields, create, replace, delete: forbidden.
    let r = h
        .call(
            "PATCH",
            "/api/v1/extensions/102",
            USER101,
            Some(&body(json!({"secret":"Evil-Secret-9"}))),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = h
        .call(
            "PATCH",
            "/api/v1/extensions/101",
            USER101,
            Some(&body(json!({"max_contacts":5}))),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["field"], "max_contacts");
    let r = h
        .call(
            "POST",
            "/api/v1/extensions",
            USER101,
            Some(&body(json!({"number":"103","secret":SECRET}))),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = h
        .call("PUT", "/api/v1/extensions/101", USER101, Some("{}"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = h
        .call("DELETE", "/api/v1/extensions/101", USER101, None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(h.change_count(), changes);
    assert_eq!(h.stored().extension("102").unwrap().secret.expose(), SECRET);
}

#[tokio::test]
async fn writes_need_credentials() {
    let h = Harness::new();
    let r = h
        .call(
            "POST",
            "/api/v1/extensions",
            Auth::None,
            Some(&body(json!({"number":"102","secret":SECRET}))),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(h.change_count(), 0);
    let r = h
        .call(
            "DELETE",
            "/api/v1/extensions/101",
            Auth::Basic("admin", "wrong"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(h.stored().extension("101").is_some());
}
