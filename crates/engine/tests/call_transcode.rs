//! Calls between extensions that share no codec: pbxd offers the callee its own codecs,
//! answers the caller itself, and asks the media shell to transcode.

mod call_support;

use call_support::*;
use rotary_config::Codec;
use rotary_engine::call::{CallAction, DtmfTransport, MediaPlan};
use rotary_sip::Method;

fn phones(caller: &[Codec], callee: &[Codec]) -> (Rig, Phone, Phone) {
    let mut rig = Rig::new();
    let a = Phone::new("101", "192.0.2.10:5060");
    let b = Phone::new("102", "192.0.2.20:5060");
    rig.extension("101", caller, &[&a]);
    rig.extension("102", callee, &[&b]);
    (rig, a, b)
}

fn started_plan(rig: &Rig) -> Option<MediaPlan> {
    rig.actions.iter().rev().find_map(|x| match x {
        CallAction::StartRelay { plan, .. } => Some(*plan),
        _ => None,
    })
}

#[test]
fn pcmu_caller_g722_callee_is_transcoded() {
    let (mut rig, a, b) = phones(&[Codec::Pcmu], &[Codec::G722]);
    let sdp = a.sdp_with(4000, "0 101", "a=rtpmap:0 PCMU/8000\r\n", "sendrecv");
    rig.send(&a, &a.invite("102", "tc-1", Some(&sdp), &[]));
    let inv = rig.take_request(&b, Method::Invite);
    let offer = body(&inv.body);
    assert!(offer.contains("m=audio 10002 RTP/AVP 9 101\r\n"), "{offer}");
    assert!(offer.contains("a=rtpmap:9 G722/8000"), "{offer}");
    assert!(!offer.contains("PCMU"), "PCMU is not the callee's: {offer}");

    let answer = b.sdp_with(5000, "9 101", "a=rtpmap:9 G722/8000\r\n", "sendrecv");
    rig.reply(&b, &inv, 200, "btag", Some(&answer));
    let ok = rig.take_response(&a, 200);
    let to_caller = body(&ok.body);
    assert!(
        to_caller.contains("m=audio 10000 RTP/AVP 0 101\r\n"),
        "{to_caller}"
    );
    assert!(!to_caller.contains("G722"), "{to_caller}");

    let plan = started_plan(&rig).expect("relay started");
    assert!(plan.transcode);
    let (pa, pb) = (plan.a.expect("leg A media"), plan.b.expect("leg B media"));
    assert_eq!((pa.codec, pa.payload_type), (Codec::Pcmu, 0));
    assert_eq!((pb.codec, pb.payload_type), (Codec::G722, 9));
    assert_eq!(pa.event_payload_type, Some(101));
    assert_eq!(pb.dtmf, DtmfTransport::Rfc4733);
}

#[test]
fn shared_codec_passes_through_even_when_others_could_be_transcoded() {
    let (mut rig, a, b) = phones(&[Codec::Pcmu, Codec::Opus], &[Codec::Pcmu, Codec::G722]);
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(&a, &a.invite("102", "tc-2", Some(&sdp), &[]));
    let inv = rig.take_request(&b, Method::Invite);
    let offer = body(&inv.body);
    // The common codec first, then the one pbxd would transcode into.
    assert!(
        offer.contains("m=audio 10002 RTP/AVP 0 9 101\r\n"),
        "{offer}"
    );
    rig.reply(&b, &inv, 200, "btag", Some(&b.sdp(5000, "sendrecv")));
    rig.take_response(&a, 200);
    assert_eq!(started_plan(&rig), Some(pcmu_plan()));
}

#[test]
fn a_caller_offering_only_g729_cannot_be_transcoded() {
    let (mut rig, a, _b) = phones(&[Codec::G729], &[Codec::Pcmu]);
    let sdp = a.sdp_with(4000, "18 101", "a=rtpmap:18 G729/8000\r\n", "sendrecv");
    rig.send(&a, &a.invite("102", "tc-3", Some(&sdp), &[]));
    rig.take_response(&a, 488);
}

#[test]
fn hold_in_a_transcoded_call_is_answered_by_pbxd() {
    let (mut rig, a, b) = phones(&[Codec::Pcmu], &[Codec::G722]);
    let sdp = a.sdp_with(4000, "0 101", "a=rtpmap:0 PCMU/8000\r\n", "sendrecv");
    rig.send(&a, &a.invite("102", "tc-4", Some(&sdp), &[]));
    let inv = rig.take_request(&b, Method::Invite);
    let answer = b.sdp_with(5000, "9 101", "a=rtpmap:9 G722/8000\r\n", "sendrecv");
    rig.reply(&b, &inv, 200, "btag", Some(&answer));
    rig.take_request(&b, Method::Ack);
    let ok = rig.take_response(&a, 200);
    rig.ack_2xx(&a, &ok, None);
    let mut da = PhoneDialog::from_uac(&ok);

    let hold = a.sdp_with(4000, "0 101", "a=rtpmap:0 PCMU/8000\r\n", "sendonly");
    let reinvite = da.request(&a, "INVITE", None, Some(&hold), &[]);
    rig.send(&a, &reinvite);
    let held = rig.take_response(&a, 200);
    let text = body(&held.body);
    assert!(text.contains("a=recvonly"), "{text}");
    assert!(text.contains("RTP/AVP 0 101"), "{text}");
    assert_eq!(rig.pending_for(&b), 0, "the callee's leg is not involved");
    assert!(rig
        .actions
        .iter()
        .any(|x| matches!(x, CallAction::UpdateRelay { hold: true, .. })));
}
