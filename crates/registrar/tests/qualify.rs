//! "Qualify": an OPTIONS goes to each contact every `qualify_interval` over the
//! binding's flow; no answer within `qualify_timeout` makes it unreachable, a
//! later answer reachable again.

mod common;

use std::time::Duration;

use common::*;
use rotary_registrar::{Reachability, RegistrarAction};
use rotary_sip::parse::parse_message;
use rotary_sip::{Message, Method, Request};

fn qualified_phone(sim: &mut Sim) -> Phone {
    let mut acct = account("101");
    acct.qualify_interval = 30;
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    assert_eq!(
        sim.register(
            &mut p,
            Some(&acct),
            Reg::contact("<sip:101@198.51.100.1:5060>")
        )
        .status,
        200
    );
    sim.events();
    p
}

fn one_qualify(sim: &mut Sim) -> (rotary_registrar::BindingId, rotary_sip::Flow, Request) {
    let mut actions = sim.actions();
    assert_eq!(actions.len(), 1, "{actions:?}");
    let RegistrarAction::Qualify {
        binding,
        flow,
        request,
    } = actions.remove(0);
    (binding, flow, request)
}

#[test]
fn options_sent_at_the_interval_over_the_binding_flow() {
    let mut sim = Sim::new();
    let p = qualified_phone(&mut sim);
    assert_eq!(
        sim.reg.poll_timeout(),
        Some(sim.t0 + Duration::from_secs(30))
    );
    assert!(sim.step());
    assert_eq!(sim.elapsed(), Duration::from_secs(30));
    let (id, flow, req) = one_qualify(&mut sim);
    assert_eq!(flow, p.flow);
    assert_eq!(Some(id), sim.reg.lookup("101").next().map(|b| b.id));
    assert_eq!(req.method, Method::Options);
    assert_eq!(req.uri.to_string(), "sip:101@198.51.100.1:5060");
    assert_eq!(req.headers.get("CSeq"), Some("1 OPTIONS"));
    assert_eq!(req.headers.get("Max-Forwards"), Some("70"));
    let via = req.headers.top_via().unwrap();
    assert!(via.params.iter().any(
        |p| p.name == "branch" && p.value.as_deref().is_some_and(|b| b.starts_with("z9hG4bK"))
    ));
    assert!(req.headers.from().unwrap().tag().is_some());
    // It is a well-formed message.
    let Ok(Message::Request(mut back)) = parse_message(&req.to_bytes()) else {
        panic!("OPTIONS does not parse")
    };
    assert_eq!(back.headers.get("Content-Length"), Some("0"));
    back.headers.remove("Content-Length");
    assert_eq!(back, req);

    // The answer comes; the next OPTIONS is one interval later, with new identifiers.
    let now = sim.now;
    sim.reg.handle_qualify_result(now, id, true);
    assert_eq!(
        event_names(&sim.events()),
        ["reachable=true sip:101@198.51.100.1:5060"]
    );
    assert_eq!(
        sim.reg.poll_timeout(),
        Some(sim.t0 + Duration::from_secs(60))
    );
    assert!(sim.step());
    let (_, _, second) = one_qualify(&mut sim);
    assert_ne!(second.headers.get("Call-ID"), req.headers.get("Call-ID"));
    assert_ne!(
        second.headers.top_via().unwrap(),
        req.headers.top_via().unwrap()
    );
}

#[test]
fn unanswered_options_mark_unreachable_then_an_answer_reachable() {
    let mut sim = Sim::new();
    let _p = qualified_phone(&mut sim);
    assert!(sim.step());
    let (id, _, _) = one_qualify(&mut sim);
    assert!(sim.events().is_empty());
    // Nothing comes back within the 5 s qualify timeout.
    assert!(sim.step());
    assert_eq!(sim.elapsed(), Duration::from_secs(35));
    assert_eq!(
        event_names(&sim.events()),
        ["reachable=false sip:101@198.51.100.1:5060"]
    );
    let b = sim.reg.binding(id).unwrap();
    assert_eq!(b.reachability, Reachability::Unreachable);
    assert!(!b.is_reachable());
    // Still returned by lookup, flagged.
    assert_eq!(sim.reg.lookup("101").count(), 1);

    // Next round at 60 s is answered.
    assert!(sim.step());
    assert_eq!(sim.elapsed(), Duration::from_secs(60));
    let (id2, _, _) = one_qualify(&mut sim);
    assert_eq!(id2, id);
    sim.advance(Duration::from_millis(80));
    let now = sim.now;
    sim.reg.handle_qualify_result(now, id, true);
    assert_eq!(
        event_names(&sim.events()),
        ["reachable=true sip:101@198.51.100.1:5060"]
    );
    assert_eq!(
        sim.reg.binding(id).unwrap().reachability,
        Reachability::Reachable
    );
    // The timeout of that OPTIONS was cancelled: next deadline is the 90 s OPTIONS.
    assert_eq!(
        sim.reg.poll_timeout(),
        Some(sim.t0 + Duration::from_secs(90))
    );
}

#[test]
fn failure_reported_by_the_engine_marks_unreachable() {
    let mut sim = Sim::new();
    let _p = qualified_phone(&mut sim);
    assert!(sim.step());
    let (id, _, _) = one_qualify(&mut sim);
    let now = sim.now;
    sim.reg.handle_qualify_result(now, id, false);
    assert_eq!(
        event_names(&sim.events()),
        ["reachable=false sip:101@198.51.100.1:5060"]
    );
    // No second event when the timeout would have fired.
    sim.advance(Duration::from_secs(10));
    assert!(sim.events().is_empty());
}

#[test]
fn qualify_off_sends_nothing() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    assert_eq!(
        sim.register(
            &mut p,
            Some(&acct),
            Reg::contact_expires("<sip:101@198.51.100.1:5060>", 120)
        )
        .status,
        200
    );
    while sim.step() {}
    assert!(sim.actions().is_empty());
    assert_eq!(sim.elapsed(), Duration::from_secs(120));
}

#[test]
fn results_for_gone_bindings_are_ignored() {
    let mut sim = Sim::new();
    let mut p = qualified_phone(&mut sim);
    assert!(sim.step());
    let (id, _, _) = one_qualify(&mut sim);
    let acct = account("101");
    assert_eq!(
        sim.send_authed(&mut p, Some(&acct), Reg::contact_expires("*", 0))
            .status,
        200
    );
    sim.events();
    let now = sim.now;
    sim.reg.handle_qualify_result(now, id, true);
    assert!(sim.events().is_empty());
    assert_eq!(sim.reg.poll_timeout(), None);
}
