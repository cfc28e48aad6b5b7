//! Header names: compact forms (RFC 3261 §7.3.3 and the extensions that
//! registered one) expanded, and the canonical spelling of well-known names,
//! so that stored names never need case-folding or compact-form knowledge.

/// Headers whose values the parser validates (or uses) while parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Known {
    /// `Via` / `v`
    Via,
    /// `From` / `f`
    From,
    /// `To` / `t`
    To,
    /// `Call-ID` / `i`
    CallId,
    /// `CSeq`
    CSeq,
    /// `Max-Forwards`
    MaxForwards,
    /// `Content-Length` / `l`
    ContentLength,
    /// `Contact` / `m`
    Contact,
    /// `Expires`
    Expires,
    /// `Route`
    Route,
    /// `Record-Route`
    RecordRoute,
    /// Anything else.
    Other,
}

/// Canonical spelling and kind of a header name, `None` when the name is not known
/// (it is then stored as written).
pub(crate) fn canonical(raw: &[u8]) -> Option<(&'static str, Known)> {
    if raw.len() == 1 {
        return compact(raw[0].to_ascii_lowercase());
    }
    let mut buf = [0u8; 24];
    let lower = buf.get_mut(..raw.len())?;
    for (d, s) in lower.iter_mut().zip(raw) {
        *d = s.to_ascii_lowercase();
    }
    let k = Known::Other;
    Some(match &*lower {
        b"via" => ("Via", Known::Via),
        b"from" => ("From", Known::From),
        b"to" => ("To", Known::To),
        b"call-id" => ("Call-ID", Known::CallId),
        b"cseq" => ("CSeq", Known::CSeq),
        b"max-forwards" => ("Max-Forwards", Known::MaxForwards),
        b"content-length" => ("Content-Length", Known::ContentLength),
        b"contact" => ("Contact", Known::Contact),
        b"expires" => ("Expires", Known::Expires),
        b"route" => ("Route", Known::Route),
        b"record-route" => ("Record-Route", Known::RecordRoute),
        b"date" => ("Date", k),
        b"join" => ("Join", k),
        b"path" => ("Path", k),
        b"rack" => ("RAck", k),
        b"rseq" => ("RSeq", k),
        b"allow" => ("Allow", k),
        b"event" => ("Event", k),
        b"accept" => ("Accept", k),
        b"min-se" => ("Min-SE", k),
        b"reason" => ("Reason", k),
        b"server" => ("Server", k),
        b"privacy" => ("Privacy", k),
        b"require" => ("Require", k),
        b"subject" => ("Subject", k),
        b"warning" => ("Warning", k),
        b"identity" => ("Identity", k),
        b"priority" => ("Priority", k),
        b"refer-to" => ("Refer-To", k),
        b"reply-to" => ("Reply-To", k),
        b"replaces" => ("Replaces", k),
        b"sip-etag" => ("SIP-ETag", k),
        b"call-info" => ("Call-Info", k),
        b"diversion" => ("Diversion", k),
        b"supported" => ("Supported", k),
        b"timestamp" => ("Timestamp", k),
        b"alert-info" => ("Alert-Info", k),
        b"content-id" => ("Content-ID", k),
        b"error-info" => ("Error-Info", k),
        b"flow-timer" => ("Flow-Timer", k),
        b"user-agent" => ("User-Agent", k),
        b"in-reply-to" => ("In-Reply-To", k),
        b"min-expires" => ("Min-Expires", k),
        b"max-breadth" => ("Max-Breadth", k),
        b"referred-by" => ("Referred-By", k),
        b"retry-after" => ("Retry-After", k),
        b"unsupported" => ("Unsupported", k),
        b"allow-events" => ("Allow-Events", k),
        b"content-type" => ("Content-Type", k),
        b"history-info" => ("History-Info", k),
        b"mime-version" => ("MIME-Version", k),
        b"organization" => ("Organization", k),
        b"sip-if-match" => ("SIP-If-Match", k),
        b"authorization" => ("Authorization", k),
        b"identity-info" => ("Identity-Info", k),
        b"proxy-require" => ("Proxy-Require", k),
        b"service-route" => ("Service-Route", k),
        b"target-dialog" => ("Target-Dialog", k),
        b"accept-contact" => ("Accept-Contact", k),
        b"reject-contact" => ("Reject-Contact", k),
        b"accept-encoding" => ("Accept-Encoding", k),
        b"accept-language" => ("Accept-Language", k),
        b"remote-party-id" => ("Remote-Party-ID", k),
        b"session-expires" => ("Session-Expires", k),
        b"security-client" => ("Security-Client", k),
        b"security-server" => ("Security-Server", k),
        b"security-verify" => ("Security-Verify", k),
        b"content-encoding" => ("Content-Encoding", k),
        b"content-language" => ("Content-Language", k),
        b"www-authenticate" => ("WWW-Authenticate", k),
        b"proxy-authenticate" => ("Proxy-Authenticate", k),
        b"subscription-state" => ("Subscription-State", k),
        b"authentication-info" => ("Authentication-Info", k),
        b"content-disposition" => ("Content-Disposition", k),
        b"proxy-authorization" => ("Proxy-Authorization", k),
        b"p-asserted-identity" => ("P-Asserted-Identity", k),
        b"request-disposition" => ("Request-Disposition", k),
        b"p-preferred-identity" => ("P-Preferred-Identity", k),
        _ => return None,
    })
}

/// Compact forms (RFC 3261 §7.3.3; RFC 3841, 3892, 3515, 6665, 4028, 4474).
fn compact(letter: u8) -> Option<(&'static str, Known)> {
    Some(match letter {
        b'a' => ("Accept-Contact", Known::Other),
        b'b' => ("Referred-By", Known::Other),
        b'c' => ("Content-Type", Known::Other),
        b'd' => ("Request-Disposition", Known::Other),
        b'e' => ("Content-Encoding", Known::Other),
        b'f' => ("From", Known::From),
        b'i' => ("Call-ID", Known::CallId),
        b'j' => ("Reject-Contact", Known::Other),
        b'k' => ("Supported", Known::Other),
        b'l' => ("Content-Length", Known::ContentLength),
        b'm' => ("Contact", Known::Contact),
        b'n' => ("Identity-Info", Known::Other),
        b'o' => ("Event", Known::Other),
        b'r' => ("Refer-To", Known::Other),
        b's' => ("Subject", Known::Other),
        b't' => ("To", Known::To),
        b'u' => ("Allow-Events", Known::Other),
        b'v' => ("Via", Known::Via),
        b'x' => ("Session-Expires", Known::Other),
        b'y' => ("Identity", Known::Other),
        _ => return None,
    })
}

/// The canonical form of a header name: known names in their RFC spelling, compact
/// forms expanded, anything else unchanged. Use it when building messages by hand.
pub fn canonical_name(name: &str) -> &str {
    match canonical(name.as_bytes()) {
        Some((c, _)) => c,
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_case() {
        assert_eq!(canonical_name("v"), "Via");
        assert_eq!(canonical_name("ViA"), "Via");
        assert_eq!(canonical_name("i"), "Call-ID");
        assert_eq!(canonical_name("CALL-ID"), "Call-ID");
        assert_eq!(canonical_name("cseq"), "CSeq");
        assert_eq!(canonical_name("www-authenticate"), "WWW-Authenticate");
        assert_eq!(canonical_name("NewFangledHeader"), "NewFangledHeader");
        assert_eq!(canonical_name("C%6Fntact"), "C%6Fntact");
        assert_eq!(
            canonical_name("an-extremely-long-unknown-header-name"),
            "an-extremely-long-unknown-header-name"
        );
    }
}
