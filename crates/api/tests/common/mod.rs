//! Test harness: an in-memory store with three users, a fake engine backend that records
//! every snapshot it is handed (and owns a real event bus), a helper that sends one request
//! through the router, and one that serves the router on a real socket.

#![allow(dead_code, unreachable_pub)] // Each test binary uses a different part of the harness.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use base64::Engine as _;
use futures_util::future::BoxFuture;
use rotary_api::{hash_password, ActiveCallView, AppState, Backend, RegistrationView};
use rotary_config::Config;
use rotary_engine::events::EventBus;
use rotary_store::{Role, Store, UserRecord};
use serde_json::Value;
use tower::ServiceExt;

pub const ADMIN_PW: &str = "admin-Pass-1";
pub const OPERATOR_PW: &str = "oper-Pass-2";
pub const USER_PW: &str = "user-Pass-3";
pub const BILLING_PW: &str = "bill-Pass-4";
/// The SIP secret of extension 101 in a fresh harness.
pub const ALICE_SECRET: &str = "Alice-Secret-77";

/// The engine stand-in: holds the current snapshot and records each `config_changed`.
pub struct FakeBackend {
    pub config: Mutex<Arc<Config>>,
    pub changes: Mutex<Vec<Arc<Config>>>,
    pub registrations: Mutex<Vec<RegistrationView>>,
    pub ready: AtomicBool,
    pub events: Arc<EventBus>,
    pub data_dir: Option<std::path::PathBuf>,
    /// The calls `GET /api/v1/calls` lists; a hang-up removes one.
    pub calls: Mutex<Vec<ActiveCallView>>,
}

impl Backend for FakeBackend {
    fn config(&self) -> Arc<Config> {
        Arc::clone(&self.config.lock().unwrap())
    }
    fn config_changed(&self, config: Arc<Config>) {
        *self.config.lock().unwrap() = Arc::clone(&config);
        self.changes.lock().unwrap().push(config);
    }
    fn registrations(&self) -> Vec<RegistrationView> {
        self.registrations.lock().unwrap().clone()
    }
    fn metrics(&self) -> String {
        "# TYPE rotary_engine_fake_total counter\nrotary_engine_fake_total 7\n".to_owned()
    }
    fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }
    fn events(&self) -> Arc<EventBus> {
        Arc::clone(&self.events)
    }
    fn data_dir(&self) -> Option<std::path::PathBuf> {
        self.data_dir.clone()
    }
    fn active_calls(&self) -> BoxFuture<'_, Vec<ActiveCallView>> {
        let calls = self.calls.lock().unwrap().clone();
        Box::pin(async move { calls })
    }
    fn hangup_call<'a>(&'a self, id: &'a str) -> BoxFuture<'a, bool> {
        let mut calls = self.calls.lock().unwrap();
        let before = calls.len();
        calls.retain(|c| c.id != id);
        let gone = calls.len() < before;
        Box::pin(async move { gone })
    }
}

/// The `Authorization` value for HTTP Basic.
pub fn basic_header(user: &str, password: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {b64}")
}

/// How a request authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Basic(&'static str, &'static str),
    Bearer(String),
    Raw(&'static str),
}

pub const ADMIN: Auth = Auth::Basic("admin", ADMIN_PW);
pub const OPERATOR: Auth = Auth::Basic("oper", OPERATOR_PW);
/// Role `user`, owner of extension 101.
pub const USER101: Auth = Auth::Basic("alice", USER_PW);
/// Role `billing`.
pub const BILLING: Auth = Auth::Basic("bill", BILLING_PW);

/// One answer, with the body as text and (when it parses) as JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

pub struct Harness {
    pub state: AppState,
    pub backend: Arc<FakeBackend>,
    pub store: Arc<Mutex<Store>>,
    /// Every response body seen, to check that no secret ever leaks.
    pub transcript: Mutex<String>,
    /// The data directory of a harness made by [`Harness::with_files`].
    pub tmp: Option<tempfile::TempDir>,
}

impl Harness {
    /// A store with users `admin`, `oper` (operator) and `alice` (user of 101), and
    /// extension 101 already present.
    pub fn new() -> Harness {
        Harness::with_bus(EventBus::new())
    }

    /// Like [`Harness::new`], with a given event bus (e.g. a small history).
    pub fn with_bus(bus: EventBus) -> Harness {
        Harness::build(bus, None)
    }

    /// Like [`Harness::new`], with the store in a file of a temporary data directory that
    /// the backend reports (backups, TLS files).
    pub fn with_files() -> Harness {
        let tmp = tempfile::tempdir().unwrap();
        Harness::build(EventBus::new(), Some(tmp))
    }

    fn build(bus: EventBus, tmp: Option<tempfile::TempDir>) -> Harness {
        let mut store = match &tmp {
            Some(t) => Store::open(t.path()).unwrap(),
            None => Store::open_in_memory().unwrap(),
        };
        for (name, pw, role, ext) in [
            ("admin", ADMIN_PW, Role::Admin, None),
            ("oper", OPERATOR_PW, Role::Operator, None),
            ("alice", USER_PW, Role::User, Some("101".to_owned())),
            ("bill", BILLING_PW, Role::Billing, None),
        ] {
            store
                .upsert_user(&UserRecord {
                    username: name.into(),
                    password_hash: hash_password(pw),
                    role,
                    extension: ext,
                })
                .unwrap();
        }
        let input = rotary_config::ExtensionInput {
            number: Some("101".into()),
            name: Some("Alice".into()),
            secret: Some(ALICE_SECRET.into()),
            ..Default::default()
        };
        let ext = rotary_config::validate_extension(&input, None, &Default::default()).unwrap();
        store.insert_extension(&ext).unwrap();
        let config = store.load_config().unwrap();
        let backend = Arc::new(FakeBackend {
            config: Mutex::new(Arc::new(config)),
            changes: Mutex::new(Vec::new()),
            registrations: Mutex::new(Vec::new()),
            ready: AtomicBool::new(true),
            events: Arc::new(bus),
            data_dir: tmp.as_ref().map(|t| t.path().to_owned()),
            calls: Mutex::new(Vec::new()),
        });
        let store = Arc::new(Mutex::new(store));
        let state = AppState::new(Arc::clone(&store), Arc::clone(&backend) as Arc<dyn Backend>);
        Harness {
            state,
            backend,
            store,
            transcript: Mutex::new(String::new()),
            tmp,
        }
    }

    /// The data directory of a [`Harness::with_files`] harness.
    pub fn dir(&self) -> &std::path::Path {
        self.tmp.as_ref().expect("harness without files").path()
    }

    /// Send one request through a fresh router (as a server would per connection).
    pub async fn call(&self, method: &str, uri: &str, auth: Auth, body: Option<&str>) -> Reply {
        self.call_from(method, uri, auth, body, None).await
    }

    /// Like [`Harness::call`], from a given peer address (connect info).
    pub async fn call_from(
        &self,
        method: &str,
        uri: &str,
        auth: Auth,
        body: Option<&str>,
        peer: Option<SocketAddr>,
    ) -> Reply {
        let mut req = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(uri);
        match &auth {
            Auth::None => {}
            Auth::Basic(u, p) => req = req.header(header::AUTHORIZATION, basic_header(u, p)),
            Auth::Bearer(t) => req = req.header(header::AUTHORIZATION, format!("Bearer {t}")),
            Auth::Raw(v) => req = req.header(header::AUTHORIZATION, *v),
        }
        let body = match body {
            Some(b) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(b.to_owned())
            }
            None => Body::empty(),
        };
        let mut req = req.body(body).unwrap();
        if let Some(peer) = peer {
            req.extensions_mut().insert(ConnectInfo(peer));
        }
        self.send(req).await
    }

    /// Serve the router on 127.0.0.1 (any free port) with connect info, as pbxd does;
    /// returns the address. The server lives as long as the test's runtime.
    pub async fn serve(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = rotary_api::router(self.state.clone())
            .into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    }

    /// Send a prepared request.
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let resp = rotary_api::router(self.state.clone())
            .oneshot(req)
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        self.transcript.lock().unwrap().push_str(&text);
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    /// Log in and return the token.
    pub async fn login(&self, user: &str, password: &str) -> String {
        let body = serde_json::json!({"username": user, "password": password}).to_string();
        let r = self
            .call("POST", "/api/v1/login", Auth::None, Some(&body))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json["token"].as_str().unwrap().to_owned()
    }

    /// How many snapshots were handed to the engine so far.
    pub fn change_count(&self) -> usize {
        self.backend.changes.lock().unwrap().len()
    }

    /// The last snapshot handed to the engine.
    pub fn last_change(&self) -> Arc<Config> {
        Arc::clone(
            self.backend
                .changes
                .lock()
                .unwrap()
                .last()
                .expect("no config_changed call"),
        )
    }

    /// What the database holds now.
    pub fn stored(&self) -> Config {
        self.store.lock().unwrap().load_config().unwrap()
    }
}
