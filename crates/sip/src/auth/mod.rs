//! Digest authentication for SIP (RFC 7616, RFC 8760, RFC 2617 and the
//! RFC 2069 form): a sans-IO server that challenges and verifies with
//! self-validating nonces and nonce-count replay protection, a client that
//! answers challenges, and the header-value types of both.
//!
//! Not supported, by choice: `qop=auth-int` (parsed, refused), `userhash`
//! (parsed, refused by the server, never sent by the client), the RFC 7616
//! `username*` extended notation (ignored, so credentials lacking `username`
//! fail to parse), and AKA algorithms (a challenge naming one fails to parse).
//!
//! ```
//! use std::time::Instant;
//! use rotary_sip::auth::{authorize, AuthResult, Challenge, Credentials, DigestServer};
//!
//! let t0 = Instant::now();
//! let mut server = DigestServer::new(&[7; 32], "rotary", t0);
//! let www_authenticate = server.challenge(t0, false); // SHA-256 first, then MD5
//! let challenge: Challenge = www_authenticate[0].parse().unwrap();
//! let value = authorize(&challenge, "REGISTER", "sip:pbx", "1001", "secret", "c0ffee", 1);
//! let creds: Credentials = value.parse().unwrap();
//! assert_eq!(server.verify(t0, "REGISTER", &creds, "secret"), AuthResult::Ok);
//! ```

mod challenge;
mod client;
mod credentials;
mod hash;
mod params;
mod server;

pub use self::challenge::Challenge;
pub use self::client::{authorize, DigestClient};
pub use self::credentials::Credentials;
pub use self::hash::{ha1, response, Algorithm, Qop};
pub use self::server::{AuthResult, DigestConfig, DigestServer, RejectReason};

/// Why a challenge or credentials value could not be parsed.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthParseError {
    /// The scheme is not `Digest` (e.g. `Basic`).
    #[error("not a Digest value")]
    NotDigest,
    /// Malformed auth-param list.
    #[error("syntax error at byte {at}")]
    Syntax {
        /// Byte offset after the scheme where parsing stopped.
        at: usize,
    },
    /// A required parameter is absent.
    #[error("missing parameter {param}")]
    Missing {
        /// The parameter name.
        param: &'static str,
    },
    /// A parameter appears twice (RFC 7616 §3.4).
    #[error("duplicate parameter {param}")]
    Duplicate {
        /// The parameter name.
        param: &'static str,
    },
    /// The algorithm is not one we implement.
    #[error("unknown algorithm")]
    UnknownAlgorithm,
    /// The qop value is neither `auth` nor `auth-int`.
    #[error("unknown qop")]
    UnknownQop,
    /// `nc` is not 8 lower-case hex digits.
    #[error("nonce count is not 8 lower-case hex digits")]
    BadNonceCount,
}
