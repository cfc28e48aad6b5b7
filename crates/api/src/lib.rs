//! Rotary's admin HTTP API: REST under `/api/v1` (documented by a generated OpenAPI 3.1
//! document), login and roles, `/healthz` and Prometheus `/metrics`.
//!
//! `pbxd` builds an [`AppState`] from the open [`Store`] and a [`Backend`] (the engine's view
//! for the API), and serves [`router`]:
//!
//! ```no_run
//! # use std::sync::{Arc, Mutex};
//! # async fn serve(store: rotary_store::Store, backend: Arc<dyn rotary_api::Backend>) {
//! let state = rotary_api::AppState::new(Arc::new(Mutex::new(store)), backend);
//! let app = rotary_api::router(state);
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();
//! // Connect info lets the brute-force lockout tell clients apart.
//! axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
//!     .await
//!     .unwrap();
//! # }
//! ```
//!
//! Every write is one SQLite transaction followed by a new configuration snapshot handed to
//! [`Backend::config_changed`] (architecture principle 3), so an extension created here can
//! register at once.
//!
//! Authentication: `POST /api/v1/login` returns a random 256-bit bearer token (in memory,
//! expires after `session_idle_minutes` unused and `session_max_hours` in all, system
//! settings); HTTP Basic works on every request (successful argon2 checks are cached for two
//! minutes). More than 5 failed password checks from one address within 5 minutes lock it out
//! for 15 minutes (429). Passwords are argon2id; older hashes are upgraded at the next login.
//! Roles (accounts: `/api/v1/accounts`, admin only; who am I: `GET /api/v1/me`):
//!
//! | role | may |
//! |---|---|
//! | `admin` | everything |
//! | `operator` | read everything (settings too); create, change, delete extensions; make and download backups; not accounts, not changing settings, not restoring backups, not the audit log |
//! | `billing` | call records and recordings only |
//! | `user` | read its own extension, registrations, calls and events; PATCH its own `name`, `secret`, `voicemail`; its portal features (`/api/v1/me`) |
//!
//! Every change through the API is written to the audit log in the same transaction
//! (`audit` module; `GET /api/v1/audit`). Backups (`/api/v1/backups`, the `backup` module)
//! and the HTTPS certificate (`/api/v1/tls`, [`tls`]) live here too; pbxd serves HTTPS with
//! [`tls::serve_https`] and starts the backup schedule with
//! [`AppState::spawn_auto_backups`].
//!
//! Settings (`GET`/`PATCH /api/v1/settings`) are readable by admin and operator and writable
//! by admin only. `GET /api/v1/events` is a WebSocket streaming the engine's event bus as JSON
//! (see the `routes::events` module docs); browsers may authenticate it with `?token=TOKEN`.
//!
//! Routing (trunks, outbound/inbound/direct routes, time conditions, IVRs, departments,
//! blacklist, options, the whole document and the route tracer) is readable by admin and
//! operator and writable by admin; see the `routes::routing` module docs.
//!
//! The web GUI (`web-ui/`, embedded at build time) is served by the fallback route, so
//! every API path keeps priority.

mod accounts;
mod audit;
mod auth;
mod backend;
mod backup;
mod error;
mod metrics;
mod openapi;
mod routes;
mod system_settings;
pub mod tls;

use std::sync::{Arc, Mutex, RwLock};

use axum::routing::{delete, get, post, put};
use axum::Router;
use rotary_store::Store;

pub use auth::{hash_password, verify_password};
pub use backend::{ActiveCallView, Backend, CallFailureView, RegistrationView, TrunkStatusView};
use error::ApiError;
pub use metrics::ApiMetrics;
pub use openapi::openapi_json;
pub use system_settings::SystemSettings;

/// Everything the handlers share; cheap to clone (all `Arc`s).
#[derive(Clone)]
pub struct AppState {
    /// The database. Locked only for short, synchronous work, never across an `.await`.
    store: Arc<Mutex<Store>>,
    /// The running PBX.
    backend: Arc<dyn Backend>,
    /// Login tokens, Basic cache, lockouts.
    auth: Arc<auth::AuthState>,
    /// Counters of the API itself.
    metrics: Arc<ApiMetrics>,
    /// System settings (wizard, sessions, backups, HTTPS), cached from the store.
    system: Arc<RwLock<system_settings::SystemSettings>>,
    /// Backup jobs in progress and the restore lock.
    backups: Arc<backup::Jobs>,
    /// The certificate HTTPS serves, when pbxd serves HTTPS (hot-swapped on upload).
    tls: Option<Arc<tls::TlsCerts>>,
}

impl AppState {
    /// Build the state over an open store and the engine's [`Backend`]. The store may be
    /// shared with other parts of pbxd through the same mutex.
    pub fn new(store: Arc<Mutex<Store>>, backend: Arc<dyn Backend>) -> Self {
        let system = store
            .lock()
            .ok()
            .map(|s| system_settings::SystemSettings::load(&s))
            .unwrap_or_default();
        let auth = auth::AuthState::default();
        auth.set_timeouts(system.session_timeouts());
        AppState {
            store,
            backend,
            auth: Arc::new(auth),
            metrics: Arc::new(ApiMetrics::default()),
            system: Arc::new(RwLock::new(system)),
            backups: Arc::new(backup::Jobs::default()),
            tls: None,
        }
    }

    /// Let the API show and replace the certificate pbxd serves HTTPS with
    /// (`/api/v1/tls`); without it an upload is stored for the next start only.
    #[must_use]
    pub fn with_tls(mut self, certs: Arc<tls::TlsCerts>) -> Self {
        self.tls = Some(certs);
        self
    }

    /// The system settings in force (pbxd reads the HTTPS settings at start).
    #[must_use]
    pub fn system_settings(&self) -> SystemSettings {
        self.system.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// Start the automatic backup schedule (system settings `auto_backup_hours`,
    /// `auto_backup_keep`): a background task that lives as long as the runtime.
    pub fn spawn_auto_backups(&self) {
        backup::spawn_schedule(self.clone());
    }

    /// The API's own counters (also rendered at `/metrics`).
    #[must_use]
    pub fn metrics(&self) -> &ApiMetrics {
        &self.metrics
    }

    /// Run `f` with the locked store and the backend on a blocking thread. Writes call
    /// `config_changed` inside `f`, so snapshots reach the engine in commit order.
    ///
    /// Inside a mutating API request, `f` runs in one transaction with the request's audit
    /// row (see the `audit` module), which is written when `f` changed something.
    pub(crate) async fn with_store<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store, &dyn Backend) -> Result<T, ApiError> + Send + 'static,
    {
        let entry = audit::pending_entry();
        let store = Arc::clone(&self.store);
        let backend = Arc::clone(&self.backend);
        let (value, written) = tokio::task::spawn_blocking(move || {
            let mut guard = store
                .lock()
                .map_err(|_| ApiError::internal("store lock poisoned"))?;
            match entry {
                Some(entry) => guard.audited(&entry, |s| f(s, backend.as_ref())),
                None => f(&mut guard, backend.as_ref()).map(|v| (v, false)),
            }
        })
        .await
        .map_err(ApiError::internal)??;
        if written {
            audit::mark_written();
        }
        Ok(value)
    }

    /// [`AppState::with_store`] without the audit transaction: for reads on behalf of
    /// authentication and for work that writes its own audit row.
    pub(crate) async fn with_store_unaudited<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store, &dyn Backend) -> Result<T, ApiError> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        let backend = Arc::clone(&self.backend);
        tokio::task::spawn_blocking(move || {
            let mut guard = store
                .lock()
                .map_err(|_| ApiError::internal("store lock poisoned"))?;
            f(&mut guard, backend.as_ref())
        })
        .await
        .map_err(ApiError::internal)?
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

/// The whole HTTP surface: `/healthz`, `/metrics` and `/api/v1/…`.
pub fn router(state: AppState) -> Router {
    routes::host::started();
    use routes::{cdr, events, extensions, recordings, registrations, settings, sounds, system};
    use routes::{route_trace, routing, routing_resources as rr};
    Router::new()
        .route("/healthz", get(system::healthz))
        .route("/metrics", get(system::metrics))
        .route("/api/v1/openapi.json", get(system::openapi))
        .route("/api/v1/login", post(system::login))
        .route("/api/v1/logout", post(system::logout))
        .route(
            "/api/v1/extensions",
            get(extensions::list).post(extensions::create),
        )
        .route(
            "/api/v1/extensions.csv",
            get(routes::extensions_csv::export).post(routes::extensions_csv::import),
        )
        .route(
            "/api/v1/extensions/{number}",
            get(extensions::show)
                .put(extensions::replace)
                .patch(extensions::patch)
                .delete(extensions::remove),
        )
        .route("/api/v1/registrations", get(registrations::list))
        .route("/api/v1/calls", get(routes::calls::list))
        .route("/api/v1/calls/{id}", delete(routes::calls::hangup))
        .route("/api/v1/system", get(routes::host::show))
        .route(
            "/api/v1/config",
            get(routes::config_doc::export).put(routes::config_doc::import),
        )
        .route("/api/v1/cdr", get(cdr::list))
        .route("/api/v1/cdr.csv", get(cdr::csv))
        .route("/api/v1/recordings/{id}", get(recordings::download))
        .route("/api/v1/prompts", get(sounds::list_prompts))
        .route(
            "/api/v1/prompts/{name}",
            get(sounds::download_prompt)
                .put(sounds::upload_prompt)
                .delete(sounds::delete_prompt),
        )
        .route("/api/v1/moh", get(sounds::list_moh))
        .route(
            "/api/v1/moh/{class}/{name}",
            put(sounds::upload_moh).delete(sounds::delete_moh),
        )
        .route(
            "/api/v1/settings",
            get(settings::show).patch(settings::patch),
        )
        .route("/api/v1/events", get(events::stream))
        .route("/api/v1/routing", get(routing::show).put(routing::replace))
        .route(
            "/api/v1/routing/options",
            get(routing::show_options).patch(routing::patch_options),
        )
        .route("/api/v1/route-trace", get(route_trace::trace))
        .route(
            "/api/v1/time-conditions/{key}/override",
            post(routing::override_time_condition),
        )
        .route(
            "/api/v1/outbound-routes/{key}/move",
            post(routing::move_outbound_route),
        )
        .merge(routing_collection::<rr::Trunks>("/api/v1/trunks"))
        .route(
            "/api/v1/trunks/{key}/status",
            get(routes::trunk_status::show),
        )
        .merge(routing_collection::<rr::OutboundRoutes>(
            "/api/v1/outbound-routes",
        ))
        .merge(routing_collection::<rr::InboundRoutes>(
            "/api/v1/inbound-routes",
        ))
        .merge(routing_collection::<rr::DirectRoutes>(
            "/api/v1/direct-routes",
        ))
        .merge(routing_collection::<rr::TimeConditions>(
            "/api/v1/time-conditions",
        ))
        .merge(routing_collection::<rr::Ivrs>("/api/v1/ivrs"))
        .merge(routing_collection::<rr::Departments>("/api/v1/departments"))
        .merge(routing_collection::<rr::Blacklist>("/api/v1/blacklist"))
        .merge(routes::admin::router())
        .fallback(routes::ui::fallback)
        .layer(axum::middleware::from_fn(audit::track))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// The five routes of one routing collection (`routes::routing_resources`).
fn routing_collection<R: routes::routing_resources::Resource>(path: &str) -> Router<AppState> {
    use routes::routing_resources::{create, list, remove, replace, show};
    Router::new()
        .route(path, get(list::<R>).post(create::<R>))
        .route(
            &format!("{path}/{{key}}"),
            get(show::<R>).put(replace::<R>).delete(remove::<R>),
        )
}
