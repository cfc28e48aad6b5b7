//! Scenario tests for `route_outbound`: internal numbers and permissions, dial rules with
//! prefix/strip/prepend, trunk order (linear and linear cycle), caller IDs, PIN sets, time
//! rules, lists and emergency numbers.

mod common;

use common::{trace_lines, utc, Fixture};
use rotary_dialplan::{
    check_pin, dial_status, route_outbound, CallKind, Decision, HangupCause, Outcome, SkipReason,
    Target, TraceStep, TrunkCursors,
};

const ROUTING: &str = r#"{
  "trunks": [
    {"id": "a", "mode": {"kind": "register", "host": "sip.a.example", "username": "u",
     "password": "pw-123456"}, "outbound_cid_rewrite": {"strip": 3, "prepend": "0"}},
    {"id": "b", "mode": {"kind": "peer", "host": "10.0.0.9"}},
    {"id": "c", "enabled": false, "mode": {"kind": "peer", "host": "10.0.0.10"}},
    {"id": "d", "mode": {"kind": "peer", "host": "10.0.0.11"}, "outbound_cid": "+4930999"}
  ],
  "outbound_routes": [
    {"id": "local", "dial_prefix": "9",
     "patterns": [{"pattern": "_NXXXXXX", "prepend": "030"}, {"pattern": "11[02]"}],
     "trunks": ["a", "b"]},
    {"id": "national", "dial_prefix": "9", "patterns": [{"pattern": "_0ZX.", "strip": 1, "prepend": "+49"}],
     "trunks": ["a", "b", "c", "d"], "strategy": "linear_cycle", "pin_set": "staff",
     "call_time_limit": 3600, "caller_id": "cid2"},
    {"id": "intl-daytime", "patterns": [{"pattern": "_00.", "strip": 2, "prepend": "+"}],
     "trunks": ["b"], "time_condition": "office", "caller_id": {"fixed": "+4930500"}},
    {"id": "dead", "patterns": [{"pattern": "_8X."}], "trunks": ["c"]},
    {"id": "emergency", "patterns": [{"pattern": "112"}, {"pattern": "110"}], "trunks": ["b"]}
  ],
  "dial_permissions": [
    {"id": "all", "outbound_routes": ["local", "national", "intl-daytime", "dead"],
     "members": ["101", "103"]},
    {"id": "local-only", "outbound_routes": ["local"], "internal": {"ivr": false, "conference": false},
     "members": ["102"]},
    {"id": "nothing"}
  ],
  "default_dial_permission": "nothing",
  "pin_sets": [{"id": "staff", "pins": [{"code": "1234", "label": "Alice"}, {"code": "5678"}]}],
  "caller_id_mappings": [
    {"extensions": "_1XX", "cid1": "+4930100", "cid2": "+4930200"},
    {"extensions": "101", "cid1": "+4930101"}
  ],
  "time_conditions": [
    {"id": "office", "time_zone": "Europe/Berlin",
     "weekly": [{"days": ["mon","tue","wed","thu","fri"], "start": "09:00", "end": "17:00"}],
     "matched": {"type": "hangup"}, "not_matched": {"type": "hangup"}}
  ],
  "departments": [{"number": "0400", "members": ["101"]}],
  "ivrs": [{"number": "0600", "prompt": "welcome"}],
  "blacklist": [{"pattern": "_0900.", "direction": "outbound"}],
  "whitelists": [{"id": "kids", "direction": "outbound", "patterns": ["_0301X."],
                  "extensions": ["103"]}],
  "options": {"emergency_trunks": ["a"]}
}"#;

fn fixture() -> Fixture {
    Fixture::new(&["101", "102", "103", "104"], ROUTING)
}

/// Monday 2024-06-03, 10:00 in Berlin.
fn day() -> chrono::DateTime<chrono::Utc> {
    utc(2024, 6, 3, 8, 0)
}

fn dial(f: &Fixture, caller: &str, number: &str) -> Decision {
    route_outbound(f.snap(), caller, number, day(), &TrunkCursors::new())
}

/// (trunk, number, caller id) per attempt.
fn attempts(d: &Decision) -> Vec<(String, String, String)> {
    match &d.outcome {
        Outcome::Trunks { attempts, .. } => attempts
            .iter()
            .map(|a| {
                (
                    a.trunk.to_string(),
                    a.number.clone(),
                    a.caller_id.number.clone(),
                )
            })
            .collect(),
        other => panic!("expected trunks, got {other:?}\n{:#?}", trace_lines(d)),
    }
}

fn cause(d: &Decision) -> HangupCause {
    match d.outcome {
        Outcome::Hangup { cause } => cause,
        ref other => panic!("expected a hang-up, got {other:?}"),
    }
}

fn s(t: &str) -> String {
    t.to_owned()
}

#[test]
fn a_local_number_gets_the_area_code_and_linear_trunks() {
    let f = fixture();
    let d = dial(&f, "101", "92345678");
    assert_eq!(d.kind, CallKind::Outbound);
    assert_eq!(d.route.as_ref().unwrap().as_str(), "local");
    // CID1 of the most specific mapping ("101"), then trunk a's rewrite strips "+49".
    assert_eq!(
        attempts(&d),
        [
            (s("a"), s("0302345678"), s("030101")),
            (s("b"), s("0302345678"), s("+4930101")),
        ]
    );
    assert_eq!(d.caller_id.number, "030101");
    assert_eq!(d.caller_id.name.as_deref(), Some("User 101"));
    assert!(d.cursor.is_none());
    assert!(d.trace.contains(&TraceStep::NumberRewritten {
        from: s("92345678"),
        to: s("0302345678"),
    }));
    let Outcome::Trunks {
        pin_set,
        time_limit_secs,
        emergency,
        ..
    } = &d.outcome
    else {
        unreachable!()
    };
    assert!(pin_set.is_none() && time_limit_secs.is_none() && !emergency);
}

#[test]
fn linear_cycle_rotates_through_enabled_trunks_with_the_callers_cursor() {
    let f = fixture();
    let mut cursors = TrunkCursors::new();
    let mut firsts = Vec::new();
    for _ in 0..5 {
        let d = route_outbound(f.snap(), "102", "9030123456", day(), &cursors);
        assert_eq!(cause_or_trunks(&d), "not permitted");
        let d = route_outbound(f.snap(), "101", "9030123456", day(), &cursors);
        let a = attempts(&d);
        assert_eq!(a.len(), 3, "c is disabled");
        assert!(a.iter().all(|(_, n, _)| n == "+4930123456"));
        firsts.push(a[0].0.clone());
        cursors.apply(d.cursor.as_ref().unwrap());
    }
    // Starts a, b, c(disabled → d), d, a.
    assert_eq!(firsts, ["a", "b", "d", "d", "a"]);
    let d = route_outbound(f.snap(), "101", "9030123456", day(), &TrunkCursors::new());
    let Outcome::Trunks {
        pin_set,
        time_limit_secs,
        ..
    } = &d.outcome
    else {
        unreachable!()
    };
    assert_eq!(pin_set.as_ref().unwrap().as_str(), "staff");
    assert_eq!(*time_limit_secs, Some(3600));
    // CID2: mapping "101" has none, so its CID1; trunk d forces its own.
    let a = attempts(&d);
    assert_eq!(a[1], (s("b"), s("+4930123456"), s("+4930101")));
    assert_eq!(a[2], (s("d"), s("+4930123456"), s("+4930999")));
    assert!(d
        .trace
        .iter()
        .any(|t| matches!(t, TraceStep::TrunkSkipped { trunk, .. } if trunk.as_str() == "c")));
}

/// "not permitted", "no route" or "trunks", for compact checks.
fn cause_or_trunks(d: &Decision) -> &'static str {
    match d.outcome {
        Outcome::Trunks { .. } => "trunks",
        Outcome::Hangup {
            cause: HangupCause::NotPermitted,
        } => "not permitted",
        Outcome::Hangup {
            cause: HangupCause::NoRoute,
        } => "no route",
        _ => "other",
    }
}

#[test]
fn dial_permissions_choose_the_rules() {
    let f = fixture();
    let d = dial(&f, "102", "92345678");
    assert_eq!(
        attempts(&d)[0].2,
        "030100",
        "CID1 of the _1XX mapping, rewritten"
    );
    let d = dial(&f, "102", "9030123456");
    assert_eq!(cause(&d), HangupCause::NotPermitted);
    assert!(d.trace.iter().any(
        |t| matches!(t, TraceStep::PermissionDenied { what } if what == "outbound route national")
    ));
    // 104 has the default permission, which allows no rule.
    assert_eq!(
        cause(&dial(&f, "104", "92345678")),
        HangupCause::NotPermitted
    );
    assert_eq!(
        cause(&dial(&f, "999", "92345678")),
        HangupCause::UnknownCaller
    );
}

#[test]
fn emergency_numbers_are_never_blocked() {
    let f = fixture();
    // Bare 112: the emergency rule, although 104 may use no rule.
    let d = dial(&f, "104", "112");
    assert_eq!(attempts(&d), [(s("b"), s("112"), s("+4930100"))]);
    let Outcome::Trunks {
        emergency, pin_set, ..
    } = &d.outcome
    else {
        unreachable!()
    };
    assert!(*emergency && pin_set.is_none());
    // 9 + 112 through the local rule: an emergency number after the prefix.
    let d = dial(&f, "104", "9112");
    assert_eq!(d.route.as_ref().unwrap().as_str(), "local");
    assert_eq!(attempts(&d)[0].1, "112");
    // 911: no rule takes it, so the emergency trunks, as dialled.
    let d = dial(&f, "104", "911");
    assert_eq!(attempts(&d), [(s("a"), s("911"), s("030100"))]);
    assert!(d.route.is_none());
    // The whitelist of 103 does not apply either.
    assert_eq!(attempts(&dial(&f, "103", "110"))[0].1, "110");
}

#[test]
fn time_rules_close_a_rule_outside_its_hours() {
    let f = fixture();
    let d = dial(&f, "101", "00441234");
    assert_eq!(attempts(&d), [(s("b"), s("+441234"), s("+4930500"))]);
    let night = utc(2024, 6, 3, 20, 0);
    let d = route_outbound(f.snap(), "101", "00441234", night, &TrunkCursors::new());
    assert_eq!(cause(&d), HangupCause::NoRoute);
    assert!(d.trace.iter().any(|t| matches!(
        t,
        TraceStep::RouteSkipped { reason: SkipReason::OutsideTimeRule { id }, .. } if id.as_str() == "office"
    )));
}

#[test]
fn a_rule_without_enabled_trunks_is_skipped() {
    let f = fixture();
    let d = dial(&f, "101", "8123");
    assert_eq!(cause(&d), HangupCause::NoRoute);
    assert!(d.trace.iter().any(|t| matches!(
        t,
        TraceStep::RouteSkipped {
            reason: SkipReason::NoUsableTrunk,
            ..
        }
    )));
}

#[test]
fn outbound_blacklist_and_whitelist() {
    let f = fixture();
    let d = dial(&f, "101", "909001234");
    assert_eq!(
        cause(&d),
        HangupCause::Blacklisted,
        "{:#?}",
        trace_lines(&d)
    );
    assert_eq!(cause_or_trunks(&dial(&f, "103", "903012345")), "trunks");
    let d = dial(&f, "103", "904012345");
    assert_eq!(cause(&d), HangupCause::NotWhitelisted);
}

#[test]
fn internal_numbers_follow_internal_permissions() {
    let f = fixture();
    let internal = |caller: &str, number: &str| {
        let d = dial(&f, caller, number);
        assert_eq!(d.kind, CallKind::Internal);
        d.outcome
    };
    let n = |x: &str| x.parse().unwrap();
    assert_eq!(
        internal("101", "102"),
        Outcome::Deliver {
            target: Target::Extension { number: n("102") }
        }
    );
    assert_eq!(
        internal("101", "0400"),
        Outcome::Deliver {
            target: Target::Department { number: n("0400") }
        }
    );
    assert_eq!(
        internal("101", "0600"),
        Outcome::Deliver {
            target: Target::Ivr { number: n("0600") }
        }
    );
    assert_eq!(
        internal("101", "0905"),
        Outcome::Deliver {
            target: Target::Conference { number: n("0905") }
        }
    );
    assert_eq!(
        internal("101", "0300"),
        Outcome::Deliver {
            target: Target::Queue { number: n("0300") }
        }
    );
    let denied = Outcome::Hangup {
        cause: HangupCause::NotPermitted,
    };
    assert_eq!(internal("102", "0600"), denied);
    assert_eq!(internal("102", "0905"), denied);
    assert_eq!(
        internal("102", "101"),
        Outcome::Deliver {
            target: Target::Extension { number: n("101") }
        }
    );
}

#[test]
fn pins_are_checked_against_the_set() {
    let f = fixture();
    let set = "staff".parse().unwrap();
    assert_eq!(check_pin(f.snap(), &set, "1234").unwrap().label, "Alice");
    assert!(check_pin(f.snap(), &set, "12345").is_none());
    assert!(check_pin(f.snap(), &"other".parse().unwrap(), "1234").is_none());
}

#[test]
fn dial_status_tells_complete_from_incomplete() {
    let f = fixture();
    let status = |digits: &str| {
        let m = dial_status(f.snap(), digits);
        (m.matches, m.could_extend)
    };
    assert_eq!(
        status("1"),
        (false, true),
        "extensions 101–104 begin with 1"
    );
    assert_eq!(status("10"), (false, true));
    assert_eq!(status("102"), (true, false), "an extension, nothing longer");
    assert_eq!(
        status("9"),
        (false, true),
        "dial prefix of local and national"
    );
    assert_eq!(
        status("9234567"),
        (false, true),
        "one digit short of _NXXXXXX"
    );
    assert_eq!(status("92345678"), (true, false));
    assert_eq!(status("9030123"), (true, true), "_0ZX. takes any length");
    assert_eq!(status("11"), (false, true), "112 and 110");
    assert_eq!(status("112"), (true, false));
    assert_eq!(status("09"), (false, true), "conference range 0900–0935");
    assert_eq!(status("0936"), (false, false));
    assert_eq!(status("0905"), (true, false));
    assert_eq!(status("0400"), (true, false), "a department");
    assert_eq!(status("7"), (false, false));
}
