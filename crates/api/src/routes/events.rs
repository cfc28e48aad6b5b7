//! `GET /api/v1/events`: the PBX's event bus as a WebSocket stream of JSON text messages.
//!
//! Each event is one message, `{"seq":N,"time":"RFC 3339 ms","type":"call.answered", …}`,
//! followed by its fields as string values (`"caller":"101"`, `"cause":"normal"`, …). Events
//! that could not be delivered (older than the bus history when resuming with `?since=SEQ`, or
//! overrun while the client read too slowly) are announced by one
//! `{"type":"gap","from":A,"to":B}` message instead, so a client always knows what it missed.
//!
//! A client that reconnects passes the last `seq` it saw (or a gap's `to`) as `since`.
//! Role `user` sees only events with a field naming its extension (the number itself, or a
//! SIP URI with it as user part) and every gap. Client messages are ignored; the server pings
//! every 30 s and drops a client that does not take a message within 30 s.

use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use rotary_engine::events::{Delivery, Event, Subscription};
use rotary_store::format_unix_ms;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::StreamCaller;
use crate::error::{ApiError, ErrorBody, QueryPairs};
use crate::AppState;

/// Open the event stream.
#[utoipa::path(
    operation_id = "events",
    get, path = "/api/v1/events", tag = "events",
    params(
        ("since" = Option<u64>, Query,
         description = "Replay the kept events after this sequence number first (or a gap \
                        message for those no longer kept)"),
        ("token" = Option<String>, Query,
         description = "Login token, for WebSocket clients that cannot send an \
                        Authorization header (browsers)"),
    ),
    responses(
        (status = 101, description = "WebSocket; each text message is one EventMessage or GapMessage"),
        (status = 400, description = "`since` is not a number", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "A user without an extension", body = ErrorBody),
        (status = 426, description = "Not a WebSocket upgrade request", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn stream(
    State(state): State<AppState>,
    StreamCaller(caller): StreamCaller,
    query: QueryPairs,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    caller.require_pbx_view()?;
    let scope = caller.own_scope()?.map(str::to_owned);
    let since = query.number::<u64>("since")?;
    let ws = ws.map_err(|_| ApiError::UpgradeRequired)?;
    // Subscribe now, before the handshake completes: nothing published in between is missed.
    let subscription = state.backend.events().subscribe(since);
    tracing::debug!(user = %caller.username, ?since, "event stream opened");
    Ok(ws
        .max_message_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| async move {
            state.metrics.record_event_stream(true);
            pump(socket, subscription, scope, &state).await;
            state.metrics.record_event_stream(false);
            tracing::debug!(user = %caller.username, "event stream closed");
        }))
}

/// One event as a stream message (documentation only; fields vary by `type`).
#[derive(ToSchema)]
#[schema(as = EventMessage)]
#[allow(dead_code)] // Describes the WebSocket messages for the OpenAPI document only.
pub(crate) struct EventMessageSchema {
    /// Sequence number on the bus: strictly increasing; resume with `?since=` this.
    #[schema(example = 42)]
    seq: u64,
    /// When it happened, RFC 3339 UTC with milliseconds.
    #[schema(example = "2024-05-01T12:00:00.250Z")]
    time: String,
    /// `registration.added`, `registration.removed`, `registration.expired`,
    /// `registration.reachability`, `call.ringing`, `call.answered`, `call.held`,
    /// `call.resumed` or `call.hangup`. Further fields (all strings) depend on it, e.g.
    /// `extension`, `contact`, `caller`, `callee`, `call`, `cause`.
    #[schema(example = "call.answered")]
    r#type: String,
}

/// Notice that events `from..=to` cannot be delivered (documentation only).
#[derive(ToSchema)]
#[schema(as = GapMessage)]
#[allow(dead_code)] // Describes the WebSocket messages for the OpenAPI document only.
pub(crate) struct GapMessageSchema {
    /// Always `gap`.
    #[schema(example = "gap")]
    r#type: String,
    /// First missing sequence number.
    from: u64,
    /// Last missing sequence number; resume with `?since=` this after reconnecting.
    to: u64,
}

/// What woke the stream loop.
enum Step {
    Deliver(Option<Delivery>),
    Inbound(Option<Result<Message, axum::Error>>),
    Ping,
}

/// Copy deliveries to the socket until either side ends.
async fn pump(
    mut socket: WebSocket,
    mut subscription: Subscription,
    scope: Option<String>,
    state: &AppState,
) {
    let start = tokio::time::Instant::now() + PING_EVERY;
    let mut ping = tokio::time::interval_at(start, PING_EVERY);
    loop {
        let step = tokio::select! {
            d = subscription.recv() => Step::Deliver(d),
            m = socket.recv() => Step::Inbound(m),
            _ = ping.tick() => Step::Ping,
        };
        let message = match step {
            Step::Deliver(Some(delivery)) => {
                if matches!(delivery, Delivery::Gap { .. }) {
                    state.metrics.record_event_gap();
                }
                match render(&delivery, scope.as_deref()) {
                    Some(text) => Message::Text(text.into()),
                    None => continue,
                }
            }
            Step::Deliver(None) => {
                // The bus is gone: pbxd is shutting down.
                let frame = CloseFrame {
                    code: close_code::AWAY,
                    reason: "shutting down".into(),
                };
                let _ = send(&mut socket, Message::Close(Some(frame))).await;
                return;
            }
            Step::Inbound(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return,
            // Pings are answered by the WebSocket layer; anything else is ignored.
            Step::Inbound(Some(Ok(_))) => continue,
            Step::Ping => Message::Ping(Vec::new().into()),
        };
        if !send(&mut socket, message).await {
            return;
        }
    }
}

/// Send one message; false when the client is gone or has not taken it in time.
async fn send(socket: &mut WebSocket, message: Message) -> bool {
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(message)).await,
        Ok(Ok(()))
    )
}

/// The JSON text of a delivery, or `None` when the caller may not see it.
fn render(delivery: &Delivery, scope: Option<&str>) -> Option<String> {
    let value = match delivery {
        Delivery::Event(event) => {
            if scope.is_some_and(|ext| !mentions(event, ext)) {
                return None;
            }
            serde_json::to_string(&WireEvent(event))
        }
        Delivery::Gap { from, to } => {
            serde_json::to_string(&serde_json::json!({"type": "gap", "from": from, "to": to}))
        }
    };
    match value {
        Ok(text) => Some(text),
        Err(e) => {
            tracing::error!(error = %e, "cannot render an event");
            None
        }
    }
}

/// Whether a field of `event` names extension `ext`: equal to it, or a SIP URI with it as
/// the user part (`sip:101@host`, also inside `<…>` or with a display name).
fn mentions(event: &Event, ext: &str) -> bool {
    event.fields.iter().any(|(_, value)| {
        value == ext
            || ["sip:", "sips:"].iter().any(|scheme| {
                value.match_indices(scheme).any(|(i, _)| {
                    value[i + scheme.len()..]
                        .strip_prefix(ext)
                        .is_some_and(|rest| rest.starts_with('@'))
                })
            })
    })
}

/// Serializes an event as `{"seq","time","type", fields…}` in that order. A field named like
/// one of the three, or repeating an earlier field, is left out.
struct WireEvent<'a>(&'a Event);

impl Serialize for WireEvent<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut map = serializer.serialize_map(Some(e.fields.len() + 3))?;
        map.serialize_entry("seq", &e.seq)?;
        map.serialize_entry("time", &format_unix_ms(e.time_unix_ms))?;
        map.serialize_entry("type", e.kind.as_str())?;
        let mut seen: Vec<&str> = vec!["seq", "time", "type"];
        for (name, value) in &e.fields {
            if seen.contains(name) {
                continue;
            }
            seen.push(name);
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// How often the server pings an idle client.
const PING_EVERY: Duration = Duration::from_secs(30);
/// How long one message may wait for a client that does not read.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest message accepted from a client (it has nothing to say).
const MAX_CLIENT_MESSAGE: usize = 64 * 1024;

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rotary_engine::events::EventKind;

    use super::*;

    fn event(fields: &[(&'static str, &str)]) -> Event {
        Event {
            seq: 7,
            time_unix_ms: 1_714_564_800_250,
            kind: EventKind::CallAnswered,
            fields: fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        }
    }

    #[test]
    fn events_render_with_fixed_keys_first() {
        let e = event(&[
            ("caller", "101"),
            ("callee", "102"),
            ("type", "x"),
            ("caller", "9"),
        ]);
        let text = render(&Delivery::Event(Arc::new(e)), None).unwrap();
        assert_eq!(
            text,
            r#"{"seq":7,"time":"2024-05-01T12:00:00.250Z","type":"call.answered","caller":"101","callee":"102"}"#
        );
        let gap = render(&Delivery::Gap { from: 3, to: 9 }, Some("101")).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&gap).unwrap(),
            serde_json::json!({"type":"gap","from":3,"to":9})
        );
    }

    #[test]
    fn users_see_only_events_naming_their_extension() {
        let yes = [
            event(&[("caller", "101")]),
            event(&[("contact", "sip:101@10.0.0.5:5060")]),
            event(&[("contact", "\"Alice\" <sips:101@pbx>")]),
        ];
        for e in &yes {
            assert!(mentions(e, "101"), "{e:?}");
        }
        let no = [
            event(&[("caller", "1011"), ("callee", "102")]),
            event(&[("contact", "sip:1012@10.0.0.5")]),
            event(&[("contact", "sip:2101@10.0.0.5")]),
            event(&[]),
        ];
        for e in &no {
            assert!(!mentions(e, "101"), "{e:?}");
        }
        let e = Delivery::Event(Arc::new(event(&[("caller", "102")])));
        assert_eq!(render(&e, Some("101")), None);
        assert!(render(&e, Some("102")).is_some());
    }
}
