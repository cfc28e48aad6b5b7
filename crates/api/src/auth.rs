//! Who is calling: passwords (argon2), login tokens, HTTP Basic, roles, and the brute-force
//! lockout.
//!
//! - `POST /api/v1/login` trades a password for a random 256-bit token kept in memory; a token
//!   unused for 12 hours expires. Tokens do not survive a restart (log in again).
//! - HTTP Basic is checked on every request. argon2 is deliberately slow, so a successful
//!   check is remembered for two minutes under SHA-256(user, password) together with the stored
//!   hash it matched; a changed password invalidates the entry at once.
//! - More than 5 failed password checks from one address within 5 minutes lock that address
//!   out for 15 minutes (429), whatever it sends. Token requests are not affected.
//!
//! Roles (see [`Role`]): `admin` may do everything; `operator` runs the phone system day to
//! day (reads everything, creates, changes and deletes extensions) but may not manage API
//! users or global settings; `user` is the person behind one extension and may read and
//! PATCH only that extension (name, secret, voicemail), and see only its registrations and
//! calls.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use base64::Engine as _;
use rand::RngCore;
use rotary_store::{Role, UserRecord};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::error::{ApiError, Challenge};
use crate::AppState;

/// Hash a password for storage (argon2id, random salt, PHC string format).
///
/// `pbxd` uses it to create the `admin` user at first start; the API stores nothing else.
#[must_use]
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    // Invariant: default argon2 parameters and a freshly generated salt are always valid, and
    // any password shorter than 4 GiB is accepted, so hashing cannot fail.
    #[allow(clippy::expect_used)]
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters accepts any password")
        .to_string()
}

/// Check `password` against a hash made by [`hash_password`]; a malformed hash never matches.
#[must_use]
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// The authenticated caller of a request: an extractor for every protected handler.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    /// API user name.
    pub(crate) username: String,
    /// What the user may do.
    pub(crate) role: Role,
    /// For role `user`: the extension this user owns.
    pub(crate) extension: Option<String>,
}

impl Caller {
    /// Fail with 403 unless the caller is an admin or an operator.
    pub(crate) fn require_staff(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin | Role::Operator => Ok(()),
            Role::User => Err(ApiError::forbidden(format!(
                "role {} may not do this",
                self.role
            ))),
        }
    }

    /// Fail with 403 unless the caller is an admin (users, global settings).
    pub(crate) fn require_admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Operator | Role::User => Err(ApiError::forbidden(format!(
                "role {} may not do this; only admin may",
                self.role
            ))),
        }
    }

    /// Whether the caller may see everything (not only their own extension).
    pub(crate) fn is_staff(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Operator)
    }

    /// Fail with 403 unless the caller is staff or owns extension `number`.
    pub(crate) fn require_extension(&self, number: &str) -> Result<(), ApiError> {
        if self.is_staff() || self.extension.as_deref() == Some(number) {
            return Ok(());
        }
        Err(ApiError::forbidden(format!(
            "extension {number} belongs to someone else"
        )))
    }

    /// The extension a non-staff caller is confined to (`None` for staff). A `user` without
    /// an extension gets 403.
    pub(crate) fn own_scope(&self) -> Result<Option<&str>, ApiError> {
        if self.is_staff() {
            return Ok(None);
        }
        match self.extension.as_deref() {
            Some(ext) => Ok(Some(ext)),
            None => Err(ApiError::forbidden("this user has no extension")),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ip = peer_ip(parts);
        match credentials(&parts.headers)? {
            Credentials::Bearer(token) => state.auth.session(state, &token).await,
            Credentials::Basic { username, password } => {
                state
                    .auth
                    .check_password(state, ip, &username, &password)
                    .await
            }
        }
    }
}

/// The caller of a WebSocket request. Browsers cannot set headers on a WebSocket, so besides
/// the `Authorization` header (which wins when present) a login token may come as
/// `?token=TOKEN`. Basic credentials are never taken from the query string.
#[derive(Clone, Debug)]
pub(crate) struct StreamCaller(pub(crate) Caller);

impl FromRequestParts<AppState> for StreamCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            if let Some(token) = query_token(parts) {
                return state.auth.session(state, &token).await.map(StreamCaller);
            }
        }
        Caller::from_request_parts(parts, state)
            .await
            .map(StreamCaller)
    }
}

/// The non-empty `token` query parameter, if any (a malformed query has none).
fn query_token(parts: &Parts) -> Option<String> {
    parts.uri.query()?;
    let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&parts.uri).ok()?;
    pairs
        .0
        .into_iter()
        .rev()
        .find(|(k, v)| k == "token" && !v.is_empty())
        .map(|(_, v)| v)
}

/// Login tokens, the Basic cache and the failure log. One per [`AppState`].
#[derive(Debug, Default)]
pub(crate) struct AuthState {
    sessions: Mutex<HashMap<[u8; 32], Session>>,
    basic_cache: Mutex<HashMap<[u8; 32], CachedCheck>>,
    failures: Mutex<HashMap<IpAddr, FailureLog>>,
}

#[derive(Debug)]
struct Session {
    username: String,
    last_used: Instant,
}

#[derive(Debug)]
struct CachedCheck {
    password_hash: String,
    verified_at: Instant,
}

#[derive(Debug, Default)]
struct FailureLog {
    recent: VecDeque<Instant>,
    locked_until: Option<Instant>,
}

impl AuthState {
    /// Verify a password for `username` from `ip`, honouring the lockout; used by login and
    /// by Basic auth.
    pub(crate) async fn check_password(
        &self,
        state: &AppState,
        ip: IpAddr,
        username: &str,
        password: &str,
    ) -> Result<Caller, ApiError> {
        let now = Instant::now();
        self.ensure_not_locked(ip, now)?;
        let user = load_user(state, username).await?;
        let cache_key = digest(&[username.as_bytes(), b"\0", password.as_bytes()]);
        if let Some(user) = &user {
            if self.cached(&cache_key, &user.password_hash, now) {
                return Ok(caller_of(user));
            }
        }
        // Unknown users cost the same argon2 run, so timing does not reveal which names exist.
        let hash = match &user {
            Some(u) => u.password_hash.clone(),
            None => dummy_hash().to_owned(),
        };
        let pw = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
            .await
            .map_err(ApiError::internal)?;
        match user {
            Some(user) if ok => {
                self.forget_failures(ip);
                self.remember(cache_key, &user.password_hash, now);
                Ok(caller_of(&user))
            }
            _ => {
                state.metrics.record_auth_failure();
                if self.record_failure(ip, now) {
                    state.metrics.record_lockout();
                    tracing::warn!(%ip, "too many failed logins; address locked out");
                    return Err(ApiError::TooManyRequests {
                        retry_after_secs: LOCKOUT.as_secs(),
                    });
                }
                Err(ApiError::Unauthorized {
                    message: "invalid user name or password",
                    challenge: Challenge::Basic,
                })
            }
        }
    }

    /// Create a login token for an authenticated caller.
    pub(crate) fn create_session(&self, username: &str) -> String {
        let mut token = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut token);
        let token = hex::encode(token);
        let now = Instant::now();
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.retain(|_, s| now.duration_since(s.last_used) < TOKEN_IDLE);
            sessions.insert(
                digest(&[token.as_bytes()]),
                Session {
                    username: username.to_owned(),
                    last_used: now,
                },
            );
        }
        token
    }

    /// Forget a token (logout). Unknown tokens are ignored.
    pub(crate) fn end_session(&self, token: &str) {
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.remove(&digest(&[token.as_bytes()]));
        }
    }

    /// The caller behind a bearer token, refreshing its idle timer.
    async fn session(&self, state: &AppState, token: &str) -> Result<Caller, ApiError> {
        let now = Instant::now();
        let expired = ApiError::Unauthorized {
            message: "invalid or expired token",
            challenge: Challenge::Bearer,
        };
        let username = {
            let mut sessions = self.sessions.lock().map_err(ApiError::internal)?;
            let key = digest(&[token.as_bytes()]);
            match sessions.get_mut(&key) {
                Some(s) if now.duration_since(s.last_used) < TOKEN_IDLE => {
                    s.last_used = now;
                    s.username.clone()
                }
                Some(_) => {
                    sessions.remove(&key);
                    return Err(expired);
                }
                None => return Err(expired),
            }
        };
        // The user may have been deleted or changed role since the login.
        match load_user(state, &username).await? {
            Some(user) => Ok(caller_of(&user)),
            None => {
                self.end_session(token);
                Err(expired)
            }
        }
    }

    fn ensure_not_locked(&self, ip: IpAddr, now: Instant) -> Result<(), ApiError> {
        let failures = self.failures.lock().map_err(ApiError::internal)?;
        match failures.get(&ip).and_then(|f| f.locked_until) {
            Some(until) if until > now => {
                let secs = until.duration_since(now).as_secs().max(1);
                Err(ApiError::TooManyRequests {
                    retry_after_secs: secs,
                })
            }
            _ => Ok(()),
        }
    }

    /// Log one failure; returns true when this failure locks the address out.
    fn record_failure(&self, ip: IpAddr, now: Instant) -> bool {
        let Ok(mut failures) = self.failures.lock() else {
            return false;
        };
        if failures.len() >= MAX_TRACKED_ADDRESSES {
            failures.retain(|_, f| f.is_active(now));
        }
        let log = failures.entry(ip).or_default();
        while log
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= FAILURE_WINDOW)
        {
            log.recent.pop_front();
        }
        log.recent.push_back(now);
        if log.recent.len() > MAX_FAILURES {
            log.recent.clear();
            log.locked_until = Some(now + LOCKOUT);
            return true;
        }
        false
    }

    fn forget_failures(&self, ip: IpAddr) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(&ip);
        }
    }

    fn cached(&self, key: &[u8; 32], password_hash: &str, now: Instant) -> bool {
        let Ok(cache) = self.basic_cache.lock() else {
            return false;
        };
        cache.get(key).is_some_and(|c| {
            c.password_hash == password_hash && now.duration_since(c.verified_at) < BASIC_CACHE_TTL
        })
    }

    fn remember(&self, key: [u8; 32], password_hash: &str, now: Instant) {
        if let Ok(mut cache) = self.basic_cache.lock() {
            if cache.len() >= MAX_CACHED_CHECKS {
                cache.retain(|_, c| now.duration_since(c.verified_at) < BASIC_CACHE_TTL);
            }
            if cache.len() < MAX_CACHED_CHECKS {
                cache.insert(
                    key,
                    CachedCheck {
                        password_hash: password_hash.to_owned(),
                        verified_at: now,
                    },
                );
            }
        }
    }
}

impl FailureLog {
    fn is_active(&self, now: Instant) -> bool {
        self.locked_until.is_some_and(|t| t > now)
            || self
                .recent
                .back()
                .is_some_and(|t| now.duration_since(*t) < FAILURE_WINDOW)
    }
}

/// Credentials found in the `Authorization` header.
enum Credentials {
    Bearer(String),
    Basic { username: String, password: String },
}

/// Parse the `Authorization` header; missing or unreadable → 401 with a Basic challenge.
fn credentials(headers: &HeaderMap) -> Result<Credentials, ApiError> {
    let missing = ApiError::Unauthorized {
        message: "authentication required",
        challenge: Challenge::Basic,
    };
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(missing);
    };
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        return Ok(Credentials::Bearer(rest.to_owned()));
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        if let Some((user, pass)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
            return Ok(Credentials::Basic {
                username: user.to_owned(),
                password: pass.to_owned(),
            });
        }
    }
    Err(missing)
}

/// The peer address when the server was started with connect info; one shared bucket
/// otherwise (tests, or a server started without it).
pub(crate) fn peer_ip(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ci| {
            ci.0.ip().to_canonical()
        })
}

/// Look up an API user (one indexed query, on a blocking thread: the store lock may be held
/// by a write or an export).
async fn load_user(state: &AppState, username: &str) -> Result<Option<UserRecord>, ApiError> {
    let username = username.to_owned();
    state
        .with_store(move |store, _| store.get_user(&username).map_err(ApiError::internal))
        .await
}

fn caller_of(user: &UserRecord) -> Caller {
    Caller {
        username: user.username.clone(),
        role: user.role,
        extension: user.extension.clone(),
    }
}

/// SHA-256 over the concatenated parts.
fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// A valid hash that no password is checked against on purpose (see `check_password`).
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("rotary-timing-equaliser"))
}

/// A token unused this long expires.
const TOKEN_IDLE: Duration = Duration::from_secs(12 * 3600);
/// How long a successful Basic check is remembered.
const BASIC_CACHE_TTL: Duration = Duration::from_secs(120);
/// Failures counted within this window…
const FAILURE_WINDOW: Duration = Duration::from_secs(5 * 60);
/// …more than this many of them lock the address out…
const MAX_FAILURES: usize = 5;
/// …for this long.
const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Bound on the Basic cache.
const MAX_CACHED_CHECKS: usize = 1024;
/// Bound on the failure log before stale addresses are pruned.
const MAX_TRACKED_ADDRESSES: usize = 10_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify_round_trip() {
        let hash = hash_password("correct horse");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn parses_basic_and_bearer() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Basic YWRtaW46cDpx".parse().unwrap());
        let Ok(Credentials::Basic { username, password }) = credentials(&h) else {
            panic!("not basic")
        };
        assert_eq!((username.as_str(), password.as_str()), ("admin", "p:q"));
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert!(matches!(credentials(&h), Ok(Credentials::Bearer(t)) if t == "abc"));
        h.insert(header::AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert!(credentials(&h).is_err());
        assert!(credentials(&HeaderMap::new()).is_err());
    }

    #[test]
    fn sixth_failure_locks_out() {
        let auth = AuthState::default();
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let t0 = Instant::now();
        for i in 0..5 {
            assert!(!auth.record_failure(ip, t0 + Duration::from_secs(i)));
        }
        assert!(auth.record_failure(ip, t0 + Duration::from_secs(10)));
        assert!(auth
            .ensure_not_locked(ip, t0 + Duration::from_secs(11))
            .is_err());
        assert!(auth
            .ensure_not_locked(ip, t0 + Duration::from_secs(10) + LOCKOUT)
            .is_ok());
    }

    #[test]
    fn failures_outside_the_window_do_not_count() {
        let auth = AuthState::default();
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let t0 = Instant::now();
        for i in 0..20u64 {
            assert!(!auth.record_failure(ip, t0 + Duration::from_secs(61 * i)));
        }
    }
}
