//! Small helpers over the SIP message model that the call core needs: tags,
//! option tags, Session-Expires (RFC 4028), SDP bodies, responses with our
//! To-tag, and random identifiers.

use rand::RngCore;
use rotary_sip::parse::split_header_values;
use rotary_sip::transaction::{make_response, set_to_tag};
use rotary_sip::{Contact, Headers, NameAddr, Request, Response, Uri};

/// Who refreshes a session (RFC 4028 §7.2 `refresher`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refresher {
    /// The caller (leg A's phone) refreshes.
    Uac,
    /// pbxd refreshes toward the caller.
    Uas,
}

impl Refresher {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Refresher::Uac => "uac",
            Refresher::Uas => "uas",
        }
    }
}

/// The tag parameter of a From/To value.
pub(crate) fn tag_of(value: &str) -> Option<String> {
    let addr: NameAddr = value.parse().ok()?;
    addr.tag().filter(|t| !t.is_empty()).map(str::to_string)
}

/// The From-tag of a message.
pub(crate) fn from_tag(headers: &Headers) -> Option<String> {
    headers.get("From").and_then(tag_of)
}

/// The To-tag of a message.
pub(crate) fn to_tag(headers: &Headers) -> Option<String> {
    headers.get("To").and_then(tag_of)
}

/// The CSeq number of a message (0 when unreadable; parsed messages always have one).
pub(crate) fn cseq_num(headers: &Headers) -> u32 {
    headers.cseq().map_or(0, |c| c.seq)
}

/// The URI of the first Contact address (the remote target, RFC 3261 §12.1).
pub(crate) fn first_contact_uri(headers: &Headers) -> Option<Uri> {
    headers.contacts().ok()?.into_iter().find_map(|c| match c {
        Contact::Addr(a) => Some(a.uri),
        Contact::Star => None,
    })
}

/// Is `tag` listed in any `name` header (Supported, Require, Allow...)? Case-insensitive.
pub(crate) fn has_option(headers: &Headers, name: &str, tag: &str) -> bool {
    headers
        .get_all(name)
        .flat_map(split_header_values)
        .any(|t| t.eq_ignore_ascii_case(tag))
}

/// Option tags in `Require` that pbxd does not support (RFC 3261 §8.2.2.3); only
/// `timer` (RFC 4028) is understood.
pub(crate) fn unsupported_requires(headers: &Headers) -> Vec<String> {
    headers
        .get_all("Require")
        .flat_map(split_header_values)
        .filter(|t| !t.eq_ignore_ascii_case("timer"))
        .map(str::to_string)
        .collect()
}

/// Session-Expires (`x` compact form is canonicalised by the parser): seconds and refresher.
pub(crate) fn session_expires(headers: &Headers) -> Option<(u32, Option<Refresher>)> {
    let value = headers.get("Session-Expires")?;
    let mut parts = value.split(';');
    let secs = parts.next()?.trim().parse().ok()?;
    let refresher = parts.find_map(|p| {
        let (name, v) = p.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("refresher") {
            return None;
        }
        match v.trim().to_ascii_lowercase().as_str() {
            "uac" => Some(Refresher::Uac),
            "uas" => Some(Refresher::Uas),
            _ => None,
        }
    });
    Some((secs, refresher))
}

/// The body when it is a non-empty SDP (Content-Type `application/sdp`, or none given).
pub(crate) fn sdp_body<'a>(headers: &Headers, body: &'a [u8]) -> Option<&'a [u8]> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    match headers.get("Content-Type") {
        None => Some(body),
        Some(ct) => {
            let mime = ct.split(';').next().unwrap_or("").trim();
            mime.eq_ignore_ascii_case("application/sdp").then_some(body)
        }
    }
}

/// A response to `req` carrying our To-tag and Server header.
pub(crate) fn response(req: &Request, status: u16, to_tag: &str, server: &str) -> Response {
    let mut resp = make_response(req, status, reason(status));
    if status > 100 {
        set_to_tag(&mut resp, to_tag);
    }
    resp.headers.push("Server", server.to_string());
    resp
}

/// Put an SDP body on a message's headers and return the body to store.
pub(crate) fn set_sdp(headers: &mut Headers, sdp: &[u8]) -> Vec<u8> {
    headers.set("Content-Type", "application/sdp");
    sdp.to_vec()
}

/// `n` random bytes as lower-case hex (Call-IDs, tags: RFC 3261 §19.3 wants 32+ bits).
pub(crate) fn random_hex(rng: &mut dyn RngCore, n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A display name as a quoted-string (RFC 3261 §25.1).
pub(crate) fn quoted(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars().filter(|c| !c.is_control()) {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The reason phrase pbxd uses for a status code.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        420 => "Bad Extension",
        422 => "Session Interval Too Small",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        600 => "Busy Everywhere",
        603 => "Decline",
        _ => match status / 100 {
            1 => "Progress",
            2 => "OK",
            3 => "Redirect",
            4 => "Request Failure",
            5 => "Server Failure",
            _ => "Global Failure",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(lines: &[(&str, &str)]) -> Headers {
        let mut h = Headers::default();
        for (n, v) in lines {
            h.push(*n, *v);
        }
        h
    }

    #[test]
    fn session_expires_and_refresher() {
        let h = headers(&[("Session-Expires", "1800 ; refresher=UAS")]);
        assert_eq!(session_expires(&h), Some((1800, Some(Refresher::Uas))));
        let h = headers(&[("Session-Expires", "90")]);
        assert_eq!(session_expires(&h), Some((90, None)));
        let h = headers(&[("Session-Expires", "soon")]);
        assert_eq!(session_expires(&h), None);
    }

    #[test]
    fn option_tags_and_requires() {
        let h = headers(&[
            ("Supported", "replaces, Timer"),
            ("Require", "timer, 100rel"),
        ]);
        assert!(has_option(&h, "Supported", "timer"));
        assert!(!has_option(&h, "Supported", "100rel"));
        assert_eq!(unsupported_requires(&h), ["100rel"]);
    }

    #[test]
    fn sdp_bodies() {
        let sdp = headers(&[("Content-Type", "application/SDP; charset=x")]);
        assert_eq!(sdp_body(&sdp, b"v=0\r\n"), Some(&b"v=0\r\n"[..]));
        assert_eq!(sdp_body(&sdp, b" \r\n"), None);
        let text = headers(&[("Content-Type", "text/plain")]);
        assert_eq!(sdp_body(&text, b"v=0\r\n"), None);
    }

    #[test]
    fn display_names_are_quoted_safely() {
        assert_eq!(quoted("Al \"Bo\" \\ Cy\r\n"), "\"Al \\\"Bo\\\" \\\\ Cy\"");
    }

    #[test]
    fn tags() {
        assert_eq!(
            tag_of("\"A\" <sip:a@b;tag=no>;tag=yes").as_deref(),
            Some("yes")
        );
        assert_eq!(tag_of("<sip:a@b>"), None);
    }
}
