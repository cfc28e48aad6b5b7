//! Who is calling: passwords (argon2), login tokens, HTTP Basic, roles, and the brute-force
//! lockout.
//!
//! - `POST /api/v1/login` trades a password for a random 256-bit token kept in memory; a token
//!   expires when unused for the idle timeout or, used or not, at the absolute timeout (system
//!   settings `session_idle_minutes`, `session_max_hours`). Tokens do not survive a restart.
//! - Passwords are hashed with argon2id. A stored hash made with another argon2 variant or
//!   weaker parameters is replaced with a current one at the next successful login.
//! - HTTP Basic is checked on every request. argon2 is deliberately slow, so a successful
//!   check is remembered for two minutes under SHA-256(user, password) together with the stored
//!   hash it matched; a changed password invalidates the entry at once.
//! - More than 5 failed password checks from one address within 5 minutes lock that address
//!   out for 15 minutes (429), whatever it sends. Token requests are not affected.
//!
//! Roles (see [`Role`]): `admin` may do everything; `operator` runs the phone system day to
//! day (reads everything, creates, changes and deletes extensions) but may not manage
//! accounts, global settings or restore backups; `billing` reads call records and recordings
//! only; `user` is the person behind one extension and may read and PATCH only that
//! extension (name, secret, voicemail), manage its portal features (`/api/v1/me`), and see
//! only its registrations and calls.

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
            Role::Billing | Role::User => Err(ApiError::forbidden(format!(
                "role {} may not do this",
                self.role
            ))),
        }
    }

    /// Fail with 403 unless the caller is an admin (users, global settings).
    pub(crate) fn require_admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Operator | Role::Billing | Role::User => Err(ApiError::forbidden(format!(
                "role {} may not do this; only admin may",
                self.role
            ))),
        }
    }

    /// Whether the caller may see everything (not only their own extension).
    pub(crate) fn is_staff(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Operator)
    }

    /// Fail with 403 for role `billing`, which sees call records and recordings only (not
    /// extensions, registrations, the event stream or configuration).
    pub(crate) fn require_pbx_view(&self) -> Result<(), ApiError> {
        if self.role == Role::Billing {
            return Err(ApiError::forbidden(
                "role billing may read only call records and recordings",
            ));
        }
        Ok(())
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

    /// The extension whose calls (and, for extension views, whose extension) the caller is
    /// confined to: `None` for staff and for `billing` (which sees every call). A `user`
    /// without an extension gets 403. Extension-level handlers call
    /// [`Caller::require_pbx_view`] first, so billing never reaches their data.
    pub(crate) fn own_scope(&self) -> Result<Option<&str>, ApiError> {
        if self.is_staff() || self.role == Role::Billing {
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
        let caller = match credentials(&parts.headers)? {
            Credentials::Bearer(token) => state.auth.session(state, &token).await,
            Credentials::Basic { username, password } => {
                state
                    .auth
                    .check_password(state, ip, &username, &password)
                    .await
            }
        }?;
        crate::audit::set_actor(&caller);
        Ok(caller)
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
    timeouts: Mutex<SessionTimeouts>,
}

/// When login tokens expire (system settings `session_idle_minutes`, `session_max_hours`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SessionTimeouts {
    /// A token unused this long expires.
    pub(crate) idle: Duration,
    /// A token this old expires however much it is used.
    pub(crate) absolute: Duration,
}

impl Default for SessionTimeouts {
    fn default() -> Self {
        SessionTimeouts {
            idle: Duration::from_secs(DEFAULT_IDLE_MINUTES * 60),
            absolute: Duration::from_secs(DEFAULT_MAX_HOURS * 3600),
        }
    }
}

#[derive(Debug)]
struct Session {
    username: String,
    created: Instant,
    last_used: Instant,
}

impl Session {
    fn is_live(&self, now: Instant, t: SessionTimeouts) -> bool {
        now.duration_since(self.last_used) < t.idle && now.duration_since(self.created) < t.absolute
    }
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
            Some(mut user) if ok => {
                self.forget_failures(ip);
                if needs_rehash(&user.password_hash) {
                    user.password_hash = upgrade_hash(state, &user, password).await?;
                }
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
        let timeouts = self.timeouts();
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.retain(|_, s| s.is_live(now, timeouts));
            sessions.insert(
                digest(&[token.as_bytes()]),
                Session {
                    username: username.to_owned(),
                    created: now,
                    last_used: now,
                },
            );
        }
        token
    }

    /// The session timeouts in force.
    pub(crate) fn timeouts(&self) -> SessionTimeouts {
        self.timeouts.lock().map(|t| *t).unwrap_or_default()
    }

    /// Change the session timeouts; existing tokens are judged by the new ones at once.
    pub(crate) fn set_timeouts(&self, timeouts: SessionTimeouts) {
        if let Ok(mut t) = self.timeouts.lock() {
            *t = timeouts;
        }
    }

    /// End every session of `username` (password changed, account deleted or demoted).
    pub(crate) fn end_sessions_of(&self, username: &str) {
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.retain(|_, s| s.username != username);
        }
    }

    /// Forget cached Basic checks (after a restore replaced every account).
    pub(crate) fn forget_cached_checks(&self) {
        if let Ok(mut cache) = self.basic_cache.lock() {
            cache.clear();
        }
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
        let timeouts = self.timeouts();
        let username = {
            let mut sessions = self.sessions.lock().map_err(ApiError::internal)?;
            let key = digest(&[token.as_bytes()]);
            match sessions.get_mut(&key) {
                Some(s) if s.is_live(now, timeouts) => {
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
    peer_ip_in(&parts.extensions)
}

/// [`peer_ip`] from a request's extensions.
pub(crate) fn peer_ip_in(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
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
        .with_store_unaudited(move |store, _| store.get_user(&username).map_err(ApiError::internal))
        .await
}

/// Whether a stored hash should be replaced by one made with today's parameters: another
/// argon2 variant, older version or weaker cost than [`hash_password`] uses.
pub(crate) fn needs_rehash(hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false; // unreadable: it matches nothing anyway
    };
    let current = argon2::Params::default();
    let params = argon2::Params::try_from(&parsed).ok();
    parsed.algorithm != argon2::Algorithm::Argon2id.ident()
        || parsed.version != Some(argon2::Version::V0x13.into())
        || params.is_none_or(|p| {
            p.m_cost() < current.m_cost()
                || p.t_cost() < current.t_cost()
                || p.p_cost() < current.p_cost()
        })
}

/// Re-hash `password` with today's parameters and store it (transparent migration at login).
/// Returns the hash now stored; when storing fails the old one is kept (and logged) and the
/// login still succeeds.
async fn upgrade_hash(
    state: &AppState,
    user: &UserRecord,
    password: &str,
) -> Result<String, ApiError> {
    let pw = password.to_owned();
    let new_hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(ApiError::internal)?;
    let old_hash = user.password_hash.clone();
    let mut updated = user.clone();
    updated.password_hash = new_hash.clone();
    let stored = state
        .with_store_unaudited(move |store, _| {
            // Only if nobody changed the password in the meantime.
            let current = store.get_user(&updated.username)?;
            let unchanged = current.is_some_and(|c| c.password_hash == old_hash);
            if unchanged {
                store.upsert_user(&updated)?;
            }
            Ok(unchanged)
        })
        .await;
    match stored {
        Ok(true) => {
            tracing::info!(user = %user.username, "password hash upgraded to argon2id");
            Ok(new_hash)
        }
        Ok(false) => Ok(user.password_hash.clone()),
        Err(e) => {
            tracing::warn!(user = %user.username, error = %e, "cannot store the upgraded hash");
            Ok(user.password_hash.clone())
        }
    }
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

/// Default idle timeout of a login token, minutes.
pub(crate) const DEFAULT_IDLE_MINUTES: u64 = 30;
/// Default absolute lifetime of a login token, hours.
pub(crate) const DEFAULT_MAX_HOURS: u64 = 12;
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
