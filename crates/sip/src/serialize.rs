//! Writing messages and header values (RFC 3261 §7, §25). `to_bytes` writes a
//! whole message into one pre-sized buffer; `Display` gives the same text for
//! each model type. Content-Length is always recomputed from the body, and URI
//! parts are re-escaped, so that `parse_message(to_bytes(m))` gives `m` back.

use std::fmt::{self, Write};

use crate::message::{
    CSeq, Contact, Header, Host, Message, NameAddr, Param, Request, Response, Scheme, Uri, Via,
};
use crate::parse::scan::{is_hnv_char, is_param_char, is_password_char, is_user_char};

impl Request {
    /// The wire form: Request-Line, headers, Content-Length from the body, body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let capacity = head_estimate(&self.headers.fields, &self.body) + uri_estimate(&self.uri);
        let mut head = String::with_capacity(capacity);
        // Writing into a String cannot fail.
        let _ = write_request_head(&mut head, self);
        finish(head, &self.body)
    }
}

impl Response {
    /// The wire form: Status-Line, headers, Content-Length from the body, body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = String::with_capacity(head_estimate(&self.headers.fields, &self.body));
        // Writing into a String cannot fail.
        let _ = write_response_head(&mut head, self);
        finish(head, &self.body)
    }
}

impl Message {
    /// The wire form of either kind of message.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }
}

fn head_estimate(fields: &[Header], body: &[u8]) -> usize {
    let headers: usize = fields
        .iter()
        .map(|h| h.name.len() + h.value.len() + 4)
        .sum();
    64 + headers + 24 + body.len()
}

/// An upper bound on the written length of a URI (every escapable byte counted as
/// escaped), so that `to_bytes` allocates once.
fn uri_estimate(u: &Uri) -> usize {
    let text = |s: &Option<String>| s.as_ref().map_or(0, |s| 3 * s.len() + 1);
    let host = match &u.host {
        Host::Domain(d) => d.len(),
        Host::V4(_) | Host::V6(_) => 41,
    };
    let params: usize = u
        .params
        .iter()
        .map(|p| 3 * (p.name.len() + p.value.as_ref().map_or(0, String::len)) + 2)
        .sum();
    let headers: usize = u
        .headers
        .iter()
        .map(|(n, v)| 3 * (n.len() + v.len()) + 2)
        .sum();
    16 + text(&u.user) + text(&u.password) + host + params + headers + text(&u.opaque)
}

fn finish(head: String, body: &[u8]) -> Vec<u8> {
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

fn write_request_head<W: Write>(w: &mut W, r: &Request) -> fmt::Result {
    w.write_str(r.method.as_str())?;
    w.write_char(' ')?;
    write_uri(w, &r.uri)?;
    w.write_str(" SIP/2.0\r\n")?;
    write_headers(w, &r.headers.fields, r.body.len())
}

fn write_response_head<W: Write>(w: &mut W, r: &Response) -> fmt::Result {
    w.write_str("SIP/2.0 ")?;
    write_u64(w, u64::from(r.status))?;
    w.write_char(' ')?;
    w.write_str(&r.reason)?;
    w.write_str("\r\n")?;
    write_headers(w, &r.headers.fields, r.body.len())
}

/// Header fields in order; the first Content-Length field gets the body length, the
/// others are dropped; without one, Content-Length goes last.
fn write_headers<W: Write>(w: &mut W, fields: &[Header], body_len: usize) -> fmt::Result {
    let mut wrote_length = false;
    for h in fields {
        if h.name.eq_ignore_ascii_case("Content-Length") {
            if !wrote_length {
                write_content_length(w, body_len)?;
                wrote_length = true;
            }
            continue;
        }
        w.write_str(&h.name)?;
        w.write_str(": ")?;
        w.write_str(&h.value)?;
        w.write_str("\r\n")?;
    }
    if !wrote_length {
        write_content_length(w, body_len)?;
    }
    w.write_str("\r\n")
}

fn write_content_length<W: Write>(w: &mut W, n: usize) -> fmt::Result {
    w.write_str("Content-Length: ")?;
    write_u64(w, n as u64)?;
    w.write_str("\r\n")
}

fn write_u64<W: Write>(w: &mut W, mut n: u64) -> fmt::Result {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        w.write_char(char::from(d))?;
    }
    Ok(())
}

fn write_host<W: Write>(w: &mut W, host: &Host) -> fmt::Result {
    match host {
        Host::Domain(d) => w.write_str(d),
        Host::V4(a) => write!(w, "{a}"),
        Host::V6(a) => write!(w, "[{a}]"),
    }
}

fn write_uri<W: Write>(w: &mut W, u: &Uri) -> fmt::Result {
    match &u.scheme {
        Scheme::Sip => w.write_str("sip:")?,
        Scheme::Sips => w.write_str("sips:")?,
        Scheme::Tel => {
            w.write_str("tel:")?;
            return w.write_str(u.opaque.as_deref().unwrap_or(""));
        }
        Scheme::Other(s) => {
            w.write_str(s)?;
            w.write_char(':')?;
            return w.write_str(u.opaque.as_deref().unwrap_or(""));
        }
    }
    if let Some(user) = &u.user {
        escape(w, user, is_user_char)?;
        if let Some(pw) = &u.password {
            w.write_char(':')?;
            escape(w, pw, is_password_char)?;
        }
        w.write_char('@')?;
    }
    write_host(w, &u.host)?;
    if let Some(p) = u.port {
        w.write_char(':')?;
        write_u64(w, u64::from(p))?;
    }
    for p in &u.params {
        w.write_char(';')?;
        escape(w, &p.name, is_param_char)?;
        if let Some(v) = &p.value {
            w.write_char('=')?;
            escape(w, v, is_param_char)?;
        }
    }
    for (i, (name, value)) in u.headers.iter().enumerate() {
        w.write_char(if i == 0 { '?' } else { '&' })?;
        escape(w, name, is_hnv_char)?;
        w.write_char('=')?;
        escape(w, value, is_hnv_char)?;
    }
    Ok(())
}

/// Write `s`, `%HH`-escaping every byte `allowed` rejects (RFC 3261 §19.1.2).
fn escape<W: Write>(w: &mut W, s: &str, allowed: fn(u8) -> bool) -> fmt::Result {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        if b.is_ascii() && allowed(b) {
            continue;
        }
        if i > run {
            w.write_str(s.get(run..i).unwrap_or(""))?;
        }
        w.write_char('%')?;
        w.write_char(char::from(HEX[usize::from(b >> 4)]))?;
        w.write_char(char::from(HEX[usize::from(b & 15)]))?;
        run = i + 1;
    }
    // Every byte of a multi-byte char is escaped, so whenever unescaped ASCII follows,
    // `run` is on a char boundary.
    w.write_str(s.get(run..).unwrap_or(""))
}

fn write_params<W: Write>(w: &mut W, params: &[Param]) -> fmt::Result {
    for p in params {
        w.write_char(';')?;
        w.write_str(&p.name)?;
        if let Some(v) = &p.value {
            w.write_char('=')?;
            w.write_str(v)?;
        }
    }
    Ok(())
}

/// A display name as a quoted string (RFC 3261 §25.1 quoted-pair for `"`, `\` and
/// controls; CR and LF cannot be represented and become spaces).
fn write_display<W: Write>(w: &mut W, d: &str) -> fmt::Result {
    w.write_char('"')?;
    for c in d.chars() {
        match c {
            '\r' | '\n' => w.write_char(' ')?,
            '"' | '\\' => {
                w.write_char('\\')?;
                w.write_char(c)?;
            }
            c if c != '\t' && (c.is_ascii_control()) => {
                w.write_char('\\')?;
                w.write_char(c)?;
            }
            c => w.write_char(c)?,
        }
    }
    w.write_char('"')
}

fn write_name_addr<W: Write>(w: &mut W, n: &NameAddr) -> fmt::Result {
    if let Some(d) = &n.display {
        write_display(w, d)?;
        w.write_char(' ')?;
    }
    w.write_char('<')?;
    write_uri(w, &n.uri)?;
    w.write_char('>')?;
    write_params(w, &n.params)
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_host(f, self)
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_uri(f, self)
    }
}

impl fmt::Display for NameAddr {
    /// Always the bracketed form, display name quoted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_name_addr(f, self)
    }
}

impl fmt::Display for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Contact::Star => f.write_char('*'),
            Contact::Addr(n) => write_name_addr(f, n),
        }
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SIP/2.0/")?;
        f.write_str(self.transport.as_str())?;
        f.write_char(' ')?;
        write_host(f, &self.host)?;
        if let Some(p) = self.port {
            f.write_char(':')?;
            write_u64(f, u64::from(p))?;
        }
        write_params(f, &self.params)
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_u64(f, u64::from(self.seq))?;
        f.write_char(' ')?;
        f.write_str(self.method.as_str())
    }
}

impl fmt::Display for Request {
    /// The wire form, with the body shown as (lossy) UTF-8.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_request_head(f, self)?;
        f.write_str(&String::from_utf8_lossy(&self.body))
    }
}

impl fmt::Display for Response {
    /// The wire form, with the body shown as (lossy) UTF-8.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_response_head(f, self)?;
        f.write_str(&String::from_utf8_lossy(&self.body))
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Request(r) => r.fmt(f),
            Message::Response(r) => r.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Headers, Method, Transport};

    #[test]
    fn uri_escaping() {
        let u: Uri = "sip:sips%3Auser%40example.com@example.net;%6C%72;n%61me=v%61lue%25%34%31"
            .parse()
            .unwrap();
        assert_eq!(
            u.to_string(),
            "sip:sips%3Auser%40example.com@example.net;lr;name=value%2541"
        );
        let mut u: Uri = "sip:x@h".parse().unwrap();
        u.user = Some("é ü".into());
        assert_eq!(u.to_string(), "sip:%C3%A9%20%C3%BC@h");
        assert_eq!(u.to_string().parse::<Uri>().unwrap(), u);
    }

    #[test]
    fn values() {
        let n: NameAddr = r#""a \"b\"" <sip:[::1]:5060;lr>;tag=x"#.parse().unwrap();
        assert_eq!(n.to_string(), r#""a \"b\"" <sip:[::1]:5060;lr>;tag=x"#);
        let v = Via {
            transport: Transport::Tls,
            host: Host::V4([192, 0, 2, 1].into()),
            port: Some(5061),
            params: vec![Param::new("branch", "z9hG4bK1"), Param::flag("rport")],
        };
        assert_eq!(
            v.to_string(),
            "SIP/2.0/TLS 192.0.2.1:5061;branch=z9hG4bK1;rport"
        );
        assert_eq!(
            CSeq {
                seq: 7,
                method: Method::Ack
            }
            .to_string(),
            "7 ACK"
        );
        assert_eq!(Contact::Star.to_string(), "*");
    }

    #[test]
    fn to_bytes_allocates_once() {
        let mut headers = Headers::default();
        headers.push("Via", "SIP/2.0/UDP h;branch=z9hG4bK1");
        let mut uri: Uri = "sip:x@h".parse().unwrap();
        uri.user = Some("é".repeat(40));
        uri.params = vec![Param::new("a;b", "c d"); 10];
        let r = Request {
            method: Method::Invite,
            uri,
            headers,
            body: vec![b'x'; 300],
        };
        let head = head_estimate(&r.headers.fields, &r.body) + uri_estimate(&r.uri);
        let bytes = r.to_bytes();
        assert!(bytes.len() <= head, "{} > {head}", bytes.len());
    }

    #[test]
    fn content_length_replaced_in_place() {
        let mut headers = Headers::default();
        headers.push("Via", "SIP/2.0/UDP h");
        headers.push("Content-Length", "99");
        headers.push("X", "y");
        headers.push("Content-Length", "98");
        let r = Response {
            status: 200,
            reason: "OK".into(),
            headers,
            body: b"abc".to_vec(),
        };
        assert_eq!(
            r.to_bytes(),
            b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\nContent-Length: 3\r\nX: y\r\n\r\nabc"
        );
    }
}
