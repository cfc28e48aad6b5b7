//! `Authorization` / `Proxy-Authorization` values (RFC 7616 §3.4, RFC 3261
//! §22.4): parsing what phones send and rendering what we send to trunks.

use std::fmt;
use std::str::FromStr;

use super::params::{set_once, strip_digest_scheme, AuthParams, Quoted};
use super::{Algorithm, AuthParseError, Qop};

/// Digest credentials from an `Authorization` or `Proxy-Authorization` value.
///
/// Parsing is strict where the hash depends on the exact text: `nc` must be
/// exactly 8 lower-case hex digits (RFC 7616 `8LHEX`). Unknown parameters are
/// ignored; a repeated known parameter is an error. `userhash=true` is parsed
/// but [`DigestServer`](super::DigestServer) rejects it (SIP does not use it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The user name (digest username, not necessarily the AOR user).
    pub username: String,
    /// The realm the credentials are for.
    pub realm: String,
    /// The server nonce being answered.
    pub nonce: String,
    /// The digest-uri, verbatim (should equal the Request-URI).
    pub uri: String,
    /// The response hash in hex.
    pub response: String,
    /// The algorithm; `None` means MD5.
    pub algorithm: Option<Algorithm>,
    /// Client nonce (required with qop).
    pub cnonce: Option<String>,
    /// The server's opaque value, echoed.
    pub opaque: Option<String>,
    /// The chosen quality of protection; `None` for the RFC 2069 form.
    pub qop: Option<Qop>,
    /// Nonce count (required with qop).
    pub nc: Option<u32>,
    /// `userhash=true`: the username is hashed (RFC 7616 §3.4.4).
    pub userhash: bool,
}

impl FromStr for Credentials {
    type Err = AuthParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut username = None;
        let mut realm = None;
        let mut nonce = None;
        let mut uri = None;
        let mut response = None;
        let mut algorithm = None;
        let mut cnonce = None;
        let mut opaque = None;
        let mut qop = None;
        let mut nc = None;
        let mut userhash = None;
        for param in AuthParams::new(strip_digest_scheme(s)?) {
            let (name, value) = param?;
            let slot = match name.to_ascii_lowercase().as_str() {
                "username" => (&mut username, "username"),
                "realm" => (&mut realm, "realm"),
                "nonce" => (&mut nonce, "nonce"),
                "uri" => (&mut uri, "uri"),
                "response" => (&mut response, "response"),
                "algorithm" => (&mut algorithm, "algorithm"),
                "cnonce" => (&mut cnonce, "cnonce"),
                "opaque" => (&mut opaque, "opaque"),
                "qop" => (&mut qop, "qop"),
                "nc" => (&mut nc, "nc"),
                "userhash" => (&mut userhash, "userhash"),
                _ => continue,
            };
            set_once(slot.0, slot.1, value)?;
        }
        let algorithm = match algorithm {
            Some(a) => Some(Algorithm::from_token(&a).ok_or(AuthParseError::UnknownAlgorithm)?),
            None => None,
        };
        let qop = match qop {
            Some(q) => Some(Qop::from_token(&q).ok_or(AuthParseError::UnknownQop)?),
            None => None,
        };
        let nc = match nc {
            Some(n) => Some(parse_nc(&n).ok_or(AuthParseError::BadNonceCount)?),
            None => None,
        };
        Ok(Credentials {
            username: username.ok_or(AuthParseError::Missing { param: "username" })?,
            realm: realm.ok_or(AuthParseError::Missing { param: "realm" })?,
            nonce: nonce.ok_or(AuthParseError::Missing { param: "nonce" })?,
            uri: uri.ok_or(AuthParseError::Missing { param: "uri" })?,
            response: response.ok_or(AuthParseError::Missing { param: "response" })?,
            algorithm,
            cnonce,
            opaque,
            qop,
            nc,
            userhash: userhash.is_some_and(|u| u.eq_ignore_ascii_case("true")),
        })
    }
}

/// Renders the header value (`Digest username="…", …`).
impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Digest username={}, realm={}, nonce={}, uri={}, response={}",
            Quoted(&self.username),
            Quoted(&self.realm),
            Quoted(&self.nonce),
            Quoted(&self.uri),
            Quoted(&self.response),
        )?;
        if let Some(a) = self.algorithm {
            write!(f, ", algorithm={a}")?;
        }
        if let Some(c) = &self.cnonce {
            write!(f, ", cnonce={}", Quoted(c))?;
        }
        if let Some(o) = &self.opaque {
            write!(f, ", opaque={}", Quoted(o))?;
        }
        if let Some(q) = self.qop {
            write!(f, ", qop={q}")?;
        }
        if let Some(nc) = self.nc {
            write!(f, ", nc={nc:08x}")?;
        }
        if self.userhash {
            f.write_str(", userhash=true")?;
        }
        Ok(())
    }
}

/// `nc-value = 8LHEX`.
fn parse_nc(s: &str) -> Option<u32> {
    let ok = s.len() == 8
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !ok {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_round_trips() {
        let s = r#"digest USERNAME="Mufasa", realm="testrealm@host.com",
            nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth,
            nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1",
            opaque="5ccc069c403ebaf9f0171e9517f40e41", extra=ignored"#;
        let c: Credentials = s.parse().unwrap();
        assert_eq!(c.username, "Mufasa");
        assert_eq!(c.nc, Some(1));
        assert_eq!(c.qop, Some(Qop::Auth));
        assert_eq!(c.algorithm, None);
        let again: Credentials = c.to_string().parse().unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn rejects_bad_input() {
        let base = r#"Digest username="a", realm="r", nonce="n", uri="u", response="x""#;
        assert!(base.parse::<Credentials>().is_ok());
        assert_eq!(
            "Basic abc".parse::<Credentials>(),
            Err(AuthParseError::NotDigest)
        );
        assert_eq!(
            format!("{base}, nc=0000000A").parse::<Credentials>(),
            Err(AuthParseError::BadNonceCount)
        );
        assert_eq!(
            format!("{base}, nc=1").parse::<Credentials>(),
            Err(AuthParseError::BadNonceCount)
        );
        assert_eq!(
            format!("{base}, algorithm=AKAv1-MD5").parse::<Credentials>(),
            Err(AuthParseError::UnknownAlgorithm)
        );
        assert_eq!(
            format!("{base}, realm=\"other\"").parse::<Credentials>(),
            Err(AuthParseError::Duplicate { param: "realm" })
        );
        assert_eq!(
            r#"Digest realm="r", nonce="n", uri="u", response="x""#.parse::<Credentials>(),
            Err(AuthParseError::Missing { param: "username" })
        );
    }
}
