//! Borrowed, allocation-free views of the few header values the transaction
//! layer needs (top Via, CSeq, tags), read straight from the raw header text.
//!
//! Matching has to be cheap and must never fail loudly on odd input, so these
//! helpers return `None` for anything they cannot read instead of erroring.

use crate::message::Headers;

/// The parts of one Via value that matching and `received` stamping need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ViaView<'a> {
    /// The whole value as written.
    pub(crate) raw: &'a str,
    /// `host[:port]` as written (host in brackets for IPv6).
    pub(crate) sent_by: &'a str,
    /// The host, without IPv6 brackets.
    pub(crate) host: &'a str,
    /// The `;params` text, starting after the first `;` (empty if none).
    pub(crate) params: &'a str,
}

impl<'a> ViaView<'a> {
    /// Read one Via value (`SIP/2.0/UDP host:port;params`).
    pub(crate) fn parse(raw: &'a str) -> Option<Self> {
        let raw = raw.trim();
        let (head, params) = match raw.find(';') {
            Some(i) => (&raw[..i], &raw[i + 1..]),
            None => (raw, ""),
        };
        // sent-protocol = name SLASH version SLASH transport, then LWS, then sent-by.
        let mut parts = head.splitn(3, '/');
        let _name = parts.next()?;
        let _version = parts.next()?;
        let rest = parts.next()?.trim_start();
        let split = rest.find(|c: char| c.is_ascii_whitespace())?;
        let sent_by = rest[split..].trim();
        if sent_by.is_empty() {
            return None;
        }
        let host = host_of(sent_by)?;
        Some(ViaView {
            raw,
            sent_by,
            host,
            params,
        })
    }

    /// A Via parameter by case-insensitive name; `Some(None)` for a flag.
    pub(crate) fn param(&self, name: &str) -> Option<Option<&'a str>> {
        params_of(self.params)
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The `branch` parameter, if present with a value.
    pub(crate) fn branch(&self) -> Option<&'a str> {
        self.param("branch").flatten().filter(|b| !b.is_empty())
    }
}

/// The first Via value of the message (the first comma-separated element of
/// the first Via field).
pub(crate) fn top_via(headers: &Headers) -> Option<&str> {
    let field = headers.get("Via")?;
    Some(first_element(field).0)
}

/// The top Via, parsed.
pub(crate) fn top_via_view(headers: &Headers) -> Option<ViaView<'_>> {
    ViaView::parse(top_via(headers)?)
}

/// CSeq number and method token.
pub(crate) fn cseq(headers: &Headers) -> Option<(u32, &str)> {
    let value = headers.get("CSeq")?.trim();
    let mut it = value.split_ascii_whitespace();
    let seq = it.next()?.parse().ok()?;
    let method = it.next()?;
    Some((seq, method))
}

/// The `tag` parameter of a From/To value.
pub(crate) fn tag(value: &str) -> Option<&str> {
    let params = header_params(value)?;
    params_of(params)
        .find(|(n, _)| n.eq_ignore_ascii_case("tag"))
        .and_then(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// Split a header field value at its first top-level comma: returns the first
/// element (trimmed) and the rest after the comma, if any. Commas inside quoted
/// strings and `<...>` do not count.
pub(crate) fn first_element(field: &str) -> (&str, Option<&str>) {
    let mut quoted = false;
    let mut escaped = false;
    let mut angle = false;
    for (i, c) in field.char_indices() {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            '<' => angle = true,
            '>' => angle = false,
            ',' if !angle => return (field[..i].trim(), Some(&field[i + 1..])),
            _ => {}
        }
    }
    (field.trim(), None)
}

/// Iterate `name[=value]` pairs of a `;`-separated parameter list.
pub(crate) fn params_of(params: &str) -> impl Iterator<Item = (&str, Option<&str>)> {
    params.split(';').filter_map(|p| {
        let p = p.trim();
        if p.is_empty() {
            return None;
        }
        Some(match p.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (p, None),
        })
    })
}

/// The header parameters of a name-addr / addr-spec value (after `>` when
/// the URI is bracketed, else after the first `;`), without the leading `;`.
fn header_params(value: &str) -> Option<&str> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in value.char_indices() {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            '<' => {
                let close = value[i..].find('>')? + i;
                let rest = &value[close + 1..];
                return Some(rest.trim_start().strip_prefix(';').unwrap_or(""));
            }
            ';' => return Some(&value[i + 1..]),
            _ => {}
        }
    }
    Some("")
}

/// The host of a sent-by, without IPv6 brackets.
fn host_of(sent_by: &str) -> Option<&str> {
    if let Some(rest) = sent_by.strip_prefix('[') {
        return rest.split(']').next();
    }
    Some(match sent_by.rsplit_once(':') {
        Some((h, _)) => h.trim(),
        None => sent_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn via_view_reads_sent_by_and_params() {
        let v = ViaView::parse("SIP / 2.0 / UDP 10.0.0.1:5060 ;branch=z9hG4bK1;rport").unwrap();
        assert_eq!(v.sent_by, "10.0.0.1:5060");
        assert_eq!(v.host, "10.0.0.1");
        assert_eq!(v.branch(), Some("z9hG4bK1"));
        assert_eq!(v.param("RPORT"), Some(None));
        let v6 = ViaView::parse("SIP/2.0/TCP [2001:db8::1]:5070;branch=x").unwrap();
        assert_eq!(v6.host, "2001:db8::1");
        assert!(ViaView::parse("garbage").is_none());
        assert!(ViaView::parse("SIP/2.0/UDP").is_none());
    }

    #[test]
    fn tags_and_elements() {
        assert_eq!(tag("\"A;tag=no\" <sip:a@b;tag=no>;tag=yes"), Some("yes"));
        assert_eq!(tag("sip:a@b;tag=1"), Some("1"));
        assert_eq!(tag("<sip:a@b>"), None);
        assert_eq!(first_element("a;x=\"1,2\", b"), ("a;x=\"1,2\"", Some(" b")));
        assert_eq!(first_element("<sip:a,b>;q=1"), ("<sip:a,b>;q=1", None));
    }
}
