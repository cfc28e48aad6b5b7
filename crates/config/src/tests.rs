//! Unit tests for the model, the JSON shapes and every validation rule.

use std::net::IpAddr;

use super::*;

fn settings() -> Settings {
    Settings::default()
}

fn input(json: &str) -> ExtensionInput {
    serde_json::from_str(json).expect("test JSON parses")
}

fn create(json: &str) -> Result<Extension, Vec<ConfigIssue>> {
    validate_extension(&input(json), None, &settings())
}

fn alice() -> Extension {
    create(r#"{"number":"101","name":"Alice","secret":"s3cret-Pass"}"#).expect("valid")
}

/// The fields named by the issues, in order.
fn fields(issues: &[ConfigIssue]) -> Vec<&'static str> {
    issues.iter().map(|i| i.field).collect()
}

fn create_err(json: &str) -> Vec<ConfigIssue> {
    create(json).expect_err("should be rejected")
}

#[test]
fn interface_example_round_trips() {
    let json = r#"{"number":"101","name":"Alice","secret":"s3cret-Pass","max_contacts":2,
        "permit":["0.0.0.0/0"],"voicemail":true,"codecs":["PCMU","PCMA","G722","opus"],
        "dtmf_mode":"rfc4733","nat":true}"#;
    let ext = create(json).expect("valid");
    assert_eq!(ext.number.as_str(), "101");
    assert_eq!(ext.secret.expose(), "s3cret-Pass");
    let view = serde_json::to_value(ext.view()).expect("serializes");
    assert_eq!(
        view,
        serde_json::json!({
            "number": "101", "name": "Alice", "max_contacts": 2, "permit": ["0.0.0.0/0"],
            "voicemail": true, "codecs": ["PCMU", "PCMA", "G722", "opus"],
            "dtmf_mode": "rfc4733", "nat": true, "register_expiry": 1800,
            "qualify_interval": 60, "remote": false, "record_calls": false,
            "moh_class": "default"
        })
    );
    let back: ExtensionView = serde_json::from_value(view).expect("deserializes");
    assert_eq!(back, ext.view());
}

#[test]
fn defaults_on_create() {
    let ext = alice();
    assert_eq!(ext.name, "Alice");
    assert_eq!(ext.max_contacts, 2);
    assert_eq!(ext.permit, Extension::default_permit());
    assert_eq!(
        ext.permit
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["0.0.0.0/0", "::/0"]
    );
    assert!(ext.voicemail);
    assert_eq!(
        ext.codecs,
        [Codec::Pcmu, Codec::Pcma, Codec::G722, Codec::Opus]
    );
    assert_eq!(ext.dtmf_mode, DtmfMode::Rfc4733);
    assert!(ext.nat);
    assert_eq!(ext.register_expiry, 1800);
    assert_eq!(ext.qualify_interval, 60);
    assert!(!ext.remote);
}

#[test]
fn create_defaults_follow_settings() {
    let s = Settings {
        default_expiry: 600,
        qualify_interval: 0,
        ..Settings::default()
    };
    let ext = validate_extension(
        &input(r#"{"number":"101","secret":"s3cret-Pass"}"#),
        None,
        &s,
    )
    .expect("valid");
    assert_eq!(ext.register_expiry, 600);
    assert_eq!(ext.qualify_interval, 0);
    assert_eq!(ext.name, "");
}

#[test]
fn secret_debug_is_masked() {
    let ext = alice();
    let debug = format!("{ext:?}");
    assert!(!debug.contains("s3cret-Pass"), "{debug}");
    assert_eq!(format!("{:?}", ext.secret), "***");
}

#[test]
fn view_has_no_secret() {
    let json = serde_json::to_string(&alice().view()).expect("serializes");
    assert!(!json.contains("secret"), "{json}");
    assert!(!json.contains("s3cret"), "{json}");
}

#[test]
fn unknown_fields_rejected() {
    let err = serde_json::from_str::<ExtensionInput>(r#"{"number":"101","colour":"red"}"#);
    assert!(err.is_err());
    let err = serde_json::from_str::<SettingsInput>(r#"{"realm":"x","colour":"red"}"#);
    assert!(err.is_err());
}

#[test]
fn extension_number_rules() {
    assert!(ExtensionNumber::new("10").is_ok());
    assert!(ExtensionNumber::new("12345678901").is_ok());
    assert!(ExtensionNumber::new("1").is_err());
    assert!(ExtensionNumber::new("123456789012").is_err());
    assert!(ExtensionNumber::new("").is_err());
    assert!(ExtensionNumber::new("10a").is_err());
    assert!(ExtensionNumber::new("+101").is_err());
    assert!(ExtensionNumber::new("１０１").is_err(), "non-ASCII digits");
    let n: ExtensionNumber = serde_json::from_str(r#""0101""#).expect("valid");
    assert_eq!(n.to_string(), "0101");
    assert!(serde_json::from_str::<ExtensionNumber>(r#""1x""#).is_err());
}

#[test]
fn number_required_digits_and_in_range() {
    assert_eq!(
        fields(&create_err(r#"{"secret":"s3cret-Pass"}"#)),
        ["number"]
    );
    assert_eq!(
        fields(&create_err(r#"{"number":"1O1","secret":"s3cret-Pass"}"#)),
        ["number"]
    );
    let issues = create_err(r#"{"number":"900","secret":"s3cret-Pass"}"#);
    assert_eq!(fields(&issues), ["number"]);
    assert!(issues[0].message.contains("100-899"), "{issues:?}");
    // Range bounds are inclusive; leading zeros make a different (longer) number.
    assert!(create(r#"{"number":"100","secret":"s3cret-Pass"}"#).is_ok());
    assert!(create(r#"{"number":"899","secret":"s3cret-Pass"}"#).is_ok());
    assert!(create(r#"{"number":"99","secret":"s3cret-Pass"}"#).is_err());
    assert!(create(r#"{"number":"0101","secret":"s3cret-Pass"}"#).is_err());
    assert!(create(r#"{"number":"1000","secret":"s3cret-Pass"}"#).is_err());
}

#[test]
fn number_cannot_change_on_update() {
    let alice = alice();
    let same = validate_extension(&input(r#"{"number":"101"}"#), Some(&alice), &settings());
    assert_eq!(same, Ok(alice.clone()));
    let issues = validate_extension(&input(r#"{"number":"102"}"#), Some(&alice), &settings())
        .expect_err("rename rejected");
    assert_eq!(fields(&issues), ["number"]);
}

#[test]
fn range_not_rechecked_on_update() {
    let alice = alice();
    let narrowed = Settings {
        user_extension_range: "200-299".parse().expect("valid"),
        ..Settings::default()
    };
    let ext = validate_extension(&input(r#"{"name":"Al"}"#), Some(&alice), &narrowed)
        .expect("update allowed");
    assert_eq!(ext.name, "Al");
}

#[test]
fn name_rules() {
    let long = "x".repeat(65);
    let issues = create_err(&format!(
        r#"{{"number":"101","secret":"s3cret-Pass","name":"{long}"}}"#
    ));
    assert_eq!(fields(&issues), ["name"]);
    let ok = "é".repeat(64);
    assert!(create(&format!(
        r#"{{"number":"101","secret":"s3cret-Pass","name":"{ok}"}}"#
    ))
    .is_ok());
    let issues = create_err(r#"{"number":"101","secret":"s3cret-Pass","name":"A\u0007"}"#);
    assert_eq!(fields(&issues), ["name"]);
}

#[test]
fn secret_required_on_create_only() {
    assert_eq!(fields(&create_err(r#"{"number":"101"}"#)), ["secret"]);
    let alice = alice();
    let ext = validate_extension(&input(r#"{"name":"A"}"#), Some(&alice), &settings())
        .expect("secret kept");
    assert_eq!(ext.secret, alice.secret);
    let ext = validate_extension(
        &input(r#"{"secret":"n3w-Secret"}"#),
        Some(&alice),
        &settings(),
    )
    .expect("secret changed");
    assert_eq!(ext.secret.expose(), "n3w-Secret");
}

#[test]
fn secret_rules() {
    let check = |secret: &str| -> Vec<String> {
        let json = serde_json::json!({"number": "101", "secret": secret}).to_string();
        match create(&json) {
            Ok(_) => Vec::new(),
            Err(issues) => {
                assert!(issues.iter().all(|i| i.field == "secret"), "{issues:?}");
                issues.into_iter().map(|i| i.message).collect()
            }
        }
    };
    assert!(check("abc12345x").is_empty());
    assert!(check("a1b2c3d4").is_empty(), "8 chars is enough");
    assert!(check("a1b2c3d")[0].contains("at least 8"));
    assert!(check("abcdefghij")[0].contains("letters and digits"));
    assert!(check("1234567890")[0].contains("letters and digits"));
    assert!(check("xx101xxxx9")[0].contains("extension number"));
    assert!(check("Password1")[0].contains("commonly used"));
    assert!(check("abcd1234")[0].contains("commonly used"));
    assert!(check("abc 12345")[0].contains("spaces"));
    assert!(check(&format!("a1{}", "x".repeat(127)))[0].contains("at most 128"));
    // Several problems are all reported.
    assert_eq!(check("101").len(), 3, "{:?}", check("101"));
}

#[test]
fn remote_needs_strong_secret() {
    let weak = r#"{"number":"101","secret":"abcdef12","remote":true}"#;
    let issues = create_err(weak);
    assert_eq!(fields(&issues), ["secret"]);
    assert!(issues[0].message.contains("strong"));
    assert!(create(r#"{"number":"101","secret":"abcdef12"}"#).is_ok());
    let ext = create(r#"{"number":"101","secret":"Abcdef1234","remote":true}"#).expect("strong");
    assert!(ext.remote);
    assert!(create(r#"{"number":"101","secret":"abcdef1234","remote":true}"#).is_err());
    assert!(create(r#"{"number":"101","secret":"ABCDEF1234","remote":true}"#).is_err());
    assert!(create(r#"{"number":"101","secret":"Abcdefghij","remote":true}"#).is_err());
    assert!(create(r#"{"number":"101","secret":"Abcdef123","remote":true}"#).is_err());

    // Turning remote on later checks the stored secret.
    let weak_ext = create(r#"{"number":"101","secret":"abcdef12"}"#).expect("valid");
    let issues = validate_extension(&input(r#"{"remote":true}"#), Some(&weak_ext), &settings())
        .expect_err("weak stored secret");
    assert_eq!(fields(&issues), ["remote"]);
    // ... and passes when a strong secret comes with it.
    let ext = validate_extension(
        &input(r#"{"remote":true,"secret":"Str0ngEnough"}"#),
        Some(&weak_ext),
        &settings(),
    )
    .expect("strong secret supplied");
    assert!(ext.remote);
    assert!(is_strong_secret("s3cret-Pass"));
}

#[test]
fn max_contacts_range() {
    for bad in [0, 6, -1, 300] {
        let issues = create_err(&format!(
            r#"{{"number":"101","secret":"s3cret-Pass","max_contacts":{bad}}}"#
        ));
        assert_eq!(fields(&issues), ["max_contacts"], "{bad}");
    }
    for good in 1..=5 {
        let ext = create(&format!(
            r#"{{"number":"101","secret":"s3cret-Pass","max_contacts":{good}}}"#
        ))
        .expect("valid");
        assert_eq!(i64::from(ext.max_contacts), good);
    }
}

#[test]
fn permit_parsing() {
    let ext = create(
        r#"{"number":"101","secret":"s3cret-Pass",
            "permit":["192.168.1.0/24"," 10.0.0.7 ","2001:db8::1","10.9.8.7/8"]}"#,
    )
    .expect("valid");
    let text: Vec<String> = ext.permit.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "192.168.1.0/24",
            "10.0.0.7/32",
            "2001:db8::1/128",
            "10.0.0.0/8"
        ]
    );
    assert!(ext.permits("192.168.1.77".parse().expect("ip")));
    assert!(ext.permits("::ffff:192.168.1.77".parse().expect("ip")));
    assert!(!ext.permits("192.168.2.1".parse().expect("ip")));
    assert!(ext.permits("2001:db8::1".parse().expect("ip")));

    let issues = create_err(
        r#"{"number":"101","secret":"s3cret-Pass","permit":["10.0.0.0/33","nope","1.2.3.4","1.2.3.4/32"]}"#,
    );
    assert_eq!(fields(&issues), ["permit", "permit", "permit"]);
    assert!(issues[0].message.contains("entry 1"));
    assert!(issues[2].message.contains("twice"));
    assert_eq!(
        fields(&create_err(
            r#"{"number":"101","secret":"s3cret-Pass","permit":[]}"#
        )),
        ["permit"]
    );
    let many: Vec<String> = (0..33).map(|i| format!("10.0.{i}.0/24")).collect();
    let json = serde_json::json!({"number":"101","secret":"s3cret-Pass","permit":many});
    let issues = create_err(&json.to_string());
    assert_eq!(fields(&issues), ["permit"]);
    assert!(issues[0].message.contains("32"));
}

#[test]
fn default_permit_allows_everything() {
    let ext = alice();
    for ip in ["1.2.3.4", "::1", "255.255.255.255"] {
        assert!(ext.permits(ip.parse::<IpAddr>().expect("ip")), "{ip}");
    }
}

#[test]
fn codec_rules() {
    let ext = create(r#"{"number":"101","secret":"s3cret-Pass","codecs":["g729","GSM","OPUS"]}"#)
        .expect("case-insensitive input");
    assert_eq!(ext.codecs, [Codec::G729, Codec::Gsm, Codec::Opus]);
    let names: Vec<&str> = Codec::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        ["PCMU", "PCMA", "G722", "G726-32", "G729", "GSM", "opus"]
    );
    for c in Codec::ALL {
        let json = serde_json::to_string(&c).expect("serializes");
        assert_eq!(json, format!("\"{}\"", c.name()));
    }
    assert_eq!(Codec::Pcma.static_payload_type(), Some(8));
    assert_eq!(Codec::Opus.static_payload_type(), None);

    let issues =
        create_err(r#"{"number":"101","secret":"s3cret-Pass","codecs":["PCMU","speex","PCMU"]}"#);
    assert_eq!(fields(&issues), ["codecs", "codecs"]);
    assert!(issues[0].message.contains("speex"));
    assert!(issues[1].message.contains("twice"));
    assert_eq!(
        fields(&create_err(
            r#"{"number":"101","secret":"s3cret-Pass","codecs":[]}"#
        )),
        ["codecs"]
    );
}

#[test]
fn dtmf_mode_rules() {
    for (text, mode) in [
        ("rfc4733", DtmfMode::Rfc4733),
        ("RFC2833", DtmfMode::Rfc4733),
        ("info", DtmfMode::Info),
        ("inband", DtmfMode::Inband),
        ("auto", DtmfMode::Auto),
    ] {
        let ext = create(&format!(
            r#"{{"number":"101","secret":"s3cret-Pass","dtmf_mode":"{text}"}}"#
        ))
        .expect("valid");
        assert_eq!(ext.dtmf_mode, mode);
    }
    assert_eq!(
        fields(&create_err(
            r#"{"number":"101","secret":"s3cret-Pass","dtmf_mode":"morse"}"#
        )),
        ["dtmf_mode"]
    );
}

#[test]
fn expiry_and_qualify_ranges() {
    let check = |field: &str, value: i64| {
        let json = serde_json::json!({"number":"101","secret":"s3cret-Pass", field: value});
        create(&json.to_string())
    };
    for ok in [60, 3600, 86_400] {
        assert_eq!(
            check("register_expiry", ok).expect("valid").register_expiry,
            u32::try_from(ok).expect("fits")
        );
    }
    for bad in [0, 59, 86_401, -5] {
        assert_eq!(
            fields(&check("register_expiry", bad).expect_err("bad")),
            ["register_expiry"]
        );
    }
    for ok in [0, 10, 3600] {
        assert!(check("qualify_interval", ok).is_ok(), "{ok}");
    }
    for bad in [1, 9, 3601, -1] {
        assert_eq!(
            fields(&check("qualify_interval", bad).expect_err("bad")),
            ["qualify_interval"]
        );
    }
}

#[test]
fn every_problem_reported_at_once() {
    let issues = create_err(
        r#"{"number":"9","secret":"short","max_contacts":9,"permit":["x"],
            "codecs":["x"],"dtmf_mode":"x","register_expiry":1,"qualify_interval":1}"#,
    );
    let mut f = fields(&issues);
    f.dedup();
    assert_eq!(
        f,
        [
            "number",
            "secret",
            "max_contacts",
            "permit",
            "codecs",
            "dtmf_mode",
            "register_expiry",
            "qualify_interval"
        ]
    );
}

#[test]
fn patch_keeps_unmentioned_fields() {
    let full = create(
        r#"{"number":"101","name":"Alice","secret":"s3cret-Pass","max_contacts":4,
            "permit":["10.0.0.0/8"],"voicemail":false,"codecs":["PCMA"],"dtmf_mode":"info",
            "nat":false,"register_expiry":300,"qualify_interval":30,"remote":true}"#,
    )
    .expect("valid");
    let patched =
        validate_extension(&input(r#"{"name":"Bob"}"#), Some(&full), &settings()).expect("valid");
    assert_eq!(
        patched,
        Extension {
            name: "Bob".into(),
            ..full.clone()
        }
    );
    let patched = validate_extension(&ExtensionInput::default(), Some(&full), &settings())
        .expect("empty patch");
    assert_eq!(patched, full);
}

#[test]
fn number_range_semantics() {
    let r: NumberRange = "100-899".parse().expect("valid");
    assert_eq!((r.low(), r.high()), ("100", "899"));
    assert!(r.contains("100") && r.contains("555") && r.contains("899"));
    assert!(!r.contains("99") && !r.contains("900") && !r.contains("0100") && !r.contains(""));
    assert!(!r.contains("1a0"));
    let conf: NumberRange = " 0900 - 0935 ".parse().expect("spaces allowed");
    assert_eq!(conf.to_string(), "0900-0935");
    assert!(conf.contains("0901") && !conf.contains("901") && !conf.contains("0936"));
    assert!(!r.overlaps(&conf));
    let wide: NumberRange = "10-9999".parse().expect("valid");
    assert!(wide.contains("55") && wide.contains("0900") && wide.overlaps(&conf));
    assert!(wide.overlaps(&r) && r.overlaps(&wide));
    for bad in ["899-100", "100", "a-b", "-5", "1-123456789012", ""] {
        assert!(bad.parse::<NumberRange>().is_err(), "{bad}");
    }
    assert_eq!(
        serde_json::to_string(&r).expect("serializes"),
        r#""100-899""#
    );
}

#[test]
fn default_settings_are_valid() {
    let s = Settings::default();
    assert_eq!(s.issues(), []);
    assert_eq!(s.realm, "rotary");
    assert_eq!(
        (s.default_expiry, s.min_expires, s.max_expires),
        (1800, 60, 7200)
    );
    assert_eq!((s.qualify_interval, s.qualify_timeout), (60, 5));
    assert_eq!(s.global_ring_time, 30);
    assert!(s.call_waiting);
    assert_eq!((s.max_concurrent_calls, s.rtp_timeout), (200, 60));
    let ranges: Vec<String> = s.ranges().iter().map(|(_, r)| r.to_string()).collect();
    assert_eq!(
        ranges,
        [
            "100-899",
            "0900-0935",
            "0300-0335",
            "0400-0435",
            "0500-0535",
            "0600-0635",
            "0700-0735"
        ]
    );
}

#[test]
fn settings_json_fills_missing_fields() {
    let s: Settings = serde_json::from_str(r#"{"realm":"pbx.example"}"#).expect("valid");
    assert_eq!(
        s,
        Settings {
            realm: "pbx.example".into(),
            ..Settings::default()
        }
    );
    let round: Settings =
        serde_json::from_value(serde_json::to_value(&s).expect("serializes")).expect("parses");
    assert_eq!(round, s);
}

#[test]
fn settings_patch_and_rules() {
    let base = Settings::default();
    let patch: SettingsInput =
        serde_json::from_str(r#"{"realm":"pbx.example","global_ring_time":45}"#).expect("json");
    let s = validate_settings(&patch, &base).expect("valid");
    assert_eq!(s.realm, "pbx.example");
    assert_eq!(s.global_ring_time, 45);
    assert_eq!(s.max_expires, base.max_expires);

    let check = |json: &str| -> Vec<&'static str> {
        let patch: SettingsInput = serde_json::from_str(json).expect("json");
        match validate_settings(&patch, &base) {
            Ok(_) => Vec::new(),
            Err(issues) => fields(&issues),
        }
    };
    assert_eq!(check(r#"{"realm":""}"#), ["realm"]);
    assert_eq!(check(r#"{"realm":"a b"}"#), ["realm"]);
    assert_eq!(check(r#"{"min_expires":5}"#), ["min_expires"]);
    assert_eq!(
        check(r#"{"max_expires":30}"#),
        ["max_expires", "default_expiry"]
    );
    assert_eq!(check(r#"{"default_expiry":50}"#), ["default_expiry"]);
    assert_eq!(check(r#"{"default_expiry":-1}"#), ["default_expiry"]);
    assert_eq!(check(r#"{"qualify_interval":5}"#), ["qualify_interval"]);
    assert_eq!(
        check(r#"{"qualify_interval":0,"qualify_timeout":30}"#),
        [""; 0]
    );
    assert_eq!(check(r#"{"qualify_timeout":0}"#), ["qualify_timeout"]);
    assert_eq!(
        check(r#"{"qualify_interval":10,"qualify_timeout":10}"#),
        ["qualify_timeout"]
    );
    assert_eq!(check(r#"{"global_ring_time":4}"#), ["global_ring_time"]);
    assert_eq!(
        check(r#"{"max_concurrent_calls":0}"#),
        ["max_concurrent_calls"]
    );
    assert_eq!(check(r#"{"rtp_timeout":0}"#), [""; 0]);
    assert_eq!(check(r#"{"rtp_timeout":4}"#), ["rtp_timeout"]);
    assert_eq!(
        check(r#"{"user_extension_range":"1-9"}"#),
        ["user_extension_range"]
    );
    assert_eq!(
        check(r#"{"user_extension_range":"x"}"#),
        ["user_extension_range"]
    );
    assert_eq!(check(r#"{"ivr_range":"0300-0310"}"#), ["ivr_range"]);
    assert_eq!(check(r#"{"user_extension_range":"1000-8999"}"#), [""; 0]);
    assert_eq!(
        check(r#"{"call_waiting":false,"realm":"bad realm","rtp_timeout":2}"#),
        ["realm", "rtp_timeout"]
    );
}

#[test]
fn config_lookups_and_snapshots() {
    let alice = alice();
    let config = Config::new(Settings::default(), [alice.clone()]);
    assert_eq!(config.extension("101"), Some(&alice));
    assert_eq!(config.extension("102"), None);
    let bob = create(r#"{"number":"102","secret":"s3cret-Pass"}"#).expect("valid");
    let next = config.with_extension(bob);
    assert_eq!(next.extensions.len(), 2);
    assert_eq!(config.extensions.len(), 1, "old snapshot unchanged");
    assert_eq!(next.without_extension("101").extensions.len(), 1);
    assert_eq!(Config::default().extensions.len(), 0);
    assert_eq!(next.issues(), []);
    let narrowed = next.with_settings(Settings {
        user_extension_range: "102-899".parse().expect("valid"),
        ..Settings::default()
    });
    assert_eq!(fields(&narrowed.issues()), ["user_extension_range"]);
}

#[test]
fn tone_zone_is_one_of_the_known_zones() {
    let base = Settings::default();
    assert_eq!(base.tone_zone, "us");
    let input = SettingsInput {
        tone_zone: Some(" DE ".into()),
        ..Default::default()
    };
    let s = validate_settings(&input, &base).expect("a known zone");
    assert_eq!(s.tone_zone, "de", "stored as the lower-case code");
    let input = SettingsInput {
        tone_zone: Some("atlantis".into()),
        ..Default::default()
    };
    let issues = validate_settings(&input, &base).expect_err("unknown zone");
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].field, "tone_zone");
    assert!(
        issues[0].message.contains("us, uk"),
        "{}",
        issues[0].message
    );
}

#[test]
fn music_on_hold_class_defaults_and_is_checked() {
    assert_eq!(alice().moh_class, "default");
    let ext =
        create(r#"{"number":"101","secret":"s3cret-Pass","moh_class":"sales-2"}"#).expect("valid");
    assert_eq!(ext.moh_class, "sales-2");
    for bad in ["", "../etc", "a b", "x.y"] {
        let json = format!(r#"{{"number":"101","secret":"s3cret-Pass","moh_class":"{bad}"}}"#);
        assert_eq!(fields(&create_err(&json)), ["moh_class"], "{bad:?}");
    }
    let kept = validate_extension(&input(r#"{"name":"A"}"#), Some(&ext), &settings()).unwrap();
    assert_eq!(
        kept.moh_class, "sales-2",
        "an update without the field keeps it"
    );
}
