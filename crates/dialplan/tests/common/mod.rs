//! Shared fixtures for the routing scenario tests: a snapshot built from JSON and
//! validated, and UTC instants.

#![allow(dead_code, unreachable_pub)]

use chrono::{DateTime, TimeZone, Utc};
use rotary_config::routing::{validate_routing, RoutingConfig};
use rotary_config::{validate_extension, Config, ExtensionInput};

/// A snapshot holding `extensions` (named "User <number>") and a routing configuration
/// that must validate cleanly.
pub struct Fixture {
    pub config: Config,
    pub routing: RoutingConfig,
}

impl Fixture {
    pub fn new(extensions: &[&str], routing_json: &str) -> Self {
        let mut config = Config::default();
        for number in extensions {
            let input = ExtensionInput {
                number: Some((*number).to_owned()),
                name: Some(format!("User {number}")),
                secret: Some("Secret-pass9".to_owned()),
                ..ExtensionInput::default()
            };
            let ext = validate_extension(&input, None, &config.settings).unwrap();
            config = config.with_extension(ext);
        }
        let routing: RoutingConfig = serde_json::from_str(routing_json).unwrap();
        let issues = validate_routing(&routing, &config);
        assert!(issues.is_empty(), "fixture does not validate: {issues:#?}");
        Self { config, routing }
    }

    pub fn snap(&self) -> rotary_dialplan::Snapshot<'_> {
        rotary_dialplan::Snapshot::new(&self.config, &self.routing)
    }
}

/// A UTC instant.
pub fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

/// The trace as compact JSON lines, for readable assertions and failure output.
pub fn trace_lines(d: &rotary_dialplan::Decision) -> Vec<String> {
    d.trace
        .iter()
        .map(|s| serde_json::to_string(s).unwrap())
        .collect()
}
