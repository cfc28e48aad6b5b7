//! Differential check against rsip as an independent oracle: on every valid
//! message that rsip also accepts, both must agree on the method, Request-URI user
//! and host, Call-ID and CSeq.

mod common;

use common::{fixtures, torture_cases, Policy};
use rotary_sip::parse::parse_message;
use rotary_sip::Message;
use rsip::prelude::*;

/// rsip keeps URI users escaped; decode for comparison.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let Some(Ok(v)) = s.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16)) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn normal_host(h: &str) -> String {
    h.trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

/// Compare one message; `false` when rsip rejects it (no oracle then).
fn compare(name: &str, bytes: &[u8]) -> bool {
    let ours = parse_message(bytes).unwrap_or_else(|e| panic!("{name}: we reject: {e}"));
    let Ok(theirs) = rsip::SipMessage::try_from(bytes) else {
        return false;
    };
    let their_call_id = match theirs.call_id_header() {
        Ok(c) => c.value().to_string(),
        Err(_) => return false,
    };
    let Ok(their_cseq) = theirs.cseq_header().and_then(|c| c.typed()) else {
        return false;
    };
    assert_eq!(
        ours.call_id(),
        Some(their_call_id.trim()),
        "{name}: Call-ID"
    );
    let cseq = ours.cseq().unwrap();
    assert_eq!(cseq.seq, their_cseq.seq, "{name}: CSeq number");
    assert_eq!(
        cseq.method.as_str(),
        their_cseq.method.to_string(),
        "{name}: CSeq method"
    );
    match (&ours, &theirs) {
        (Message::Request(r), rsip::SipMessage::Request(t)) => {
            assert_eq!(r.method.as_str(), t.method().to_string(), "{name}: method");
            let their_user = t.uri().user().map(percent_decode);
            assert_eq!(r.uri.user, their_user, "{name}: Request-URI user");
            assert_eq!(
                normal_host(&r.uri.host.to_string()),
                normal_host(&t.uri().host_with_port.host.to_string()),
                "{name}: Request-URI host"
            );
        }
        (Message::Response(r), rsip::SipMessage::Response(t)) => {
            assert_eq!(
                r.status,
                u16::from(t.status_code().clone()),
                "{name}: status"
            );
        }
        _ => panic!("{name}: request/response disagreement"),
    }
    true
}

#[test]
fn agrees_with_rsip_on_valid_messages() {
    let mut inputs: Vec<(String, Vec<u8>)> = fixtures();
    for c in torture_cases() {
        if c.policy == Policy::Valid {
            inputs.push((c.file, c.bytes));
        }
    }
    let mut compared = Vec::new();
    for (name, bytes) in &inputs {
        if compare(name, bytes) {
            compared.push(name.as_str());
        }
    }
    eprintln!("compared with rsip: {compared:?}");
    assert!(
        compared.len() >= 8,
        "rsip accepted too few messages: {compared:?}"
    );
}
