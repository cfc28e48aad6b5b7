//! Calls from trunks and the routing applications: a department rung as a ring group
//! (linear with per-member timeouts, no-answer destination), an IVR that pbxd answers
//! itself (prompt, keys, timeouts, transfer to an extension), and PIN entry before a
//! protected dial rule's trunks.

mod call_support;

use std::time::Duration;

use call_support::*;
use rotary_config::routing::{Department, Ivr};
use rotary_config::Config;
use rotary_engine::call::{
    CallAction, CallEventKind, CallType, Cause, Disposition, GroupPlan, IvrPlan, MediaInput,
    PinPlan, RouteInfo, Side, Target, TrunkPlan,
};
use rotary_sip::Method;

/// A provider at .100 whose caller 0301234 dials DID 4930100, routed to `target`.
fn inbound(target: Target) -> (Rig, Phone, Phone, Phone) {
    let mut rig = Rig::new();
    let provider = Phone::new("0301234", "192.0.2.100:5060");
    let b = Phone::new("102", "192.0.2.20:5060");
    let c = Phone::new("103", "192.0.2.30:5060");
    rig.extension("102", &rotary_config::Codec::ALL, &[&b]);
    rig.extension("103", &rotary_config::Codec::ALL, &[&c]);
    rig.external.push("0301234".into());
    let route = RouteInfo {
        kind: CallType::Inbound,
        trunk: Some("telco".into()),
        did: Some("4930100".into()),
        route: Some("main".into()),
    };
    rig.routes.insert("4930100".into(), (target, route));
    (rig, provider, b, c)
}

fn department(json: &str, b: &Phone, c: &Phone) -> Target {
    let department: Department = serde_json::from_str(json).unwrap();
    Target::Group(GroupPlan {
        department,
        members: vec![callee("102", &[b]), callee("103", &[c])],
    })
}

#[test]
fn a_linear_department_rings_members_in_turn_and_the_cdr_has_the_route() {
    let (mut rig, p, b, c) = {
        let b = Phone::new("102", "192.0.2.20:5060");
        let c = Phone::new("103", "192.0.2.30:5060");
        let t = department(
            r#"{"number":"0400","members":["102","103"],"strategy":"linear","ring_time":10}"#,
            &b,
            &c,
        );
        inbound(t)
    };
    let sdp = p.sdp(4000, "sendrecv");
    rig.send(&p, &p.invite("4930100", "in-1", Some(&sdp), &[]));
    let inv_b = rig.take_request(&b, Method::Invite);
    assert!(inv_b.headers.get("From").unwrap().contains("sip:0301234@"));
    rig.reply(&b, &inv_b, 180, "btag", None);
    rig.take_response(&p, 180);
    assert!(rig.try_take_request(&c, Method::Invite).is_none());
    rig.advance(Duration::from_secs(10));
    rig.take_request(&b, Method::Cancel);
    let inv_c = rig.take_request(&c, Method::Invite);
    let csdp = c.sdp(5000, "sendrecv");
    rig.reply(&c, &inv_c, 200, "ctag", Some(&csdp));
    rig.take_request(&c, Method::Ack);
    let ok = rig.take_response(&p, 200);
    rig.ack_2xx(&p, &ok, None);
    assert!(rig.calls.is_busy("103"));
    assert!(
        !rig.calls.is_busy("0301234"),
        "an outside caller is no extension"
    );
    let mut d = PhoneDialog::from_uas(&inv_c, "ctag");
    let bye = d.request(&c, "BYE", None, None, &[]);
    rig.send(&c, &bye);
    rig.take_request(&p, Method::Bye);
    let cdr = rig.one_cdr();
    assert_eq!(cdr.call_type, CallType::Inbound);
    assert_eq!(cdr.trunk.as_deref(), Some("telco"));
    assert_eq!(cdr.did.as_deref(), Some("4930100"));
    assert_eq!(cdr.route.as_deref(), Some("main"));
    assert_eq!(
        (cdr.caller.as_str(), cdr.callee.as_str()),
        ("0301234", "103")
    );
}

#[test]
fn nobody_answering_a_ring_all_department_goes_to_its_no_answer_destination() {
    let b = Phone::new("102", "192.0.2.20:5060");
    let c = Phone::new("103", "192.0.2.30:5060");
    let t = department(
        r#"{"number":"0400","members":["102","103"],"ring_time":15,
            "no_answer":{"type":"extension","number":"104"}}"#,
        &b,
        &c,
    );
    let (mut rig, p, b, c) = inbound(t);
    let d = Phone::new("104", "192.0.2.40:5060");
    rig.resolves.insert(
        "extension 104".into(),
        Target::Extension(callee("104", &[&d])),
    );
    rig.send(
        &p,
        &p.invite("4930100", "in-2", Some(&p.sdp(4000, "sendrecv")), &[]),
    );
    let inv_b = rig.take_request(&b, Method::Invite);
    let inv_c = rig.take_request(&c, Method::Invite);
    rig.reply(&b, &inv_b, 180, "btag", None);
    rig.reply(&c, &inv_c, 480, "ctag", None);
    rig.advance(Duration::from_secs(15));
    rig.take_request(&b, Method::Cancel);
    assert_eq!(rig.resolved, ["extension 104"]);
    let inv_d = rig.take_request(&d, Method::Invite);
    rig.reply(&d, &inv_d, 486, "dtag", None);
    rig.take_response(&p, 486);
    assert_eq!(rig.one_cdr().disposition, Disposition::Busy);
}

fn ivr_target() -> Target {
    let ivr: Ivr = serde_json::from_str(
        r#"{"number":"0600","prompt":"welcome","keys":{"2":{"type":"extension","number":"102"}},
            "response_timeout":5,"loops":2}"#,
    )
    .unwrap();
    Target::Ivr(IvrPlan {
        ivr,
        return_to: None,
        directory: std::sync::Arc::new(Config::default()),
    })
}

#[test]
fn an_ivr_answers_plays_its_prompt_and_transfers_on_a_key() {
    let (mut rig, p, b, _c) = inbound(ivr_target());
    rig.resolves.insert(
        "extension 102".into(),
        Target::Extension(callee("102", &[&b])),
    );
    let sdp = p.sdp(4000, "sendrecv");
    rig.send(&p, &p.invite("4930100", "in-3", Some(&sdp), &[]));
    let ok = rig.take_response(&p, 200);
    let answer = body(&ok.body);
    assert!(answer.contains("m=audio 10000 RTP/AVP 0"), "{answer}");
    rig.ack_2xx(&p, &ok, None);
    assert_eq!(prompts(&rig), [Some("welcome".to_string())]);
    let call = rig.one_event_call();
    rig.calls
        .handle_media(rig.now, &mut rig.txl, call, MediaInput::PromptFinished);
    rig.pump();
    let key = |rig: &mut Rig, k| {
        let input = MediaInput::Dtmf {
            side: Side::A,
            key: k,
            duration: Duration::from_millis(100),
        };
        rig.calls.handle_media(rig.now, &mut rig.txl, call, input);
        rig.pump();
    };
    key(&mut rig, '2');
    assert_eq!(rig.resolved, ["extension 102"]);
    let inv = rig.take_request(&b, Method::Invite);
    let offer = body(&inv.body);
    assert!(offer.contains("m=audio 10002 RTP/AVP 0"), "{offer}");
    let bsdp = b.sdp(5000, "sendrecv");
    rig.reply(&b, &inv, 200, "btag", Some(&bsdp));
    rig.take_request(&b, Method::Ack);
    assert!(
        rig.try_take_response(&p, 200).is_none(),
        "the caller was answered before"
    );
    let relays: Vec<_> = rig
        .actions
        .iter()
        .filter_map(|a| match a {
            CallAction::StartRelay { plan, b_remote, .. } => Some((*plan, *b_remote)),
            _ => None,
        })
        .collect();
    assert_eq!(relays.len(), 2, "one-legged, then bridged");
    assert!(relays[0].0.b.is_none());
    assert_eq!(relays[1].1, "192.0.2.20:5000".parse().unwrap());
    assert_eq!(relays[1].0, pcmu_plan());
    let mut d = PhoneDialog::from_uac(&ok);
    let bye = d.request(&p, "BYE", None, None, &[]);
    rig.send(&p, &bye);
    rig.take_request(&b, Method::Bye);
    let cdr = rig.one_cdr();
    assert_eq!(cdr.disposition, Disposition::Answered);
    assert_eq!(cdr.callee, "102");
}

#[test]
fn an_ivr_without_keys_replays_then_follows_its_timeout_destination() {
    let (mut rig, p, _b, _c) = inbound(ivr_target());
    rig.send(
        &p,
        &p.invite("4930100", "in-4", Some(&p.sdp(4000, "sendrecv")), &[]),
    );
    let ok = rig.take_response(&p, 200);
    rig.ack_2xx(&p, &ok, None);
    let call = rig.one_event_call();
    for _ in 0..2 {
        rig.calls
            .handle_media(rig.now, &mut rig.txl, call, MediaInput::PromptFinished);
        rig.pump();
        rig.advance(Duration::from_secs(5));
    }
    let played: Vec<_> = prompts(&rig).into_iter().flatten().collect();
    assert_eq!(played, ["welcome", "welcome"]);
    rig.take_request(&p, Method::Bye);
    assert_eq!(rig.one_cdr().cause, Cause::Routing("ivr.hangup"));
}

#[test]
fn a_pin_is_asked_before_the_trunks_and_recorded() {
    let (mut rig, a, _b) = two_phones();
    let provider = Phone::new("p1", "192.0.2.100:5060");
    let plan = TrunkPlan {
        attempts: vec![trunk_leg("telco", &provider, "0301234")],
        pin: Some(PinPlan {
            set: "staff".into(),
            pins: vec![("1234".into(), "sales".into())],
        }),
        time_limit: None,
    };
    rig.routes.insert(
        "90301234".into(),
        (Target::Trunks(plan), RouteInfo::default()),
    );
    rig.send(
        &a,
        &a.invite("90301234", "pin-1", Some(&a.sdp(4000, "sendrecv")), &[]),
    );
    let ok = rig.take_response(&a, 200);
    rig.ack_2xx(&a, &ok, None);
    assert_eq!(prompts(&rig), [Some("enter-pin".to_string())]);
    let call = rig.one_event_call();
    let press = |rig: &mut Rig, keys: &str| {
        for k in keys.chars() {
            let input = MediaInput::Dtmf {
                side: Side::A,
                key: k,
                duration: Duration::from_millis(100),
            };
            rig.calls.handle_media(rig.now, &mut rig.txl, call, input);
            rig.pump();
        }
    };
    press(&mut rig, "99#");
    assert_eq!(prompts(&rig).last(), Some(&Some("pin-invalid".to_string())));
    assert!(rig.try_take_request(&provider, Method::Invite).is_none());
    rig.calls
        .handle_media(rig.now, &mut rig.txl, call, MediaInput::PromptFinished);
    rig.pump();
    assert_eq!(prompts(&rig).last(), Some(&Some("enter-pin".to_string())));
    press(&mut rig, "1234#");
    let inv = rig.take_request(&provider, Method::Invite);
    let psdp = provider.sdp(6000, "sendrecv");
    rig.reply(&provider, &inv, 200, "ptag", Some(&psdp));
    rig.take_request(&provider, Method::Ack);
    assert!(rig.event_kinds().contains(&CallEventKind::Answered));
    let mut d = PhoneDialog::from_uac(&ok);
    let bye = d.request(&a, "BYE", None, None, &[]);
    rig.send(&a, &bye);
    rig.take_request(&provider, Method::Bye);
    let cdr = rig.one_cdr();
    assert_eq!(cdr.pin.as_deref(), Some("sales"));
    assert_eq!(cdr.call_type, CallType::Outbound);
    assert_eq!(cdr.trunk.as_deref(), Some("telco"));
}

#[test]
fn three_wrong_pins_say_goodbye_and_hang_up() {
    let (mut rig, a, _b) = two_phones();
    let provider = Phone::new("p1", "192.0.2.100:5060");
    let plan = TrunkPlan {
        attempts: vec![trunk_leg("telco", &provider, "0301234")],
        pin: Some(PinPlan {
            set: "staff".into(),
            pins: vec![("1234".into(), String::new())],
        }),
        time_limit: None,
    };
    rig.routes.insert(
        "90301234".into(),
        (Target::Trunks(plan), RouteInfo::default()),
    );
    rig.send(
        &a,
        &a.invite("90301234", "pin-2", Some(&a.sdp(4000, "sendrecv")), &[]),
    );
    let ok = rig.take_response(&a, 200);
    rig.ack_2xx(&a, &ok, None);
    let call = rig.one_event_call();
    // Nothing keyed: each digit timeout checks an empty PIN; prompts end when told.
    for _ in 0..10 {
        if prompts(&rig).last() == Some(&Some("goodbye".to_string())) {
            break;
        }
        rig.calls
            .handle_media(rig.now, &mut rig.txl, call, MediaInput::PromptFinished);
        rig.pump();
        rig.advance(Duration::from_secs(8));
    }
    let wrong = prompts(&rig)
        .iter()
        .filter(|p| p.as_deref() == Some("pin-invalid"))
        .count();
    assert_eq!(wrong, 2, "two retries, then goodbye");
    assert_eq!(prompts(&rig).last(), Some(&Some("goodbye".to_string())));
    rig.calls
        .handle_media(rig.now, &mut rig.txl, call, MediaInput::PromptFinished);
    rig.pump();
    rig.take_request(&a, Method::Bye);
    assert_eq!(rig.one_cdr().cause, Cause::PinInvalid);
}
