//! Why a message could not be used, and what to answer. A failed parse keeps
//! the few raw headers (Via, From, To, Call-ID, CSeq) that a stateless error
//! response needs (RFC 3261 §8.2.6), salvaged by a lenient second look at the
//! bytes, so that the transport can answer without parsing anything itself.

use crate::message::{Header, Headers, Method, Response};
use crate::parse::names::{canonical, Known};
use crate::parse::scan::is_wsp;

/// Why `parse_message`, `frame_length` or a typed accessor failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Only CR/LF bytes (RFC 5626 §4.4.1 keep-alive): ignore it, it is not an error.
    #[error("keep-alive")]
    KeepAlive,
    /// The message (header block or header block plus body) exceeds the limit.
    #[error("message of {len} bytes exceeds the {max}-byte limit")]
    TooLarge {
        /// Size known so far (header block, or header block plus Content-Length).
        len: usize,
        /// The limit the caller gave.
        max: usize,
        /// What a 513 answer needs, when the input was a request.
        partial: Option<Box<PartialRequest>>,
    },
    /// The bytes are not a well-formed SIP message, or a header is unusable.
    #[error("{problem}")]
    Invalid {
        /// What is wrong.
        problem: Problem,
        /// What a 400/505 answer needs, when the input was a request.
        partial: Option<Box<PartialRequest>>,
    },
}

/// The specific defect of an invalid message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The first line is neither a Request-Line nor a Status-Line.
    #[error("malformed start line")]
    StartLine,
    /// The method token contains characters outside `token`.
    #[error("malformed method")]
    Method,
    /// The Request-URI does not parse.
    #[error("malformed Request-URI")]
    RequestUri,
    /// A SIP version other than SIP/2.0 (answered with 505).
    #[error("unsupported SIP version {version}")]
    Version {
        /// The version as written (token characters only).
        version: String,
    },
    /// The status code is not three digits in 100–699.
    #[error("malformed status code")]
    StatusCode,
    /// A header line has no colon, an invalid name, or stray control characters.
    #[error("malformed header line {line}")]
    HeaderLine {
        /// 1-based line number within the message.
        line: usize,
    },
    /// The empty line ending the header block is missing.
    #[error("header block not terminated by an empty line")]
    Unterminated,
    /// A mandatory header is absent.
    #[error("missing {header} header")]
    Missing {
        /// Canonical header name.
        header: &'static str,
    },
    /// A header that must appear once appears several times (or with conflicting values).
    #[error("duplicate {header} header")]
    Duplicate {
        /// Canonical header name.
        header: &'static str,
    },
    /// A header value (or a URI, name-addr... given to `FromStr`) does not parse.
    #[error("malformed {what}")]
    Syntax {
        /// The header or element that failed.
        what: &'static str,
    },
    /// A numeric header value exceeds its range.
    #[error("{header} value out of range (max {max})")]
    OutOfRange {
        /// Canonical header name.
        header: &'static str,
        /// Largest allowed value.
        max: u64,
    },
    /// The CSeq method differs from the request method (RFC 4475 §3.1.2.17).
    #[error("CSeq method does not match the request method")]
    CSeqMismatch,
    /// Content-Length promises more body bytes than arrived (RFC 4475 §3.1.2.2).
    #[error("Content-Length {declared} exceeds the {available} body bytes received")]
    BodyTruncated {
        /// Value of Content-Length.
        declared: usize,
        /// Bytes present after the header block.
        available: usize,
    },
}

/// The raw headers of a request that failed to parse, for a stateless error answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartialRequest {
    /// The request method, when the first token was one (`None` if it was not a token).
    pub method: Option<Method>,
    /// Every Via field value, raw, in order.
    pub vias: Vec<String>,
    /// The From value, raw.
    pub from: Option<String>,
    /// The To value, raw.
    pub to: Option<String>,
    /// The Call-ID value, raw.
    pub call_id: Option<String>,
    /// The CSeq value, raw.
    pub cseq: Option<String>,
}

impl ParseError {
    /// An `Invalid` error with no partial request: the form typed accessors return.
    pub(crate) fn syntax(what: &'static str) -> Self {
        ParseError::Invalid {
            problem: Problem::Syntax { what },
            partial: None,
        }
    }

    /// An `Invalid` error for an absent header.
    pub(crate) fn missing(header: &'static str) -> Self {
        ParseError::Invalid {
            problem: Problem::Missing { header },
            partial: None,
        }
    }

    /// The specific defect, for `Invalid`.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ParseError::Invalid { problem, .. } => Some(problem),
            _ => None,
        }
    }

    /// The salvaged request headers, when the input was a request.
    pub fn partial(&self) -> Option<&PartialRequest> {
        match self {
            ParseError::TooLarge { partial, .. } | ParseError::Invalid { partial, .. } => {
                partial.as_deref()
            }
            ParseError::KeepAlive => None,
        }
    }

    /// The response to send for an unusable request: 400 naming the problem, 505 for a
    /// foreign SIP version, 513 when too large. `None` when nothing may be answered: a
    /// keep-alive, a response, an ACK (RFC 3261 §17.2.3), or no usable top Via.
    /// Via, From, To, Call-ID and CSeq are copied raw; no To tag is added.
    pub fn reply(&self) -> Option<Response> {
        let (status, reason): (u16, &str) = match self {
            ParseError::KeepAlive => return None,
            ParseError::TooLarge { .. } => (513, "Message Too Large"),
            ParseError::Invalid { problem, .. } => (problem.status(), problem.reason()),
        };
        let p = self.partial()?;
        if p.method == Some(Method::Ack) {
            return None;
        }
        let top = p.vias.first()?;
        let first = crate::parse::split_header_values(top).next()?;
        crate::parse::header::via_view(first, false).ok()?;
        let mut fields = Vec::with_capacity(p.vias.len() + 4);
        for v in &p.vias {
            fields.push(Header {
                name: "Via".to_owned(),
                value: v.clone(),
            });
        }
        let rest = [
            ("From", &p.from),
            ("To", &p.to),
            ("Call-ID", &p.call_id),
            ("CSeq", &p.cseq),
        ];
        for (name, value) in rest {
            if let Some(v) = value {
                fields.push(Header {
                    name: name.to_owned(),
                    value: v.clone(),
                });
            }
        }
        Some(Response {
            status,
            reason: reason.to_owned(),
            headers: Headers { fields },
            body: Vec::new(),
        })
    }
}

impl Problem {
    /// Status code of the answer to a request with this defect.
    pub fn status(&self) -> u16 {
        match self {
            Problem::Version { .. } => 505,
            _ => 400,
        }
    }

    /// A reason phrase naming the defect (static text, safe to put on the wire).
    pub fn reason(&self) -> &'static str {
        match self {
            Problem::StartLine => "Bad Request Line",
            Problem::Method => "Bad Method",
            Problem::RequestUri => "Bad Request-URI",
            Problem::Version { .. } => "Version Not Supported",
            Problem::StatusCode => "Bad Status Code",
            Problem::HeaderLine { .. } => "Bad Header Line",
            Problem::Unterminated => "Bad Header Block",
            Problem::Missing { header } => match *header {
                "Via" => "Missing Via",
                "From" => "Missing From",
                "To" => "Missing To",
                "Call-ID" => "Missing Call-ID",
                "CSeq" => "Missing CSeq",
                "Content-Length" => "Missing Content-Length",
                _ => "Missing Header",
            },
            Problem::Duplicate { header } => match *header {
                "From" => "Duplicate From",
                "To" => "Duplicate To",
                "Call-ID" => "Duplicate Call-ID",
                "CSeq" => "Duplicate CSeq",
                "Max-Forwards" => "Duplicate Max-Forwards",
                "Content-Length" => "Conflicting Content-Length",
                "Expires" => "Duplicate Expires",
                _ => "Duplicate Header",
            },
            Problem::Syntax { what } | Problem::OutOfRange { header: what, .. } => match *what {
                "Via" => "Bad Via",
                "From" => "Bad From",
                "To" => "Bad To",
                "Call-ID" => "Bad Call-ID",
                "CSeq" => "Bad CSeq",
                "Max-Forwards" => "Bad Max-Forwards",
                "Content-Length" => "Bad Content-Length",
                "Contact" => "Bad Contact",
                "Expires" => "Bad Expires",
                "Route" => "Bad Route",
                "Record-Route" => "Bad Record-Route",
                _ => "Bad Header",
            },
            Problem::CSeqMismatch => "CSeq Method Mismatch",
            Problem::BodyTruncated { .. } => "Bad Content-Length",
        }
    }
}

/// Longest raw value copied into a reply; longer ones are dropped (no amplification).
const MAX_SALVAGED_VALUE: usize = 2048;
/// At most this many Via values are copied.
const MAX_SALVAGED_VIAS: usize = 32;

/// Leniently pick the reply headers out of a request's header block; `None` for a
/// response or something that does not start like a request.
pub(crate) fn salvage(buf: &[u8]) -> Option<Box<PartialRequest>> {
    let start = buf.iter().position(|&b| b != b'\r' && b != b'\n')?;
    let buf = &buf[start..];
    let lf = buf.iter().position(|&b| b == b'\n')?;
    let first = &buf[..lf];
    if first.len() >= 4 && first[..4].eq_ignore_ascii_case(b"SIP/") {
        return None;
    }
    let token_end = first.iter().position(|&b| is_wsp(b)).unwrap_or(first.len());
    let token = &first[..token_end];
    if token.is_empty() {
        return None;
    }
    let method = std::str::from_utf8(token)
        .ok()
        .filter(|t| crate::parse::scan::is_token_str(t))
        .map(Method::from_token);
    let mut p = PartialRequest {
        method,
        ..PartialRequest::default()
    };
    let mut current: Option<(Known, String)> = None;
    let mut rest = &buf[lf + 1..];
    // Only complete lines count: the last one may be cut short.
    while let Some(lf) = rest.iter().position(|&b| b == b'\n') {
        let mut line = &rest[..lf];
        rest = &rest[lf + 1..];
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        if line.first().is_some_and(|&b| is_wsp(b)) {
            if let Some((_, v)) = current.as_mut() {
                let more = String::from_utf8_lossy(line);
                if !v.is_empty() {
                    v.push(' ');
                }
                v.push_str(more.trim());
            }
            continue;
        }
        finish(&mut p, current.take());
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = trim_wsp(&line[..colon]);
        if let Some((_, known)) = canonical(name) {
            if matches!(
                known,
                Known::Via | Known::From | Known::To | Known::CallId | Known::CSeq
            ) {
                let v = String::from_utf8_lossy(&line[colon + 1..])
                    .trim()
                    .to_owned();
                current = Some((known, v));
            }
        }
    }
    finish(&mut p, current.take());
    Some(Box::new(p))
}

fn finish(p: &mut PartialRequest, field: Option<(Known, String)>) {
    let Some((known, value)) = field else { return };
    if value.len() > MAX_SALVAGED_VALUE || value.bytes().any(|b| b == b'\r' || b == b'\n') {
        return;
    }
    let slot = match known {
        Known::Via => {
            if p.vias.len() < MAX_SALVAGED_VIAS {
                p.vias.push(value);
            }
            return;
        }
        Known::From => &mut p.from,
        Known::To => &mut p.to,
        Known::CallId => &mut p.call_id,
        Known::CSeq => &mut p.cseq,
        _ => return,
    };
    if slot.is_none() {
        *slot = Some(value);
    }
}

fn trim_wsp(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if is_wsp(*first) {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if is_wsp(*last) {
            s = rest;
        } else {
            break;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salvage_reads_folded_and_compact_headers() {
        let msg = b"\r\nINVITE sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\ni: abc\r\nf:\r\n <sip:x@y>;tag=1\r\nCSeq: 1 INVITE\r\n\r\nbody";
        let p = salvage(msg).unwrap();
        assert_eq!(p.method, Some(Method::Invite));
        assert_eq!(p.vias, ["SIP/2.0/UDP h;branch=z9hG4bK1"]);
        assert_eq!(p.call_id.as_deref(), Some("abc"));
        assert_eq!(p.from.as_deref(), Some("<sip:x@y>;tag=1"));
        assert_eq!(p.to, None);
        assert!(salvage(b"SIP/2.0 200 OK\r\nVia: x\r\n\r\n").is_none());
    }

    #[test]
    fn reply_needs_a_via_and_not_ack() {
        let mut p = PartialRequest {
            method: Some(Method::Ack),
            ..Default::default()
        };
        p.vias.push("SIP/2.0/UDP h;branch=z9hG4bK1".into());
        let e = ParseError::Invalid {
            problem: Problem::StartLine,
            partial: Some(Box::new(p.clone())),
        };
        assert!(e.reply().is_none());
        p.method = Some(Method::Options);
        let e = ParseError::Invalid {
            problem: Problem::CSeqMismatch,
            partial: Some(Box::new(p)),
        };
        let r = e.reply().unwrap();
        assert_eq!((r.status, r.reason.as_str()), (400, "CSeq Method Mismatch"));
        assert!(ParseError::KeepAlive.reply().is_none());
    }
}
