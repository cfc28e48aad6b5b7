//! A whole inbound call path driven through the public API the way the engine will:
//! inbound route → time condition → IVR → key → department → no answer → voicemail; and
//! the run-time guards for snapshots that were never validated (loops, dangling
//! references).

mod common;

use std::time::{Duration, Instant};

use common::{utc, Fixture};
use rotary_config::routing::{Destination, RoutingConfig};
use rotary_config::Config;
use rotary_dialplan::{
    resolve_destination, route_inbound, HangupCause, IvrAction, IvrEvent, IvrSession, Outcome,
    RingGroup, RingGroupAction, RingGroupEvent, Snapshot, Target, TraceStep, MAX_DEPTH,
};

const ROUTING: &str = r#"{
  "trunks": [{"id": "prov", "mode": {"kind": "peer", "host": "10.0.0.1"}}],
  "inbound_routes": [{"name": "main", "trunk": "prov", "did": "_5550XXX",
                      "destination": {"type": "time_condition", "id": "open"}}],
  "time_conditions": [
    {"id": "open", "time_zone": "America/New_York",
     "weekly": [{"days": ["mon","tue","wed","thu","fri"], "start": "08:00", "end": "18:00"}],
     "matched": {"type": "time_condition", "id": "lunch"},
     "not_matched": {"type": "voicemail", "extension": "101"}},
    {"id": "lunch", "time_zone": "America/New_York",
     "weekly": [{"days": ["mon","tue","wed","thu","fri"], "start": "12:00", "end": "13:00"}],
     "matched": {"type": "voicemail", "extension": "102"},
     "not_matched": {"type": "ivr", "number": "0600"}}
  ],
  "ivrs": [{"number": "0600", "prompt": "welcome",
            "keys": {"2": {"type": "department", "number": "0400"}}}],
  "departments": [{"number": "0400", "strategy": "linear", "members": ["101", "102"],
                   "ring_time": 10, "no_answer": {"type": "voicemail", "extension": "102"}}]
}"#;

#[test]
fn caller_reaches_voicemail_through_menu_and_department() {
    let f = Fixture::new(&["101", "102"], ROUTING);
    // Tuesday 2024-11-05 10:00 EST (UTC-5), two days after the DST change.
    let now = utc(2024, 11, 5, 15, 0);
    let d = route_inbound(f.snap(), "prov", "5550123", "2125550000", now);
    let ivr_number = match &d.outcome {
        Outcome::Deliver {
            target: Target::Ivr { number },
        } => number.clone(),
        other => panic!("{other:?}"),
    };
    let branches: Vec<(String, bool)> = d
        .trace
        .iter()
        .filter_map(|s| match s {
            TraceStep::TimeCondition { id, matched, .. } => Some((id.to_string(), *matched)),
            _ => None,
        })
        .collect();
    assert_eq!(
        branches,
        [("open".to_owned(), true), ("lunch".to_owned(), false)]
    );

    // The IVR: caller presses 2 after the prompt.
    let t0 = Instant::now();
    let ivr = f.routing.ivr(ivr_number.as_str()).unwrap();
    let mut session = IvrSession::new(ivr, None);
    assert!(matches!(session.poll_action(), Some(IvrAction::Play(_))));
    session.handle_event(
        t0 + Duration::from_secs(6),
        IvrEvent::PromptFinished,
        &f.snap(),
    );
    session.handle_event(t0 + Duration::from_secs(7), IvrEvent::Digit('2'), &f.snap());
    let dest = std::iter::from_fn(|| session.poll_action())
        .find_map(|a| match a {
            IvrAction::Goto(dest) => Some(dest),
            _ => None,
        })
        .unwrap();
    let r = resolve_destination(f.snap(), &dest, Some("2125550000"), now);
    let Outcome::Deliver {
        target: Target::Department { number },
    } = r.outcome
    else {
        panic!("{r:?}")
    };

    // The department rings 101 then 102; nobody answers.
    let mut group = RingGroup::new(
        t0 + Duration::from_secs(7),
        f.routing.department(number.as_str()).unwrap(),
    );
    let mut time = t0 + Duration::from_secs(7);
    let mut rung = Vec::new();
    let no_answer = loop {
        match group.poll_action() {
            Some(RingGroupAction::Ring(m)) => rung.push(m.to_string()),
            Some(RingGroupAction::NoAnswer(dest)) => break dest,
            Some(_) => {}
            None => {
                time = group.poll_timeout().unwrap();
                group.handle_timeout(time);
            }
        }
    };
    assert_eq!(rung, ["101", "102"]);
    assert_eq!(time, t0 + Duration::from_secs(27));
    let r = resolve_destination(f.snap(), &no_answer, Some("2125550000"), now);
    assert_eq!(
        r.outcome,
        Outcome::Deliver {
            target: Target::Voicemail {
                extension: "102".parse().unwrap()
            }
        }
    );
    // A member answering instead connects.
    let mut group = RingGroup::new(t0, f.routing.department("0400").unwrap());
    let _ = group.poll_action();
    group.handle_event(t0, RingGroupEvent::Answered("101".parse().unwrap()));
    assert_eq!(
        group.poll_action(),
        Some(RingGroupAction::Connect("101".parse().unwrap()))
    );
}

#[test]
fn lunch_and_night_branches() {
    let f = Fixture::new(&["101", "102"], ROUTING);
    let lunch = route_inbound(f.snap(), "prov", "5550123", "1", utc(2024, 11, 5, 17, 30));
    assert_eq!(
        lunch.outcome,
        Outcome::Deliver {
            target: Target::Voicemail {
                extension: "102".parse().unwrap()
            }
        }
    );
    let night = route_inbound(f.snap(), "prov", "5550123", "1", utc(2024, 11, 5, 23, 30));
    assert_eq!(
        night.outcome,
        Outcome::Deliver {
            target: Target::Voicemail {
                extension: "101".parse().unwrap()
            }
        }
    );
}

#[test]
fn an_unvalidated_loop_is_cut_at_the_depth_limit() {
    let routing: RoutingConfig = serde_json::from_str(
        r#"{"time_conditions": [
            {"id": "a", "matched": {"type": "time_condition", "id": "b"},
             "not_matched": {"type": "time_condition", "id": "b"}},
            {"id": "b", "matched": {"type": "time_condition", "id": "a"},
             "not_matched": {"type": "time_condition", "id": "a"}}]}"#,
    )
    .unwrap();
    let config = Config::default();
    let issues = rotary_config::routing::validate_routing(&routing, &config);
    assert!(!issues.is_empty(), "validation refuses it");
    let snap = Snapshot::new(&config, &routing);
    let dest = Destination::TimeCondition {
        id: "a".parse().unwrap(),
    };
    let r = resolve_destination(snap, &dest, None, utc(2024, 1, 1, 0, 0));
    assert_eq!(
        r.outcome,
        Outcome::Hangup {
            cause: HangupCause::Loop
        }
    );
    assert_eq!(
        r.trace.last(),
        Some(&TraceStep::DepthExceeded { limit: MAX_DEPTH })
    );
    assert_eq!(HangupCause::Loop.sip_status(), 482);
}

#[test]
fn a_dangling_reference_hangs_up_with_a_clear_cause() {
    let routing = RoutingConfig::default();
    let config = Config::default();
    let snap = Snapshot::new(&config, &routing);
    for dest in [
        Destination::Ivr {
            number: "0600".parse().unwrap(),
        },
        Destination::Extension {
            number: "101".parse().unwrap(),
        },
        Destination::TimeCondition {
            id: "gone".parse().unwrap(),
        },
        Destination::ReturnToIvr,
    ] {
        let r = resolve_destination(snap, &dest, None, utc(2024, 1, 1, 0, 0));
        assert_eq!(
            r.outcome,
            Outcome::Hangup {
                cause: HangupCause::BadDestination
            },
            "{dest}"
        );
        assert!(matches!(
            r.trace.last(),
            Some(TraceStep::BadDestination { .. })
        ));
    }
    let r = resolve_destination(snap, &Destination::Hangup, None, utc(2024, 1, 1, 0, 0));
    assert_eq!(
        r.outcome,
        Outcome::Hangup {
            cause: HangupCause::Configured
        }
    );
}
