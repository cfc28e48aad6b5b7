//! Qualify (DUC guide "Qualify", "Qualify Timeout"): the OPTIONS keep-alive sent
//! to each contact over the binding's own flow, so that it also keeps the phone's
//! NAT pinhole open (RFC 3261 §11 allows OPTIONS outside a dialog).

use rand::rngs::StdRng;
use rand::Rng;
use rotary_sip::{Headers, Method, Request};

use crate::binding::Binding;

/// Build one OPTIONS for `binding`: Request-URI = the contact URI, sent over the
/// binding's flow, with a fresh branch, From-tag and Call-ID from the registrar's
/// own generator. The engine puts it in a client transaction unchanged.
pub(crate) fn options_request(rng: &mut StdRng, realm: &str, binding: &Binding) -> Request {
    let local = binding.flow.local;
    // RFC 3261 §8.1.1.7: the branch starts with the magic cookie.
    let branch = format!("z9hG4bK{:024x}", rng.gen::<u128>() >> 32);
    let tag = format!("{:016x}", rng.gen::<u64>());
    let call_id = format!("{:032x}", rng.gen::<u128>());
    let mut headers = Headers::default();
    headers.push(
        "Via",
        format!(
            "SIP/2.0/{} {local};branch={branch}",
            binding.flow.transport.via_token()
        ),
    );
    headers.push("Max-Forwards", "70");
    headers.push("From", format!("<sip:{realm}@{local}>;tag={tag}"));
    headers.push("To", format!("<{}>", binding.contact));
    headers.push("Call-ID", call_id);
    headers.push("CSeq", "1 OPTIONS");
    headers.push("Accept", "application/sdp");
    Request {
        method: Method::Options,
        uri: binding.uri.clone(),
        headers,
        body: Vec::new(),
    }
}
