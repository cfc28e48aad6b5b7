//! Global PBX options (the DUC "Global PBX Options" page) and their validation.
//!
//! [`Settings`] is the validated value held in the snapshot; [`SettingsInput`] is the patch the
//! API receives. [`validate_settings`] merges one into the other and reports every problem.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{ConfigError, ConfigIssue};

/// An inclusive range of dialable numbers, such as the DUC "User Extension Number Range
/// 100-899" or "Conference Extension Number Range 0900-0935".
///
/// Numbers are ordered by digit count first, then digit by digit, so leading zeros matter:
/// `0900-0935` holds only four-digit numbers and never overlaps `100-899`. On the wire and in
/// the store a range is the text `"LOW-HIGH"`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NumberRange {
    low: String,
    high: String,
}

impl NumberRange {
    /// Most digits a range bound may have (the longest extension number).
    pub const MAX_DIGITS: usize = 11;

    /// Builds a range from its two bounds; both must be 1–11 digits and `low <= high`.
    pub fn new(low: impl Into<String>, high: impl Into<String>) -> Result<Self, ConfigError> {
        let (low, high) = (low.into(), high.into());
        for bound in [&low, &high] {
            let digits = !bound.is_empty() && bound.bytes().all(|b| b.is_ascii_digit());
            if !digits || bound.len() > Self::MAX_DIGITS {
                return Err(ConfigError::InvalidRange {
                    reason: "bounds must be 1 to 11 digits",
                });
            }
        }
        if number_order(&low, &high) == Ordering::Greater {
            return Err(ConfigError::InvalidRange {
                reason: "the low bound is above the high bound",
            });
        }
        Ok(Self { low, high })
    }

    /// The first number of the range.
    #[must_use]
    pub fn low(&self) -> &str {
        &self.low
    }

    /// The last number of the range.
    #[must_use]
    pub fn high(&self) -> &str {
        &self.high
    }

    /// Whether `number` (digits) lies inside the range.
    #[must_use]
    pub fn contains(&self, number: &str) -> bool {
        !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit())
            && number_order(&self.low, number) != Ordering::Greater
            && number_order(number, &self.high) != Ordering::Greater
    }

    /// Whether the two ranges share at least one number.
    #[must_use]
    pub fn overlaps(&self, other: &NumberRange) -> bool {
        number_order(&self.low, &other.high) != Ordering::Greater
            && number_order(&other.low, &self.high) != Ordering::Greater
    }
}

/// Digit count first, then lexicographic (= numeric for equal lengths).
fn number_order(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl FromStr for NumberRange {
    type Err = ConfigError;

    /// Parses `"100-899"` (spaces around the dash allowed).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (low, high) = s.split_once('-').ok_or(ConfigError::InvalidRange {
            reason: "expected LOW-HIGH",
        })?;
        Self::new(low.trim(), high.trim())
    }
}

impl TryFrom<String> for NumberRange {
    type Error = ConfigError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<NumberRange> for String {
    fn from(r: NumberRange) -> Self {
        r.to_string()
    }
}

impl fmt::Display for NumberRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.low, self.high)
    }
}

impl fmt::Debug for NumberRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NumberRange({self})")
    }
}

/// Global PBX options. Times are whole seconds.
///
/// `Deserialize` fills missing fields from [`Settings::default`], so rows written by an older
/// version still load; values from outside go through [`validate_settings`] instead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Digest realm offered in challenges.
    pub realm: String,
    /// Expiry granted when a REGISTER asks for none (seconds).
    pub default_expiry: u32,
    /// Shortest expiry accepted; shorter requests get 423 Interval Too Brief (seconds).
    pub min_expires: u32,
    /// Longest expiry granted; longer requests are cut down (seconds).
    pub max_expires: u32,
    /// Default seconds between qualify OPTIONS; 0 = off.
    pub qualify_interval: u32,
    /// Seconds without an answer to OPTIONS before a contact counts as unreachable.
    pub qualify_timeout: u32,
    /// Seconds an extension rings before the call goes to voicemail or fails.
    pub global_ring_time: u32,
    /// Offer a second call to a busy extension.
    pub call_waiting: bool,
    /// Calls the box accepts at once; the next gets 503.
    pub max_concurrent_calls: u32,
    /// Seconds without RTP before an answered call is hung up; 0 = off.
    pub rtp_timeout: u32,
    /// Call recordings keep the caller on the left and the callee on the right channel
    /// instead of one mixed channel.
    pub recording_stereo: bool,
    /// Digest algorithms challenged, most preferred first ("MD5", "SHA-256"). MD5 alone
    /// by default: widely deployed clients (baresip 1.0, SIPp 3.6) abort on a SHA-256
    /// challenge instead of skipping it. Credentials with either are always accepted.
    pub digest_algorithms: Vec<String>,
    /// Numbers user extensions may take.
    pub user_extension_range: NumberRange,
    /// Conference room numbers.
    pub conference_range: NumberRange,
    /// Call queue numbers.
    pub queue_range: NumberRange,
    /// Department numbers.
    pub department_range: NumberRange,
    /// Paging group numbers.
    pub paging_range: NumberRange,
    /// IVR numbers.
    pub ivr_range: NumberRange,
    /// DISA numbers.
    pub disa_range: NumberRange,
    /// The region's tone zone (DUC guide: System -> Region/Time, "Tone Zone"): which dial,
    /// ring-back, busy, congestion, call-waiting and confirmation tones pbxd generates.
    /// One of [`TONE_ZONES`].
    pub tone_zone: String,
}

/// The tone zones pbxd has ITU-T E.180 tone data for, by code (ISO 3166 country code,
/// except `uk`). The codecs crate holds the tones; a test in rotary-media keeps both
/// lists equal.
pub const TONE_ZONES: [&str; 26] = [
    "us", "uk", "cn", "de", "fr", "it", "jp", "au", "br", "in", "ru", "es", "nl", "at", "be", "ch",
    "dk", "fi", "se", "no", "pl", "pt", "nz", "za", "mx", "il",
];

impl Default for Settings {
    fn default() -> Self {
        Self {
            realm: "rotary".to_owned(),
            default_expiry: 1800,
            min_expires: 60,
            max_expires: 7200,
            qualify_interval: 60,
            qualify_timeout: 5,
            global_ring_time: 30,
            call_waiting: true,
            max_concurrent_calls: 200,
            rtp_timeout: 60,
            recording_stereo: false,
            digest_algorithms: vec!["MD5".to_owned()],
            user_extension_range: range("100", "899"),
            conference_range: range("0900", "0935"),
            queue_range: range("0300", "0335"),
            department_range: range("0400", "0435"),
            paging_range: range("0500", "0535"),
            ivr_range: range("0600", "0635"),
            disa_range: range("0700", "0735"),
            tone_zone: "us".to_owned(),
        }
    }
}

/// A constant range for the defaults.
fn range(low: &str, high: &str) -> NumberRange {
    NumberRange {
        low: low.to_owned(),
        high: high.to_owned(),
    }
}

impl Settings {
    /// Every problem with these values; empty when they are usable. The store's loaded
    /// settings and [`validate_settings`] both go through this.
    #[must_use]
    pub fn issues(&self) -> Vec<ConfigIssue> {
        let mut out = Vec::new();
        let mut issue = |field: &'static str, message: String| {
            out.push(ConfigIssue::new(field, message));
        };
        let realm_ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        if !TONE_ZONES.contains(&self.tone_zone.as_str()) {
            issue(
                "tone_zone",
                format!("must be one of {}", TONE_ZONES.join(", ")),
            );
        }
        if self.realm.is_empty() || self.realm.len() > 64 || !self.realm.chars().all(realm_ok) {
            issue(
                "realm",
                "must be 1 to 64 letters, digits, '.', '-' or '_'".into(),
            );
        }
        if !(10..=3600).contains(&self.min_expires) {
            issue("min_expires", "must be between 10 and 3600 seconds".into());
        }
        if self.max_expires < self.min_expires || self.max_expires > 86_400 {
            issue(
                "max_expires",
                format!(
                    "must be between min_expires ({}) and 86400 seconds",
                    self.min_expires
                ),
            );
        }
        if self.default_expiry < self.min_expires || self.default_expiry > self.max_expires {
            issue(
                "default_expiry",
                format!(
                    "must be between min_expires ({}) and max_expires ({})",
                    self.min_expires, self.max_expires
                ),
            );
        }
        let qualify_ok = self.qualify_interval == 0 || (10..=3600).contains(&self.qualify_interval);
        if !qualify_ok {
            issue(
                "qualify_interval",
                "must be 0 (off) or between 10 and 3600 seconds".into(),
            );
        }
        if !(1..=60).contains(&self.qualify_timeout) {
            issue("qualify_timeout", "must be between 1 and 60 seconds".into());
        } else if qualify_ok
            && self.qualify_interval != 0
            && self.qualify_timeout >= self.qualify_interval
        {
            issue(
                "qualify_timeout",
                "must be shorter than qualify_interval".into(),
            );
        }
        if !(5..=600).contains(&self.global_ring_time) {
            issue(
                "global_ring_time",
                "must be between 5 and 600 seconds".into(),
            );
        }
        if !(1..=10_000).contains(&self.max_concurrent_calls) {
            issue("max_concurrent_calls", "must be between 1 and 10000".into());
        }
        if self.rtp_timeout != 0 && !(5..=3600).contains(&self.rtp_timeout) {
            issue(
                "rtp_timeout",
                "must be 0 (off) or between 5 and 3600 seconds".into(),
            );
        }
        if self.digest_algorithms.is_empty()
            || self.digest_algorithms.len() > 2
            || self
                .digest_algorithms
                .iter()
                .any(|a| a != "MD5" && a != "SHA-256")
        {
            issue(
                "digest_algorithms",
                "must list \"MD5\" and/or \"SHA-256\" (most preferred first)".into(),
            );
        }
        let user = &self.user_extension_range;
        if user.low.len() < 2 {
            issue(
                "user_extension_range",
                "extension numbers have 2 to 11 digits".into(),
            );
        }
        let ranges = self.ranges();
        for (i, (name_a, a)) in ranges.iter().enumerate() {
            for (name_b, b) in &ranges[i + 1..] {
                if a.overlaps(b) {
                    issue(name_b, format!("{b} overlaps {name_a} {a}"));
                }
            }
        }
        out
    }

    /// All number ranges with their field names, user extensions first.
    #[must_use]
    pub fn ranges(&self) -> [(&'static str, &NumberRange); 7] {
        [
            ("user_extension_range", &self.user_extension_range),
            ("conference_range", &self.conference_range),
            ("queue_range", &self.queue_range),
            ("department_range", &self.department_range),
            ("paging_range", &self.paging_range),
            ("ivr_range", &self.ivr_range),
            ("disa_range", &self.disa_range),
        ]
    }
}

/// A settings change from the API: every field optional (PATCH semantics), unknown fields
/// rejected. Numbers are wide so that out-of-range values become [`ConfigIssue`]s instead
/// of parse errors; ranges are `"LOW-HIGH"` text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is the `Settings` field of the same name
pub struct SettingsInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_expiry: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_expires: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_expires: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualify_interval: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualify_timeout: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_ring_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_waiting: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent_calls: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtp_timeout: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_stereo: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest_algorithms: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_extension_range: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conference_range: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_range: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_range: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging_range: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ivr_range: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disa_range: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tone_zone: Option<String>,
}

/// Applies `input` on top of `existing` (fields left out keep their value) and checks the
/// result. Returns the new settings, or every problem found.
pub fn validate_settings(
    input: &SettingsInput,
    existing: &Settings,
) -> Result<Settings, Vec<ConfigIssue>> {
    let mut issues = Vec::new();
    let mut unparsed = Vec::new();
    let mut s = existing.clone();
    if let Some(realm) = &input.realm {
        s.realm.clone_from(realm);
    }
    if let Some(b) = input.call_waiting {
        s.call_waiting = b;
    }
    if let Some(b) = input.recording_stereo {
        s.recording_stereo = b;
    }
    if let Some(a) = &input.digest_algorithms {
        s.digest_algorithms.clone_from(a);
    }
    if let Some(zone) = &input.tone_zone {
        let code = zone.trim().to_ascii_lowercase();
        if TONE_ZONES.contains(&code.as_str()) {
            s.tone_zone = code;
        } else {
            unparsed.push("tone_zone");
            issues.push(ConfigIssue::new(
                "tone_zone",
                format!("must be one of {}", TONE_ZONES.join(", ")),
            ));
        }
    }
    let numbers: [(&'static str, Option<i64>, &mut u32); 8] = [
        (
            "default_expiry",
            input.default_expiry,
            &mut s.default_expiry,
        ),
        ("min_expires", input.min_expires, &mut s.min_expires),
        ("max_expires", input.max_expires, &mut s.max_expires),
        (
            "qualify_interval",
            input.qualify_interval,
            &mut s.qualify_interval,
        ),
        (
            "qualify_timeout",
            input.qualify_timeout,
            &mut s.qualify_timeout,
        ),
        (
            "global_ring_time",
            input.global_ring_time,
            &mut s.global_ring_time,
        ),
        (
            "max_concurrent_calls",
            input.max_concurrent_calls,
            &mut s.max_concurrent_calls,
        ),
        ("rtp_timeout", input.rtp_timeout, &mut s.rtp_timeout),
    ];
    for (field, value, slot) in numbers {
        let Some(value) = value else { continue };
        match u32::try_from(value) {
            Ok(v) => *slot = v,
            Err(_) => {
                unparsed.push(field);
                issues.push(ConfigIssue::new(field, "must be a whole number >= 0"));
            }
        }
    }
    let ranges: [(&'static str, &Option<String>, &mut NumberRange); 7] = [
        (
            "user_extension_range",
            &input.user_extension_range,
            &mut s.user_extension_range,
        ),
        (
            "conference_range",
            &input.conference_range,
            &mut s.conference_range,
        ),
        ("queue_range", &input.queue_range, &mut s.queue_range),
        (
            "department_range",
            &input.department_range,
            &mut s.department_range,
        ),
        ("paging_range", &input.paging_range, &mut s.paging_range),
        ("ivr_range", &input.ivr_range, &mut s.ivr_range),
        ("disa_range", &input.disa_range, &mut s.disa_range),
    ];
    for (field, value, slot) in ranges {
        let Some(text) = value else { continue };
        match text.parse::<NumberRange>() {
            Ok(r) => *slot = r,
            Err(e) => {
                unparsed.push(field);
                issues.push(ConfigIssue::new(field, e.to_string()));
            }
        }
    }
    // Checks on the merged value; skip fields whose input could not be read at all, so a
    // bad value is reported once rather than again against the stale one.
    issues.extend(
        s.issues()
            .into_iter()
            .filter(|i| !unparsed.contains(&i.field)),
    );
    if issues.is_empty() {
        Ok(s)
    } else {
        Err(issues)
    }
}
