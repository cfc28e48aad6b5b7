//! A trunk's live status: `GET /api/v1/trunks/{id}/status`, the `status` field of the trunk
//! list and view, and writes that send the status back (ignored).

mod common;

use axum::http::StatusCode;
use common::{Harness, ADMIN, OPERATOR, USER101};
use serde_json::json;

#[tokio::test]
async fn status_endpoint_and_field() {
    let h = Harness::new();
    let body = json!({"id": "prov", "mode": {"kind": "peer", "host": "192.0.2.1"}});
    let r = h
        .call("POST", "/api/v1/trunks", ADMIN, Some(&body.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // The fake engine reports nothing: the state is "unknown", never an error.
    let st = h
        .call("GET", "/api/v1/trunks/prov/status", OPERATOR, None)
        .await;
    assert_eq!(st.status, StatusCode::OK, "{}", st.text);
    assert_eq!(st.json["trunk"], "prov");
    assert_eq!(st.json["state"], "unknown");
    let missing = h
        .call("GET", "/api/v1/trunks/nope/status", ADMIN, None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let user = h
        .call("GET", "/api/v1/trunks/prov/status", USER101, None)
        .await;
    assert_eq!(user.status, StatusCode::FORBIDDEN);

    let list = h.call("GET", "/api/v1/trunks", ADMIN, None).await;
    assert_eq!(list.json[0]["status"]["state"], "unknown", "{}", list.text);
    let one = h.call("GET", "/api/v1/trunks/prov", ADMIN, None).await;
    assert_eq!(one.json["status"]["trunk"], "prov");
    // A trunk sent back as read (with its status) is accepted; the status is not stored.
    let mut back = one.json.clone();
    back["max_calls"] = json!(3);
    let put = h
        .call("PUT", "/api/v1/trunks/prov", ADMIN, Some(&back.to_string()))
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(h.stored().routing.trunk("prov").unwrap().max_calls, Some(3));
    // Other unknown fields are still refused, naming the field.
    back["bogus"] = json!(1);
    let bad = h
        .call("PUT", "/api/v1/trunks/prov", ADMIN, Some(&back.to_string()))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
}

#[tokio::test]
async fn openapi_documents_the_status_endpoint() {
    let h = Harness::new();
    let doc = h.call("GET", "/api/v1/openapi.json", ADMIN, None).await;
    assert!(
        doc.json["paths"]["/api/v1/trunks/{id}/status"]["get"].is_object(),
        "{}",
        doc.text
    );
    assert!(doc.json["components"]["schemas"]["TrunkStatusView"].is_object());
}
