//! Building the messages the transaction layer and its users derive from a
//! request: responses (RFC 3261 §8.2.6), the ACK for a non-2xx final response
//! (§17.1.1.3), CANCEL (§9.1), and the `received`/`rport` stamp on an incoming
//! top Via (§18.2.1, RFC 3581 §4).

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

use super::view::{first_element, params_of, tag, ViaView};
use crate::message::{Headers, Method, Request, Response};

/// Build a response to `req`: copies every Via (in order), From, To, Call-ID
/// and CSeq (RFC 3261 §8.2.6.2), plus Timestamp for `100` (§8.2.6.1).
///
/// The To tag is left as received; a UAS adds its own with [`set_to_tag`]
/// (every response but `100` should carry one).
pub fn make_response(req: &Request, status: u16, reason: &str) -> Response {
    let mut headers = Headers::default();
    for f in &req.headers.fields {
        let copy = f.name.eq_ignore_ascii_case("Via")
            || f.name.eq_ignore_ascii_case("From")
            || f.name.eq_ignore_ascii_case("To")
            || f.name.eq_ignore_ascii_case("Call-ID")
            || f.name.eq_ignore_ascii_case("CSeq")
            || (status == 100 && f.name.eq_ignore_ascii_case("Timestamp"));
        if copy {
            headers.fields.push(f.clone());
        }
    }
    Response {
        status,
        reason: reason.to_string(),
        headers,
        body: Vec::new(),
    }
}

/// Add `;tag=<tag>` to the To header of a response, unless it already has a
/// tag (a dialog's tag never changes). Does nothing without a To header.
pub fn set_to_tag(resp: &mut Response, to_tag: &str) {
    let Some(to) = resp
        .headers
        .fields
        .iter_mut()
        .find(|h| h.name.eq_ignore_ascii_case("To"))
    else {
        return;
    };
    if tag(&to.value).is_none() {
        to.value.push_str(";tag=");
        to.value.push_str(to_tag);
    }
}

/// Record where a request really came from in its top Via, so responses
/// find their way back through NAT. Call on every incoming request before
/// handing it to the transaction layer.
///
/// RFC 3261 §18.2.1: add `received=<source ip>` when the sent-by host is not
/// that IP. RFC 3581 §4: when the top Via has a bare `rport`, fill in the
/// source port and always add `received`. An existing `received` is replaced.
pub fn stamp_received(req: &mut Request, source: SocketAddr) {
    let Some(index) = req
        .headers
        .fields
        .iter()
        .position(|h| h.name.eq_ignore_ascii_case("Via"))
    else {
        return;
    };
    let field = &req.headers.fields[index].value;
    let (top, rest) = first_element(field);
    let Some(via) = ViaView::parse(top) else {
        return;
    };
    let source_ip = source.ip().to_canonical();
    let host_ip = via.host.parse::<IpAddr>().ok().map(|ip| ip.to_canonical());
    let has_rport = via.param("rport").is_some();
    let has_received = via.param("received").is_some();
    if !has_rport && !has_received && host_ip == Some(source_ip) {
        return;
    }

    let prefix_len = via.raw.len() - via.params.len();
    let mut out = String::with_capacity(field.len() + 40);
    out.push_str(via.raw[..prefix_len].trim_end_matches(';'));
    for (name, value) in params_of(via.params) {
        if name.eq_ignore_ascii_case("received") {
            continue;
        }
        if name.eq_ignore_ascii_case("rport") {
            let _ = write!(out, ";rport={}", source.port());
            continue;
        }
        out.push(';');
        out.push_str(name);
        if let Some(v) = value {
            out.push('=');
            out.push_str(v);
        }
    }
    if has_rport || host_ip != Some(source_ip) {
        let _ = write!(out, ";received={source_ip}");
    }
    if let Some(rest) = rest {
        out.push(',');
        out.push_str(rest);
    }
    req.headers.fields[index].value = out;
}

/// Build the CANCEL for a pending INVITE (RFC 3261 §9.1): same Request-URI,
/// Call-ID, From, To, CSeq number and top Via (so the same branch), the same
/// Route headers, and `Max-Forwards: 70`. Send it with
/// [`TransactionLayer::send_request`](super::TransactionLayer::send_request).
pub fn make_cancel(invite: &Request) -> Request {
    derived_request(
        invite,
        Method::Cancel,
        invite.headers.get("To").unwrap_or(""),
    )
}

/// The ACK a client INVITE transaction sends for a 300–699 response
/// (RFC 3261 §17.1.1.3): To comes from the response, so it carries the tag.
pub(crate) fn make_ack(invite: &Request, response: &Response) -> Request {
    let to = response
        .headers
        .get("To")
        .or(invite.headers.get("To"))
        .unwrap_or("");
    derived_request(invite, Method::Ack, to)
}

/// A request sharing the INVITE's transaction identity (ACK or CANCEL).
fn derived_request(invite: &Request, method: Method, to: &str) -> Request {
    let mut headers = Headers::default();
    if let Some(via) = invite.headers.get("Via") {
        headers.push("Via", first_element(via).0);
    }
    for f in &invite.headers.fields {
        if f.name.eq_ignore_ascii_case("Route") {
            headers.fields.push(f.clone());
        }
    }
    headers.push("Max-Forwards", "70");
    if let Some(from) = invite.headers.get("From") {
        headers.push("From", from);
    }
    headers.push("To", to);
    if let Some(call_id) = invite.headers.get("Call-ID") {
        headers.push("Call-ID", call_id);
    }
    let seq = super::view::cseq(&invite.headers).map_or(0, |(n, _)| n);
    headers.push("CSeq", format!("{seq} {}", method.as_str()));
    Request {
        method,
        uri: invite.uri.clone(),
        headers,
        body: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Host, Scheme, Uri};

    fn request(via: &str) -> Request {
        let mut headers = Headers::default();
        headers.push("Via", via);
        headers.push("Via", "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp");
        Request {
            method: Method::Options,
            uri: Uri {
                scheme: Scheme::Sip,
                user: None,
                password: None,
                host: Host::Domain("example.com".into()),
                port: None,
                params: vec![],
                headers: vec![],
                opaque: None,
            },
            headers,
            body: vec![],
        }
    }

    fn stamped(via: &str, source: &str) -> String {
        let mut req = request(via);
        stamp_received(&mut req, source.parse().unwrap());
        req.headers.fields[0].value.clone()
    }

    #[test]
    fn same_host_without_rport_is_untouched() {
        let via = "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa";
        assert_eq!(stamped(via, "10.0.0.1:5060"), via);
    }

    #[test]
    fn different_host_gets_received() {
        assert_eq!(
            stamped(
                "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa",
                "192.0.2.1:5060"
            ),
            "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa;received=192.0.2.1"
        );
        assert_eq!(
            stamped(
                "SIP/2.0/UDP pc.example.com;branch=z9hG4bKa;received=1.1.1.1",
                "192.0.2.1:5060"
            ),
            "SIP/2.0/UDP pc.example.com;branch=z9hG4bKa;received=192.0.2.1"
        );
    }

    #[test]
    fn rport_is_filled_and_received_always_added() {
        assert_eq!(
            stamped(
                "SIP/2.0/UDP 10.1.1.1:4540;rport;branch=z9hG4bKk",
                "10.1.1.1:9988"
            ),
            "SIP/2.0/UDP 10.1.1.1:4540;rport=9988;branch=z9hG4bKk;received=10.1.1.1"
        );
        assert_eq!(
            stamped(
                "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKk;rport",
                "[2001:db8::9]:7000"
            ),
            "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKk;rport=7000;received=2001:db8::9"
        );
    }

    #[test]
    fn comma_joined_vias_keep_the_rest() {
        let mut req = request("SIP/2.0/UDP a.example;branch=z9hG4bK1, SIP/2.0/UDP b;branch=2");
        stamp_received(&mut req, "192.0.2.7:5060".parse().unwrap());
        assert_eq!(
            req.headers.fields[0].value,
            "SIP/2.0/UDP a.example;branch=z9hG4bK1;received=192.0.2.7, SIP/2.0/UDP b;branch=2"
        );
    }

    #[test]
    fn to_tag_added_once() {
        let mut req = request("SIP/2.0/UDP a;branch=z9hG4bK1");
        req.headers.push("To", "<sip:b@example.com>");
        let mut resp = make_response(&req, 200, "OK");
        set_to_tag(&mut resp, "abc");
        set_to_tag(&mut resp, "def");
        assert_eq!(resp.headers.get("To"), Some("<sip:b@example.com>;tag=abc"));
        assert_eq!(resp.headers.get_all("Via").count(), 2);
    }
}
