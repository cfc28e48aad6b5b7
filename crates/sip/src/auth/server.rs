//! The digest server (registrar / proxy side): challenges with
//! self-validating nonces and verification with nonce-count replay checks.
//!
//! A nonce is `hex(issued_secs:u32 | serial:u64 | HMAC-SHA256(secret,
//! issued | serial | realm)[..16])`: the server needs no table to check that a
//! nonce is its own and how old it is. Only nonces that were *successfully*
//! used are remembered (highest nc per nonce), so unauthenticated traffic
//! costs no memory. That table drops entries when their nonce expires and is
//! capped; when the cap evicts a live entry, every nonce at or below the
//! evicted serial is answered `Stale`, so a replay can never slip through.
//!
//! Credentials without qop (RFC 2069) are accepted by default, but such a
//! nonce is single-use: a second use is answered `Stale` (a legitimate client
//! silently re-authenticates with a fresh nonce).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::hash::{compute_response, ct_eq, ha1, HmacSha256};
use super::{Algorithm, Challenge, Credentials, Qop};

/// Settings of a [`DigestServer`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestConfig {
    /// The realm challenged for and required in credentials.
    pub realm: String,
    /// How long a nonce stays valid; after that it is `Stale` (default 300 s).
    pub nonce_lifetime: Duration,
    /// Algorithms offered, one challenge each, most preferred first (RFC 8760
    /// §2.4); only these are accepted. Default: SHA-256, then MD5.
    pub algorithms: Vec<Algorithm>,
    /// Most nonces whose nonce-count is remembered at once (default 1 Mi, about
    /// 30 MB at most: every nonce used within its lifetime at ~3,500 logins/s).
    pub max_tracked_nonces: usize,
    /// Accept credentials without qop (RFC 2069 style, single-use nonce).
    pub allow_without_qop: bool,
}

impl DigestConfig {
    /// Defaults for `realm`.
    pub fn new(realm: impl Into<String>) -> Self {
        DigestConfig {
            realm: realm.into(),
            nonce_lifetime: Duration::from_secs(300),
            algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
            max_tracked_nonces: 1 << 20,
            allow_without_qop: true,
        }
    }
}

/// The outcome of [`DigestServer::verify`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthResult {
    /// The credentials are good.
    Ok,
    /// The password was right but the nonce expired or can no longer be used:
    /// challenge again with `stale=true`.
    Stale,
    /// Refused: challenge again (without `stale`) or answer 403.
    Rejected(RejectReason),
}

/// Why credentials were refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// The realm is not ours.
    RealmMismatch,
    /// The nonce is not one we issued (tampered, foreign or malformed).
    BadNonce,
    /// The algorithm is not among those offered.
    UnsupportedAlgorithm,
    /// The opaque value is not the one we sent.
    OpaqueMismatch,
    /// `qop=auth-int`, which we do not offer.
    UnsupportedQop,
    /// No qop, and the server requires one.
    QopRequired,
    /// `qop=auth` without a cnonce.
    MissingCnonce,
    /// `qop=auth` without a nonce count (or nc=0).
    MissingNonceCount,
    /// The response hash does not match: wrong password (or wrong method/uri).
    BadResponse,
    /// The nonce count was not greater than one already seen for this nonce.
    Replay,
    /// `userhash=true` is not supported.
    UserhashUnsupported,
}

/// Sans-IO digest server: issues challenges and verifies credentials.
///
/// Cost per verification: one HMAC-SHA256 over ~40 bytes, three digest
/// hashes, one B-tree lookup.
#[derive(Debug)]
pub struct DigestServer {
    config: DigestConfig,
    key: HmacSha256,
    t0: Instant,
    opaque: String,
    next_serial: u64,
    /// serial → use state, for nonces that passed verification.
    seen: BTreeMap<u64, Seen>,
    /// Nonces with a serial below this whose state is unknown are `Stale`.
    floor: u64,
}

impl DigestServer {
    /// A server with default settings for `realm`. `secret` should be at least
    /// 32 random bytes; `t0` is any instant not after the first `now`.
    pub fn new(secret: &[u8], realm: impl Into<String>, t0: Instant) -> Self {
        Self::with_config(secret, DigestConfig::new(realm), t0)
    }

    /// A server with explicit settings.
    pub fn with_config(secret: &[u8], config: DigestConfig, t0: Instant) -> Self {
        let key = HmacSha256::new(secret);
        let opaque = hex::encode(&key.mac(&[b"opaque", config.realm.as_bytes()])[..8]);
        DigestServer {
            config,
            key,
            t0,
            opaque,
            next_serial: 0,
            seen: BTreeMap::new(),
            floor: 0,
        }
    }

    /// The `WWW-Authenticate` (or `Proxy-Authenticate`) values for a 401/407:
    /// one per configured algorithm, in preference order, sharing one fresh
    /// nonce, with `qop="auth"`, the opaque value, and `stale=true` if asked.
    pub fn challenge(&mut self, now: Instant, stale: bool) -> Vec<String> {
        let nonce = self.new_nonce(now);
        self.config
            .algorithms
            .iter()
            .map(|&algorithm| {
                Challenge {
                    realm: self.config.realm.clone(),
                    nonce: nonce.clone(),
                    opaque: Some(self.opaque.clone()),
                    algorithm,
                    qop: vec![Qop::Auth],
                    stale,
                    userhash: false,
                }
                .to_string()
            })
            .collect()
    }

    /// Check credentials against the user's plain password. `method` is the
    /// request method (the `REGISTER` in `HA2`). The caller looks the password
    /// up by `creds.username` and may also check `creds.uri` against the
    /// Request-URI (RFC 2617 §3.2.2.5); this does not.
    pub fn verify(
        &mut self,
        now: Instant,
        method: &str,
        creds: &Credentials,
        password: &str,
    ) -> AuthResult {
        let algorithm = creds.algorithm.unwrap_or(Algorithm::Md5);
        let ha1 = ha1(algorithm, &creds.username, &creds.realm, password);
        self.verify_ha1(now, method, creds, &ha1)
    }

    /// As [`DigestServer::verify`], with a stored base HA1 (see
    /// [`ha1`](super::ha1)) for the algorithm in `creds.algorithm` (MD5 if
    /// none) instead of the password.
    pub fn verify_ha1(
        &mut self,
        now: Instant,
        method: &str,
        creds: &Credentials,
        ha1: &str,
    ) -> AuthResult {
        use RejectReason::*;
        if creds.realm != self.config.realm {
            return AuthResult::Rejected(RealmMismatch);
        }
        if creds.userhash {
            return AuthResult::Rejected(UserhashUnsupported);
        }
        let Some(nonce) = self.open_nonce(&creds.nonce) else {
            return AuthResult::Rejected(BadNonce);
        };
        let issued = self.t0 + Duration::from_secs(u64::from(nonce.issued));
        if issued > now {
            return AuthResult::Rejected(BadNonce);
        }
        let algorithm = creds.algorithm.unwrap_or(Algorithm::Md5);
        if !self.config.algorithms.contains(&algorithm) {
            return AuthResult::Rejected(UnsupportedAlgorithm);
        }
        if creds.opaque.as_ref().is_some_and(|o| *o != self.opaque) {
            return AuthResult::Rejected(OpaqueMismatch);
        }
        let qop = match (creds.qop, creds.nc, creds.cnonce.as_deref()) {
            (Some(Qop::AuthInt), ..) => return AuthResult::Rejected(UnsupportedQop),
            (Some(Qop::Auth), _, None | Some("")) => return AuthResult::Rejected(MissingCnonce),
            (Some(Qop::Auth), None | Some(0), _) => return AuthResult::Rejected(MissingNonceCount),
            (Some(Qop::Auth), Some(nc), Some(cnonce)) => Some((nc, cnonce)),
            (None, ..) if !self.config.allow_without_qop => {
                return AuthResult::Rejected(QopRequired)
            }
            (None, ..) => None,
        };
        let expected = compute_response(
            algorithm,
            ha1.as_bytes(),
            &creds.nonce,
            qop,
            method,
            &creds.uri,
        );
        if !ct_eq_ignore_case(expected.as_bytes(), creds.response.as_bytes()) {
            return AuthResult::Rejected(BadResponse);
        }
        if now.saturating_duration_since(issued) > self.config.nonce_lifetime {
            return AuthResult::Stale;
        }
        self.record_use(now, nonce, qop.map(|(nc, _)| nc))
    }

    /// The realm in use.
    pub fn realm(&self) -> &str {
        &self.config.realm
    }

    /// The opaque value sent in every challenge.
    pub fn opaque(&self) -> &str {
        &self.opaque
    }

    /// How many nonces currently have a remembered nonce-count.
    pub fn tracked_nonces(&self) -> usize {
        self.seen.len()
    }

    fn new_nonce(&mut self, now: Instant) -> String {
        let issued =
            u32::try_from(now.saturating_duration_since(self.t0).as_secs()).unwrap_or(u32::MAX);
        let serial = self.next_serial;
        self.next_serial += 1;
        let mut raw = [0u8; NONCE_LEN];
        raw[..4].copy_from_slice(&issued.to_be_bytes());
        raw[4..12].copy_from_slice(&serial.to_be_bytes());
        let mac = self.mac(&raw[..12]);
        raw[12..].copy_from_slice(&mac);
        hex::encode(raw)
    }

    /// Authenticate and decode a nonce.
    fn open_nonce(&self, nonce: &str) -> Option<Nonce> {
        let mut raw = [0u8; NONCE_LEN];
        hex::decode_to_slice(nonce, &mut raw).ok()?;
        if !ct_eq(&self.mac(&raw[..12]), &raw[12..]) {
            return None;
        }
        let issued = u32::from_be_bytes(raw[..4].try_into().ok()?);
        let serial = u64::from_be_bytes(raw[4..12].try_into().ok()?);
        Some(Nonce { issued, serial })
    }

    fn mac(&self, head: &[u8]) -> [u8; MAC_LEN] {
        let full = self.key.mac(&[head, self.config.realm.as_bytes()]);
        let mut out = [0u8; MAC_LEN];
        out.copy_from_slice(&full[..MAC_LEN]);
        out
    }

    /// Replay check and bookkeeping for a verified, unexpired nonce.
    fn record_use(&mut self, now: Instant, nonce: Nonce, nc: Option<u32>) -> AuthResult {
        self.expire(now);
        match (self.seen.get_mut(&nonce.serial), nc) {
            (
                Some(Seen {
                    highest_nc: Some(highest),
                    ..
                }),
                Some(nc),
            ) => {
                if nc <= *highest {
                    return AuthResult::Rejected(RejectReason::Replay);
                }
                *highest = nc;
                AuthResult::Ok
            }
            // A nonce used without qop is spent; mixing forms also re-challenges.
            (Some(_), _) => AuthResult::Stale,
            (None, _) if nonce.serial < self.floor => AuthResult::Stale,
            (None, nc) => {
                self.seen.insert(
                    nonce.serial,
                    Seen {
                        issued: nonce.issued,
                        highest_nc: nc,
                    },
                );
                while self.seen.len() > self.config.max_tracked_nonces.max(1) {
                    if let Some((serial, _)) = self.seen.pop_first() {
                        self.floor = self.floor.max(serial + 1);
                    }
                }
                AuthResult::Ok
            }
        }
    }

    /// Forget nonces that have expired (they are refused as Stale by age).
    /// Serials grow with issue time, so expired entries are at the front.
    fn expire(&mut self, now: Instant) {
        while let Some((_, seen)) = self.seen.first_key_value() {
            let issued = self.t0 + Duration::from_secs(u64::from(seen.issued));
            if now.saturating_duration_since(issued) <= self.config.nonce_lifetime {
                break;
            }
            self.seen.pop_first();
        }
    }
}

/// A decoded, authentic nonce.
#[derive(Clone, Copy, Debug)]
struct Nonce {
    issued: u32,
    serial: u64,
}

/// What we remember about a nonce after its first successful use.
#[derive(Clone, Copy, Debug)]
struct Seen {
    issued: u32,
    /// Highest nc accepted; `None` if it was used without qop.
    highest_nc: Option<u32>,
}

const MAC_LEN: usize = 16;
const NONCE_LEN: usize = 12 + MAC_LEN;

/// Constant-time comparison of our lower-case hex with the client's hex.
fn ct_eq_ignore_case(ours: &[u8], theirs: &[u8]) -> bool {
    ours.len() == theirs.len()
        && ours
            .iter()
            .zip(theirs)
            .fold(0u8, |acc, (x, y)| acc | (x ^ y.to_ascii_lowercase()))
            == 0
}
