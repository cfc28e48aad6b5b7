//! Calls turned away before anything rings: unknown number, unregistered
//! callee, no common codec, unusable SDP, capacity, media ports, unsupported
//! extensions. Each attempt but protocol negotiation writes one CDR.

mod call_support;

use call_support::*;
use rotary_config::Codec;
use rotary_engine::call::{CallEventKind, Cause, Disposition};
use rotary_sip::Method;

fn rejected(rig: &mut Rig, a: &Phone, to: &str, status: u16) -> rotary_sip::Response {
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(
        a,
        &a.invite(to, &format!("rej-{to}-{status}"), Some(&sdp), &[]),
    );
    rig.take_response(a, status)
}

#[test]
fn unknown_number_is_404() {
    let (mut rig, a, _b) = two_phones();
    let resp = rejected(&mut rig, &a, "555", 404);
    assert!(to_tag(&resp.headers).is_some());
    let cdr = rig.one_cdr();
    assert_eq!(
        (
            cdr.callee.as_str(),
            cdr.disposition,
            cdr.cause,
            cdr.sip_status
        ),
        ("555", Disposition::Failed, Cause::NotFound, 404)
    );
    assert_eq!(
        rig.event_kinds(),
        [CallEventKind::HungUp {
            cause: Cause::NotFound
        }]
    );
    assert!(rig.released().is_empty(), "no media was allocated");
    assert!(rig.calls.is_empty());
}

#[test]
fn unregistered_callee_is_480() {
    let (mut rig, a, _b) = two_phones();
    rig.extension("104", &Codec::ALL, &[]);
    rejected(&mut rig, &a, "104", 480);
    let cdr = rig.one_cdr();
    assert_eq!(
        (cdr.disposition, cdr.cause),
        (Disposition::NoAnswer, Cause::Unavailable)
    );
}

/// Only a codec pbxd cannot transcode (G.729) on the caller's side, none of it on the
/// callee's: nothing can bridge them.
#[test]
fn no_common_codec_is_488() {
    let (mut rig, a, b) = two_phones();
    rig.extension("101", &[Codec::G729, Codec::Pcmu], &[&a]);
    rig.extension("102", &[Codec::G722], &[&b]);
    let sdp = a.sdp_with(4000, "18 101", "a=rtpmap:18 G729/8000\r\n", "sendrecv");
    rig.send(&a, &a.invite("102", "g729-only", Some(&sdp), &[]));
    let resp = rig.take_response(&a, 488);
    assert!(resp.headers.get("Warning").unwrap().starts_with("305 "));
    assert_eq!(rig.one_cdr().cause, Cause::NoCommonCodec);
    assert_eq!(rig.pending_for(&b), 0);
}

#[test]
fn g729_only_callee_of_a_pcmu_caller_is_488() {
    let (mut rig, a, b) = two_phones();
    rig.extension("102", &[Codec::G729], &[&b]);
    let resp = rejected(&mut rig, &a, "102", 488);
    assert!(resp.headers.get("Warning").unwrap().starts_with("305 "));
    assert_eq!(rig.one_cdr().cause, Cause::NoCommonCodec);
    assert_eq!(rig.pending_for(&b), 0);
}

/// The callee is offered the caller's codecs it may use (pass-through), then its own
/// codecs pbxd can transcode into; never a codec the callee may not use.
#[test]
fn offer_is_trimmed_to_codecs_both_extensions_allow() {
    let (mut rig, a, b) = two_phones();
    rig.extension("101", &[Codec::Pcmu, Codec::Pcma], &[&a]);
    rig.extension("102", &[Codec::Pcma, Codec::G722], &[&b]);
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("102", "trim-1", Some(&sdp), &[]));
    let inv = rig.take_request(&b, Method::Invite);
    let offer = body(&inv.body);
    assert!(
        offer.contains("m=audio 10002 RTP/AVP 8 9 101\r\n"),
        "{offer}"
    );
    assert!(!offer.contains("PCMU"), "{offer}");
}

#[test]
fn malformed_sdp_or_foreign_body_is_488() {
    let (mut rig, a, b) = two_phones();
    rig.send(
        &a,
        &a.invite("102", "bad-sdp", Some("v=0\r\nthis is not sdp\r\n"), &[]),
    );
    let resp = rig.take_response(&a, 488);
    assert!(resp.headers.get("Warning").unwrap().starts_with("399 "));
    let text = a
        .invite("102", "not-sdp", Some("hello"), &[])
        .replace("application/sdp", "text/plain");
    rig.send(&a, &text);
    rig.take_response(&a, 488);
    assert_eq!(rig.pending_for(&b), 0);
    let cdrs = rig.cdrs();
    assert_eq!(cdrs.len(), 2);
    assert!(cdrs.iter().all(|c| c.cause == Cause::InvalidSdp));
}

#[test]
fn max_concurrent_calls_gives_503() {
    let (mut rig, a, b) = two_phones();
    rig.settings.max_concurrent_calls = 1;
    let c = Phone::new("103", "192.0.2.30:5060");
    let d = Phone::new("104", "192.0.2.40:5060");
    rig.extension("103", &Codec::ALL, &[&c]);
    rig.extension("104", &Codec::ALL, &[&d]);
    answered(&mut rig, &a, &b);
    let resp = rejected(&mut rig, &c, "104", 503);
    assert!(resp.headers.get("Retry-After").is_some());
    assert_eq!(rig.one_cdr().cause, Cause::Congestion);
    assert_eq!(rig.pending_for(&d), 0);
}

#[test]
fn no_media_ports_gives_503() {
    let (mut rig, a, b) = two_phones();
    rig.alloc_ok = false;
    rejected(&mut rig, &a, "102", 503);
    assert_eq!(rig.pending_for(&b), 0);
    assert_eq!(rig.one_cdr().cause, Cause::MediaUnavailable);
    assert!(rig.released().is_empty());
    assert_eq!(rig.calls.active_count(), 0);
}

#[test]
fn unsupported_require_is_420_without_a_cdr() {
    let (mut rig, a, _b) = two_phones();
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(
        &a,
        &a.invite("102", "req-1", Some(&sdp), &["Require: 100rel"]),
    );
    let resp = rig.take_response(&a, 420);
    assert_eq!(resp.headers.get("Unsupported"), Some("100rel"));
    assert!(rig.cdrs().is_empty());
}
