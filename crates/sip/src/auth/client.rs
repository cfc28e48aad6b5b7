//! The digest client (trunk registration, outbound calls through an
//! authenticating proxy): answer a challenge with an `Authorization` value.

use super::hash::{compute_response, ha1};
use super::{Challenge, Credentials, Qop};

/// The `Authorization` / `Proxy-Authorization` value answering `challenge`.
///
/// Uses `qop=auth` with `cnonce` and `nc` when the challenge offers it, the
/// RFC 2069 form otherwise (then `cnonce` and `nc` are unused; a `-sess`
/// algorithm then mixes an empty cnonce into HA1). `uri` is the Request-URI
/// as sent.
pub fn authorize(
    challenge: &Challenge,
    method: &str,
    uri: &str,
    username: &str,
    password: &str,
    cnonce: &str,
    nc: u32,
) -> String {
    let algorithm = challenge.algorithm;
    let use_qop = challenge.qop.contains(&Qop::Auth);
    let qop = use_qop.then_some((nc, cnonce));
    let ha1 = ha1(algorithm, username, &challenge.realm, password);
    let response = compute_response(
        algorithm,
        ha1.as_bytes(),
        &challenge.nonce,
        qop,
        method,
        uri,
    );
    Credentials {
        username: username.to_string(),
        realm: challenge.realm.clone(),
        nonce: challenge.nonce.clone(),
        uri: uri.to_string(),
        response: response.to_string(),
        algorithm: Some(algorithm),
        cnonce: use_qop.then(|| cnonce.to_string()),
        opaque: challenge.opaque.clone(),
        qop: use_qop.then_some(Qop::Auth),
        nc: use_qop.then_some(nc),
        userhash: false,
    }
    .to_string()
}

/// Remembers the last challenge for one account and counts `nc` per nonce,
/// so each request after a challenge carries fresh credentials.
#[derive(Clone, Debug)]
pub struct DigestClient {
    username: String,
    password: String,
    challenge: Option<Challenge>,
    nc: u32,
}

impl DigestClient {
    /// A client for one account.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        DigestClient {
            username: username.into(),
            password: password.into(),
            challenge: None,
            nc: 0,
        }
    }

    /// Take the `WWW-Authenticate` / `Proxy-Authenticate` values of a 401/407
    /// and keep the first Digest challenge we support (servers list their
    /// preferred algorithm first, RFC 8760 §2.4). The nonce count restarts
    /// with a new nonce. Returns false if none was usable.
    pub fn handle_challenge<'a>(&mut self, values: impl IntoIterator<Item = &'a str>) -> bool {
        let Some(challenge) = values.into_iter().find_map(|v| v.parse::<Challenge>().ok()) else {
            return false;
        };
        if self
            .challenge
            .as_ref()
            .is_none_or(|c| c.nonce != challenge.nonce)
        {
            self.nc = 0;
        }
        self.challenge = Some(challenge);
        true
    }

    /// The credentials for the next request, or `None` before any challenge.
    /// Each call uses the next nonce count; pass a fresh random `cnonce`.
    pub fn authorization(&mut self, method: &str, uri: &str, cnonce: &str) -> Option<String> {
        let challenge = self.challenge.as_ref()?;
        self.nc = self.nc.wrapping_add(1).max(1);
        Some(authorize(
            challenge,
            method,
            uri,
            &self.username,
            &self.password,
            cnonce,
            self.nc,
        ))
    }

    /// The challenge currently answered.
    pub fn challenge(&self) -> Option<&Challenge> {
        self.challenge.as_ref()
    }
}
