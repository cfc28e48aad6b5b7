//! URIs (RFC 3261 §19.1, §25.1): sip/sips taken apart, tel and other schemes
//! kept opaque. Scanning produces a borrowed view without allocating, so the
//! message parser can validate a URI and only build the owned `Uri` on demand.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::message::{Host, Param, Scheme, Uri};
use crate::parse::error::ParseError;
use crate::parse::scan::{
    is_hnv_char, is_host_char, is_param_char, is_password_char, is_user_char, parse_u64, unescape,
    Bad, Cursor, Scan,
};

/// A host as scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HostView<'a> {
    /// DNS name as written.
    Domain(&'a str),
    /// IPv4 literal.
    V4(Ipv4Addr),
    /// Bracketed IPv6 literal.
    V6(Ipv6Addr),
}

/// The scheme as scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SchemeView<'a> {
    Sip,
    Sips,
    Tel,
    Other(&'a str),
}

/// A validated URI, borrowing the input; escapes are still in place.
#[derive(Clone, Copy, Debug)]
pub(crate) struct UriView<'a> {
    pub(crate) scheme: SchemeView<'a>,
    pub(crate) user: Option<&'a str>,
    pub(crate) password: Option<&'a str>,
    pub(crate) host: HostView<'a>,
    pub(crate) port: Option<u16>,
    /// `;a=b;c` including the leading `;`, or empty.
    pub(crate) params: &'a str,
    /// Text after `?`, or empty.
    pub(crate) headers: &'a str,
    pub(crate) opaque: Option<&'a str>,
}

/// Scan a complete URI (the caller has already cut it out of its surroundings).
pub(crate) fn uri_view(s: &str) -> Scan<UriView<'_>> {
    let b = s.as_bytes();
    // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), with a fast path for sip:
    let (scheme, colon) = if b.len() > 4 && b[..4].eq_ignore_ascii_case(b"sip:") {
        (SchemeView::Sip, 3)
    } else {
        let colon = b.iter().position(|&c| c == b':').ok_or(Bad)?;
        let sb = &b[..colon];
        let scheme_char = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.');
        if sb.is_empty() || !sb[0].is_ascii_alphabetic() || !sb.iter().all(scheme_char) {
            return Err(Bad);
        }
        let text = &s[..colon];
        let scheme = if sb.eq_ignore_ascii_case(b"sip") {
            SchemeView::Sip
        } else if sb.eq_ignore_ascii_case(b"sips") {
            SchemeView::Sips
        } else if sb.eq_ignore_ascii_case(b"tel") {
            SchemeView::Tel
        } else {
            SchemeView::Other(text)
        };
        (scheme, colon)
    };
    let rest = &s[colon + 1..];
    if !matches!(scheme, SchemeView::Sip | SchemeView::Sips) {
        // Opaque: any visible ASCII except the delimiters of the surrounding syntax.
        let opaque_char = |c: u8| c.is_ascii_graphic() && !matches!(c, b'<' | b'>' | b'"');
        if rest.is_empty() || !rest.bytes().all(opaque_char) {
            return Err(Bad);
        }
        return Ok(UriView {
            scheme,
            user: None,
            password: None,
            host: HostView::Domain(""),
            port: None,
            params: "",
            headers: "",
            opaque: Some(rest),
        });
    }
    let mut c = Cursor::new(rest);
    // '@' cannot appear unescaped after the userinfo, so the first one ends it.
    let (mut user, mut password) = (None, None);
    if rest.as_bytes().contains(&b'@') {
        let u = escaped(&mut c, is_user_char)?;
        if u.is_empty() {
            return Err(Bad);
        }
        user = Some(u);
        if c.eat(b':') {
            password = Some(escaped(&mut c, is_password_char)?);
        }
        c.expect(b'@')?;
    }
    let host = host(&mut c)?;
    let port = if c.eat(b':') {
        Some(port(&mut c)?)
    } else {
        None
    };
    let pstart = c.pos();
    while c.eat(b';') {
        if escaped(&mut c, is_param_char)?.is_empty() {
            return Err(Bad);
        }
        if c.eat(b'=') && escaped(&mut c, is_param_char)?.is_empty() {
            return Err(Bad);
        }
    }
    let params = c.since(pstart);
    let headers = if c.eat(b'?') {
        let hstart = c.pos();
        loop {
            if escaped(&mut c, is_hnv_char)?.is_empty() {
                return Err(Bad);
            }
            c.expect(b'=')?;
            escaped(&mut c, is_hnv_char)?;
            if !c.eat(b'&') {
                break;
            }
        }
        c.since(hstart)
    } else {
        ""
    };
    if !c.at_end() {
        return Err(Bad);
    }
    Ok(UriView {
        scheme,
        user,
        password,
        host,
        port,
        params,
        headers,
        opaque: None,
    })
}

/// Consume a run of `allowed` characters and valid `%HH` escapes (possibly empty).
fn escaped<'a>(c: &mut Cursor<'a>, allowed: fn(u8) -> bool) -> Scan<&'a str> {
    let start = c.pos();
    while let Some(b) = c.peek() {
        if b == b'%' {
            c.bump();
            for _ in 0..2 {
                match c.peek() {
                    Some(h) if h.is_ascii_hexdigit() => c.bump(),
                    _ => return Err(Bad),
                }
            }
        } else if b.is_ascii() && allowed(b) {
            c.bump();
        } else {
            break;
        }
    }
    Ok(c.since(start))
}

/// Scan a host: bracketed IPv6, IPv4 literal or hostname.
pub(crate) fn host<'a>(c: &mut Cursor<'a>) -> Scan<HostView<'a>> {
    if c.eat(b'[') {
        let inner = c.take_while(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        c.expect(b']')?;
        return inner.parse::<Ipv6Addr>().map(HostView::V6).map_err(|_| Bad);
    }
    let h = c.take_while(is_host_char);
    if h.is_empty() {
        return Err(Bad);
    }
    if h.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return h.parse::<Ipv4Addr>().map(HostView::V4).map_err(|_| Bad);
    }
    Ok(HostView::Domain(h))
}

/// Scan a port number (1–5 digits, at most 65535).
pub(crate) fn port(c: &mut Cursor<'_>) -> Scan<u16> {
    let digits = c.take_while(|b| b.is_ascii_digit());
    if digits.len() > 5 {
        return Err(Bad);
    }
    parse_u64(digits)
        .and_then(|p| u16::try_from(p).ok())
        .ok_or(Bad)
}

impl HostView<'_> {
    pub(crate) fn to_host(self) -> Host {
        match self {
            HostView::Domain(d) => Host::Domain(d.to_owned()),
            HostView::V4(a) => Host::V4(a),
            HostView::V6(a) => Host::V6(a),
        }
    }
}

impl UriView<'_> {
    /// Build the owned URI, unescaping user, password, parameters and headers.
    pub(crate) fn to_uri(self) -> Uri {
        let scheme = match self.scheme {
            SchemeView::Sip => Scheme::Sip,
            SchemeView::Sips => Scheme::Sips,
            SchemeView::Tel => Scheme::Tel,
            SchemeView::Other(s) => Scheme::Other(s.to_owned()),
        };
        let params = self
            .params
            .split(';')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((n, v)) => Param {
                    name: unescape(n),
                    value: Some(unescape(v)),
                },
                None => Param {
                    name: unescape(p),
                    value: None,
                },
            })
            .collect();
        let headers = if self.headers.is_empty() {
            Vec::new()
        } else {
            self.headers
                .split('&')
                .filter_map(|h| h.split_once('='))
                .map(|(n, v)| (unescape(n), unescape(v)))
                .collect()
        };
        Uri {
            scheme,
            user: self.user.map(unescape),
            password: self.password.map(unescape),
            host: self.host.to_host(),
            port: self.port,
            params,
            headers,
            opaque: self.opaque.map(str::to_owned),
        }
    }
}

impl FromStr for Uri {
    type Err = ParseError;

    /// Parse a bare URI (no angle brackets, no surrounding whitespace).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uri_view(s)
            .map(|v| v.to_uri())
            .map_err(|Bad| ParseError::syntax("URI"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn sip_uri_parts() {
        let u = uri("sip:alice:secret@[2001:db8::1]:5070;transport=tcp;lr?Subject=hi%20there&X=");
        assert_eq!(u.scheme, Scheme::Sip);
        assert_eq!(u.user.as_deref(), Some("alice"));
        assert_eq!(u.password.as_deref(), Some("secret"));
        assert_eq!(u.host, Host::V6("2001:db8::1".parse().unwrap()));
        assert_eq!(u.port, Some(5070));
        assert_eq!(
            u.params,
            [Param::new("transport", "tcp"), Param::flag("lr")]
        );
        assert_eq!(
            u.headers,
            [
                ("Subject".into(), "hi there".into()),
                ("X".into(), String::new())
            ]
        );
    }

    #[test]
    fn escapes_and_user_with_semicolons() {
        let u = uri("sip:sips%3Auser%40example.com@example.net");
        assert_eq!(u.user.as_deref(), Some("sips:user@example.com"));
        let u = uri("sip:user;par=u%40example.net@example.com");
        assert_eq!(u.user.as_deref(), Some("user;par=u@example.net"));
        assert_eq!(u.host, Host::Domain("example.com".into()));
        let u = uri("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
        assert_eq!(
            u.params,
            [Param::flag("lr"), Param::new("name", "value%41")]
        );
    }

    #[test]
    fn opaque_schemes() {
        let u = uri("tel:+1-201-555-0123;phone-context=x");
        assert_eq!(u.scheme, Scheme::Tel);
        assert_eq!(u.opaque.as_deref(), Some("+1-201-555-0123;phone-context=x"));
        let u = uri("soap.beep://192.0.2.103:3002");
        assert_eq!(u.scheme, Scheme::Other("soap.beep".into()));
        assert_eq!(u.opaque.as_deref(), Some("//192.0.2.103:3002"));
    }

    #[test]
    fn rejects() {
        for bad in [
            "<sip:a@b>",
            "sip:",
            "sip:@host",
            "sip:a@",
            "sip:a@b:99999",
            "sip:a@b:",
            "sip:a@b;",
            "sip:a@b;x=",
            "sip:a b@c",
            "sip:a@1.2.3",
            "sip:a@[::g]",
            "sip:a@b?x",
            "sip:a%4@b",
            "1sip:a@b",
            "x:",
            "sip:a@b c",
        ] {
            assert!(bad.parse::<Uri>().is_err(), "{bad}");
        }
    }
}
