//! Glue between the API's `Backend` seam and the engine: the API reads views and pushes
//! new configuration snapshots through here, so neither crate knows the other.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use rotary_api::{ActiveCallView, Backend, CallFailureView, RegistrationView, TrunkStatusView};
use rotary_config::Config;
use rotary_engine::EngineHandle;

/// The engine seen by the API.
pub(crate) struct EngineBackend {
    engine: EngineHandle,
    ready: AtomicBool,
    data_dir: PathBuf,
}

impl EngineBackend {
    pub(crate) fn new(engine: EngineHandle, data_dir: PathBuf) -> Self {
        EngineBackend {
            engine,
            ready: AtomicBool::new(false),
            data_dir,
        }
    }

    pub(crate) fn set_ready(&self) {
        self.ready.store(true, Ordering::SeqCst);
    }

    pub(crate) fn set_not_ready(&self) {
        self.ready.store(false, Ordering::SeqCst);
    }
}

impl Backend for EngineBackend {
    fn config(&self) -> Arc<Config> {
        self.engine.config()
    }

    fn config_changed(&self, config: Arc<Config>) {
        self.engine.set_config(config);
    }

    fn registrations(&self) -> Vec<RegistrationView> {
        self.engine
            .registrations()
            .into_iter()
            .map(|r| RegistrationView {
                extension: r.extension,
                contact: r.contact,
                source: r.source.to_string(),
                transport: r.transport.to_string(),
                user_agent: r.user_agent,
                expires_at: DateTime::<Utc>::from_timestamp(r.expires_at_unix, 0)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default(),
            })
            .collect()
    }

    fn metrics(&self) -> String {
        self.engine.metrics_text()
    }

    fn events(&self) -> Arc<rotary_engine::events::EventBus> {
        self.engine.events()
    }

    fn data_dir(&self) -> Option<PathBuf> {
        Some(self.data_dir.clone())
    }

    fn active_calls(&self) -> BoxFuture<'_, Vec<ActiveCallView>> {
        Box::pin(async move {
            let stamp = |ms: i64| {
                DateTime::<Utc>::from_timestamp_millis(ms)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default()
            };
            self.engine
                .active_calls()
                .await
                .into_iter()
                .map(|c| ActiveCallView {
                    id: c.call.to_string(),
                    caller: c.caller,
                    callee: c.callee,
                    state: c.state.as_str().to_owned(),
                    call_type: c.call_type.as_str().to_owned(),
                    trunk: c.trunk,
                    started_at: stamp(c.started_unix_ms),
                    answered_at: c.answered_unix_ms.map(stamp),
                })
                .collect()
        })
    }

    fn hangup_call<'a>(&'a self, id: &'a str) -> BoxFuture<'a, bool> {
        Box::pin(self.engine.hangup_call(id))
    }

    fn trunk_statuses(&self) -> Vec<TrunkStatusView> {
        let rfc3339 = |unix: Option<i64>| {
            unix.and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
                .map(|t| t.to_rfc3339())
        };
        self.engine
            .trunk_statuses()
            .into_iter()
            .map(|t| TrunkStatusView {
                trunk: t.trunk,
                kind: t.kind.to_owned(),
                state: t.state.to_owned(),
                reason: t.reason.map(str::to_owned),
                detail: t.detail,
                last_code: t.last_code,
                rtt_ms: t.rtt_ms,
                failures: t.failures,
                expires_at: rfc3339(t.expires_at_unix),
                retry_at: rfc3339(t.retry_at_unix),
                contacts: t.contacts,
                call_failures: t.call_failures,
                last_call_failure: t.last_call_failure.map(|f| CallFailureView {
                    code: f.code,
                    reason: f.reason.to_owned(),
                    at: rfc3339(Some(f.at_unix)).unwrap_or_default(),
                }),
            })
            .collect()
    }

    fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }
}
