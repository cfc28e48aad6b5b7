//! `WWW-Authenticate` / `Proxy-Authenticate` values (RFC 7616 §3.3): what our
//! server sends and what a trunk's server sends us.

use std::fmt;
use std::str::FromStr;

use super::params::{set_once, strip_digest_scheme, AuthParams, Quoted};
use super::{Algorithm, AuthParseError, Qop};

/// One Digest challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// The protection space.
    pub realm: String,
    /// The server nonce.
    pub nonce: String,
    /// Opaque data the client must echo.
    pub opaque: Option<String>,
    /// The algorithm (MD5 when the challenge names none).
    pub algorithm: Algorithm,
    /// Offered qop values; empty for an RFC 2069 challenge. Unknown tokens are skipped.
    pub qop: Vec<Qop>,
    /// The previous nonce was stale: retry with the new one without asking the user.
    pub stale: bool,
    /// The server supports hashed usernames (RFC 7616 §3.4.4).
    pub userhash: bool,
}

impl FromStr for Challenge {
    type Err = AuthParseError;

    /// Parses one challenge; an unknown algorithm is an error so that a
    /// client can skip to the next `WWW-Authenticate` value.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut realm = None;
        let mut nonce = None;
        let mut opaque = None;
        let mut algorithm = None;
        let mut qop = None;
        let mut stale = None;
        let mut userhash = None;
        for param in AuthParams::new(strip_digest_scheme(s)?) {
            let (name, value) = param?;
            let slot = match name.to_ascii_lowercase().as_str() {
                "realm" => (&mut realm, "realm"),
                "nonce" => (&mut nonce, "nonce"),
                "opaque" => (&mut opaque, "opaque"),
                "algorithm" => (&mut algorithm, "algorithm"),
                "qop" => (&mut qop, "qop"),
                "stale" => (&mut stale, "stale"),
                "userhash" => (&mut userhash, "userhash"),
                _ => continue,
            };
            set_once(slot.0, slot.1, value)?;
        }
        let algorithm = match algorithm {
            Some(a) => Algorithm::from_token(&a).ok_or(AuthParseError::UnknownAlgorithm)?,
            None => Algorithm::Md5,
        };
        let qop = qop
            .map(|q| {
                q.split(',')
                    .filter_map(|t| Qop::from_token(t.trim()))
                    .collect()
            })
            .unwrap_or_default();
        let is_true = |v: Option<String>| v.is_some_and(|v| v.eq_ignore_ascii_case("true"));
        Ok(Challenge {
            realm: realm.ok_or(AuthParseError::Missing { param: "realm" })?,
            nonce: nonce.ok_or(AuthParseError::Missing { param: "nonce" })?,
            opaque,
            algorithm,
            qop,
            stale: is_true(stale),
            userhash: is_true(userhash),
        })
    }
}

/// Renders the header value (`Digest realm="…", nonce="…", …`).
impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Digest realm={}, nonce={}",
            Quoted(&self.realm),
            Quoted(&self.nonce)
        )?;
        if let Some(o) = &self.opaque {
            write!(f, ", opaque={}", Quoted(o))?;
        }
        write!(f, ", algorithm={}", self.algorithm)?;
        if !self.qop.is_empty() {
            f.write_str(", qop=\"")?;
            for (i, q) in self.qop.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                f.write_str(q.as_str())?;
            }
            f.write_str("\"")?;
        }
        if self.stale {
            f.write_str(", stale=true")?;
        }
        if self.userhash {
            f.write_str(", userhash=true")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc7616_challenge() {
        let s = r#"Digest
            realm="http-auth@example.org",
            qop="auth, auth-int",
            algorithm=SHA-256,
            nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;
        let c: Challenge = s.parse().unwrap();
        assert_eq!(c.algorithm, Algorithm::Sha256);
        assert_eq!(c.qop, vec![Qop::Auth, Qop::AuthInt]);
        assert!(!c.stale);
        assert_eq!(c.to_string().parse::<Challenge>().unwrap(), c);
        let plain: Challenge = r#"Digest realm="r", nonce="n", stale=TRUE"#.parse().unwrap();
        assert_eq!(plain.algorithm, Algorithm::Md5);
        assert!(plain.qop.is_empty());
        assert!(plain.stale);
    }
}
