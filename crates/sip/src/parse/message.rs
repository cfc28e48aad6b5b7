//! `parse_message`: the start line, the header block (names canonicalized,
//! folding joined) and the body, in one forward pass; then the checks that
//! make a returned message trustworthy (RFC 3261 §8.1.1, §8.2.2, §18.3).

use crate::message::{Header, Headers, Message, Method, Request, Response};
use crate::parse::error::{salvage, ParseError, Problem};
use crate::parse::header::{
    contact_view, cseq_view, name_addr_view, split_header_values, via_view,
};
use crate::parse::names::{canonical, Known};
use crate::parse::scan::{find2, is_token, is_wsp, parse_u64};
use crate::parse::uri::{uri_view, UriView};

/// Parse one complete SIP message: a UDP datagram or a frame cut by
/// [`frame_length`](crate::parse::frame_length).
///
/// Leading CRLFs are skipped; input of nothing but CR/LF is
/// [`ParseError::KeepAlive`]. The body is exactly Content-Length bytes (extra bytes are
/// dropped, RFC 3261 §18.3); without Content-Length it is the rest of the input. A
/// request must carry Via, From, To, Call-ID and CSeq with the CSeq method equal to the
/// request method; Max-Forwards may be absent. On failure, [`ParseError::reply`] gives
/// the answer to send.
pub fn parse_message(buf: &[u8]) -> Result<Message, ParseError> {
    match parse(buf) {
        Ok(m) => Ok(m),
        Err(Fail::KeepAlive) => Err(ParseError::KeepAlive),
        Err(Fail::Invalid(problem)) => Err(ParseError::Invalid {
            problem,
            partial: salvage(buf),
        }),
    }
}

enum Fail {
    KeepAlive,
    Invalid(Problem),
}

impl From<Problem> for Fail {
    fn from(p: Problem) -> Self {
        Fail::Invalid(p)
    }
}

enum StartLine<'a> {
    Request { method: &'a str, uri: UriView<'a> },
    Response { status: u16, reason: &'a [u8] },
}

/// Splits the input into lines ended by CRLF or a bare LF.
struct Lines<'a> {
    buf: &'a [u8],
    pos: usize,
    number: usize,
}

impl Lines<'_> {
    /// The next line as `start..end` (terminator excluded), and whether it is free of
    /// stray CRs; `None` when no terminator follows.
    fn next_line(&mut self) -> Option<(usize, usize, bool)> {
        let start = self.pos;
        let mut from = start;
        let mut clean = true;
        let (end, next) = loop {
            let i = find2(self.buf, from, b'\r', b'\n')?;
            if self.buf[i] == b'\n' {
                break (i, i + 1);
            }
            match self.buf.get(i + 1) {
                Some(b'\n') => break (i, i + 2),
                Some(_) => {
                    clean = false;
                    from = i + 1;
                }
                None => return None,
            }
        };
        self.pos = next;
        self.number += 1;
        Some((start, end, clean))
    }
}

fn parse(buf: &[u8]) -> Result<Message, Fail> {
    let Some(start) = buf.iter().position(|&b| b != b'\r' && b != b'\n') else {
        return Err(Fail::KeepAlive);
    };
    // Validate UTF-8 once for the whole message; header values are then sliced out of
    // `text`, falling back to lossy conversion past the first invalid byte.
    let text = match std::str::from_utf8(&buf[start..]) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&buf[start..start + e.valid_up_to()]).unwrap_or(""),
    };
    let owned = |a: usize, b: usize| match text.get(a - start..b - start) {
        Some(s) => s.to_owned(),
        None => String::from_utf8_lossy(&buf[a..b]).into_owned(),
    };
    let mut lines = Lines {
        buf,
        pos: start,
        number: 0,
    };
    let (a, b, clean) = lines.next_line().ok_or(Problem::StartLine)?;
    if !clean {
        return Err(Problem::StartLine.into());
    }
    let start_line = start_line(&buf[a..b])?;
    let mut fields: Vec<Header> = Vec::with_capacity(16);
    let mut kinds: Vec<Known> = Vec::with_capacity(16);
    loop {
        let (a, b, clean) = lines.next_line().ok_or(Problem::Unterminated)?;
        let line = &buf[a..b];
        let Some(&first) = line.first() else { break };
        let bad_line = Problem::HeaderLine { line: lines.number };
        if !clean {
            return Err(bad_line.into());
        }
        if is_wsp(first) {
            // RFC 3261 §7.3.1: a continuation line; the fold becomes one SP.
            let last = fields.last_mut().ok_or(bad_line)?;
            let (ma, mb) = trim_range(buf, a, b);
            if ma < mb {
                if !last.value.is_empty() {
                    last.value.push(' ');
                }
                last.value.push_str(&owned(ma, mb));
            }
            continue;
        }
        // field-name HCOLON: a token, optional whitespace, a colon.
        let name_end = line
            .iter()
            .position(|&c| !is_token(c))
            .unwrap_or(line.len());
        let name = &line[..name_end];
        let colon = name_end + line[name_end..].iter().take_while(|&&c| is_wsp(c)).count();
        if name.is_empty() || line.get(colon) != Some(&b':') {
            return Err(bad_line.into());
        }
        let (kind, name) = match canonical(name) {
            Some((c, k)) => (k, c.to_owned()),
            None => (Known::Other, owned(a, a + name_end)),
        };
        let (va, vb) = trim_range(buf, a + colon + 1, b);
        fields.push(Header {
            name,
            value: owned(va, vb),
        });
        kinds.push(kind);
    }
    let body_start = lines.pos;
    let request_method = match &start_line {
        StartLine::Request { method, .. } => Some(*method),
        StartLine::Response { .. } => None,
    };
    let content_length = validate(&fields, &kinds, request_method)?;
    let available = buf.len().saturating_sub(body_start);
    let body = match content_length {
        Some(declared) if declared > available => {
            return Err(Problem::BodyTruncated {
                declared,
                available,
            }
            .into())
        }
        Some(declared) => &buf[body_start..body_start + declared],
        None => &buf[body_start..],
    };
    let headers = Headers { fields };
    Ok(match start_line {
        StartLine::Request { method, uri } => Message::Request(Request {
            method: Method::from_token(method),
            uri: uri.to_uri(),
            headers,
            body: body.to_vec(),
        }),
        StartLine::Response { status, reason } => Message::Response(Response {
            status,
            reason: String::from_utf8_lossy(reason).into_owned(),
            headers,
            body: body.to_vec(),
        }),
    })
}

fn start_line(line: &[u8]) -> Result<StartLine<'_>, Problem> {
    if line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"SIP/") {
        // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
        let sp = line
            .iter()
            .position(|&b| is_wsp(b))
            .ok_or(Problem::StartLine)?;
        check_version(&line[..sp])?;
        let rest = trim(&line[sp..]);
        let code_end = rest.iter().position(|&b| is_wsp(b)).unwrap_or(rest.len());
        let code = &rest[..code_end];
        if code.len() != 3 || !code.iter().all(u8::is_ascii_digit) {
            return Err(Problem::StatusCode);
        }
        let status = code.iter().fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
        if !(100..=699).contains(&status) {
            return Err(Problem::StatusCode);
        }
        return Ok(StartLine::Response {
            status,
            reason: trim(&rest[code_end..]),
        });
    }
    // Request-Line = Method SP Request-URI SP SIP-Version (extra whitespace tolerated,
    // RFC 4475 §3.1.2.9/§3.1.2.10).
    let line = trim(line);
    let m_end = line
        .iter()
        .position(|&b| is_wsp(b))
        .ok_or(Problem::StartLine)?;
    let rest = trim(&line[m_end..]);
    let v_start = rest
        .iter()
        .rposition(|&b| is_wsp(b))
        .ok_or(Problem::StartLine)?;
    check_version(&rest[v_start + 1..])?;
    let method = &line[..m_end];
    if !method.iter().all(|&b| is_token(b)) {
        return Err(Problem::Method);
    }
    let uri = trim(&rest[..v_start]);
    let uri = std::str::from_utf8(uri).map_err(|_| Problem::RequestUri)?;
    // Both are ASCII (token characters) by the check above.
    let method = std::str::from_utf8(method).map_err(|_| Problem::Method)?;
    let uri = uri_view(uri).map_err(|_| Problem::RequestUri)?;
    Ok(StartLine::Request { method, uri })
}

fn check_version(v: &[u8]) -> Result<(), Problem> {
    if v.eq_ignore_ascii_case(b"SIP/2.0") {
        return Ok(());
    }
    let numeric = v.len() > 4 && v[4..].iter().all(|&b| b.is_ascii_digit() || b == b'.');
    if v.len() >= 4 && v[..4].eq_ignore_ascii_case(b"SIP/") && numeric && v.len() <= 16 {
        return Err(Problem::Version {
            version: String::from_utf8_lossy(v).into_owned(),
        });
    }
    Err(Problem::StartLine)
}

/// Check the headers the stack relies on; returns the Content-Length, if any.
fn validate(
    fields: &[Header],
    kinds: &[Known],
    method: Option<&str>,
) -> Result<Option<usize>, Problem> {
    let (mut via, mut from, mut to, mut call_id, mut max_forwards, mut expires) =
        (false, false, false, false, false, false);
    let mut cseq_method: Option<&str> = None;
    let mut content_length: Option<usize> = None;
    let (mut contacts, mut star) = (0usize, false);
    for (h, &kind) in fields.iter().zip(kinds) {
        let v = h.value.as_str();
        match kind {
            Known::Via => {
                let mut n = 0;
                for item in split_header_values(v) {
                    via_view(item, true).map_err(|_| syntax("Via"))?;
                    n += 1;
                }
                if n == 0 {
                    return Err(syntax("Via"));
                }
                via = true;
            }
            Known::From => {
                once(&mut from, "From")?;
                name_addr_view(v).map_err(|_| syntax("From"))?;
            }
            Known::To => {
                once(&mut to, "To")?;
                name_addr_view(v).map_err(|_| syntax("To"))?;
            }
            Known::CallId => {
                once(&mut call_id, "Call-ID")?;
                if v.is_empty() || !v.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(syntax("Call-ID"));
                }
            }
            Known::CSeq => {
                if cseq_method.is_some() {
                    return Err(Problem::Duplicate { header: "CSeq" });
                }
                cseq_method = Some(cseq_view(v)?.1);
            }
            Known::MaxForwards => {
                once(&mut max_forwards, "Max-Forwards")?;
                number(v, "Max-Forwards", 255)?;
            }
            Known::Expires => {
                once(&mut expires, "Expires")?;
                number(v, "Expires", u64::from(u32::MAX))?;
            }
            Known::ContentLength => {
                let n = number(v, "Content-Length", u64::from(u32::MAX))? as usize;
                if content_length.is_some_and(|old| old != n) {
                    return Err(Problem::Duplicate {
                        header: "Content-Length",
                    });
                }
                content_length = Some(n);
            }
            Known::Contact => {
                let mut n = 0;
                for item in split_header_values(v) {
                    match contact_view(item) {
                        Ok(None) => star = true,
                        Ok(Some(_)) => {}
                        Err(_) => return Err(syntax("Contact")),
                    }
                    n += 1;
                }
                if n == 0 {
                    return Err(syntax("Contact"));
                }
                contacts += n;
            }
            Known::Route | Known::RecordRoute => {
                let what = if kind == Known::Route {
                    "Route"
                } else {
                    "Record-Route"
                };
                let mut n = 0;
                for item in split_header_values(v) {
                    name_addr_view(item).map_err(|_| syntax(what))?;
                    n += 1;
                }
                if n == 0 {
                    return Err(syntax(what));
                }
            }
            Known::Other => {}
        }
    }
    // RFC 3261 §10.2.2: "*" stands alone.
    if star && contacts > 1 {
        return Err(syntax("Contact"));
    }
    let present = [
        (via, "Via"),
        (from, "From"),
        (to, "To"),
        (call_id, "Call-ID"),
    ];
    if let Some((_, header)) = present.iter().find(|(p, _)| !p) {
        return Err(Problem::Missing { header });
    }
    let cseq_method = cseq_method.ok_or(Problem::Missing { header: "CSeq" })?;
    if method.is_some_and(|m| m != cseq_method) {
        return Err(Problem::CSeqMismatch);
    }
    Ok(content_length)
}

fn syntax(what: &'static str) -> Problem {
    Problem::Syntax { what }
}

fn once(seen: &mut bool, header: &'static str) -> Result<(), Problem> {
    if std::mem::replace(seen, true) {
        Err(Problem::Duplicate { header })
    } else {
        Ok(())
    }
}

/// A decimal header value in `0..=max`.
fn number(v: &str, header: &'static str, max: u64) -> Result<u64, Problem> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(syntax(header));
    }
    match parse_u64(v) {
        Some(n) if n <= max => Ok(n),
        _ => Err(Problem::OutOfRange { header, max }),
    }
}

/// `a..b` narrowed to exclude SP/HTAB at both ends.
fn trim_range(buf: &[u8], mut a: usize, mut b: usize) -> (usize, usize) {
    while a < b && is_wsp(buf[a]) {
        a += 1;
    }
    while b > a && is_wsp(buf[b - 1]) {
        b -= 1;
    }
    (a, b)
}

/// Trim SP/HTAB from both ends.
pub(crate) fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_wsp(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_wsp(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// Fuzzing entry point: parse `data`; when it parses, serialize, re-parse and panic
/// unless the model (ignoring Content-Length fields) and the bytes are stable. Errors
/// must yield a reply without panicking.
#[cfg(feature = "fuzzing")]
pub fn fuzz_roundtrip(data: &[u8]) {
    let _ = crate::parse::frame_length(data, 65_536);
    let first = match parse_message(data) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.reply().map(|r| r.to_bytes());
            return;
        }
    };
    let bytes = first.to_bytes();
    let second = match parse_message(&bytes) {
        Ok(m) => m,
        Err(e) => panic!("re-parse failed: {e}"),
    };
    let strip = |m: &Message| {
        let mut m = m.clone();
        let h = match &mut m {
            Message::Request(r) => &mut r.headers,
            Message::Response(r) => &mut r.headers,
        };
        h.remove("Content-Length");
        m
    };
    assert_eq!(
        strip(&first),
        strip(&second),
        "model changed by a round trip"
    );
    assert_eq!(bytes, second.to_bytes(), "serialization not stable");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(buf: &[u8]) -> Problem {
        match parse_message(buf) {
            Err(ParseError::Invalid { problem, .. }) => problem,
            other => panic!("{other:?}"),
        }
    }

    const BASE: &str = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n";

    #[test]
    fn keep_alive_and_empty() {
        assert_eq!(parse_message(b"\r\n\r\n"), Err(ParseError::KeepAlive));
        assert_eq!(parse_message(b""), Err(ParseError::KeepAlive));
    }

    #[test]
    fn minimal_request_and_lf_only() {
        let m = parse_message(format!("{BASE}\r\n").as_bytes()).unwrap();
        assert!(matches!(m, Message::Request(_)));
        let lf = format!("{BASE}\r\n").replace("\r\n", "\n");
        assert!(parse_message(lf.as_bytes()).is_ok());
    }

    #[test]
    fn problems() {
        assert_eq!(problem(BASE.as_bytes()), Problem::Unterminated);
        assert_eq!(
            problem(format!("{BASE}Max-Forwards: 256\r\n\r\n").as_bytes()),
            Problem::OutOfRange {
                header: "Max-Forwards",
                max: 255
            }
        );
        assert_eq!(
            problem(format!("{BASE}Max-Forwards: x\r\n\r\n").as_bytes()),
            Problem::Syntax {
                what: "Max-Forwards"
            }
        );
        assert_eq!(
            problem(format!("{BASE}Content-Length: 5\r\n\r\nabc").as_bytes()),
            Problem::BodyTruncated {
                declared: 5,
                available: 3
            }
        );
        assert_eq!(
            problem(format!("{BASE}Contact: *, <sip:a@b>\r\n\r\n").as_bytes()),
            Problem::Syntax { what: "Contact" }
        );
        assert_eq!(
            problem(format!("{BASE}Bad Name: x\r\n\r\n").as_bytes()),
            Problem::HeaderLine { line: 7 }
        );
        assert_eq!(
            problem(format!("{BASE}X: a\rb\r\n\r\n").as_bytes()),
            Problem::HeaderLine { line: 7 }
        );
        assert_eq!(
            problem(b"OPTIONS sip:a@b SIP/2.0\r\n\r\n"),
            Problem::Missing { header: "Via" }
        );
        assert_eq!(problem(b"SIP/2.0 1000 x\r\n\r\n"), Problem::StatusCode);
        assert_eq!(problem(b"SIP/2.0 099 x\r\n\r\n"), Problem::StatusCode);
        assert_eq!(
            problem(b"OPTIONS sip:a@b SIP/3.0\r\n\r\n"),
            Problem::Version {
                version: "SIP/3.0".into()
            }
        );
        assert_eq!(
            problem(b"OPTIONS sip:a@b HTTP/1.1\r\n\r\n"),
            Problem::StartLine
        );
        assert_eq!(problem(b"OPT@ONS sip:a@b SIP/2.0\r\n\r\n"), Problem::Method);
    }

    #[test]
    fn body_rules() {
        let m = parse_message(format!("{BASE}Content-Length: 2\r\n\r\nabcd").as_bytes()).unwrap();
        let Message::Request(r) = m else { panic!() };
        assert_eq!(r.body, b"ab");
        let m = parse_message(format!("{BASE}\r\nabcd").as_bytes()).unwrap();
        let Message::Request(r) = m else { panic!() };
        assert_eq!(r.body, b"abcd");
    }

    #[test]
    fn folding_and_names() {
        let m = parse_message(
            format!("{BASE}subject:\r\n  hello \r\n\tworld\r\nl: 0\r\n\r\n").as_bytes(),
        )
        .unwrap();
        let Message::Request(r) = m else { panic!() };
        assert_eq!(r.headers.get("Subject"), Some("hello world"));
        assert_eq!(r.headers.fields.last().unwrap().name, "Content-Length");
    }
}
