//! `GET /api/v1/events` over a real socket with a real WebSocket client: live events, resuming
//! with `since`, gap markers (history overflow and a lagging client), the user's filter and
//! authentication (header, `?token=`, refusals).

mod common;

use std::net::SocketAddr;

use axum::http::{header, HeaderValue, StatusCode};
use common::{basic_header, Auth, Harness, ADMIN, ADMIN_PW, USER_PW};
use futures_util::{SinkExt, StreamExt};
use rotary_engine::events::{EventBus, EventKind};
use rotary_store::{Role, UserRecord};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Open the event stream at `path_and_query` with an optional `Authorization` value.
async fn connect(
    addr: SocketAddr,
    path_and_query: &str,
    authorization: Option<&str>,
) -> Result<Socket, tungstenite::Error> {
    let mut req = format!("ws://{addr}{path_and_query}")
        .into_client_request()
        .unwrap();
    if let Some(value) = authorization {
        req.headers_mut()
            .insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
    }
    tokio_tungstenite::connect_async(req)
        .await
        .map(|(ws, _)| ws)
}

async fn connect_admin(addr: SocketAddr, path_and_query: &str) -> Socket {
    connect(addr, path_and_query, Some(&basic_header("admin", ADMIN_PW)))
        .await
        .expect("admin may open the event stream")
}

/// The next text message as JSON (control frames are skipped).
async fn next_json(ws: &mut Socket) -> Value {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("expected a text message, got {other:?}"),
        }
    }
}

/// The HTTP status a refused handshake answered with.
fn refused_status(result: Result<Socket, tungstenite::Error>) -> StatusCode {
    match result {
        Err(tungstenite::Error::Http(resp)) => resp.status(),
        Ok(_) => panic!("handshake unexpectedly succeeded"),
        Err(e) => panic!("unexpected error {e}"),
    }
}

fn fields(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

#[tokio::test]
async fn live_events_arrive_as_json_messages() {
    let h = Harness::new();
    let addr = h.serve().await;
    let mut ws = connect_admin(addr, "/api/v1/events").await;
    // Whatever the client says is ignored; the stream goes on.
    ws.send(Message::text("hello")).await.unwrap();
    ws.send(Message::Ping(vec![1, 2].into())).await.unwrap();
    let bus = h.backend.events.clone();
    bus.publish_at(
        1_714_564_800_250,
        EventKind::CallAnswered,
        fields(&[("call", "c1"), ("caller", "101"), ("callee", "102")]),
    );
    bus.publish(
        EventKind::CallHungUp,
        fields(&[("caller", "101"), ("cause", "normal")]),
    );
    assert_eq!(
        next_json(&mut ws).await,
        json!({"seq":1,"time":"2024-05-01T12:00:00.250Z","type":"call.answered",
               "call":"c1","caller":"101","callee":"102"})
    );
    let second = next_json(&mut ws).await;
    assert_eq!(second["seq"], 2);
    assert_eq!(second["type"], "call.hangup");
    assert_eq!(second["cause"], "normal");
    let time = second["time"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(time).is_ok() && time.ends_with('Z'),
        "{time}"
    );
    assert_eq!(time.len(), "2024-05-01T12:00:00.250Z".len(), "{time}");
    ws.close(None).await.unwrap();
}

#[tokio::test]
async fn since_replays_what_was_missed_then_continues_live() {
    let h = Harness::new();
    let addr = h.serve().await;
    let bus = h.backend.events.clone();
    for ext in ["101", "102", "103"] {
        bus.publish(EventKind::Registered, fields(&[("extension", ext)]));
    }
    let mut ws = connect_admin(addr, "/api/v1/events?since=1").await;
    bus.publish(EventKind::Unregistered, fields(&[("extension", "101")]));
    let got: Vec<(Value, Value)> = [
        next_json(&mut ws).await,
        next_json(&mut ws).await,
        next_json(&mut ws).await,
    ]
    .into_iter()
    .map(|v| (v["seq"].clone(), v["type"].clone()))
    .collect();
    assert_eq!(
        got,
        [
            (json!(2), json!("registration.added")),
            (json!(3), json!("registration.added")),
            (json!(4), json!("registration.removed")),
        ]
    );
}

#[tokio::test]
async fn since_older_than_the_history_starts_with_a_gap() {
    let h = Harness::with_bus(EventBus::with_capacity(3, 64));
    let addr = h.serve().await;
    let bus = h.backend.events.clone();
    for _ in 0..10 {
        bus.publish(EventKind::CallRinging, fields(&[("callee", "101")]));
    }
    let mut ws = connect_admin(addr, "/api/v1/events?since=2").await;
    assert_eq!(
        next_json(&mut ws).await,
        json!({"type":"gap","from":3,"to":7})
    );
    for seq in 8..=10 {
        assert_eq!(next_json(&mut ws).await["seq"], seq);
    }
}

/// The test publishes a burst without yielding (current-thread runtime), so the stream task
/// is overrun deterministically: it reports what the history no longer holds as a gap.
#[tokio::test]
async fn a_lagging_client_gets_a_gap_then_the_rest() {
    let h = Harness::with_bus(EventBus::with_capacity(2, 4));
    let addr = h.serve().await;
    let mut ws = connect_admin(addr, "/api/v1/events").await;
    let bus = h.backend.events.clone();
    for _ in 0..50 {
        bus.publish(EventKind::CallRinging, fields(&[("callee", "101")]));
    }
    assert_eq!(
        next_json(&mut ws).await,
        json!({"type":"gap","from":1,"to":48})
    );
    assert_eq!(next_json(&mut ws).await["seq"], 49);
    assert_eq!(next_json(&mut ws).await["seq"], 50);
    bus.publish(EventKind::CallHungUp, fields(&[("callee", "101")]));
    assert_eq!(next_json(&mut ws).await["seq"], 51);
    let metrics = h.call("GET", "/metrics", Auth::None, None).await.text;
    assert!(
        metrics.contains("rotary_api_event_gaps_total 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_user_sees_only_events_naming_their_extension() {
    let h = Harness::with_bus(EventBus::with_capacity(100, 64));
    let addr = h.serve().await;
    let mut ws = connect(
        addr,
        "/api/v1/events",
        Some(&basic_header("alice", USER_PW)),
    )
    .await
    .expect("a user may open the event stream");
    let bus = h.backend.events.clone();
    bus.publish(
        EventKind::CallRinging,
        fields(&[("caller", "102"), ("callee", "103")]),
    );
    bus.publish(
        EventKind::Registered,
        fields(&[("extension", "1010"), ("contact", "sip:1010@10.0.0.9")]),
    );
    bus.publish(
        EventKind::CallRinging,
        fields(&[("caller", "102"), ("callee", "101")]),
    );
    bus.publish(
        EventKind::Registered,
        fields(&[("contact", "sip:101@10.0.0.5:5060")]),
    );
    let first = next_json(&mut ws).await;
    assert_eq!(
        (first["seq"].clone(), first["callee"].clone()),
        (json!(3), json!("101"))
    );
    assert_eq!(next_json(&mut ws).await["seq"], 4);
}

#[tokio::test]
async fn a_login_token_in_the_query_authenticates() {
    let h = Harness::new();
    let addr = h.serve().await;
    let token = h.login("admin", ADMIN_PW).await;
    let mut ws = connect(addr, &format!("/api/v1/events?token={token}&since=0"), None)
        .await
        .expect("token in the query is accepted");
    h.backend
        .events
        .publish(EventKind::CallHeld, fields(&[("caller", "101")]));
    assert_eq!(next_json(&mut ws).await["type"], "call.held");
    // The same token as a bearer header works too.
    connect(addr, "/api/v1/events", Some(&format!("Bearer {token}")))
        .await
        .expect("bearer header is accepted");
}

#[tokio::test]
async fn refused_handshakes_answer_with_the_api_status() {
    let h = Harness::new();
    let addr = h.serve().await;
    assert_eq!(
        refused_status(connect(addr, "/api/v1/events", None).await),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        refused_status(connect(addr, "/api/v1/events?token=nonsense", None).await),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        refused_status(
            connect(
                addr,
                "/api/v1/events",
                Some(&basic_header("admin", "wrong"))
            )
            .await
        ),
        StatusCode::UNAUTHORIZED
    );
    // Basic credentials are never taken from the query string.
    assert_eq!(
        refused_status(connect(addr, "/api/v1/events?token=admin:admin-Pass-1", None).await),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        refused_status(
            connect(
                addr,
                "/api/v1/events?since=soon",
                Some(&basic_header("admin", ADMIN_PW))
            )
            .await
        ),
        StatusCode::BAD_REQUEST
    );
    // A user account without an extension has nothing to watch.
    h.store
        .lock()
        .unwrap()
        .upsert_user(&UserRecord {
            username: "nobody".into(),
            password_hash: rotary_api::hash_password("nobody-Pass-4"),
            role: Role::User,
            extension: None,
        })
        .unwrap();
    assert_eq!(
        refused_status(
            connect(
                addr,
                "/api/v1/events",
                Some(&basic_header("nobody", "nobody-Pass-4"))
            )
            .await
        ),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn plain_http_get_is_told_to_upgrade() {
    let h = Harness::new();
    let r = h.call("GET", "/api/v1/events", ADMIN, None).await;
    assert_eq!(r.status, StatusCode::UPGRADE_REQUIRED);
    assert_eq!(r.headers[header::UPGRADE], "websocket");
    assert!(r.json["error"].as_str().unwrap().contains("WebSocket"));
    let r = h.call("GET", "/api/v1/events?since=x", ADMIN, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["field"], "since");
    let r = h.call("GET", "/api/v1/events", Auth::None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}
