//! Typed header values (RFC 3261 §20, §25.1): name-addr/addr-spec with
//! parameters (From, To, Contact, Route), Via, CSeq, and the splitting of
//! comma-separated lists. Like URIs, each is first scanned into a borrowed
//! view (validation without allocation) and turned into the owned model type
//! only when asked.

use std::str::FromStr;

use crate::message::{CSeq, Contact, Method, NameAddr, Param, Transport, Via};
use crate::parse::error::{ParseError, Problem};
use crate::parse::scan::{is_token, is_wsp, parse_u64, unquote, Bad, Cursor, Scan};
use crate::parse::uri::{host, port, uri_view, HostView, UriView};

/// Split a list-valued header (Via, Contact, Route, Allow, Supported...) at the commas
/// that separate values, ignoring commas inside quoted strings and `<...>`. Items are
/// trimmed; empty items are skipped. Do not use it on headers whose single value holds
/// commas (Date, WWW-Authenticate, Authorization).
pub fn split_header_values(v: &str) -> impl Iterator<Item = &str> + '_ {
    Values { rest: Some(v) }
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

struct Values<'a> {
    rest: Option<&'a str>,
}

impl<'a> Iterator for Values<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        let b = s.as_bytes();
        if !b.contains(&b',') {
            self.rest = None;
            return Some(s);
        }
        let (mut quoted, mut angle) = (false, false);
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\\' if quoted => i += 1,
                b'"' => quoted = !quoted,
                b'<' if !quoted => angle = true,
                b'>' if !quoted => angle = false,
                b',' if !quoted && !angle => {
                    self.rest = Some(&s[i + 1..]);
                    return Some(&s[..i]);
                }
                _ => {}
            }
            i += 1;
        }
        self.rest = None;
        Some(s)
    }
}

/// A display name as written.
#[derive(Clone, Copy, Debug)]
pub(crate) enum DisplayView<'a> {
    /// Quoted string, quotes included.
    Quoted(&'a str),
    /// One or more tokens separated by whitespace.
    Tokens(&'a str),
}

/// A validated name-addr or addr-spec with its header parameters.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NameAddrView<'a> {
    pub(crate) display: Option<DisplayView<'a>>,
    pub(crate) uri: UriView<'a>,
    /// Raw parameter section (validated).
    pub(crate) params: &'a str,
}

/// A validated Via value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ViaView<'a> {
    pub(crate) transport: &'a str,
    pub(crate) host: HostView<'a>,
    pub(crate) port: Option<u16>,
    pub(crate) params: &'a str,
}

/// Scan `( name-addr / addr-spec ) *( SEMI generic-param )`.
pub(crate) fn name_addr_view(s: &str) -> Scan<NameAddrView<'_>> {
    let mut c = Cursor::new(s);
    c.skip_ws();
    let mut display = None;
    let uri = match c.peek() {
        Some(b'"') => {
            display = Some(DisplayView::Quoted(c.quoted()?));
            c.skip_ws();
            c.expect(b'<')?;
            bracketed(&mut c)?
        }
        Some(b'<') => {
            c.expect(b'<')?;
            bracketed(&mut c)?
        }
        _ => {
            // Tokens followed by '<' are a display name; anything else is an addr-spec.
            let rest = c.rest();
            let b = rest.as_bytes();
            let stop = b
                .iter()
                .position(|&x| !(is_token(x) || is_wsp(x)))
                .unwrap_or(b.len());
            if b.get(stop) == Some(&b'<') {
                let d = rest[..stop].trim_matches(|ch| ch == ' ' || ch == '\t');
                if !d.is_empty() {
                    display = Some(DisplayView::Tokens(d));
                }
                c = Cursor::new(&rest[stop + 1..]);
                bracketed(&mut c)?
            } else {
                // addr-spec: RFC 3261 §20 says a URI with ';' ',' or '?' must be
                // bracketed, so the first ';' or whitespace starts the parameters.
                let u = c.take_while(|b| b != b';' && b != b',' && !is_wsp(b));
                if !c.at_end() && !matches!(c.peek(), Some(b';' | b' ' | b'\t')) {
                    return Err(Bad);
                }
                uri_view(u)?
            }
        }
    };
    let start = c.pos();
    header_params(&mut c, |_, _| {})?;
    Ok(NameAddrView {
        display,
        uri,
        params: c.since(start),
    })
}

/// After `<`: the URI up to `>` (whitespace inside tolerated, RFC 4475 §3.1.2.14).
fn bracketed<'a>(c: &mut Cursor<'a>) -> Scan<UriView<'a>> {
    let rest = c.rest();
    let gt = rest.as_bytes().iter().position(|&b| b == b'>').ok_or(Bad)?;
    let inner = rest[..gt].trim_matches(|ch| ch == ' ' || ch == '\t');
    let view = uri_view(inner)?;
    *c = Cursor::new(&rest[gt + 1..]);
    Ok(view)
}

/// Scan `*( SWS ";" SWS name [ SWS "=" SWS value ] ) SWS` up to the end of input,
/// calling `f` for each parameter.
pub(crate) fn header_params<'a>(
    c: &mut Cursor<'a>,
    mut f: impl FnMut(&'a str, Option<&'a str>),
) -> Scan<()> {
    loop {
        c.skip_ws();
        if c.at_end() {
            return Ok(());
        }
        c.expect(b';')?;
        c.skip_ws();
        let name = c.token()?;
        c.skip_ws();
        let value = if c.eat(b'=') {
            c.skip_ws();
            Some(gen_value(c)?)
        } else {
            None
        };
        f(name, value);
    }
}

/// gen-value = token / host / quoted-string (plus `/` for interop).
fn gen_value<'a>(c: &mut Cursor<'a>) -> Scan<&'a str> {
    if c.peek() == Some(b'"') {
        return c.quoted();
    }
    let v = c.take_while(|b| is_token(b) || matches!(b, b':' | b'[' | b']' | b'/'));
    if v.is_empty() {
        Err(Bad)
    } else {
        Ok(v)
    }
}

fn collect_params(raw: &str) -> Vec<Param> {
    let mut out = Vec::new();
    let mut c = Cursor::new(raw);
    // Already validated; an error here would only stop the collection early.
    let _ = header_params(&mut c, |n, v| {
        out.push(Param {
            name: n.to_owned(),
            value: v.map(str::to_owned),
        })
    });
    out
}

/// Scan one Via value. `strict` requires `SIP/2.0` and valid parameters; without it
/// only the sent-protocol and sent-by are checked (enough to decide whether an error
/// response can be routed back) and `params` is empty.
pub(crate) fn via_view(s: &str, strict: bool) -> Scan<ViaView<'_>> {
    let mut c = Cursor::new(s);
    c.skip_ws();
    let protocol = c.token()?;
    c.skip_ws();
    c.expect(b'/')?;
    c.skip_ws();
    let version = c.token()?;
    c.skip_ws();
    c.expect(b'/')?;
    c.skip_ws();
    let transport = c.token()?;
    let before = c.pos();
    c.skip_ws();
    if c.pos() == before {
        return Err(Bad);
    }
    let host = host(&mut c)?;
    c.skip_ws();
    let port = if c.eat(b':') {
        c.skip_ws();
        Some(port(&mut c)?)
    } else {
        None
    };
    let start = c.pos();
    if strict {
        header_params(&mut c, |_, _| {})?;
        if !(protocol.eq_ignore_ascii_case("SIP") && version == "2.0") {
            return Err(Bad);
        }
    }
    Ok(ViaView {
        transport,
        host,
        port,
        params: c.since(start),
    })
}

/// Scan a CSeq value: sequence number (< 2^31, RFC 3261 §8.1.1.5) and method.
pub(crate) fn cseq_view(s: &str) -> Result<(u32, &str), Problem> {
    let syntax = Problem::Syntax { what: "CSeq" };
    let mut c = Cursor::new(s);
    c.skip_ws();
    let digits = c.take_while(|b| b.is_ascii_digit());
    if digits.is_empty() {
        return Err(syntax);
    }
    let max = u64::from(CSEQ_MAX);
    let seq = match parse_u64(digits) {
        Some(n) if n <= max => n as u32,
        _ => {
            return Err(Problem::OutOfRange {
                header: "CSeq",
                max,
            })
        }
    };
    let before = c.pos();
    c.skip_ws();
    if c.pos() == before {
        return Err(syntax);
    }
    let method = c.token().map_err(|Bad| syntax.clone())?;
    c.skip_ws();
    if !c.at_end() {
        return Err(syntax);
    }
    Ok((seq, method))
}

/// Largest CSeq number (RFC 3261 §8.1.1.5: less than 2**31).
const CSEQ_MAX: u32 = (1 << 31) - 1;

/// Scan a Contact value: `*` or a name-addr with parameters.
pub(crate) fn contact_view(s: &str) -> Scan<Option<NameAddrView<'_>>> {
    if s.trim() == "*" {
        Ok(None)
    } else {
        name_addr_view(s).map(Some)
    }
}

impl NameAddrView<'_> {
    pub(crate) fn to_name_addr(self) -> NameAddr {
        NameAddr {
            display: self.display.map(|d| match d {
                DisplayView::Quoted(q) => unquote(q),
                DisplayView::Tokens(t) => t.to_owned(),
            }),
            uri: self.uri.to_uri(),
            params: collect_params(self.params),
        }
    }
}

impl ViaView<'_> {
    pub(crate) fn to_via(self) -> Via {
        let t = self.transport;
        let transport = if t.eq_ignore_ascii_case("UDP") {
            Transport::Udp
        } else if t.eq_ignore_ascii_case("TCP") {
            Transport::Tcp
        } else if t.eq_ignore_ascii_case("TLS") {
            Transport::Tls
        } else if t.eq_ignore_ascii_case("SCTP") {
            Transport::Sctp
        } else if t.eq_ignore_ascii_case("WS") {
            Transport::Ws
        } else if t.eq_ignore_ascii_case("WSS") {
            Transport::Wss
        } else {
            Transport::Other(t.to_owned())
        };
        Via {
            transport,
            host: self.host.to_host(),
            port: self.port,
            params: collect_params(self.params),
        }
    }
}

impl FromStr for NameAddr {
    type Err = ParseError;

    /// Parse one `name-addr` or `addr-spec` with header parameters (a From/To value).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        name_addr_view(s)
            .map(|v| v.to_name_addr())
            .map_err(|Bad| ParseError::syntax("name-addr"))
    }
}

impl FromStr for Contact {
    type Err = ParseError;

    /// Parse one Contact value (`*` or an address); split lists first.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match contact_view(s) {
            Ok(None) => Ok(Contact::Star),
            Ok(Some(v)) => Ok(Contact::Addr(v.to_name_addr())),
            Err(Bad) => Err(ParseError::syntax("Contact")),
        }
    }
}

impl FromStr for Via {
    type Err = ParseError;

    /// Parse one Via value (`SIP/2.0/UDP host:port;params`); split lists first.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        via_view(s, true)
            .map(|v| v.to_via())
            .map_err(|Bad| ParseError::syntax("Via"))
    }
}

impl FromStr for CSeq {
    type Err = ParseError;

    /// Parse a CSeq value (`314159 INVITE`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        cseq_view(s)
            .map(|(seq, m)| CSeq {
                seq,
                method: Method::from_token(m),
            })
            .map_err(|problem| ParseError::Invalid {
                problem,
                partial: None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Host, Scheme};

    #[test]
    fn splitting_respects_quotes_and_brackets() {
        let v: Vec<_> =
            split_header_values(r#""a, \"b" <sip:x@y;a=b,c>, <sip:z@w>;m="INVITE, BYE" , ,"#)
                .collect();
        assert_eq!(
            v,
            [
                r#""a, \"b" <sip:x@y;a=b,c>"#,
                r#"<sip:z@w>;m="INVITE, BYE""#
            ]
        );
        assert_eq!(split_header_values("").count(), 0);
    }

    #[test]
    fn name_addr_forms() {
        let n: NameAddr = r#""J Rosenberg \\\""       <sip:jdrosen@example.com> ; tag = 98asjd8"#
            .parse()
            .unwrap();
        assert_eq!(n.display.as_deref(), Some(r#"J Rosenberg \""#));
        assert_eq!(n.tag(), Some("98asjd8"));
        let n: NameAddr = "caller<sip:caller@example.com>;tag=323".parse().unwrap();
        assert_eq!(n.display.as_deref(), Some("caller"));
        let n: NameAddr = "sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n"
            .parse()
            .unwrap();
        assert_eq!(n.display, None);
        assert_eq!(n.uri.user.as_deref(), Some("vivekg"));
        assert_eq!(n.params, [Param::new("tag", "1918181833n")]);
        let n: NameAddr = "token1~` token2'+_ token3*%!.- <sip:mundane@example.com>"
            .parse()
            .unwrap();
        assert_eq!(n.display.as_deref(), Some("token1~` token2'+_ token3*%!.-"));
        let n: NameAddr = "isbn:2983792873".parse().unwrap();
        assert_eq!(n.uri.scheme, Scheme::Other("isbn".into()));
        let n: NameAddr = r#"<sip:a@b>;+sip.instance="<urn:uuid:1>";reg-id=1"#
            .parse()
            .unwrap();
        assert_eq!(n.params[0].value.as_deref(), Some(r#""<urn:uuid:1>""#));
    }

    #[test]
    fn name_addr_rejects() {
        for bad in [
            "Bell, Alexander <sip:a.g.bell@example.com>;tag=43",
            r#""Mr. J. User <sip:j.user@example.com>"#,
            r#""Joe" <sip:joe@example.org>;;;;"#,
            "<sip:a@b",
            "<sip:a@b>;tag=",
            "<sip:a@b> x",
            "<sip:a@b>, <sip:c@d>",
            "",
        ] {
            assert!(bad.parse::<NameAddr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn via_with_lws_everywhere() {
        let v: Via = "SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8"
            .parse()
            .unwrap();
        assert_eq!(v.transport, Transport::Tcp);
        assert_eq!(v.host, Host::Domain("spindle.example.com".into()));
        assert_eq!(v.branch(), Some("z9hG4bK9ikj8"));
        let v: Via = "SIP/2.0/UDP [2001:db8::9]:5062;rport=5062;received=2001:db8::1"
            .parse()
            .unwrap();
        assert_eq!(v.port, Some(5062));
        assert_eq!(v.rport(), Some(Some(5062)));
        assert_eq!(v.received(), Some("2001:db8::1"));
        assert!("SIP/7.0/UDP host".parse::<Via>().is_err());
        assert!(via_view("SIP/7.0/UDP host", false).is_ok());
        assert!(via_view("SIP/2.0/UDP 192.0.2.15;;,;,,", false).is_ok());
        assert!("SIP/2.0/UDP 192.0.2.15;;".parse::<Via>().is_err());
        assert!("SIP/2.0/UDP".parse::<Via>().is_err());
    }

    #[test]
    fn cseq_values() {
        let c: CSeq = "0009 INVITE".parse().unwrap();
        assert_eq!((c.seq, c.method), (9, Method::Invite));
        assert!("36893488147419103232 REGISTER".parse::<CSeq>().is_err());
        assert!("2147483648 INVITE".parse::<CSeq>().is_err());
        assert!("2147483647 INVITE".parse::<CSeq>().is_ok());
        assert!("1INVITE".parse::<CSeq>().is_err());
        assert!("1 INVITE x".parse::<CSeq>().is_err());
    }
}
