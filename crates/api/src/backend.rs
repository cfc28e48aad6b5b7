//! The seam between the API and the running PBX (the engine): what the API reads from it and
//! how it hands it a new configuration snapshot after a write.
//!
//! `pbxd` implements [`Backend`] over the engine; tests implement it with a small fake. The API
//! never reaches into the engine any other way.

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use rotary_config::Config;
use rotary_engine::events::EventBus;
use serde::Serialize;
use utoipa::ToSchema;

/// What the API needs from the running PBX.
///
/// Every method is called from async handlers (sometimes while the store lock is held, to keep
/// snapshot order equal to commit order), so each must be quick and must not block on I/O:
/// swap an `Arc`, copy a table, format counters.
pub trait Backend: Send + Sync + 'static {
    /// The configuration snapshot new calls use now; the API reads extensions from it and
    /// builds the next snapshot from it.
    fn config(&self) -> Arc<Config>;
    /// A write was committed to the store: from now on new calls and registrations use
    /// `config`. Called once per successful write, in commit order.
    fn config_changed(&self, config: Arc<Config>);
    /// Current SIP registrations (bindings) of all extensions.
    fn registrations(&self) -> Vec<RegistrationView>;
    /// The engine's counters in Prometheus text exposition format, appended to `/metrics`.
    fn metrics(&self) -> String;
    /// Whether the PBX has finished starting (listeners bound, config loaded); `/healthz`
    /// answers 200 only then.
    fn is_ready(&self) -> bool;
    /// The PBX's one event bus; `GET /api/v1/events` subscribes to it. Must return the same
    /// bus every time (a client resumes with sequence numbers from it).
    fn events(&self) -> Arc<EventBus>;
    /// The data directory recordings are stored under (CDR `recording` paths are relative
    /// to it); `None` when the PBX keeps no files.
    fn data_dir(&self) -> Option<PathBuf> {
        None
    }
    /// Every configured trunk's live status (registration state, failure reason), in
    /// configuration order; empty when the PBX runs no trunks.
    fn trunk_statuses(&self) -> Vec<TrunkStatusView> {
        Vec::new()
    }
    /// The calls in progress, oldest first (asks the engine task, hence a future).
    fn active_calls(&self) -> BoxFuture<'_, Vec<ActiveCallView>> {
        Box::pin(async { Vec::new() })
    }
    /// Hang up the call `id` (e.g. `call17`); resolves to false when no such call is in
    /// progress.
    fn hangup_call<'a>(&'a self, id: &'a str) -> BoxFuture<'a, bool> {
        let _ = id;
        Box::pin(async { false })
    }
}

/// One call in progress, as `GET /api/v1/calls` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ActiveCallView {
    /// The call's id (also the `call` field of `call.*` events).
    #[schema(example = "call17")]
    pub id: String,
    /// Calling number.
    #[schema(example = "101")]
    pub caller: String,
    /// Dialled number.
    #[schema(example = "102")]
    pub callee: String,
    /// `ringing`, `application` (pbxd answered: IVR, PIN prompt), `answered` or `held`.
    #[schema(example = "answered")]
    pub state: String,
    /// `internal`, `inbound` or `outbound`.
    #[schema(example = "internal")]
    pub call_type: String,
    /// The trunk in use, if any.
    pub trunk: Option<String>,
    /// When the call came in, RFC 3339.
    pub started_at: String,
    /// When it was answered, RFC 3339; `null` while it rings.
    pub answered_at: Option<String>,
}

/// One registered contact as `GET /api/v1/registrations` returns it (interface.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RegistrationView {
    /// Extension number the contact is registered for, e.g. `"101"`.
    #[schema(example = "101")]
    pub extension: String,
    /// The Contact URI the phone registered, e.g. `"sip:101@127.0.0.1:5071"`.
    #[schema(example = "sip:101@127.0.0.1:5071")]
    pub contact: String,
    /// The address the REGISTER came from, `IP:port`.
    #[schema(example = "127.0.0.1:5071")]
    pub source: String,
    /// Transport of the flow: `udp`, `tcp`, `tls`, `ws` or `wss`.
    #[schema(example = "udp")]
    pub transport: String,
    /// The phone's User-Agent header (empty when it sent none).
    pub user_agent: String,
    /// When the binding expires unless refreshed, RFC 3339 (e.g. `2025-01-31T12:00:00Z`).
    #[schema(example = "2025-01-31T12:00:00Z")]
    pub expires_at: String,
}

/// One trunk's live status, as `GET /api/v1/trunks/{id}/status` and the `status` field of the
/// trunk list return it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct TrunkStatusView {
    /// The trunk id.
    #[schema(example = "provider")]
    pub trunk: String,
    /// `register`, `peer` or `account`.
    #[schema(example = "register")]
    pub kind: String,
    /// `registered`, `registering`, `unregistered`, `failed` (register and account trunks);
    /// `probing` (first OPTIONS not answered yet), `reachable`, `unreachable` (peer trunks
    /// with a `qualify_interval`); `unmonitored` (peer trunks with `qualify_interval` 0);
    /// `disabled`.
    #[schema(example = "registered")]
    pub state: String,
    /// Why the last attempt failed: `timeout`, `transport_error`, `forbidden`,
    /// `auth_rejected`, `bad_challenge`, `interval_too_brief`, `rejected`, `bad_response` or
    /// `unresolved`; `null` unless `state` is `failed` or `unreachable`.
    #[schema(example = "timeout")]
    pub reason: Option<String>,
    /// The failure in words.
    pub detail: Option<String>,
    /// The last final answer to our REGISTER (register trunks, e.g. 200, 403) or to our
    /// OPTIONS probe (peer trunks: any final answer, even 404 or 501, means reachable).
    #[schema(example = 200)]
    pub last_code: Option<u16>,
    /// Peer trunks: round-trip time of the last answered OPTIONS probe, in milliseconds.
    #[schema(example = 23)]
    pub rtt_ms: Option<u32>,
    /// Consecutive failed registrations (register trunks) or probes (peer trunks).
    pub failures: u32,
    /// When the registration runs out unless refreshed, RFC 3339.
    pub expires_at: Option<String>,
    /// When the next attempt goes out after a failure, RFC 3339 (`null` after giving up).
    pub retry_at: Option<String>,
    /// Account trunks: the addresses the remote PBX is registered from.
    pub contacts: Vec<String>,
    /// Consecutive outbound call attempts through the trunk that failed (5xx, 408, no
    /// response within the trunk response timeout, could not send); reset when an attempt
    /// rings or is answered.
    pub call_failures: u32,
    /// The last failed outbound call attempt through the trunk (kept after a reset).
    pub last_call_failure: Option<CallFailureView>,
}

/// A failed outbound call attempt through a trunk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CallFailureView {
    /// The trunk's final response, `null` when it gave none.
    #[schema(example = 503)]
    pub code: Option<u16>,
    /// `server_error` (5xx), `timeout` (408 or no final response), `no_response` (no
    /// response at all within the trunk response timeout) or `transport_error`.
    #[schema(example = "server_error")]
    pub reason: String,
    /// When, RFC 3339.
    #[schema(example = "2025-01-31T12:00:00+00:00")]
    pub at: String,
}
