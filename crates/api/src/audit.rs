//! The audit trail of every change made through the API: who (account and role), from which
//! address, what (action, resource, id, the fields sent with secrets masked) and when.
//!
//! How a change gets its row without each handler writing one:
//!
//! 1. The [`track`] middleware wraps every `POST`/`PUT`/`PATCH`/`DELETE` under `/api/v1/`
//!    in a task-local [`Draft`]: action, resource and id derived from the method and path,
//!    the JSON body's fields (masked), and the client address.
//! 2. The [`crate::auth::Caller`] extractor names the actor once authentication succeeds.
//! 3. [`crate::AppState::with_store`] runs the handler's store work inside
//!    `Store::audited`, which writes the row in the same SQLite transaction as the change,
//!    and only when the change modified a row. Later store calls of the same request write
//!    no second row.
//!
//! Handlers refine the derived description with [`describe`] (e.g. a restore). Logins are
//! recorded by the login handler itself ([`login_entry`]). Secret values (passwords, SIP
//! secrets, PINs, keys, tokens) never reach the log: their keys keep a `"***"` value.

use std::cell::RefCell;
use std::net::IpAddr;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rotary_store::AuditEntry;
use serde_json::{Map, Value};

use crate::auth::{peer_ip_in, Caller};
use crate::error::ApiError;

tokio::task_local! {
    /// The audit draft of the request being handled (mutating API requests only).
    static DRAFT: RefCell<Draft>;
}

/// What is known about the change a request makes, before it is made.
#[derive(Clone, Debug, Default)]
pub(crate) struct Draft {
    /// Account and role, once authenticated.
    actor: Option<(String, String)>,
    /// Client address.
    address: String,
    /// `create`, `update`, `replace`, `delete` or a verb from the path.
    action: String,
    /// First path segment after `/api/v1/`.
    resource: String,
    /// Object id, from the path or the body.
    resource_id: Option<String>,
    /// Masked fields of the body, as a JSON object.
    fields: Value,
    /// Set once the row was written.
    written: bool,
}

/// Wrap mutating API requests in an audit draft (see the module docs). Other requests pass
/// through untouched. JSON bodies are read here (and handed on unchanged) to record their
/// fields; other bodies (uploads) are not read.
pub(crate) async fn track(req: Request, next: Next) -> Response {
    let Some(mut draft) = draft_for(&req) else {
        return next.run(req).await;
    };
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
    let req = if is_json {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, MAX_JSON_BODY).await else {
            return ApiError::PayloadTooLarge(format!(
                "a JSON body may be at most {} MiB",
                MAX_JSON_BODY >> 20
            ))
            .into_response();
        };
        if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
            if draft.action == "create" && draft.resource_id.is_none() {
                draft.resource_id = key_of(&value);
            }
            draft.fields = summarize(&value);
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        req
    };
    DRAFT.scope(RefCell::new(draft), next.run(req)).await
}

/// Record the authenticated caller as the actor of the current request's change.
pub(crate) fn set_actor(caller: &Caller) {
    let _ = DRAFT.try_with(|d| {
        d.borrow_mut().actor = Some((caller.username.clone(), caller.role.to_string()));
    });
}

/// Replace the derived action, resource and id of the current request's change (for
/// endpoints whose path does not say it well, e.g. `POST /api/v1/backups/restore`).
pub(crate) fn describe(action: &str, resource: &str, resource_id: Option<&str>) {
    let _ = DRAFT.try_with(|d| {
        let mut d = d.borrow_mut();
        d.action = action.to_owned();
        d.resource = resource.to_owned();
        d.resource_id = resource_id.map(str::to_owned);
    });
}

/// Replace the recorded fields of the current request's change (already free of secrets).
pub(crate) fn set_fields(fields: Value) {
    let _ = DRAFT.try_with(|d| d.borrow_mut().fields = summarize(&fields));
}

/// The row to write with the next store change of this request: `None` outside a mutating
/// request, before authentication, or once a row was written.
pub(crate) fn pending_entry() -> Option<AuditEntry> {
    DRAFT
        .try_with(|d| {
            let d = d.borrow();
            if d.written {
                return None;
            }
            let (actor, role) = d.actor.clone()?;
            Some(AuditEntry {
                at_unix_ms: now_unix_ms(),
                actor,
                role,
                address: d.address.clone(),
                action: d.action.clone(),
                resource: d.resource.clone(),
                resource_id: d.resource_id.clone(),
                fields: d.fields.to_string(),
            })
        })
        .ok()
        .flatten()
}

/// Note that the current request's row was written (no second one).
pub(crate) fn mark_written() {
    let _ = DRAFT.try_with(|d| d.borrow_mut().written = true);
}

/// Write the current request's row on its own, for a change that is not in the database
/// (a file deleted). A failure is logged; the change stands.
pub(crate) async fn write_standalone(state: &crate::AppState) {
    let Some(entry) = pending_entry() else {
        return;
    };
    let written = state
        .with_store_unaudited(move |store, _| Ok(store.insert_audit(&entry)?))
        .await;
    match written {
        Ok(()) => mark_written(),
        Err(e) => tracing::warn!(error = %e, "cannot write an audit row"),
    }
}

/// The row for a login attempt (`login` or `login_failed`); the password is never in it.
pub(crate) fn login_entry(username: &str, role: Option<&str>, ip: IpAddr, ok: bool) -> AuditEntry {
    let mut name: String = username.chars().take(64).collect();
    if name.is_empty() {
        name.push('-');
    }
    AuditEntry {
        at_unix_ms: now_unix_ms(),
        actor: name.clone(),
        role: role.unwrap_or("-").to_owned(),
        address: ip.to_string(),
        action: if ok { "login" } else { "login_failed" }.to_owned(),
        resource: "session".to_owned(),
        resource_id: Some(name),
        fields: "{}".to_owned(),
    }
}

/// Now as unix milliseconds.
pub(crate) fn now_unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The draft a request starts with, or `None` when it changes nothing worth auditing.
fn draft_for(req: &Request) -> Option<Draft> {
    let method = req.method();
    let action = match *method {
        Method::POST => "create",
        Method::PUT => "replace",
        Method::PATCH => "update",
        Method::DELETE => "delete",
        _ => return None,
    };
    let rest = req.uri().path().strip_prefix("/api/v1/")?;
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let (resource, id, verb) = match segments.as_slice() {
        [] => return None,
        [r] if r == "login" || r == "logout" => return None,
        [r] => (r.clone(), None, None),
        [r, second] if *method == Method::POST => (r.clone(), None, Some(second.clone())),
        [r, id] => (r.clone(), Some(id.clone()), None),
        [r, id, .., last] => (r.clone(), Some(id.clone()), Some(last.clone())),
    };
    Some(Draft {
        actor: None,
        address: peer_ip_of(req).to_string(),
        action: verb.unwrap_or_else(|| action.to_owned()),
        resource,
        resource_id: id,
        fields: Value::Object(Map::new()),
        written: false,
    })
}

fn peer_ip_of(req: &Request) -> IpAddr {
    peer_ip_in(req.extensions())
}

/// The id a create names in its body: the first of the usual key fields.
fn key_of(value: &Value) -> Option<String> {
    ["number", "id", "name", "pattern", "username", "extension"]
        .iter()
        .find_map(|k| match value.get(k) {
            Some(Value::String(s)) => Some(s.chars().take(128).collect()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
}

/// The body as recorded: secrets masked, long strings and lists shortened, and the whole
/// bounded in size (beyond it only the field names are kept).
pub(crate) fn summarize(value: &Value) -> Value {
    let masked = mask(value, 0);
    let masked = match masked {
        Value::Object(_) => masked,
        other => {
            let mut m = Map::new();
            m.insert("body".to_owned(), other);
            Value::Object(m)
        }
    };
    if masked.to_string().len() <= MAX_FIELDS_JSON {
        return masked;
    }
    let names: Vec<Value> = masked
        .as_object()
        .map(|m| m.keys().map(|k| Value::String(k.clone())).collect())
        .unwrap_or_default();
    let mut m = Map::new();
    m.insert("_fields".to_owned(), Value::Array(names));
    m.insert("_truncated".to_owned(), Value::Bool(true));
    Value::Object(m)
}

fn mask(value: &Value, depth: usize) -> Value {
    if depth > 6 {
        return Value::String("…".into());
    }
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(k) && !v.is_null() {
                        Value::String("***".into())
                    } else {
                        mask(v, depth + 1)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => {
            let mut out: Vec<Value> = items
                .iter()
                .take(MAX_LIST)
                .map(|v| mask(v, depth + 1))
                .collect();
            if items.len() > MAX_LIST {
                out.push(Value::String(format!("… {} more", items.len() - MAX_LIST)));
            }
            Value::Array(out)
        }
        Value::String(s) if s.chars().count() > MAX_STRING => {
            let mut t: String = s.chars().take(MAX_STRING).collect();
            t.push('…');
            Value::String(t)
        }
        other => other.clone(),
    }
}

/// Whether a field holds a secret whose value must never be logged.
pub(crate) fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "secret",
        "password",
        "pin",
        "token",
        "key",
        "passphrase",
        "credential",
    ]
    .iter()
    .any(|s| k.contains(s))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| char::from(b).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                // Two hex digits: at most 0xFF.
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Largest JSON body the middleware reads (axum's own default limit is 2 MiB).
const MAX_JSON_BODY: usize = 2 << 20;
/// Longest string value kept in a row.
const MAX_STRING: usize = 200;
/// Most list items kept in a row.
const MAX_LIST: usize = 50;
/// Largest `fields` document kept whole.
const MAX_FIELDS_JSON: usize = 8 * 1024;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_masked_at_any_depth() {
        let v = json!({"number": "101", "secret": "s3cret", "mode": {"kind": "register",
            "password": "pw"}, "voicemail_pin": "1234", "empty_password": null});
        let s = summarize(&v);
        assert_eq!(s["secret"], "***");
        assert_eq!(s["mode"]["password"], "***");
        assert_eq!(s["voicemail_pin"], "***");
        assert_eq!(s["number"], "101");
        assert!(s["empty_password"].is_null());
        assert!(!s.to_string().contains("s3cret"));
    }

    #[test]
    fn big_bodies_keep_only_field_names() {
        let big: Vec<Value> = (0..50)
            .map(|i| json!({"x": "y".repeat(190), "i": i}))
            .collect();
        let s = summarize(&json!({"trunks": big, "ivrs": []}));
        assert_eq!(s["_truncated"], true);
        assert_eq!(s["_fields"], json!(["ivrs", "trunks"]));
    }

    #[test]
    fn paths_give_resource_id_and_action() {
        let d = |m: Method, p: &str| {
            draft_for(
                &Request::builder()
                    .method(m)
                    .uri(p)
                    .body(Body::empty())
                    .unwrap(),
            )
            .map(|d| (d.action, d.resource, d.resource_id))
        };
        assert_eq!(
            d(Method::PATCH, "/api/v1/extensions/101"),
            Some(("update".into(), "extensions".into(), Some("101".into())))
        );
        assert_eq!(
            d(Method::POST, "/api/v1/outbound-routes/x%20y/move"),
            Some(("move".into(), "outbound-routes".into(), Some("x y".into())))
        );
        assert_eq!(
            d(Method::POST, "/api/v1/backups/restore"),
            Some(("restore".into(), "backups".into(), None))
        );
        assert_eq!(d(Method::GET, "/api/v1/extensions"), None);
        assert_eq!(d(Method::POST, "/api/v1/login"), None);
        assert_eq!(d(Method::POST, "/healthz"), None);
    }
}
