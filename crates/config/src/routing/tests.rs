//! Validation tests for the routing model: a valid configuration passes, and each kind of
//! mistake is reported at its field path.

use super::*;
use crate::{validate_extension, Config, ExtensionInput};

/// A snapshot with extensions 101–103 (103 without voicemail).
fn config() -> Config {
    let mut config = Config::default();
    for (number, voicemail) in [("101", true), ("102", true), ("103", false)] {
        let input = ExtensionInput {
            number: Some(number.to_owned()),
            secret: Some("Secret-pass9".to_owned()),
            voicemail: Some(voicemail),
            ..ExtensionInput::default()
        };
        let ext = validate_extension(&input, None, &config.settings).unwrap();
        config = config.with_extension(ext);
    }
    config
}

/// A routing configuration that uses every part correctly.
const GOOD: &str = r##"{
  "trunks": [
    {"id": "prov-a", "mode": {"kind": "register", "host": "sip.a.example", "username": "4930",
     "password": "pw-123456", "outbound_proxy": "proxy.a.example:5080"},
     "codecs": ["PCMA", "G722"], "identity": "pai", "max_calls": 10},
    {"id": "prov-b", "mode": {"kind": "peer", "host": "10.0.0.9", "permit": ["10.0.1.0/24"]}},
    {"id": "branch", "mode": {"kind": "account", "username": "branch1", "password": "Branch-pw-1"}}
  ],
  "outbound_routes": [
    {"id": "local", "dial_prefix": "9", "patterns": [{"pattern": "_NXXXXXX", "prepend": "030"}],
     "trunks": ["prov-a", "prov-b"], "strategy": "linear_cycle", "pin_set": "staff",
     "call_time_limit": 600, "caller_id": "cid2", "time_condition": "office"},
    {"id": "intl", "patterns": [{"pattern": "_00.", "strip": 2, "prepend": "+"}], "trunks": ["prov-a"]}
  ],
  "dial_permissions": [
    {"id": "all", "outbound_routes": ["local", "intl"], "members": ["101"]},
    {"id": "local-only", "outbound_routes": ["local"], "internal": {"ivr": false}}
  ],
  "default_dial_permission": "local-only",
  "pin_sets": [{"id": "staff", "pins": [{"code": "1234", "label": "Alice"}]}],
  "caller_id_mappings": [{"extensions": "_1XX", "cid1": "+49301234", "cid2": "+49305678"}],
  "inbound_routes": [
    {"name": "main", "trunk": "prov-a", "did": "4930", "destination": {"type": "time_condition", "id": "office"}},
    {"name": "any", "destination": {"type": "department", "number": "0400"}}
  ],
  "direct_routes": [
    {"name": "boss", "by": {"caller": "85337096"}, "destination": {"type": "extension", "number": "101"}},
    {"name": "ddi", "by": {"did": "_55501XX"}, "map_did": {"strip": 4}}
  ],
  "time_conditions": [
    {"id": "office", "time_zone": "Europe/Berlin",
     "weekly": [{"days": ["mon","tue","wed","thu","fri"], "start": "09:00", "end": "18:00"}],
     "holidays": [{"name": "Christmas", "start": "2024-12-24", "end": "2024-12-26", "yearly": true}],
     "matched": {"type": "ivr", "number": "0600"},
     "not_matched": {"type": "voicemail", "extension": "101"}}
  ],
  "departments": [
    {"number": "0400", "name": "Sales", "members": ["101", "102"], "strategy": "linear",
     "no_answer": {"type": "voicemail", "extension": "102"}}
  ],
  "ivrs": [
    {"number": "0600", "prompt": "welcome", "dial_extension": true,
     "keys": {"1": {"type": "department", "number": "0400"}, "0": {"type": "extension", "number": "103"},
              "9": {"type": "ivr", "number": "0600"}, "*": {"type": "return_to_ivr"},
              "5": {"type": "queue", "number": "0300"}, "6": {"type": "conference", "number": "0900"}},
     "timeout": {"type": "department", "number": "0400"}}
  ],
  "blacklist": [{"pattern": "_0900.", "direction": "both", "note": "premium"}],
  "whitelists": [{"id": "kids", "direction": "outbound", "patterns": ["_0XXXXXXX"], "extensions": ["102"]}],
  "options": {"block_anonymous": true, "emergency_trunks": ["prov-b"],
              "office_closed": {"active": false, "destination": {"type": "hangup"}}}
}"##;

fn good() -> RoutingConfig {
    serde_json::from_str(GOOD).unwrap()
}

/// The fields of the issues, for compact assertions.
fn fields(issues: &[RoutingIssue]) -> Vec<&str> {
    issues.iter().map(|i| i.field.as_str()).collect()
}

#[test]
fn a_complete_configuration_is_valid_and_round_trips() {
    let routing = good();
    let issues = validate_routing(&routing, &config());
    assert!(issues.is_empty(), "{issues:#?}");
    assert_eq!(routing.options.emergency_numbers.len(), 8, "defaults kept");
    assert!(routing.options.is_emergency("112"));
    let json = serde_json::to_string(&routing).unwrap();
    let mut back: RoutingConfig = serde_json::from_str(&json).unwrap();
    // Passwords are write-only: put them back to compare the rest.
    back.trunks = routing.trunks.clone();
    assert_eq!(back, routing);
}

#[test]
fn empty_object_is_a_valid_empty_configuration() {
    let routing: RoutingConfig = serde_json::from_str("{}").unwrap();
    assert!(validate_routing(&routing, &config()).is_empty());
    assert!(serde_json::from_str::<RoutingConfig>(r#"{"trunkz": []}"#).is_err());
}

#[test]
fn missing_references_name_their_field() {
    let mut r = good();
    r.outbound_routes[1]
        .trunks
        .push(TrunkId::new("nope").unwrap());
    r.outbound_routes[0].pin_set = Some(PinSetId::new("ghost").unwrap());
    r.inbound_routes[1].destination = Destination::Extension {
        number: "150".parse().unwrap(),
    };
    r.dial_permissions[0]
        .outbound_routes
        .push(RouteName::new("gone").unwrap());
    r.default_dial_permission = Some(PermissionId::new("missing").unwrap());
    r.departments[0].members.push("199".parse().unwrap());
    r.time_conditions[0].not_matched = Destination::Voicemail {
        extension: "103".parse().unwrap(),
    };
    let issues = validate_routing(&r, &config());
    assert_eq!(
        fields(&issues),
        [
            "outbound_routes[0].pin_set",
            "outbound_routes[1].trunks[1]",
            "dial_permissions[0].outbound_routes[2]",
            "default_dial_permission",
            "inbound_routes[1].destination",
            "time_conditions[0].not_matched",
            "departments[0].members[2]",
        ],
        "{issues:#?}"
    );
    assert!(issues[5].message.contains("voicemail turned off"));
}

#[test]
fn duplicates_and_limits_are_refused() {
    let mut r = good();
    r.trunks[2].id = TrunkId::new("prov-a").unwrap();
    r.outbound_routes[1].patterns[0].strip = 4;
    r.outbound_routes[0].call_time_limit = Some(30);
    r.pin_sets[0].pins.push(Pin {
        code: "12".to_owned(),
        label: String::new(),
    });
    r.ivrs[0].loops = 0;
    r.departments[0].ring_time = 2;
    r.dial_permissions[1].members.push("101".parse().unwrap());
    let issues = validate_routing(&r, &config());
    assert_eq!(
        fields(&issues),
        [
            "trunks[2].id",
            "outbound_routes[0].call_time_limit",
            "outbound_routes[1].patterns[0].strip",
            "dial_permissions[1].members[0]",
            "pin_sets[0].pins[1].code",
            "departments[0].ring_time",
            "ivrs[0].loops",
        ],
        "{issues:#?}"
    );
}

#[test]
fn numbers_must_lie_in_their_ranges() {
    let mut r = good();
    r.departments[0].number = "0500".parse().unwrap();
    r.ivrs[0].keys.insert(
        IvrKey::new('7').unwrap(),
        Destination::Queue {
            number: "0999".parse().unwrap(),
        },
    );
    let issues = validate_routing(&r, &config());
    let f = fields(&issues);
    assert!(f.contains(&"departments[0].number"), "{issues:#?}");
    assert!(f.contains(&"ivrs[0].keys[\"7\"]"), "{issues:#?}");
    // Every reference to department 0400 is now dangling too.
    assert!(f.contains(&"inbound_routes[1].destination"));
}

#[test]
fn return_to_ivr_only_inside_ivrs() {
    let mut r = good();
    r.inbound_routes[0].destination = Destination::ReturnToIvr;
    let issues = validate_routing(&r, &config());
    assert_eq!(fields(&issues), ["inbound_routes[0].destination"]);
}

#[test]
fn trunk_contact_user_and_max_retries_are_checked() {
    let r: RoutingConfig = serde_json::from_str(
        r#"{"trunks": [
            {"id": "a", "mode": {"kind": "register", "host": "h.example", "username": "u1",
             "password": "pw-123456", "contact_user": "line@1", "max_retries": 0}},
            {"id": "b", "mode": {"kind": "register", "host": "h.example", "username": "u2",
             "password": "pw-123456", "contact_user": "line2", "max_retries": 5}}
        ]}"#,
    )
    .unwrap();
    let issues = validate_routing(&r, &config());
    assert_eq!(
        fields(&issues),
        ["trunks[0].mode.contact_user", "trunks[0].mode.max_retries"],
        "{issues:#?}"
    );
    let TrunkMode::Register(b) = &r.trunks[1].mode else {
        panic!("register trunk")
    };
    assert_eq!(b.contact_user(), "line2");
    assert_eq!(b.auth_user(), "u2");
}

#[test]
fn trunk_credentials_are_checked() {
    let r: RoutingConfig = serde_json::from_str(
        r#"{"trunks": [
            {"id": "a", "mode": {"kind": "register", "host": "h.example", "username": "a b",
             "expiry": 10}},
            {"id": "b", "mode": {"kind": "account", "username": "101", "password": "short"},
             "max_calls": 0, "codecs": []}
        ]}"#,
    )
    .unwrap();
    let issues = validate_routing(&r, &config());
    assert_eq!(
        fields(&issues),
        [
            "trunks[0].mode.username",
            "trunks[0].mode.password",
            "trunks[0].mode.expiry",
            "trunks[1].codecs",
            "trunks[1].max_calls",
            "trunks[1].mode.username",
            "trunks[1].mode.password",
        ],
        "{issues:#?}"
    );
}

#[test]
fn peer_qualify_interval_is_off_or_in_range() {
    let check = |q: u32| {
        let r: RoutingConfig = serde_json::from_str(&format!(
            r#"{{"trunks": [{{"id": "p", "mode": {{"kind": "peer", "host": "192.0.2.5",
                "qualify_interval": {q}}}}}]}}"#
        ))
        .unwrap();
        let issues = validate_routing(&r, &config());
        fields(&issues)
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
    };
    for ok in [0, 10, 60, 3600] {
        assert!(check(ok).is_empty(), "{ok}");
    }
    for bad in [1, 9, 3601] {
        assert_eq!(check(bad), ["trunks[0].mode.qualify_interval"], "{bad}");
    }
}

#[test]
fn automatic_loops_are_refused_with_the_cycle() {
    let mut r = good();
    // office → IVR 0600 (matched); IVR timeout → department; department no-answer → office.
    r.departments[0].no_answer = Destination::TimeCondition {
        id: TimeConditionId::new("office").unwrap(),
    };
    let issues = validate_routing(&r, &config());
    assert_eq!(issues.len(), 1, "{issues:#?}");
    assert!(
        issues[0]
            .message
            .contains("time condition office → IVR 0600 → department 0400"),
        "{}",
        issues[0].message
    );
}

#[test]
fn a_time_condition_pointing_at_itself_is_a_loop() {
    let mut r = good();
    r.time_conditions[0].not_matched = Destination::TimeCondition {
        id: TimeConditionId::new("office").unwrap(),
    };
    let issues = validate_routing(&r, &config());
    assert_eq!(fields(&issues), ["time_conditions[0].not_matched"]);
}

#[test]
fn ivr_keys_back_to_the_menu_are_not_loops() {
    // Key 9 of IVR 0600 leads to IVR 0600 itself (in GOOD): the caller chose it.
    let issues = validate_routing(&good(), &config());
    assert!(issues.is_empty(), "{issues:#?}");
}

#[test]
fn direct_routes_need_exactly_one_target() {
    let mut r = good();
    r.direct_routes[0].destination = None;
    r.direct_routes[1].by = DirectMatch::Caller(DialPattern::parse("_X.").unwrap());
    let issues = validate_routing(&r, &config());
    assert_eq!(
        fields(&issues),
        ["direct_routes[0].destination", "direct_routes[1].map_did"]
    );
}

#[test]
fn bad_syntax_is_refused_while_reading() {
    let err = serde_json::from_str::<RoutingConfig>(
        r#"{"outbound_routes": [{"id": "x", "patterns": [{"pattern": "_9Q"}], "trunks": []}]}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("character 3"), "{err}");
    for bad in [
        r#"{"time_conditions": [{"id": "t", "time_zone": "Nowhere/City",
            "matched": {"type": "hangup"}, "not_matched": {"type": "hangup"}}]}"#,
        r#"{"trunks": [{"id": "bad id", "mode": {"kind": "peer", "host": "h"}}]}"#,
        r#"{"options": {"emergency_numbers": ["91a"]}}"#,
    ] {
        assert!(serde_json::from_str::<RoutingConfig>(bad).is_err(), "{bad}");
    }
}

#[test]
fn whitelists_and_holidays() {
    let mut r = good();
    r.whitelists.push(Whitelist {
        id: WhitelistId::new("kids2").unwrap(),
        direction: WhitelistDirection::Outbound,
        patterns: vec![],
        extensions: vec!["102".parse().unwrap()],
    });
    r.time_conditions[0].holidays.push(Holiday {
        name: "backwards".to_owned(),
        start: "2025-05-02".parse().unwrap(),
        end: "2025-05-01".parse().unwrap(),
        yearly: false,
    });
    let issues = validate_routing(&r, &config());
    assert_eq!(
        fields(&issues),
        [
            "time_conditions[0].holidays[1].end",
            "whitelists[1].patterns",
            "whitelists[1].extensions[0]"
        ]
    );
}

#[test]
fn permission_lookup_prefers_membership_then_default() {
    let r = good();
    assert_eq!(r.permission_of("101").unwrap().id.as_str(), "all");
    assert_eq!(r.permission_of("102").unwrap().id.as_str(), "local-only");
    let open = RoutingConfig::default();
    assert!(open.permission_of("101").is_none());
}
