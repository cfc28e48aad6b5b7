//! Turning untrusted extension input into an [`Extension`], reporting every problem at once so
//! the GUI can mark all bad fields in one round trip.

use std::fmt;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::{Codec, DtmfMode, Extension, ExtensionNumber, Secret, Settings};

/// One problem with submitted configuration: which field, and what is wrong with it.
/// The API turns it into `{"error": message, "field": field}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigIssue {
    /// Name of the offending field, as in the JSON shape.
    pub field: &'static str,
    /// Human-readable explanation, fit for showing next to the field.
    pub message: String,
}

impl ConfigIssue {
    /// Builds an issue; used by the validators.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// An extension as the API receives it (`POST`, `PUT`, `PATCH /api/v1/extensions`).
///
/// Everything is optional so one type serves create and update; [`validate_extension`] says
/// what is required when. Values are kept loose (text, wide integers) so that a bad value
/// becomes a [`ConfigIssue`] naming the field instead of a generic parse error. Unknown
/// fields are rejected.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionInput {
    /// Required on create; on update it may be repeated but not changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Display name; default empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Digest password; required on create, optional on update (kept if absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// 1–5; default 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_contacts: Option<i64>,
    /// CIDRs or plain addresses; default every address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permit: Option<Vec<String>>,
    /// Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voicemail: Option<bool>,
    /// Codec names in preference order; default `PCMU, PCMA, G722, opus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codecs: Option<Vec<String>>,
    /// `rfc4733` (default), `info`, `inband` or `auto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtmf_mode: Option<String>,
    /// Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat: Option<bool>,
    /// Seconds, 60–86400; default the `default_expiry` setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register_expiry: Option<i64>,
    /// Seconds, 0 (off) or 10–3600; default the `qualify_interval` setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualify_interval: Option<i64>,
    /// The DUC "Remote Extension" flag; default false; needs a strong secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<bool>,
    /// Record every answered call of this extension; default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_calls: Option<bool>,
    /// Music-on-hold class (a folder under `moh/`); default `default`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moh_class: Option<String>,
}

/// Most entries a permit list may hold.
pub const MAX_PERMIT_ENTRIES: usize = 32;

/// Checks `input` and builds the extension it describes.
///
/// With `existing = None` this is a create: `number` and `secret` are required and the number
/// must lie in `settings.user_extension_range`. With `existing = Some(..)` it is an update with
/// PATCH semantics: fields left out keep the existing value (a full PUT simply sends them
/// all), the number cannot change, and the range is not re-checked so that narrowing the range
/// does not lock existing extensions. Returns every problem found, not just the first.
pub fn validate_extension(
    input: &ExtensionInput,
    existing: Option<&Extension>,
    settings: &Settings,
) -> Result<Extension, Vec<ConfigIssue>> {
    let mut issues = Vec::new();

    let number = check_number(input, existing, settings, &mut issues);
    let number_text = number
        .as_ref()
        .map(|n| n.as_str().to_owned())
        .or_else(|| input.number.clone())
        .unwrap_or_default();

    let name = input
        .name
        .clone()
        .or_else(|| existing.map(|e| e.name.clone()))
        .unwrap_or_default();
    if name.chars().count() > MAX_NAME_CHARS {
        issues.push(ConfigIssue::new("name", "must be at most 64 characters"));
    }
    if name.chars().any(char::is_control) {
        issues.push(ConfigIssue::new(
            "name",
            "must not contain control characters",
        ));
    }

    let remote = input.remote.or(existing.map(|e| e.remote)).unwrap_or(false);
    let secret = match (&input.secret, existing) {
        (Some(s), _) => {
            let before = issues.len();
            check_secret(s, &number_text, &mut issues);
            if remote && issues.len() == before && !is_strong_secret(s) {
                issues.push(ConfigIssue::new("secret", REMOTE_NEEDS_STRONG));
            }
            Some(Secret::new(s.clone()))
        }
        (None, Some(e)) => {
            if remote && !is_strong_secret(e.secret.expose()) {
                issues.push(ConfigIssue::new("remote", REMOTE_NEEDS_STRONG));
            }
            Some(e.secret.clone())
        }
        (None, None) => {
            issues.push(ConfigIssue::new("secret", "is required"));
            None
        }
    };

    let max_contacts = match input.max_contacts {
        Some(n) => match u8::try_from(n) {
            Ok(n @ 1..=5) => n,
            _ => {
                issues.push(ConfigIssue::new("max_contacts", "must be between 1 and 5"));
                Extension::DEFAULT_MAX_CONTACTS
            }
        },
        None => existing.map_or(Extension::DEFAULT_MAX_CONTACTS, |e| e.max_contacts),
    };

    let permit = match &input.permit {
        Some(list) => check_permit(list, &mut issues),
        None => existing.map_or_else(Extension::default_permit, |e| e.permit.clone()),
    };

    let codecs = match &input.codecs {
        Some(list) => check_codecs(list, &mut issues),
        None => existing.map_or_else(|| Extension::DEFAULT_CODECS.to_vec(), |e| e.codecs.clone()),
    };

    let dtmf_mode = match &input.dtmf_mode {
        Some(text) => text.parse().unwrap_or_else(|_| {
            issues.push(ConfigIssue::new(
                "dtmf_mode",
                format!("unknown mode {text:?}; use rfc4733, info, inband or auto"),
            ));
            DtmfMode::default()
        }),
        None => existing.map_or_else(DtmfMode::default, |e| e.dtmf_mode),
    };

    let register_expiry = match input.register_expiry {
        Some(v) => match u32::try_from(v) {
            Ok(v @ 60..=86_400) => v,
            _ => {
                issues.push(ConfigIssue::new(
                    "register_expiry",
                    "must be between 60 and 86400 seconds",
                ));
                0
            }
        },
        None => existing.map_or(settings.default_expiry, |e| e.register_expiry),
    };

    let qualify_interval = match input.qualify_interval {
        Some(v) => match u32::try_from(v) {
            Ok(v @ (0 | 10..=3600)) => v,
            _ => {
                issues.push(ConfigIssue::new(
                    "qualify_interval",
                    "must be 0 (off) or between 10 and 3600 seconds",
                ));
                0
            }
        },
        None => existing.map_or(settings.qualify_interval, |e| e.qualify_interval),
    };

    let voicemail = input
        .voicemail
        .or(existing.map(|e| e.voicemail))
        .unwrap_or(true);
    let nat = input.nat.or(existing.map(|e| e.nat)).unwrap_or(true);
    let record_calls = input
        .record_calls
        .or(existing.map(|e| e.record_calls))
        .unwrap_or(false);

    let moh_class = match &input.moh_class {
        Some(c) if crate::extension::is_moh_class_name(c) => c.clone(),
        Some(_) => {
            issues.push(ConfigIssue::new(
                "moh_class",
                "must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'",
            ));
            String::new()
        }
        None => existing.map_or_else(
            || Extension::DEFAULT_MOH_CLASS.to_owned(),
            |e| e.moh_class.clone(),
        ),
    };

    match (number, secret) {
        (Some(number), Some(secret)) if issues.is_empty() => Ok(Extension {
            number,
            name,
            secret,
            max_contacts,
            permit,
            voicemail,
            codecs,
            dtmf_mode,
            nat,
            register_expiry,
            qualify_interval,
            remote,
            record_calls,
            moh_class,
        }),
        _ => Err(issues),
    }
}

/// Whether `secret` is strong enough for a remote extension: at least 10 characters with
/// upper-case and lower-case letters and digits (DUC guide: "users cannot enable this option
/// with a weak password").
#[must_use]
pub fn is_strong_secret(secret: &str) -> bool {
    secret.chars().count() >= 10
        && secret.chars().any(char::is_uppercase)
        && secret.chars().any(char::is_lowercase)
        && secret.chars().any(|c| c.is_ascii_digit())
}

/// The number: required and in range on create, unchangeable on update.
fn check_number(
    input: &ExtensionInput,
    existing: Option<&Extension>,
    settings: &Settings,
    issues: &mut Vec<ConfigIssue>,
) -> Option<ExtensionNumber> {
    match (&input.number, existing) {
        (None, None) => {
            issues.push(ConfigIssue::new("number", "is required"));
            None
        }
        (None, Some(e)) => Some(e.number.clone()),
        (Some(given), Some(e)) => {
            if given != e.number.as_str() {
                issues.push(ConfigIssue::new(
                    "number",
                    "cannot be changed; delete the extension and create a new one",
                ));
            }
            Some(e.number.clone())
        }
        (Some(given), None) => match ExtensionNumber::new(given.clone()) {
            Ok(n) => {
                let range = &settings.user_extension_range;
                if !range.contains(n.as_str()) {
                    issues.push(ConfigIssue::new(
                        "number",
                        format!("must be inside the user extension range {range}"),
                    ));
                }
                Some(n)
            }
            Err(e) => {
                issues.push(ConfigIssue::new("number", e.to_string()));
                None
            }
        },
    }
}

/// The general secret rules (every extension, remote or not).
fn check_secret(secret: &str, number: &str, issues: &mut Vec<ConfigIssue>) {
    let len = secret.chars().count();
    if len < MIN_SECRET_CHARS {
        issues.push(ConfigIssue::new("secret", "must be at least 8 characters"));
    }
    if len > MAX_SECRET_CHARS {
        issues.push(ConfigIssue::new("secret", "must be at most 128 characters"));
    }
    if secret.chars().any(|c| c.is_control() || c.is_whitespace()) {
        issues.push(ConfigIssue::new(
            "secret",
            "must not contain spaces or control characters",
        ));
    }
    if !secret.chars().any(char::is_alphabetic) || !secret.chars().any(|c| c.is_ascii_digit()) {
        issues.push(ConfigIssue::new(
            "secret",
            "must contain both letters and digits",
        ));
    }
    if !number.is_empty() && secret.contains(number) {
        issues.push(ConfigIssue::new(
            "secret",
            "must not contain the extension number",
        ));
    }
    if WEAK_SECRETS.iter().any(|w| w.eq_ignore_ascii_case(secret)) {
        issues.push(ConfigIssue::new(
            "secret",
            "is a commonly used password; choose another",
        ));
    }
}

/// Parses the permit list: CIDRs or plain addresses (a host route), deduplicated by error.
fn check_permit(list: &[String], issues: &mut Vec<ConfigIssue>) -> Vec<IpNet> {
    if list.is_empty() {
        issues.push(ConfigIssue::new(
            "permit",
            "must list at least one network (0.0.0.0/0 and ::/0 allow every address)",
        ));
    }
    if list.len() > MAX_PERMIT_ENTRIES {
        issues.push(ConfigIssue::new("permit", "must have at most 32 entries"));
    }
    let mut nets: Vec<IpNet> = Vec::with_capacity(list.len());
    for (i, text) in list.iter().enumerate() {
        let text = text.trim();
        let parsed = text
            .parse::<IpNet>()
            .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from));
        match parsed {
            Ok(net) => {
                // Store the network address: 10.1.2.3/8 means 10.0.0.0/8.
                let net = net.trunc();
                if nets.contains(&net) {
                    issues.push(ConfigIssue::new(
                        "permit",
                        format!("entry {} ({net}) is listed twice", i + 1),
                    ));
                } else {
                    nets.push(net);
                }
            }
            Err(_) => issues.push(ConfigIssue::new(
                "permit",
                format!(
                    "entry {} ({text:?}) is not an IP address or CIDR network",
                    i + 1
                ),
            )),
        }
    }
    nets
}

/// Parses codec names: at least one, all known, none twice.
fn check_codecs(list: &[String], issues: &mut Vec<ConfigIssue>) -> Vec<Codec> {
    if list.is_empty() {
        issues.push(ConfigIssue::new("codecs", "must list at least one codec"));
    }
    let mut codecs: Vec<Codec> = Vec::with_capacity(list.len());
    for name in list {
        match name.parse::<Codec>() {
            Ok(c) if codecs.contains(&c) => {
                issues.push(ConfigIssue::new("codecs", format!("{c} is listed twice")))
            }
            Ok(c) => codecs.push(c),
            Err(_) => issues.push(ConfigIssue::new(
                "codecs",
                format!("unknown codec {name:?}; known: PCMU, PCMA, G722, G729, GSM, opus"),
            )),
        }
    }
    codecs
}

/// Longest display name, in characters.
const MAX_NAME_CHARS: usize = 64;
/// Shortest secret, in characters.
const MIN_SECRET_CHARS: usize = 8;
/// Longest secret, in characters.
const MAX_SECRET_CHARS: usize = 128;
/// The message for a remote extension without a strong secret.
const REMOTE_NEEDS_STRONG: &str = "a remote extension needs a strong secret: at least 10 \
     characters with upper-case and lower-case letters and digits";
/// Passwords that pass the length and letters+digits rules but appear at the top of every
/// leaked-password list (compared case-insensitively).
const WEAK_SECRETS: &[&str] = &[
    "password1",
    "password12",
    "password123",
    "passw0rd",
    "p4ssw0rd",
    "pa55w0rd",
    "abc12345",
    "abcd1234",
    "abc123456",
    "qwerty123",
    "qwerty12",
    "1qaz2wsx",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "q1w2e3r4",
    "zaq12wsx",
    "admin123",
    "admin1234",
    "letmein1",
    "welcome1",
    "welcome123",
    "iloveyou1",
    "sunshine1",
    "monkey123",
    "dragon123",
    "trustno1",
    "changeme1",
    "secret123",
    "test1234",
    "football1",
    "baseball1",
    "master123",
];
