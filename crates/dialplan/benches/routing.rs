//! Routing decisions per second (issue 6, item 9): a configuration of 1,000 extensions,
//! 200 outbound rules and 500 inbound routes, timing the decision path alone
//! (`route_inbound` / `route_outbound`, trace included). Criterion reports the rate as
//! elements per second (one element = one decision).
//!
//! Run: `cargo bench -p rotary-dialplan --bench routing`.

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{criterion_main, Criterion, Throughput};
use rotary_config::routing::{validate_routing, RoutingConfig};
use rotary_config::{validate_extension, Config, ExtensionInput, Settings};
use rotary_dialplan::{route_inbound, route_outbound, Outcome, Snapshot, TrunkCursors};

const EXTENSIONS: usize = 1_000;
const OUTBOUND_RULES: usize = 200;
const INBOUND_ROUTES: usize = 500;
const TRUNKS: usize = 8;

/// Extensions 1000–1999 (the user range widened to four digits).
fn config() -> Config {
    let settings = Settings {
        user_extension_range: "1000-4999".parse().expect("valid range"),
        ..Settings::default()
    };
    let extensions: Vec<_> = (0..EXTENSIONS)
        .map(|i| {
            let input = ExtensionInput {
                number: Some(format!("{}", 1000 + i)),
                name: Some(format!("User {i}")),
                secret: Some("Bench-pass9x".to_owned()),
                ..ExtensionInput::default()
            };
            validate_extension(&input, None, &settings).expect("valid extension")
        })
        .collect();
    Config::new(settings, extensions)
}

/// Trunks, 200 dial rules (each its own 4-digit prefix block), 500 inbound routes (one DID
/// block each, every tenth through a time condition), a few lists and mappings.
fn routing() -> RoutingConfig {
    let trunks: Vec<String> = (0..TRUNKS)
        .map(|t| {
            format!(
                r#"{{"id":"t{t}","mode":{{"kind":"peer","host":"10.0.0.{}"}}}}"#,
                t + 1
            )
        })
        .collect();
    let outbound: Vec<String> = (0..OUTBOUND_RULES)
        .map(|i| {
            let strategy = if i % 2 == 0 { "linear" } else { "linear_cycle" };
            format!(
                r#"{{"id":"rule{i}","dial_prefix":"0","patterns":[
                    {{"pattern":"_8{i:03}NXXXXX","strip":4,"prepend":"+4930"}},
                    {{"pattern":"_9{i:03}XX.","strip":1}}],
                   "trunks":["t{}","t{}","t{}"],"strategy":"{strategy}"}}"#,
                i % TRUNKS,
                (i + 1) % TRUNKS,
                (i + 2) % TRUNKS
            )
        })
        .collect();
    let inbound: Vec<String> = (0..INBOUND_ROUTES)
        .map(|i| {
            let dest = if i % 10 == 0 {
                r#"{"type":"time_condition","id":"office"}"#.to_owned()
            } else {
                format!(r#"{{"type":"extension","number":"{}"}}"#, 1000 + i)
            };
            format!(
                r#"{{"name":"in{i}","trunk":"t{}","did":"_4930{i:03}XX","destination":{dest}}}"#,
                i % TRUNKS
            )
        })
        .collect();
    let json = format!(
        r#"{{"trunks":[{}],"outbound_routes":[{}],"inbound_routes":[{}],
            "time_conditions":[{{"id":"office","time_zone":"Europe/Berlin",
              "weekly":[{{"days":["mon","tue","wed","thu","fri"],"start":"08:00","end":"18:00"}}],
              "holidays":[{{"name":"New Year","start":"2024-01-01","end":"2024-01-01","yearly":true}}],
              "matched":{{"type":"extension","number":"1000"}},
              "not_matched":{{"type":"voicemail","extension":"1000"}}}}],
            "caller_id_mappings":[{{"extensions":"_1XXX","cid1":"+49301234"}}],
            "blacklist":[{{"pattern":"_0900."}},{{"pattern":"_+49900.","direction":"both"}}]}}"#,
        trunks.join(","),
        outbound.join(","),
        inbound.join(",")
    );
    serde_json::from_str(&json).expect("valid routing JSON")
}

fn bench(c: &mut Criterion) {
    let config = config();
    let routing = routing();
    let issues = validate_routing(&routing, &config);
    assert!(issues.is_empty(), "{issues:?}");
    let snap = Snapshot::new(&config, &routing);
    let now = Utc.with_ymd_and_hms(2024, 6, 4, 9, 30, 0).unwrap();
    let cursors = TrunkCursors::new();

    // Sanity: the paths measured really route.
    let inbound = route_inbound(snap, "t2", "493025012", "+4917012345", now);
    assert!(
        matches!(inbound.outcome, Outcome::Deliver { .. }),
        "{inbound:?}"
    );
    let through_tc = route_inbound(snap, "t0", "493040012", "+4917012345", now);
    assert!(matches!(through_tc.outcome, Outcome::Deliver { .. }));
    let outbound = route_outbound(snap, "1500", "08150234567", now, &cursors);
    assert!(
        matches!(outbound.outcome, Outcome::Trunks { .. }),
        "{outbound:?}"
    );

    let mut group = c.benchmark_group("routing_decision");
    group.throughput(Throughput::Elements(1));
    group.bench_function("inbound_did_route_250_of_500", |b| {
        b.iter(|| {
            route_inbound(
                snap,
                black_box("t2"),
                black_box("493025012"),
                "+4917012345",
                now,
            )
        })
    });
    group.bench_function("inbound_via_time_condition", |b| {
        b.iter(|| {
            route_inbound(
                snap,
                black_box("t0"),
                black_box("493040012"),
                "+4917012345",
                now,
            )
        })
    });
    group.bench_function("outbound_rule_150_of_200", |b| {
        b.iter(|| {
            route_outbound(
                snap,
                black_box("1500"),
                black_box("08150234567"),
                now,
                &cursors,
            )
        })
    });
    group.bench_function("outbound_no_match_all_200", |b| {
        b.iter(|| route_outbound(snap, black_box("1500"), black_box("0777"), now, &cursors))
    });
    group.bench_function("internal_extension_call", |b| {
        b.iter(|| route_outbound(snap, black_box("1500"), black_box("1999"), now, &cursors))
    });
    group.finish();
}

// `criterion_group!` expands to an undocumented `pub fn`.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(group::benches);
