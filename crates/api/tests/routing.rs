//! The routing resources: create/list/show/replace/delete of every collection, validation
//! naming the path, 409 on duplicates and on deleting something in use, loops refused,
//! write-only trunk passwords, options, the day/night override, route order, export/import
//! of the whole document, roles, and each write reaching the store and the engine.

mod common;

use axum::http::StatusCode;
use common::{Auth, Harness, ADMIN, OPERATOR, USER101};
use rotary_config::routing::{OverrideMode, TrunkMode};
use serde_json::{json, Value};

const TRUNK_PW: &str = "Trunk-Secret-93";

fn trunk_body() -> String {
    json!({"id": "prov", "mode": {"kind": "register", "host": "sip.example.com",
            "username": "4930123", "password": TRUNK_PW}})
    .to_string()
}

/// The stored password of trunk `id`.
fn stored_password(h: &Harness, id: &str) -> String {
    match &h.stored().routing.trunk(id).expect("trunk stored").mode {
        TrunkMode::Register(r) => r.password.expose().to_owned(),
        TrunkMode::Account(a) => a.password.expose().to_owned(),
        TrunkMode::Peer(_) => String::new(),
    }
}

async fn post(h: &Harness, path: &str, body: &str) -> common::Reply {
    h.call("POST", path, ADMIN, Some(body)).await
}

async fn create_ok(h: &Harness, path: &str, body: Value) {
    let r = post(h, path, &body.to_string()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.text);
}

#[tokio::test]
async fn trunk_lifecycle_keeps_the_password_write_only() {
    let h = Harness::new();
    let r = post(&h, "/api/v1/trunks", &trunk_body()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["id"], "prov");
    assert!(r.json["mode"].get("password").is_none());
    assert_eq!(stored_password(&h, "prov"), TRUNK_PW);
    assert_eq!(h.change_count(), 1);
    assert_eq!(h.last_change().routing, h.stored().routing);

    let list = h.call("GET", "/api/v1/trunks", ADMIN, None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json.as_array().unwrap().len(), 1);
    let one = h.call("GET", "/api/v1/trunks/prov", OPERATOR, None).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json["mode"]["host"], "sip.example.com");

    // A PUT without the password keeps it; one with a new password replaces it.
    let put = json!({"id": "prov", "max_calls": 4, "mode": {"kind": "register",
                     "host": "sip2.example.com", "username": "4930123"}});
    let r = h
        .call("PUT", "/api/v1/trunks/prov", ADMIN, Some(&put.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["max_calls"], 4);
    assert_eq!(stored_password(&h, "prov"), TRUNK_PW);
    let mut put2 = put.clone();
    put2["mode"]["password"] = json!("Other-Secret-4");
    let r = h
        .call("PUT", "/api/v1/trunks/prov", ADMIN, Some(&put2.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(stored_password(&h, "prov"), "Other-Secret-4");

    // The key cannot change through PUT.
    let mut renamed = put.clone();
    renamed["id"] = json!("other");
    let r = h
        .call(
            "PUT",
            "/api/v1/trunks/prov",
            ADMIN,
            Some(&renamed.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["field"], "id");

    let r = h.call("DELETE", "/api/v1/trunks/prov", ADMIN, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(
        h.call("GET", "/api/v1/trunks/prov", ADMIN, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.call("DELETE", "/api/v1/trunks/prov", ADMIN, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(h.stored().routing.trunks.is_empty());
    let transcript = h.transcript.lock().unwrap().clone();
    assert!(!transcript.contains(TRUNK_PW) && !transcript.contains("Other-Secret-4"));
}

#[tokio::test]
async fn duplicates_conflict_and_invalid_objects_are_never_stored() {
    let h = Harness::new();
    assert_eq!(
        post(&h, "/api/v1/trunks", &trunk_body()).await.status,
        StatusCode::CREATED
    );
    let r = post(&h, "/api/v1/trunks", &trunk_body()).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json["field"], "id");

    // A trunk without its password: the validator names the path.
    let r = post(
        &h,
        "/api/v1/trunks",
        r#"{"id":"nopw","mode":{"kind":"register","host":"h.example","username":"u"}}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["field"], "trunks[1].mode.password");

    // An outbound route through a trunk that does not exist.
    let r = post(
        &h,
        "/api/v1/outbound-routes",
        r#"{"id":"out","patterns":[{"pattern":"_X."}],"trunks":["prov","ghost"]}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.json["field"], "outbound_routes[0].trunks[1]");
    assert!(!r.json["issues"].as_array().unwrap().is_empty());

    // A pattern that does not parse is named by its path in the body.
    let r = post(
        &h,
        "/api/v1/outbound-routes",
        r#"{"id":"out","patterns":[{"pattern":"_X[9-"}],"trunks":["prov"]}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.json["field"], "patterns[0].pattern");

    // An inbound route to an extension that does not exist.
    let r = post(
        &h,
        "/api/v1/inbound-routes",
        r#"{"name":"in","destination":{"type":"extension","number":"555"}}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["field"], "inbound_routes[0].destination");

    let stored = h.stored().routing;
    assert_eq!(stored.trunks.len(), 1);
    assert!(stored.outbound_routes.is_empty() && stored.inbound_routes.is_empty());
    assert_eq!(
        h.change_count(),
        1,
        "only the one good write reached the engine"
    );
}

#[tokio::test]
async fn every_collection_creates_lists_replaces_and_deletes() {
    let h = Harness::new();
    create_ok(
        &h,
        "/api/v1/trunks",
        serde_json::from_str(&trunk_body()).unwrap(),
    )
    .await;
    let cases: Vec<(&str, &str, Value, (&str, Value))> = vec![
        (
            "/api/v1/outbound-routes",
            "national",
            json!({"id": "national", "patterns": [{"pattern": "_0ZX."}], "trunks": ["prov"]}),
            ("call_time_limit", json!(600)),
        ),
        (
            "/api/v1/time-conditions",
            "office",
            json!({"id": "office", "weekly": [{"days": ["mon"], "start": "08:00",
                   "end": "17:00"}], "matched": {"type": "extension", "number": "101"},
                   "not_matched": {"type": "hangup"}}),
            ("time_zone", json!("Europe/Berlin")),
        ),
        (
            "/api/v1/inbound-routes",
            "main",
            json!({"name": "main", "did": "_4930X.",
                   "destination": {"type": "extension", "number": "101"}}),
            ("trunk", json!("prov")),
        ),
        (
            "/api/v1/direct-routes",
            "boss",
            json!({"name": "boss", "by": {"caller": "85337096"},
                   "destination": {"type": "extension", "number": "101"}}),
            ("enabled", json!(false)),
        ),
        (
            "/api/v1/departments",
            "0400",
            json!({"number": "0400", "name": "Sales", "members": ["101"]}),
            ("ring_time", json!(45)),
        ),
        (
            "/api/v1/ivrs",
            "0600",
            json!({"number": "0600", "prompt": "welcome",
                   "keys": {"1": {"type": "department", "number": "0400"}}}),
            ("loops", json!(5)),
        ),
        (
            "/api/v1/blacklist",
            "_0900.",
            json!({"pattern": "_0900.", "direction": "both"}),
            ("note", json!("premium")),
        ),
    ];
    for (path, key, body, _) in &cases {
        create_ok(&h, path, body.clone()).await;
        let list = h.call("GET", path, OPERATOR, None).await;
        assert_eq!(list.status, StatusCode::OK, "{path}");
        assert_eq!(list.json.as_array().unwrap().len(), 1, "{path}");
        let one = h.call("GET", &format!("{path}/{key}"), ADMIN, None).await;
        assert_eq!(one.status, StatusCode::OK, "{path}/{key}: {}", one.text);
    }
    for (path, key, body, (field, value)) in &cases {
        let mut changed = body.clone();
        changed[*field] = value.clone();
        let r = h
            .call(
                "PUT",
                &format!("{path}/{key}"),
                ADMIN,
                Some(&changed.to_string()),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        assert_eq!(&r.json[*field], value, "{path}");
    }
    let stored = h.stored().routing;
    assert_eq!(stored.outbound_routes[0].call_time_limit, Some(600));
    assert_eq!(stored.departments[0].ring_time, 45);
    assert_eq!(stored.blacklist[0].note, "premium");
    assert_eq!(h.last_change().routing, stored);

    // The IVR's key refers to the department: deleting it first is a conflict.
    let r = h
        .call("DELETE", "/api/v1/departments/0400", ADMIN, None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.json["field"], "ivrs[0].keys[\"1\"]");
    // The outbound route uses the trunk.
    assert_eq!(
        h.call("DELETE", "/api/v1/trunks/prov", ADMIN, None)
            .await
            .status,
        StatusCode::CONFLICT
    );
    // Inbound and direct routes go first, then the rest in an order that keeps references.
    for (path, key) in [
        ("/api/v1/inbound-routes", "main"),
        ("/api/v1/direct-routes", "boss"),
        ("/api/v1/ivrs", "0600"),
        ("/api/v1/departments", "0400"),
        ("/api/v1/time-conditions", "office"),
        ("/api/v1/blacklist", "_0900."),
        ("/api/v1/outbound-routes", "national"),
        ("/api/v1/trunks", "prov"),
    ] {
        let r = h
            .call("DELETE", &format!("{path}/{key}"), ADMIN, None)
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{path}/{key}: {}", r.text);
    }
    assert_eq!(h.stored().routing, Default::default());
}

#[tokio::test]
async fn a_loop_between_time_conditions_is_refused() {
    let h = Harness::new();
    create_ok(
        &h,
        "/api/v1/time-conditions",
        json!({"id": "a", "matched": {"type": "extension", "number": "101"},
               "not_matched": {"type": "hangup"}}),
    )
    .await;
    create_ok(
        &h,
        "/api/v1/time-conditions",
        json!({"id": "b", "matched": {"type": "extension", "number": "101"},
               "not_matched": {"type": "time_condition", "id": "a"}}),
    )
    .await;
    let looped = json!({"id": "a", "matched": {"type": "extension", "number": "101"},
                        "not_matched": {"type": "time_condition", "id": "b"}});
    let r = h
        .call(
            "PUT",
            "/api/v1/time-conditions/a",
            ADMIN,
            Some(&looped.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let field = r.json["field"].as_str().unwrap();
    assert!(field.starts_with("time_conditions["), "{field}");
    assert!(
        r.json["error"].as_str().unwrap().contains("loop"),
        "{}",
        r.text
    );
    let stored = h.stored().routing;
    assert_eq!(
        stored.time_condition("a").unwrap().not_matched,
        rotary_config::routing::Destination::Hangup
    );
}

#[tokio::test]
async fn outbound_routes_keep_their_order_and_can_move() {
    let h = Harness::new();
    create_ok(
        &h,
        "/api/v1/trunks",
        serde_json::from_str(&trunk_body()).unwrap(),
    )
    .await;
    for id in ["r1", "r2", "r3"] {
        create_ok(
            &h,
            "/api/v1/outbound-routes",
            json!({"id": id, "patterns": [{"pattern": "_X."}], "trunks": ["prov"]}),
        )
        .await;
    }
    let r = h
        .call(
            "POST",
            "/api/v1/outbound-routes/r3/move",
            ADMIN,
            Some(r#"{"position":0}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let ids: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["r3", "r1", "r2"]);
    let stored: Vec<String> = h
        .stored()
        .routing
        .outbound_routes
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(stored, ["r3", "r1", "r2"]);
    let r = h
        .call(
            "POST",
            "/api/v1/outbound-routes/r3/move",
            ADMIN,
            Some(r#"{"position":3}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["field"], "position");
    let r = h
        .call(
            "POST",
            "/api/v1/outbound-routes/zz/move",
            ADMIN,
            Some(r#"{"position":0}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn time_condition_override_and_options() {
    let h = Harness::new();
    create_ok(
        &h,
        "/api/v1/time-conditions",
        json!({"id": "office", "matched": {"type": "extension", "number": "101"},
               "not_matched": {"type": "hangup"}}),
    )
    .await;
    let r = h
        .call(
            "POST",
            "/api/v1/time-conditions/office/override",
            ADMIN,
            Some(r#"{"mode":"force_nomatch"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["mode"], "force_nomatch");
    assert_eq!(
        h.stored().routing.time_condition("office").unwrap().mode,
        OverrideMode::ForceNomatch
    );
    let r = h
        .call(
            "POST",
            "/api/v1/time-conditions/office/override",
            ADMIN,
            Some(r#"{"mode":"dusk"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["field"], "mode");

    let r = h
        .call("GET", "/api/v1/routing/options", OPERATOR, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["block_anonymous"], false);
    assert!(r.json["emergency_numbers"]
        .as_array()
        .unwrap()
        .contains(&json!("112")));
    let patch = json!({"block_anonymous": true,
                       "pin_sets": [{"id": "staff", "pins": [{"code": "4711", "label": "A"}]}],
                       "emergency_numbers": ["112"]});
    let r = h
        .call(
            "PATCH",
            "/api/v1/routing/options",
            ADMIN,
            Some(&patch.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["block_anonymous"], true);
    assert_eq!(r.json["pin_sets"][0]["id"], "staff");
    let routing = h.stored().routing;
    assert!(routing.options.block_anonymous);
    assert_eq!(routing.pin_sets.len(), 1);

    let bad = json!({"emergency_trunks": ["ghost"]});
    let r = h
        .call(
            "PATCH",
            "/api/v1/routing/options",
            ADMIN,
            Some(&bad.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.json["field"], "options.emergency_trunks[0]");
    let r = h
        .call(
            "PATCH",
            "/api/v1/routing/options",
            ADMIN,
            Some(r#"{"bogus":1}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["field"], "bogus");
}

#[tokio::test]
async fn the_whole_document_exports_and_imports() {
    let h = Harness::new();
    create_ok(
        &h,
        "/api/v1/trunks",
        serde_json::from_str(&trunk_body()).unwrap(),
    )
    .await;
    create_ok(
        &h,
        "/api/v1/outbound-routes",
        json!({"id": "all", "patterns": [{"pattern": "_X."}], "trunks": ["prov"]}),
    )
    .await;
    let export = h.call("GET", "/api/v1/routing", OPERATOR, None).await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(!export.text.contains(TRUNK_PW));
    assert_eq!(export.json["outbound_routes"][0]["id"], "all");

    // Importing the export keeps the stored password of the trunk with the same id.
    let mut doc = export.json.clone();
    doc["blacklist"] = json!([{"pattern": "_0900."}]);
    let r = h
        .call("PUT", "/api/v1/routing", ADMIN, Some(&doc.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(stored_password(&h, "prov"), TRUNK_PW);
    assert_eq!(h.stored().routing.blacklist.len(), 1);

    // An import with a problem changes nothing.
    let before = h.stored().routing;
    let mut bad = doc.clone();
    bad["outbound_routes"][0]["trunks"] = json!(["ghost"]);
    let r = h
        .call("PUT", "/api/v1/routing", ADMIN, Some(&bad.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["field"], "outbound_routes[0].trunks[0]");
    assert_eq!(h.stored().routing, before);
    // A new trunk without a password cannot be imported.
    let mut nopw = doc.clone();
    nopw["trunks"][0]["id"] = json!("fresh");
    nopw["outbound_routes"][0]["trunks"] = json!(["fresh"]);
    let r = h
        .call("PUT", "/api/v1/routing", ADMIN, Some(&nopw.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["field"], "trunks[0].mode.password");
}

#[tokio::test]
async fn roles_operator_reads_user_reads_nothing() {
    let h = Harness::new();
    create_ok(
        &h,
        "/api/v1/trunks",
        serde_json::from_str(&trunk_body()).unwrap(),
    )
    .await;
    for path in [
        "/api/v1/trunks",
        "/api/v1/outbound-routes",
        "/api/v1/routing",
        "/api/v1/routing/options",
        "/api/v1/blacklist",
    ] {
        assert_eq!(
            h.call("GET", path, OPERATOR, None).await.status,
            StatusCode::OK,
            "{path}"
        );
        assert_eq!(
            h.call("GET", path, USER101, None).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        assert_eq!(
            h.call("GET", path, Auth::None, None).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    let body = trunk_body().replace("\"prov\"", "\"op\"");
    for who in [OPERATOR, USER101] {
        assert_eq!(
            h.call("POST", "/api/v1/trunks", who.clone(), Some(&body))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            h.call("DELETE", "/api/v1/trunks/prov", who.clone(), None)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            h.call("PATCH", "/api/v1/routing/options", who.clone(), Some("{}"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        h.call("GET", "/api/v1/route-trace?from=101&to=0301", USER101, None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(h.stored().routing.trunks.len(), 1);
}

#[tokio::test]
async fn openapi_lists_every_routing_path() {
    let doc: Value = serde_json::from_str(&rotary_api::openapi_json()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for (p, methods) in [
        ("/api/v1/trunks", &["get", "post"][..]),
        ("/api/v1/trunks/{id}", &["get", "put", "delete"]),
        ("/api/v1/outbound-routes", &["get", "post"]),
        ("/api/v1/outbound-routes/{id}", &["get", "put", "delete"]),
        ("/api/v1/outbound-routes/{id}/move", &["post"]),
        ("/api/v1/inbound-routes/{name}", &["get", "put", "delete"]),
        ("/api/v1/direct-routes/{name}", &["get", "put", "delete"]),
        ("/api/v1/time-conditions/{id}", &["get", "put", "delete"]),
        ("/api/v1/time-conditions/{id}/override", &["post"]),
        ("/api/v1/ivrs/{number}", &["get", "put", "delete"]),
        ("/api/v1/departments/{number}", &["get", "put", "delete"]),
        ("/api/v1/blacklist/{pattern}", &["get", "put", "delete"]),
        ("/api/v1/routing", &["get", "put"]),
        ("/api/v1/routing/options", &["get", "patch"]),
        ("/api/v1/route-trace", &["get"]),
    ] {
        let item = paths.get(p).unwrap_or_else(|| panic!("missing {p}"));
        for m in methods {
            assert!(item.get(*m).is_some(), "missing {m} {p}");
        }
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for s in [
        "Trunk",
        "OutboundRoute",
        "InboundRoute",
        "TimeCondition",
        "Ivr",
        "Department",
        "BlacklistEntry",
        "DirectRoute",
        "RoutingOptions",
    ] {
        assert!(schemas.contains_key(s), "missing schema {s}");
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
}
