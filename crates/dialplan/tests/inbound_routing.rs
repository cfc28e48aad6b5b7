//! Scenario tests for `route_inbound`: trunks, caller rewriting, lists, direct routing,
//! inbound route specificity and time conditions, with simulated wall-clock instants.

mod common;

use common::{trace_lines, utc, Fixture};
use rotary_dialplan::{
    route_inbound, CallKind, HangupCause, Outcome, RouteKind, SkipReason, Target, TraceStep,
};

const ROUTING: &str = r#"{
  "trunks": [
    {"id": "prov-a", "mode": {"kind": "register", "host": "sip.a.example", "username": "4930555",
     "password": "pw-123456"}, "inbound_cid_rewrite": {"strip": 1, "prepend": "+49"}},
    {"id": "prov-b", "mode": {"kind": "peer", "host": "10.0.0.9"}},
    {"id": "off", "enabled": false, "mode": {"kind": "peer", "host": "10.0.0.10"}}
  ],
  "time_conditions": [
    {"id": "office", "time_zone": "Europe/Berlin",
     "weekly": [{"days": ["mon","tue","wed","thu","fri"], "start": "09:00", "end": "17:00"}],
     "holidays": [{"name": "Unity Day", "start": "2024-10-03", "end": "2024-10-03", "yearly": true}],
     "matched": {"type": "ivr", "number": "0600"},
     "not_matched": {"type": "voicemail", "extension": "101"}}
  ],
  "ivrs": [{"number": "0600", "prompt": "welcome", "keys": {"1": {"type": "department", "number": "0400"}}}],
  "departments": [{"number": "0400", "members": ["101", "102"]}],
  "inbound_routes": [
    {"name": "catch-all", "destination": {"type": "department", "number": "0400"}},
    {"name": "main", "trunk": "prov-a", "did": "4930555",
     "destination": {"type": "time_condition", "id": "office"}},
    {"name": "short-ddi", "trunk": "prov-a", "did": "_4930555X",
     "destination": {"type": "extension", "number": "102"}},
    {"name": "vip", "trunk": "prov-a", "did": "4930555", "caller": "_+4917X.",
     "destination": {"type": "extension", "number": "101"}},
    {"name": "old", "enabled": false, "destination": {"type": "hangup"}}
  ],
  "direct_routes": [
    {"name": "ddi", "by": {"did": "_49305551XX"}, "map_did": {"strip": 7}},
    {"name": "boss", "by": {"caller": "+4985337096"},
     "destination": {"type": "extension", "number": "103"}}
  ],
  "blacklist": [{"pattern": "_+49900.", "note": "premium spam"},
                {"pattern": "_+4930666.", "direction": "outbound"}],
  "whitelists": [{"id": "family", "direction": "inbound", "patterns": ["_+4930X."],
                  "extensions": ["102"]}]
}"#;

fn fixture() -> Fixture {
    Fixture::new(&["101", "102", "103"], ROUTING)
}

fn deliver(target: &str, number: &str) -> Outcome {
    let number = number.parse().unwrap();
    let target = match target {
        "extension" => Target::Extension { number },
        "department" => Target::Department { number },
        "ivr" => Target::Ivr { number },
        "voicemail" => Target::Voicemail { extension: number },
        other => panic!("{other}"),
    };
    Outcome::Deliver { target }
}

fn hangup(cause: HangupCause) -> Outcome {
    Outcome::Hangup { cause }
}

/// Monday 2024-06-03, 10:00 in Berlin (CEST).
fn monday_morning() -> chrono::DateTime<chrono::Utc> {
    utc(2024, 6, 3, 8, 0)
}

#[test]
fn business_hours_go_to_the_ivr_and_nights_to_voicemail() {
    let f = fixture();
    let d = route_inbound(f.snap(), "prov-a", "4930555", "030123", monday_morning());
    assert_eq!(d.outcome, deliver("ivr", "0600"), "{:#?}", trace_lines(&d));
    assert_eq!(d.kind, CallKind::Inbound);
    assert_eq!(d.route.as_ref().unwrap().as_str(), "main");
    assert_eq!(d.caller_id.number, "+4930123", "trunk rewrite applied");
    let lines = trace_lines(&d);
    assert!(
        lines[0].contains(r#""step":"caller_rewritten""#),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(r#""local_time":"2024-06-03 10:00 Mon""#)),
        "{lines:#?}"
    );

    // 17:00 CEST is closed.
    let d = route_inbound(
        f.snap(),
        "prov-a",
        "4930555",
        "030123",
        utc(2024, 6, 3, 15, 0),
    );
    assert_eq!(d.outcome, deliver("voicemail", "101"));
    // A yearly holiday on a Thursday.
    let d = route_inbound(
        f.snap(),
        "prov-a",
        "4930555",
        "030123",
        utc(2024, 10, 3, 9, 0),
    );
    assert_eq!(d.outcome, deliver("voicemail", "101"));
    assert!(trace_lines(&d).iter().any(|l| l.contains("Unity Day")));
}

#[test]
fn the_most_specific_inbound_route_wins() {
    let f = fixture();
    let d = route_inbound(f.snap(), "prov-a", "4930555", "017155555", monday_morning());
    assert_eq!(d.outcome, deliver("extension", "101"));
    assert_eq!(d.route.as_ref().unwrap().as_str(), "vip");
    let outranked: Vec<&str> = d
        .trace
        .iter()
        .filter_map(|s| match s {
            TraceStep::RouteSkipped {
                route,
                reason: SkipReason::Outranked { by },
                ..
            } => {
                assert_eq!(by.as_str(), "vip");
                Some(route.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(outranked, ["catch-all", "main"]);

    // Another trunk only reaches the catch-all route.
    let d = route_inbound(f.snap(), "prov-b", "4930555", "017155555", monday_morning());
    assert_eq!(d.outcome, deliver("department", "0400"));
    assert!(d.trace.contains(&TraceStep::RouteSkipped {
        kind: RouteKind::Inbound,
        route: "main".parse().unwrap(),
        reason: SkipReason::OtherTrunk,
    }));
    assert!(d.trace.contains(&TraceStep::RouteSkipped {
        kind: RouteKind::Inbound,
        route: "old".parse().unwrap(),
        reason: SkipReason::Disabled,
    }));
    // The DID pattern beats "any DID".
    let d = route_inbound(
        f.snap(),
        "prov-a",
        "49305557",
        "017155555",
        monday_morning(),
    );
    assert_eq!(d.route.as_ref().unwrap().as_str(), "short-ddi");
}

#[test]
fn direct_routes_come_first_and_map_dids_to_extensions() {
    let f = fixture();
    // Caller rule: at night, from any trunk.
    let night = utc(2024, 6, 3, 23, 0);
    let d = route_inbound(f.snap(), "prov-a", "4930555", "085337096", night);
    assert_eq!(d.outcome, deliver("extension", "103"));
    assert_eq!(d.route.as_ref().unwrap().as_str(), "boss");
    // DID rule: 4930555 + 1XX rings extension 1XX.
    let d = route_inbound(f.snap(), "prov-b", "4930555101", "+4930777", night);
    assert_eq!(d.outcome, deliver("extension", "101"));
    assert_eq!(d.route.as_ref().unwrap().as_str(), "ddi");
    // ...unless no such extension exists: fall through to the inbound routes.
    let d = route_inbound(f.snap(), "prov-b", "4930555199", "+4930777", night);
    assert_eq!(d.outcome, deliver("department", "0400"));
    assert!(d.trace.iter().any(|s| matches!(
        s,
        TraceStep::RouteSkipped { reason: SkipReason::NoSuchExtension { number }, .. } if number == "199"
    )));
}

#[test]
fn inbound_whitelist_guards_its_extension() {
    let f = fixture();
    let d = route_inbound(
        f.snap(),
        "prov-b",
        "4930555102",
        "+4930777",
        monday_morning(),
    );
    assert_eq!(d.outcome, deliver("extension", "102"));
    let d = route_inbound(
        f.snap(),
        "prov-b",
        "4930555102",
        "+4917123",
        monday_morning(),
    );
    assert_eq!(d.outcome, hangup(HangupCause::NotWhitelisted));
}

#[test]
fn blacklist_and_anonymous_callers() {
    let mut f = fixture();
    let d = route_inbound(
        f.snap(),
        "prov-a",
        "4930555",
        "0900123456",
        monday_morning(),
    );
    assert_eq!(d.outcome, hangup(HangupCause::Blacklisted));
    assert_eq!(HangupCause::Blacklisted.sip_status(), 603);
    assert!(trace_lines(&d).last().unwrap().contains("_+49900."));
    // Outbound-only entries do not block callers.
    let d = route_inbound(f.snap(), "prov-a", "4930555", "030666123", monday_morning());
    assert_eq!(d.outcome, deliver("ivr", "0600"));

    let d = route_inbound(f.snap(), "prov-b", "4930555", "anonymous", monday_morning());
    assert_eq!(
        d.outcome,
        deliver("department", "0400"),
        "allowed by default"
    );
    f.routing.options.block_anonymous = true;
    let d = route_inbound(f.snap(), "prov-a", "4930555", "anonymous", monday_morning());
    assert_eq!(d.outcome, hangup(HangupCause::AnonymousBlocked));
    assert_eq!(
        d.caller_id.number, "anonymous",
        "no rewrite of a withheld number"
    );
    assert_eq!(d.trace, [TraceStep::AnonymousBlocked]);
}

#[test]
fn unknown_and_disabled_trunks_are_refused() {
    let f = fixture();
    let d = route_inbound(f.snap(), "nobody", "4930555", "030123", monday_morning());
    assert_eq!(d.outcome, hangup(HangupCause::UnknownTrunk));
    let d = route_inbound(f.snap(), "off", "4930555", "030123", monday_morning());
    assert_eq!(d.outcome, hangup(HangupCause::TrunkDisabled));
}

#[test]
fn office_closed_overrides_everything_but_the_lists() {
    let mut f = fixture();
    f.routing.options.office_closed.active = true;
    f.routing.options.office_closed.destination = rotary_config::routing::Destination::Voicemail {
        extension: "103".parse().unwrap(),
    };
    let d = route_inbound(f.snap(), "prov-a", "4930555", "085337096", monday_morning());
    assert_eq!(d.outcome, deliver("voicemail", "103"));
    assert!(d.trace.contains(&TraceStep::OfficeClosed));
    let d = route_inbound(f.snap(), "prov-a", "4930555", "0900123", monday_morning());
    assert_eq!(d.outcome, hangup(HangupCause::Blacklisted));
}

#[test]
fn no_route_means_404() {
    let f = Fixture::new(
        &["101"],
        r#"{"trunks": [{"id": "p", "mode": {"kind": "peer", "host": "h.example"}}],
            "inbound_routes": [{"name": "only", "did": "123",
                                "destination": {"type": "extension", "number": "101"}}]}"#,
    );
    let d = route_inbound(f.snap(), "p", "999", "0301", monday_morning());
    assert_eq!(d.outcome, hangup(HangupCause::NoRoute));
    assert_eq!(HangupCause::NoRoute.code(), "route.no_match");
    assert_eq!(HangupCause::NoRoute.sip_status(), 404);
    assert!(d.route.is_none());
}

#[test]
fn a_decision_serializes_for_the_route_tracer() {
    let f = fixture();
    let d = route_inbound(f.snap(), "prov-a", "4930555", "030123", monday_morning());
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["kind"], "inbound");
    assert_eq!(json["outcome"]["action"], "deliver");
    assert_eq!(json["outcome"]["target"]["type"], "ivr");
    assert_eq!(json["route"], "main");
    let steps: Vec<&str> = json["trace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "caller_rewritten",
            "route_skipped",
            "route_skipped",
            "route_skipped",
            "route_skipped",
            "route_skipped",
            "route_skipped",
            "route_matched",
            "destination",
            "time_condition",
            "destination"
        ]
    );
}
