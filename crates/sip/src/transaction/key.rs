//! Transaction identity: the keys requests and responses are matched by
//! (RFC 3261 §17.1.3 and §17.2.3), handles, and branch generation.

use std::fmt;

use rand::RngCore;

use super::view::{cseq, tag, top_via_view};
use crate::message::{Headers, Method, Request, Response};

/// The RFC 3261 magic cookie every branch we generate starts with (§8.1.1.7).
pub const MAGIC_COOKIE: &str = "z9hG4bK";

/// Identifies one transaction inside a [`TransactionLayer`](super::TransactionLayer).
///
/// Handles are never reused, so a stale handle simply matches nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TxHandle(pub(crate) u64);

impl fmt::Display for TxHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tx{}", self.0)
    }
}

/// A Via `branch` value that identifies a client transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Branch(String);

impl Branch {
    /// The branch text, for the `branch=` Via parameter.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The owned branch text.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Branch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A fresh branch for a new client transaction: the magic cookie followed by
/// 128 random bits in hex (RFC 3261 §8.1.1.7). Pass a CSPRNG in production.
pub fn new_branch<R: RngCore + ?Sized>(rng: &mut R) -> Branch {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    let mut s = String::with_capacity(MAGIC_COOKIE.len() + 32);
    s.push_str(MAGIC_COOKIE);
    s.push_str(&hex::encode(bytes));
    Branch(s)
}

/// How a server transaction is found (RFC 3261 §17.2.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ServerKey {
    /// Branch with the magic cookie: branch + sent-by + method.
    Rfc3261 {
        branch: String,
        sent_by: String,
        method: Method,
    },
    /// Older peers (RFC 2543) without the cookie: Call-ID, From tag, CSeq
    /// number, top Via sent-by and branch (if any) and method. The
    /// Request-URI and To tag that §17.2.3 also lists are not compared.
    Rfc2543 {
        call_id: String,
        from_tag: String,
        seq: u32,
        sent_by: String,
        branch: String,
        method: Method,
    },
}

/// How a client transaction is found (RFC 3261 §17.1.3): branch + CSeq method.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ClientKey {
    branch: String,
    method: Method,
}

impl ServerKey {
    /// The key of the server transaction `req` belongs to. ACK maps onto the
    /// INVITE transaction; `as_method` overrides the method (a CANCEL looks up
    /// its INVITE with `Some(Method::Invite)`). `None` if the request lacks a
    /// usable top Via or CSeq.
    pub(crate) fn of(req: &Request, as_method: Option<Method>) -> Option<ServerKey> {
        let via = top_via_view(&req.headers)?;
        let method = match as_method {
            Some(m) => m,
            None if req.method == Method::Ack => Method::Invite,
            None => req.method.clone(),
        };
        let sent_by = via.sent_by.to_ascii_lowercase();
        let branch = via.branch().unwrap_or("");
        if has_cookie(branch) {
            return Some(ServerKey::Rfc3261 {
                branch: branch.to_ascii_lowercase(),
                sent_by,
                method,
            });
        }
        let (seq, _) = cseq(&req.headers)?;
        Some(ServerKey::Rfc2543 {
            call_id: req.headers.get("Call-ID")?.to_string(),
            from_tag: req
                .headers
                .get("From")
                .and_then(tag)
                .unwrap_or("")
                .to_string(),
            seq,
            sent_by,
            branch: branch.to_ascii_lowercase(),
            method,
        })
    }
}

impl ClientKey {
    /// The key of a request we send: its top Via branch and its method.
    pub(crate) fn of_request(req: &Request) -> Option<ClientKey> {
        Self::from_parts(&req.headers, req.method.clone())
    }

    /// The key a response matches: its top Via branch and CSeq method.
    pub(crate) fn of_response(resp: &Response) -> Option<ClientKey> {
        let (_, method) = cseq(&resp.headers)?;
        Self::from_parts(&resp.headers, Method::from_token(method))
    }

    fn from_parts(headers: &Headers, method: Method) -> Option<ClientKey> {
        let branch = top_via_view(headers)?.branch()?.to_ascii_lowercase();
        Some(ClientKey { branch, method })
    }
}

fn has_cookie(branch: &str) -> bool {
    branch.len() > MAGIC_COOKIE.len()
        && branch.as_bytes()[..MAGIC_COOKIE.len()].eq_ignore_ascii_case(MAGIC_COOKIE.as_bytes())
}
