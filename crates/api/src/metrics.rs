//! HTTP counters for `/metrics`, and the middleware that counts every response and logs server
//! faults once.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::ServerFault;
use crate::AppState;

/// Counters of the API itself, rendered in Prometheus text format.
#[derive(Debug, Default)]
pub struct ApiMetrics {
    /// Responses by (method, status code).
    responses: Mutex<BTreeMap<(&'static str, u16), u64>>,
    /// Password checks that failed (login or Basic).
    auth_failures: AtomicU64,
    /// Addresses locked out after too many failures.
    lockouts: AtomicU64,
    /// Successful `POST /api/v1/login`.
    logins: AtomicU64,
    /// Committed configuration writes.
    config_writes: AtomicU64,
    /// WebSocket event streams open now.
    event_streams: AtomicU64,
    /// Gap markers sent to event stream clients (events they could not be given).
    event_gaps: AtomicU64,
}

impl ApiMetrics {
    /// Count one response.
    pub(crate) fn record_response(&self, method: &str, status: u16) {
        let method = method_label(method);
        if let Ok(mut map) = self.responses.lock() {
            *map.entry((method, status)).or_insert(0) += 1;
        }
    }

    /// Count one failed password check.
    pub(crate) fn record_auth_failure(&self) {
        self.auth_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Count one address lockout.
    pub(crate) fn record_lockout(&self) {
        self.lockouts.fetch_add(1, Ordering::Relaxed);
    }

    /// Count one successful login.
    pub(crate) fn record_login(&self) {
        self.logins.fetch_add(1, Ordering::Relaxed);
    }

    /// Count one committed configuration write.
    pub(crate) fn record_config_write(&self) {
        self.config_writes.fetch_add(1, Ordering::Relaxed);
    }

    /// One more (`true`) or one fewer (`false`) open event stream.
    pub(crate) fn record_event_stream(&self, opened: bool) {
        if opened {
            self.event_streams.fetch_add(1, Ordering::Relaxed);
        } else {
            // Never below zero, even if a close were counted twice.
            let _ = self
                .event_streams
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        }
    }

    /// Count one gap marker sent to an event stream client.
    pub(crate) fn record_event_gap(&self) {
        self.event_gaps.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters in Prometheus text exposition format (version 0.0.4).
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP rotary_http_requests_total HTTP responses sent by the API.\n");
        out.push_str("# TYPE rotary_http_requests_total counter\n");
        if let Ok(map) = self.responses.lock() {
            for ((method, status), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "rotary_http_requests_total{{method=\"{method}\",status=\"{status}\"}} {n}"
                );
            }
        }
        let singles = [
            (
                "rotary_http_auth_failures_total",
                "Failed password checks.",
                &self.auth_failures,
            ),
            (
                "rotary_http_auth_lockouts_total",
                "Addresses locked out.",
                &self.lockouts,
            ),
            (
                "rotary_http_logins_total",
                "Successful logins.",
                &self.logins,
            ),
            (
                "rotary_config_writes_total",
                "Committed config writes.",
                &self.config_writes,
            ),
            (
                "rotary_api_event_gaps_total",
                "Gap markers sent to event stream clients.",
                &self.event_gaps,
            ),
        ];
        for (name, help, counter) in singles {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", counter.load(Ordering::Relaxed));
        }
        let _ = writeln!(
            out,
            "# HELP rotary_api_event_streams WebSocket event streams open now."
        );
        let _ = writeln!(out, "# TYPE rotary_api_event_streams gauge");
        let _ = writeln!(
            out,
            "rotary_api_event_streams {}",
            self.event_streams.load(Ordering::Relaxed)
        );
        out
    }
}

/// Middleware: count the response and log a server fault once (the client gets a plain 500).
pub(crate) async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let mut resp = next.run(req).await;
    state
        .metrics
        .record_response(&method, resp.status().as_u16());
    if let Some(ServerFault(fault)) = resp.extensions_mut().remove::<ServerFault>() {
        tracing::error!(%method, %path, %fault, "API request failed");
    }
    resp
}

/// Bound label cardinality: known methods by name, anything else as `OTHER`.
fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    }
}
