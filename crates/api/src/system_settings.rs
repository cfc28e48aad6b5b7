//! System settings of the appliance (`GET`/`PATCH /api/v1/system-settings`): whether the
//! first-start wizard is done, login session timeouts, automatic backups, HTTPS, and the
//! region and network answers of the wizard. Stored one key per row by the store's
//! `system_settings` table; values never stored take the defaults below.
//!
//! `region`, `time_zone`, `external_address` and `local_networks` are kept here until the
//! PBX settings carry them; the wizard writes them to `/api/v1/settings` instead when that
//! document has fields of the same names.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use ipnet::IpNet;
use rotary_store::Store;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::SessionTimeouts;
use crate::error::{ApiError, IssueBody};

/// The system settings in force. Read by pbxd at start (`https_bind`, `http_redirect`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct SystemSettings {
    /// The first-start setup wizard was completed (or skipped); the GUI shows it while false.
    pub setup_done: bool,
    /// Minutes a login token may stay unused before it expires (1–1440).
    pub session_idle_minutes: u32,
    /// Hours after login a token expires however much it is used (1–168).
    pub session_max_hours: u32,
    /// Hours between automatic backups; 0 turns them off (0–8760).
    pub auto_backup_hours: u32,
    /// How many automatic backups are kept; the oldest are deleted (1–100).
    pub auto_backup_keep: u32,
    /// Whether automatic backups include call recordings.
    pub auto_backup_recordings: bool,
    /// Whether automatic backups include call records.
    pub auto_backup_cdr: bool,
    /// Serve HTTPS on this address (`ADDR:PORT`) from the next start when pbxd is started
    /// without `--https-bind`; empty: no HTTPS unless the flag asks for it.
    pub https_bind: String,
    /// While HTTPS is served, plain HTTP answers with a redirect to it (except `/healthz`
    /// and `/metrics`).
    pub http_redirect: bool,
    /// Country or region code of the installation (ISO 3166-1 alpha-2, e.g. `DE`).
    pub region: String,
    /// IANA time zone of the installation, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// The public address (host name or IP) phones outside the LAN reach the PBX at (NAT).
    pub external_address: String,
    /// Networks that are local (no NAT rewriting), as CIDR prefixes.
    pub local_networks: Vec<String>,
}

impl Default for SystemSettings {
    fn default() -> Self {
        SystemSettings {
            setup_done: false,
            session_idle_minutes: crate::auth::DEFAULT_IDLE_MINUTES as u32,
            session_max_hours: crate::auth::DEFAULT_MAX_HOURS as u32,
            auto_backup_hours: 0,
            auto_backup_keep: 7,
            auto_backup_recordings: false,
            auto_backup_cdr: true,
            https_bind: String::new(),
            http_redirect: true,
            region: String::new(),
            time_zone: "UTC".to_owned(),
            external_address: String::new(),
            local_networks: vec![
                "10.0.0.0/8".into(),
                "172.16.0.0/12".into(),
                "192.168.0.0/16".into(),
            ],
        }
    }
}

/// A PATCH of the system settings: every field optional.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SystemSettingsInput {
    /// See [`SystemSettings::setup_done`].
    setup_done: Option<bool>,
    /// See [`SystemSettings::session_idle_minutes`].
    session_idle_minutes: Option<i64>,
    /// See [`SystemSettings::session_max_hours`].
    session_max_hours: Option<i64>,
    /// See [`SystemSettings::auto_backup_hours`].
    auto_backup_hours: Option<i64>,
    /// See [`SystemSettings::auto_backup_keep`].
    auto_backup_keep: Option<i64>,
    /// See [`SystemSettings::auto_backup_recordings`].
    auto_backup_recordings: Option<bool>,
    /// See [`SystemSettings::auto_backup_cdr`].
    auto_backup_cdr: Option<bool>,
    /// See [`SystemSettings::https_bind`].
    https_bind: Option<String>,
    /// See [`SystemSettings::http_redirect`].
    http_redirect: Option<bool>,
    /// See [`SystemSettings::region`].
    region: Option<String>,
    /// See [`SystemSettings::time_zone`].
    time_zone: Option<String>,
    /// See [`SystemSettings::external_address`].
    external_address: Option<String>,
    /// See [`SystemSettings::local_networks`].
    local_networks: Option<Vec<String>>,
}

impl SystemSettings {
    /// The stored settings over the defaults. An unreadable stored value is logged and its
    /// default used, so a damaged row never stops pbxd.
    pub(crate) fn load(store: &Store) -> SystemSettings {
        let stored = match store.load_system_settings() {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read system settings; using defaults");
                return SystemSettings::default();
            }
        };
        let Ok(Value::Object(mut merged)) = serde_json::to_value(SystemSettings::default()) else {
            return SystemSettings::default();
        };
        for (k, v) in stored {
            if !merged.contains_key(&k) {
                continue; // from a newer release: ignored
            }
            let mut probe = merged.clone();
            probe.insert(k.clone(), v.clone());
            if serde_json::from_value::<SystemSettings>(Value::Object(probe)).is_ok() {
                merged.insert(k, v);
            } else {
                tracing::warn!(key = %k, "unreadable system setting; using its default");
            }
        }
        serde_json::from_value(Value::Object(merged)).unwrap_or_default()
    }

    /// Every field as a stored row (key → JSON value).
    pub(crate) fn to_rows(&self) -> BTreeMap<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m.into_iter().collect(),
            _ => BTreeMap::new(),
        }
    }

    /// The session timeouts these settings ask for.
    pub(crate) fn session_timeouts(&self) -> SessionTimeouts {
        SessionTimeouts {
            idle: Duration::from_secs(u64::from(self.session_idle_minutes.max(1)) * 60),
            absolute: Duration::from_secs(u64::from(self.session_max_hours.max(1)) * 3600),
        }
    }

    /// `https_bind` as an address, when set and valid.
    #[must_use]
    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https_bind.trim().parse().ok()
    }
}

/// Apply `input` over `current`; every problem is reported (400, the first names `field`).
pub(crate) fn validate(
    input: &SystemSettingsInput,
    current: &SystemSettings,
) -> Result<SystemSettings, ApiError> {
    let mut next = current.clone();
    let mut issues: Vec<IssueBody> = Vec::new();
    let mut bad = |field: &str, message: String| {
        issues.push(IssueBody {
            field: field.to_owned(),
            message,
        });
    };
    let mut range = |field: &str, v: Option<i64>, lo: i64, hi: i64, slot: &mut u32| {
        if let Some(v) = v {
            match u32::try_from(v) {
                Ok(n) if (lo..=hi).contains(&v) => *slot = n,
                _ => bad(field, format!("must be a whole number from {lo} to {hi}")),
            }
        }
    };
    range(
        "session_idle_minutes",
        input.session_idle_minutes,
        1,
        1440,
        &mut next.session_idle_minutes,
    );
    range(
        "session_max_hours",
        input.session_max_hours,
        1,
        168,
        &mut next.session_max_hours,
    );
    range(
        "auto_backup_hours",
        input.auto_backup_hours,
        0,
        8760,
        &mut next.auto_backup_hours,
    );
    range(
        "auto_backup_keep",
        input.auto_backup_keep,
        1,
        100,
        &mut next.auto_backup_keep,
    );
    let mut bad = |field: &str, message: &str| {
        issues.push(IssueBody {
            field: field.to_owned(),
            message: message.to_owned(),
        });
    };
    if let Some(v) = input.setup_done {
        next.setup_done = v;
    }
    if let Some(v) = input.auto_backup_recordings {
        next.auto_backup_recordings = v;
    }
    if let Some(v) = input.auto_backup_cdr {
        next.auto_backup_cdr = v;
    }
    if let Some(v) = input.http_redirect {
        next.http_redirect = v;
    }
    if let Some(v) = &input.https_bind {
        let v = v.trim();
        match v.parse::<SocketAddr>() {
            _ if v.is_empty() => next.https_bind = String::new(),
            Ok(a) if a.port() != 0 => next.https_bind = a.to_string(),
            _ => bad(
                "https_bind",
                "must be ADDR:PORT (e.g. 0.0.0.0:8443) or empty",
            ),
        }
    }
    if let Some(v) = &input.region {
        let v = v.trim();
        if v.is_empty() || (v.len() == 2 && v.bytes().all(|b| b.is_ascii_alphabetic())) {
            next.region = v.to_ascii_uppercase();
        } else {
            bad(
                "region",
                "must be a two-letter country code (ISO 3166-1, e.g. DE) or empty",
            );
        }
    }
    if let Some(v) = &input.time_zone {
        let v = v.trim();
        if v.parse::<chrono_tz::Tz>().is_ok() {
            next.time_zone = v.to_owned();
        } else {
            bad(
                "time_zone",
                "must be an IANA time zone name such as Europe/Berlin or UTC",
            );
        }
    }
    if let Some(v) = &input.external_address {
        let v = v.trim();
        if v.is_empty() || is_host_or_ip(v) {
            next.external_address = v.to_owned();
        } else {
            bad(
                "external_address",
                "must be a host name or an IP address (no port, no scheme)",
            );
        }
    }
    if let Some(list) = &input.local_networks {
        let mut nets = Vec::new();
        let mut ok = list.len() <= 64;
        for item in list {
            match item.trim().parse::<IpNet>() {
                Ok(n) => nets.push(n.trunc().to_string()),
                Err(_) => ok = false,
            }
        }
        if ok {
            next.local_networks = nets;
        } else {
            bad(
                "local_networks",
                "must be at most 64 CIDR prefixes such as 192.168.1.0/24",
            );
        }
    }
    if issues.is_empty() {
        return Ok(next);
    }
    let first = &issues[0];
    Err(ApiError::BadRequest {
        message: format!("{} {}", first.field, first.message),
        field: Some(first.field.clone()),
        issues,
    })
}

/// A DNS name (letters, digits, hyphens, dots; labels of 1–63) or an IP address.
fn is_host_or_ip(s: &str) -> bool {
    if s.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: &str) -> SystemSettingsInput {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn every_problem_is_named() {
        let err = validate(
            &input(
                r#"{"session_idle_minutes":0,"time_zone":"Mars/Base","local_networks":["x"],
                    "external_address":"http://x","https_bind":"nope","region":"Germany"}"#,
            ),
            &SystemSettings::default(),
        )
        .unwrap_err();
        let ApiError::BadRequest { field, issues, .. } = err else {
            panic!("not 400")
        };
        assert_eq!(field.as_deref(), Some("session_idle_minutes"));
        let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "session_idle_minutes",
                "https_bind",
                "region",
                "time_zone",
                "external_address",
                "local_networks"
            ]
        );
    }

    #[test]
    fn good_values_apply() {
        let s = validate(
            &input(
                r#"{"time_zone":"Europe/Berlin","local_networks":["192.168.1.7/24"],
                    "external_address":"pbx.example.com","region":"de","auto_backup_hours":24}"#,
            ),
            &SystemSettings::default(),
        )
        .unwrap();
        assert_eq!(s.time_zone, "Europe/Berlin");
        assert_eq!(s.local_networks, ["192.168.1.0/24"]);
        assert_eq!(s.region, "DE");
        assert_eq!(s.auto_backup_hours, 24);
    }
}
