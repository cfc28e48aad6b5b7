//! Accounts: CRUD by admins, password rules, no password ever returned, the extension user
//! portal (login with the extension number, features, own password), and the transparent
//! upgrade of old password hashes.

mod common;

use argon2::password_hash::{PasswordHasher, SaltString};
use axum::http::StatusCode;
use common::{Auth, Harness, ADMIN, ADMIN_PW};
use serde_json::json;

#[tokio::test]
async fn admin_creates_lists_changes_and_deletes_accounts() {
    let h = Harness::new();
    let r = h
        .call(
            "POST",
            "/api/v1/accounts",
            ADMIN,
            Some(r#"{"username":"reception","password":"Front-Desk-42","role":"operator"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"username":"reception","role":"operator","extension":null})
    );
    let token = h.login("reception", "Front-Desk-42").await;
    let me = h
        .call("GET", "/api/v1/me", Auth::Bearer(token.clone()), None)
        .await;
    assert_eq!(me.json["role"], "operator");

    // Duplicate name.
    let r = h
        .call(
            "POST",
            "/api/v1/accounts",
            ADMIN,
            Some(r#"{"username":"reception","password":"Front-Desk-43","role":"billing"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json["field"], "username");

    let list = h.call("GET", "/api/v1/accounts", ADMIN, None).await;
    let names: Vec<&str> = list
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "alice", "bill", "oper", "reception"]);

    // Demote to billing: the role changes at once, and the old token ends.
    let r = h
        .call(
            "PATCH",
            "/api/v1/accounts/reception",
            ADMIN,
            Some(r#"{"role":"billing"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        h.call("GET", "/api/v1/me", Auth::Bearer(token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        h.call(
            "GET",
            "/api/v1/extensions",
            Auth::Basic("reception", "Front-Desk-42"),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    let r = h
        .call("DELETE", "/api/v1/accounts/reception", ADMIN, None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        h.call("GET", "/api/v1/accounts/reception", ADMIN, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(!h.transcript.lock().unwrap().contains("Front-Desk"));
    assert!(!h.transcript.lock().unwrap().contains("argon2"));
}

#[tokio::test]
async fn weak_passwords_and_bad_fields_are_refused_by_name() {
    let h = Harness::new();
    for (body, field) in [
        (
            r#"{"username":"x1","password":"short","role":"operator"}"#,
            "password",
        ),
        (
            r#"{"username":"x1","password":"alllowercase-only","role":"operator"}"#,
            "password",
        ),
        (
            r#"{"username":"x1","password":"Password123","role":"operator"}"#,
            "password",
        ),
        (r#"{"username":"x1","role":"operator"}"#, "password"),
        (
            r#"{"username":"x1","password":"Good-Pass-123","role":"boss"}"#,
            "role",
        ),
        (
            r#"{"username":"a b","password":"Good-Pass-123","role":"admin"}"#,
            "username",
        ),
        (
            r#"{"password":"Good-Pass-123","role":"user","extension":"999"}"#,
            "extension",
        ),
        (
            r#"{"username":"x1","password":"Good-Pass-123","role":"user"}"#,
            "extension",
        ),
        (
            r#"{"username":"x1","password":"Good-Pass-123","role":"admin","extension":"101"}"#,
            "extension",
        ),
        (
            r#"{"username":"x1","password":"Good-Pass-123","role":"admin","bogus":1}"#,
            "bogus",
        ),
    ] {
        let r = h.call("POST", "/api/v1/accounts", ADMIN, Some(body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
        assert_eq!(r.json["field"], field, "{body}: {}", r.text);
    }
    let r = h
        .call(
            "PATCH",
            "/api/v1/accounts/oper",
            ADMIN,
            Some(r#"{"password":"weakweakweak"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["field"], "password");
    assert!(r.json["error"].as_str().unwrap().contains("too weak"));
}

#[tokio::test]
async fn the_admin_account_and_the_last_admin_stay() {
    let h = Harness::new();
    let r = h
        .call("DELETE", "/api/v1/accounts/admin", ADMIN, None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = h
        .call(
            "PATCH",
            "/api/v1/accounts/admin",
            ADMIN,
            Some(r#"{"role":"operator"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.json["field"], "role");
    // With a second admin the first may be demoted.
    let r = h
        .call(
            "POST",
            "/api/v1/accounts",
            ADMIN,
            Some(r#"{"username":"root2","password":"Second-Admin-7","role":"admin"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = h
        .call(
            "PATCH",
            "/api/v1/accounts/admin",
            ADMIN,
            Some(r#"{"role":"operator"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn extension_user_logs_in_with_the_number_and_manages_its_features() {
    let h = Harness::new();
    let r = h
        .call(
            "POST",
            "/api/v1/accounts",
            ADMIN,
            Some(r#"{"role":"user","extension":"101","password":"Portal-Pass-7x"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["username"], "101");
    let token = h.login("101", "Portal-Pass-7x").await;
    let me = Auth::Bearer(token);
    let body = json!({
        "voicemail_pin": "4711",
        "call_forward": {"always": null, "busy": "102", "no_answer": "+49301234567"},
        "dnd": true,
        "follow_me": [{"number": "0171234567", "ring_time": 20}, {"number": "102", "ring_time": 15}],
    })
    .to_string();
    let r = h.call("PUT", "/api/v1/me", me.clone(), Some(&body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let f = &r.json["features"];
    assert_eq!(f["voicemail_pin_set"], true);
    assert_eq!(f["call_forward"]["busy"], "102");
    assert_eq!(f["dnd"], true);
    assert_eq!(f["follow_me"][1]["number"], "102");
    assert!(!r.text.contains("4711"), "the PIN is write-only");
    // Stored: staff see the same on the extension; the PIN is kept when left out.
    let r = h
        .call(
            "PUT",
            "/api/v1/me",
            me.clone(),
            Some(r#"{"dnd":false,"call_forward":{"no_answer":"103"}}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let staff = h
        .call("GET", "/api/v1/extensions/101/features", ADMIN, None)
        .await;
    assert_eq!(staff.json["voicemail_pin_set"], true);
    assert_eq!(staff.json["dnd"], false);
    assert_eq!(staff.json["call_forward"]["no_answer"], "103");
    assert_eq!(staff.json["follow_me"], json!([]));
    assert_eq!(
        h.store
            .lock()
            .unwrap()
            .voicemail_pin("101")
            .unwrap()
            .as_deref(),
        Some("4711")
    );

    // Bad values name their field; nothing is stored.
    for (body, field) in [
        (r#"{"voicemail_pin":"12a4"}"#, "voicemail_pin"),
        (r#"{"call_forward":{"busy":"abc"}}"#, "call_forward.busy"),
        (
            r#"{"call_forward":{"always":"101"}}"#,
            "call_forward.always",
        ),
        (
            r#"{"follow_me":[{"number":"102","ring_time":500}]}"#,
            "follow_me[0].ring_time",
        ),
        (r#"{"dnd":"yes"}"#, "dnd"),
    ] {
        let r = h.call("PUT", "/api/v1/me", me.clone(), Some(body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.json["field"], field, "{body}: {}", r.text);
    }
    let after = h
        .call("GET", "/api/v1/extensions/101/features", ADMIN, None)
        .await;
    assert_eq!(after.json, staff.json);
}

#[tokio::test]
async fn own_password_change_needs_the_current_one() {
    let h = Harness::new();
    let token = h.login("oper", common::OPERATOR_PW).await;
    let me = Auth::Bearer(token);
    let r = h
        .call(
            "POST",
            "/api/v1/me/password",
            me.clone(),
            Some(r#"{"current_password":"wrong","new_password":"Fresh-Horse-51"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["field"], "current_password");
    let body = json!({"current_password": common::OPERATOR_PW, "new_password": "weak"}).to_string();
    let r = h
        .call("POST", "/api/v1/me/password", me.clone(), Some(&body))
        .await;
    assert_eq!(r.json["field"], "new_password");
    let body = json!({"current_password": common::OPERATOR_PW, "new_password": "Fresh-Horse-51"})
        .to_string();
    let r = h
        .call("POST", "/api/v1/me/password", me.clone(), Some(&body))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    // The session that changed it goes on; the new password works, the old one not.
    assert_eq!(
        h.call("GET", "/api/v1/me", me, None).await.status,
        StatusCode::OK
    );
    h.login("oper", "Fresh-Horse-51").await;
    assert_eq!(
        h.call("GET", "/api/v1/me", common::OPERATOR, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_old_hash_is_upgraded_at_the_next_login() {
    let h = Harness::new();
    // An argon2i hash with weak parameters, as an older release might have stored it.
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2i,
        argon2::Version::V0x13,
        argon2::Params::new(1024, 1, 1, None).unwrap(),
    );
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let old = weak
        .hash_password(ADMIN_PW.as_bytes(), &salt)
        .unwrap()
        .to_string();
    {
        let mut store = h.store.lock().unwrap();
        let mut admin = store.get_user("admin").unwrap().unwrap();
        admin.password_hash = old.clone();
        store.upsert_user(&admin).unwrap();
    }
    h.login("admin", ADMIN_PW).await;
    let now = h
        .store
        .lock()
        .unwrap()
        .get_user("admin")
        .unwrap()
        .unwrap()
        .password_hash;
    assert_ne!(now, old);
    assert!(now.starts_with("$argon2id$v=19$"), "{now}");
    assert!(rotary_api::verify_password(ADMIN_PW, &now));
    // And it keeps working.
    h.login("admin", ADMIN_PW).await;
}
