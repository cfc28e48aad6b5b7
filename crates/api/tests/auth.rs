//! Authentication: login tokens, HTTP Basic, 401 challenges, token idle expiry, roles, and the
//! brute-force lockout (with tokio's paused clock, never real waiting).

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::{header, StatusCode};
use common::{Auth, Harness, ADMIN, ADMIN_PW, OPERATOR, USER101};
use serde_json::json;

fn login_body(user: &str, password: &str) -> String {
    json!({"username": user, "password": password}).to_string()
}

#[tokio::test]
async fn login_token_lists_extensions() {
    let h = Harness::new();
    let token = h.login("admin", ADMIN_PW).await;
    assert_eq!(token.len(), 64, "256-bit token as hex");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let r = h
        .call(
            "GET",
            "/api/v1/extensions",
            Auth::Bearer(token.clone()),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json[0]["number"], "101");
    // Two logins give two different tokens.
    assert_ne!(h.login("admin", ADMIN_PW).await, token);
}

#[tokio::test]
async fn basic_auth_is_accepted() {
    let h = Harness::new();
    for _ in 0..3 {
        let r = h.call("GET", "/api/v1/extensions", ADMIN, None).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    assert_eq!(
        h.call("GET", "/api/v1/extensions", OPERATOR, None)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn missing_or_wrong_credentials_are_401() {
    let h = Harness::new();
    let r = h.call("GET", "/api/v1/extensions", Auth::None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.json["error"].is_string());
    let challenge = r.headers[header::WWW_AUTHENTICATE].to_str().unwrap();
    assert!(
        challenge.starts_with(r#"Basic realm="rotary""#),
        "{challenge}"
    );

    let r = h
        .call(
            "GET",
            "/api/v1/extensions",
            Auth::Basic("admin", "nope"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.headers[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    let r = h
        .call(
            "GET",
            "/api/v1/extensions",
            Auth::Basic("nobody", ADMIN_PW),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = h
        .call(
            "GET",
            "/api/v1/extensions",
            Auth::Raw("Basic !!notbase64"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = h
        .call("GET", "/api/v1/extensions", Auth::Raw("Digest x"), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let r = h
        .call(
            "GET",
            "/api/v1/extensions",
            Auth::Bearer("f".repeat(64)),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.headers[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));

    let r = h
        .call(
            "POST",
            "/api/v1/login",
            Auth::None,
            Some(&login_body("admin", "nope")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.json.get("token").is_none());
}

#[tokio::test]
async fn malformed_login_is_400() {
    let h = Harness::new();
    let r = h
        .call(
            "POST",
            "/api/v1/login",
            Auth::None,
            Some(r#"{"username":"admin"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json["error"].as_str().unwrap().contains("password"));
    let r = h.call("POST", "/api/v1/login", Auth::None, Some("{")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json["error"].is_string());
}

#[tokio::test(start_paused = true)]
async fn token_expires_when_idle_and_at_the_absolute_limit() {
    let h = Harness::new();
    let get = |token: &str| {
        let token = token.to_owned();
        let h = &h;
        async move {
            h.call("GET", "/api/v1/extensions", Auth::Bearer(token), None)
                .await
                .status
        }
    };
    // Default: 30 minutes idle, 12 hours absolute. Used every 29 minutes it stays valid…
    let token = h.login("admin", ADMIN_PW).await;
    for _ in 0..24 {
        tokio::time::advance(Duration::from_secs(29 * 60)).await;
        assert_eq!(get(&token).await, StatusCode::OK);
    }
    // …until 12 hours after the login, however much it is used.
    tokio::time::advance(Duration::from_secs(25 * 60)).await;
    assert_eq!(get(&token).await, StatusCode::UNAUTHORIZED);

    // Unused for 31 minutes: expired.
    let token = h.login("admin", ADMIN_PW).await;
    tokio::time::advance(Duration::from_secs(31 * 60)).await;
    assert_eq!(get(&token).await, StatusCode::UNAUTHORIZED);

    // The idle timeout is a system setting and applies to existing tokens at once.
    let token = h.login("admin", ADMIN_PW).await;
    let r = h
        .call(
            "PATCH",
            "/api/v1/system-settings",
            Auth::Bearer(token.clone()),
            Some(r#"{"session_idle_minutes":5}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    tokio::time::advance(Duration::from_secs(4 * 60)).await;
    assert_eq!(get(&token).await, StatusCode::OK);
    tokio::time::advance(Duration::from_secs(6 * 60)).await;
    assert_eq!(get(&token).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_ends_the_token() {
    let h = Harness::new();
    let token = h.login("oper", common::OPERATOR_PW).await;
    let r = h
        .call("POST", "/api/v1/logout", Auth::Bearer(token.clone()), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h
        .call("GET", "/api/v1/extensions", Auth::Bearer(token), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn token_of_a_deleted_user_stops_working() {
    let h = Harness::new();
    let token = h.login("alice", common::USER_PW).await;
    assert!(h.store.lock().unwrap().delete_user("alice").unwrap());
    let r = h
        .call("GET", "/api/v1/extensions/101", Auth::Bearer(token), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn changed_password_invalidates_cached_basic() {
    let h = Harness::new();
    assert_eq!(
        h.call("GET", "/api/v1/extensions", ADMIN, None)
            .await
            .status,
        StatusCode::OK
    );
    {
        let mut store = h.store.lock().unwrap();
        let mut admin = store.get_user("admin").unwrap().unwrap();
        admin.password_hash = rotary_api::hash_password("brand-New-Pass-4");
        store.upsert_user(&admin).unwrap();
    }
    assert_eq!(
        h.call("GET", "/api/v1/extensions", ADMIN, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r = h
        .call(
            "GET",
            "/api/v1/extensions",
            Auth::Basic("admin", "brand-New-Pass-4"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn role_without_the_right_is_403() {
    let h = Harness::new();
    let body = json!({"number":"150","secret":"s3cret-Pass"}).to_string();
    let r = h
        .call("POST", "/api/v1/extensions", USER101, Some(&body))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.json["error"].is_string());
    let token = h.login("alice", common::USER_PW).await;
    let r = h
        .call(
            "DELETE",
            "/api/v1/extensions/101",
            Auth::Bearer(token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Operators manage extensions.
    let r = h
        .call("POST", "/api/v1/extensions", OPERATOR, Some(&body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

#[tokio::test(start_paused = true)]
async fn brute_force_locks_the_address_out() {
    let h = Harness::new();
    let attacker: SocketAddr = "192.0.2.7:40000".parse().unwrap();
    let bystander: SocketAddr = "192.0.2.8:40000".parse().unwrap();
    let bad = login_body("admin", "guess");
    let good = login_body("admin", ADMIN_PW);
    for i in 0..5 {
        let r = h
            .call_from(
                "POST",
                "/api/v1/login",
                Auth::None,
                Some(&bad),
                Some(attacker),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        tokio::time::advance(Duration::from_secs(10)).await;
    }
    let r = h
        .call_from(
            "POST",
            "/api/v1/login",
            Auth::None,
            Some(&bad),
            Some(attacker),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    assert!(r.json["error"].is_string());
    // Locked out even with the right password, and for Basic too.
    let r = h
        .call_from(
            "POST",
            "/api/v1/login",
            Auth::None,
            Some(&good),
            Some(attacker),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let r = h
        .call_from("GET", "/api/v1/extensions", ADMIN, None, Some(attacker))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Another address is not affected.
    let r = h
        .call_from(
            "POST",
            "/api/v1/login",
            Auth::None,
            Some(&good),
            Some(bystander),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // 14 minutes later still locked, after 15 free again.
    tokio::time::advance(Duration::from_secs(14 * 60)).await;
    let r = h
        .call_from(
            "POST",
            "/api/v1/login",
            Auth::None,
            Some(&good),
            Some(attacker),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    tokio::time::advance(Duration::from_secs(60)).await;
    let r = h
        .call_from(
            "POST",
            "/api/v1/login",
            Auth::None,
            Some(&good),
            Some(attacker),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test(start_paused = true)]
async fn failed_basic_auth_counts_towards_lockout() {
    let h = Harness::new();
    // Without connect info every request shares one bucket.
    for _ in 0..5 {
        let r = h
            .call(
                "GET",
                "/api/v1/extensions",
                Auth::Basic("admin", "guess"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = h
        .call(
            "GET",
            "/api/v1/extensions",
            Auth::Basic("admin", "guess"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let r = h
        .call(
            "POST",
            "/api/v1/login",
            Auth::None,
            Some(&login_body("admin", ADMIN_PW)),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(start_paused = true)]
async fn slow_failures_do_not_lock_out() {
    let h = Harness::new();
    let bad = login_body("admin", "guess");
    for _ in 0..8 {
        let r = h
            .call("POST", "/api/v1/login", Auth::None, Some(&bad))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        tokio::time::advance(Duration::from_secs(61)).await;
    }
    assert_eq!(
        h.call("GET", "/api/v1/extensions", ADMIN, None)
            .await
            .status,
        StatusCode::OK
    );
}
