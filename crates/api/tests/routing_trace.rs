//! `GET /api/v1/route-trace`: an inbound call through a time condition at two times, an
//! outbound call with dial prefix, strip and prepend, and bad input named by its parameter.

mod common;

use axum::http::StatusCode;
use common::{Harness, ADMIN, OPERATOR};
use serde_json::{json, Value};

/// A peer trunk, a Berlin office-hours condition (Mon–Fri 08:00–17:00) in front of
/// extension 101 (voicemail after hours), and a national dial rule `9` + `_0ZX.` that
/// strips the `0` and prepends `+49`.
async fn configured() -> Harness {
    let h = Harness::new();
    let doc = json!({
        "trunks": [{"id": "prov", "mode": {"kind": "peer", "host": "192.0.2.1"}}],
        "time_conditions": [{"id": "office", "time_zone": "Europe/Berlin",
            "weekly": [{"days": ["mon", "tue", "wed", "thu", "fri"],
                        "start": "08:00", "end": "17:00"}],
            "matched": {"type": "extension", "number": "101"},
            "not_matched": {"type": "voicemail", "extension": "101"}}],
        "inbound_routes": [{"name": "main", "trunk": "prov", "did": "_4930123X.",
            "destination": {"type": "time_condition", "id": "office"}}],
        "outbound_routes": [{"id": "national", "dial_prefix": "9",
            "patterns": [{"pattern": "_0ZX.", "strip": 1, "prepend": "+49"}],
            "trunks": ["prov"]}]
    });
    let r = h
        .call("PUT", "/api/v1/routing", ADMIN, Some(&doc.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    h
}

fn steps(r: &Value) -> Vec<&str> {
    r["trace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn inbound_call_follows_the_time_condition_at_the_given_time() {
    let h = configured().await;
    // Monday 3 June 2024, 12:00 in Berlin (CEST, UTC+2): office hours.
    let day = h
        .call(
            "GET",
            "/api/v1/route-trace?from=0301234&to=493012345&trunk=prov&at=2024-06-03T10:00:00Z",
            OPERATOR,
            None,
        )
        .await;
    assert_eq!(day.status, StatusCode::OK, "{}", day.text);
    assert_eq!(day.json["kind"], "inbound");
    assert_eq!(day.json["route"], "main");
    assert_eq!(
        day.json["outcome"],
        json!({"action": "deliver", "target": {"type": "extension", "number": "101"}})
    );
    let tc = day.json["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "time_condition")
        .expect("a time condition step");
    assert_eq!(tc["matched"], true);
    assert!(tc["text"].as_str().unwrap().contains("office"), "{tc}");
    assert!(steps(&day.json).contains(&"route_matched"));
    assert_eq!(day.json["query"]["at"], "2024-06-03T10:00:00Z");
    assert_eq!(day.json["summary"], "deliver to extension 101");

    // The same call at 22:00 Berlin time goes to voicemail.
    let night = h
        .call(
            "GET",
            "/api/v1/route-trace?from=0301234&to=493012345&trunk=prov&at=2024-06-03T22:00:00%2B02:00",
            ADMIN,
            None,
        )
        .await;
    assert_eq!(night.status, StatusCode::OK, "{}", night.text);
    assert_eq!(
        night.json["outcome"],
        json!({"action": "deliver", "target": {"type": "voicemail", "extension": "101"}})
    );
    let tc = night.json["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "time_condition")
        .expect("a time condition step");
    assert_eq!(tc["matched"], false);
    for step in night.json["trace"].as_array().unwrap() {
        assert!(!step["text"].as_str().unwrap().is_empty(), "{step}");
    }

    // A DID no route takes.
    let none = h
        .call(
            "GET",
            "/api/v1/route-trace?from=0301234&to=4940999&trunk=prov&at=2024-06-03T10:00:00Z",
            ADMIN,
            None,
        )
        .await;
    assert_eq!(none.status, StatusCode::OK);
    assert_eq!(none.json["outcome"]["action"], "hangup");
    assert_eq!(none.json["outcome"]["cause"], "no_route");
}

#[tokio::test]
async fn outbound_call_strips_and_prepends() {
    let h = configured().await;
    let r = h
        .call(
            "GET",
            "/api/v1/route-trace?from=101&to=9030123456&at=2024-06-03T10:00:00Z",
            OPERATOR,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["kind"], "outbound");
    assert_eq!(r.json["route"], "national");
    assert_eq!(r.json["outcome"]["action"], "trunks");
    let attempt = &r.json["outcome"]["attempts"][0];
    assert_eq!(attempt["trunk"], "prov");
    assert_eq!(attempt["number"], "+4930123456");
    let rewritten = r.json["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "number_rewritten")
        .expect("a rewrite step");
    assert_eq!(rewritten["to"], "+4930123456");
    assert!(r.json["summary"]
        .as_str()
        .unwrap()
        .contains("prov as +4930123456"));

    // An internal number is internal.
    let r = h
        .call("GET", "/api/v1/route-trace?from=101&to=101", ADMIN, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["kind"], "internal");
}

#[tokio::test]
async fn bad_input_names_the_parameter() {
    let h = configured().await;
    for (query, field) in [
        ("to=123", "from"),
        ("from=101", "to"),
        ("from=101&to=12ab", "to"),
        ("from=101&to=123&at=yesterday", "at"),
        ("from=101&to=123&at=2024-06-03", "at"),
        ("from=0301&to=123&trunk=ghost", "trunk"),
        ("from=999&to=123", "from"),
    ] {
        let r = h
            .call("GET", &format!("/api/v1/route-trace?{query}"), ADMIN, None)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.text);
        assert_eq!(r.json["field"], field, "{query}");
    }
}
