//! Role boundaries on every resource: what billing, operator and extension users may not
//! do (and a few things they may), each answered 403 without side effects.

mod common;

use axum::http::StatusCode;
use common::{Auth, Harness, ADMIN, BILLING, OPERATOR, USER101};

async fn status(h: &Harness, method: &str, uri: &str, auth: Auth, body: Option<&str>) -> u16 {
    h.call(method, uri, auth, body).await.status.as_u16()
}

#[tokio::test]
async fn billing_sees_call_records_and_nothing_else() {
    let h = Harness::new();
    assert_eq!(status(&h, "GET", "/api/v1/cdr", BILLING, None).await, 200);
    assert_eq!(
        status(&h, "GET", "/api/v1/cdr.csv", BILLING, None).await,
        200
    );
    // Recordings: allowed, so an unknown call is 404, not 403.
    assert_eq!(
        status(&h, "GET", "/api/v1/recordings/42", BILLING, None).await,
        404
    );
    let me = h.call("GET", "/api/v1/me", BILLING, None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json["role"], "billing");
    for uri in [
        "/api/v1/extensions",
        "/api/v1/extensions/101",
        "/api/v1/extensions/101/features",
        "/api/v1/registrations",
        "/api/v1/settings",
        "/api/v1/routing",
        "/api/v1/routing/options",
        "/api/v1/trunks",
        "/api/v1/inbound-routes",
        "/api/v1/route-trace?kind=inbound&did=1",
        "/api/v1/accounts",
        "/api/v1/audit",
        "/api/v1/system-settings",
        "/api/v1/backups",
        "/api/v1/tls",
        "/api/v1/events",
    ] {
        assert_eq!(
            status(&h, "GET", uri, BILLING, None).await,
            403,
            "GET {uri}"
        );
    }
    for (method, uri, body) in [
        (
            "POST",
            "/api/v1/extensions",
            r#"{"number":"150","secret":"Secret-Pass-9"}"#,
        ),
        ("PATCH", "/api/v1/extensions/101", r#"{"name":"x"}"#),
        ("DELETE", "/api/v1/extensions/101", ""),
        ("PATCH", "/api/v1/settings", r#"{"global_ring_time":40}"#),
        ("POST", "/api/v1/backups", "{}"),
        ("PUT", "/api/v1/me", r#"{"dnd":true}"#),
    ] {
        let body = (!body.is_empty()).then_some(body);
        assert_eq!(
            status(&h, method, uri, BILLING, body).await,
            403,
            "{method} {uri}"
        );
    }
    assert_eq!(h.change_count(), 0, "nothing reached the engine");
}

#[tokio::test]
async fn operator_cannot_manage_accounts_settings_or_restore() {
    let h = Harness::new();
    for uri in [
        "/api/v1/accounts",
        "/api/v1/accounts/admin",
        "/api/v1/audit",
        "/api/v1/tls",
    ] {
        assert_eq!(
            status(&h, "GET", uri, OPERATOR, None).await,
            403,
            "GET {uri}"
        );
    }
    for (method, uri, body) in [
        (
            "POST",
            "/api/v1/accounts",
            r#"{"username":"x","password":"Good-Pass-123","role":"admin"}"#,
        ),
        (
            "PATCH",
            "/api/v1/accounts/admin",
            r#"{"password":"Good-Pass-123"}"#,
        ),
        ("DELETE", "/api/v1/accounts/alice", ""),
        ("PATCH", "/api/v1/system-settings", r#"{"setup_done":true}"#),
        ("POST", "/api/v1/backups/restore", ""),
        (
            "POST",
            "/api/v1/backups/rotary-backup-0.1.0-20250101-000000.tar.gz/restore",
            "",
        ),
        (
            "DELETE",
            "/api/v1/backups/rotary-backup-0.1.0-20250101-000000.tar.gz",
            "",
        ),
        (
            "PUT",
            "/api/v1/tls/certificate",
            r#"{"certificate":"x","private_key":"y"}"#,
        ),
        ("PATCH", "/api/v1/settings", r#"{"global_ring_time":40}"#),
    ] {
        let body = (!body.is_empty()).then_some(body);
        assert_eq!(
            status(&h, method, uri, OPERATOR, body).await,
            403,
            "{method} {uri}"
        );
    }
    // What an operator may do.
    assert_eq!(
        status(&h, "GET", "/api/v1/system-settings", OPERATOR, None).await,
        200
    );
    assert_eq!(
        status(&h, "GET", "/api/v1/settings", OPERATOR, None).await,
        200
    );
    assert_eq!(
        status(&h, "GET", "/api/v1/extensions/101/features", OPERATOR, None).await,
        200
    );
    assert_eq!(
        status(
            &h,
            "POST",
            "/api/v1/extensions",
            OPERATOR,
            Some(r#"{"number":"150","secret":"Secret-Pass-9"}"#)
        )
        .await,
        201
    );
}

#[tokio::test]
async fn extension_user_is_confined_to_its_own_extension() {
    let h = Harness::new();
    for uri in [
        "/api/v1/accounts",
        "/api/v1/audit",
        "/api/v1/settings",
        "/api/v1/system-settings",
        "/api/v1/backups",
        "/api/v1/trunks",
        "/api/v1/extensions/102/features",
        "/api/v1/cdr?number=102",
    ] {
        assert_eq!(
            status(&h, "GET", uri, USER101, None).await,
            403,
            "GET {uri}"
        );
    }
    assert_eq!(
        status(
            &h,
            "PUT",
            "/api/v1/extensions/102/features",
            USER101,
            Some(r#"{"dnd":true}"#)
        )
        .await,
        403
    );
    assert_eq!(
        status(&h, "GET", "/api/v1/extensions/101/features", USER101, None).await,
        200
    );
    assert_eq!(status(&h, "GET", "/api/v1/cdr", USER101, None).await, 200);
    let me = h.call("GET", "/api/v1/me", USER101, None).await;
    assert_eq!(me.json["extension"], "101");
    assert_eq!(me.json["features"]["dnd"], false);
}

#[tokio::test]
async fn staff_cannot_use_the_portal_endpoint_but_admin_reaches_everything() {
    let h = Harness::new();
    assert_eq!(
        status(&h, "PUT", "/api/v1/me", ADMIN, Some(r#"{"dnd":true}"#)).await,
        403
    );
    for uri in [
        "/api/v1/accounts",
        "/api/v1/audit",
        "/api/v1/system-settings",
        "/api/v1/tls",
        "/api/v1/extensions/101/features",
    ] {
        assert_eq!(status(&h, "GET", uri, ADMIN, None).await, 200, "GET {uri}");
    }
    // No data directory in this harness: backups are a conflict, not an error.
    assert_eq!(
        status(&h, "POST", "/api/v1/backups", ADMIN, None).await,
        409
    );
    assert_eq!(status(&h, "GET", "/api/v1/backups", ADMIN, None).await, 200);
}
