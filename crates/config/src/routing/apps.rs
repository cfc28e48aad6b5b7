//! Departments (ring groups, DUC guide 5.1.1) and IVR menus (DUC 5.2.1): the configuration
//! of the two call applications routing can hand a call to. Their state machines are in
//! `rotary-dialplan`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Destination, PromptName, RoutingError};
use crate::ExtensionNumber;

/// A department: a number that rings a group of extensions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// The department's number, inside the department range (default 0400–0435).
    pub number: ExtensionNumber,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Ring everyone at once, or one after another.
    #[serde(default)]
    pub strategy: RingStrategy,
    /// The extensions to ring, in order; at least one.
    pub members: Vec<ExtensionNumber>,
    /// Seconds to ring: each member in turn (`linear`) or everyone (`ring_all`); 5–600.
    #[serde(default = "default_ring_time")]
    pub ring_time: u32,
    /// Cap on the whole ringing phase in seconds (5–3600); `None` means no cap beyond
    /// `ring_time` per member.
    #[serde(default)]
    pub total_ring_time: Option<u32>,
    /// Where the call goes when nobody answers (DUC "Destination if no answer").
    #[serde(default = "hangup")]
    pub no_answer: Destination,
}

/// How a department rings its members.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RingStrategy {
    /// Ring every member until one answers (the DUC default).
    #[default]
    RingAll,
    /// Ring the first member, then the next, each for `ring_time`.
    Linear,
}

/// An IVR menu.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ivr {
    /// The menu's number, inside the IVR range (default 0600–0635).
    pub number: ExtensionNumber,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// The prompt played on entry (uploaded or system).
    pub prompt: PromptName,
    /// What each key does (DUC "Events").
    #[serde(default)]
    pub keys: BTreeMap<IvrKey, Destination>,
    /// Callers may dial an extension number directly (DUC "Dial Extension").
    #[serde(default)]
    pub dial_extension: bool,
    /// Seconds allowed between two keys of a number (DUC "Press Key Timeout"); 1–30.
    #[serde(default = "default_digit_timeout")]
    pub digit_timeout: u32,
    /// Seconds to wait for a first key after the prompt ends; 1–60.
    #[serde(default = "default_response_timeout")]
    pub response_timeout: u32,
    /// How often the prompt is played before giving up (DUC "Loop Count"); 1–10.
    #[serde(default = "default_loops")]
    pub loops: u8,
    /// Where a key without a meaning sends the caller (DUC "Invalid Key").
    #[serde(default = "hangup")]
    pub invalid: Destination,
    /// Where a caller who never presses a key goes (DUC "No Press").
    #[serde(default = "hangup")]
    pub timeout: Destination,
}

/// A key of the phone pad, `0`–`9`, `*` or `#` (JSON: a one-character string).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IvrKey(char);

impl IvrKey {
    /// The key for `c`, if it is one of `0-9 * #`.
    pub fn new(c: char) -> Result<Self, RoutingError> {
        if c.is_ascii_digit() || c == '*' || c == '#' {
            Ok(Self(c))
        } else {
            Err(RoutingError::InvalidIvrKey)
        }
    }

    /// The key as a character.
    #[must_use]
    pub fn as_char(self) -> char {
        self.0
    }
}

impl FromStr for IvrKey {
    type Err = RoutingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Self::new(c),
            _ => Err(RoutingError::InvalidIvrKey),
        }
    }
}

impl TryFrom<String> for IvrKey {
    type Error = RoutingError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<IvrKey> for String {
    fn from(k: IvrKey) -> Self {
        k.0.to_string()
    }
}

impl fmt::Display for IvrKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for IvrKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IvrKey({})", self.0)
    }
}

/// Default seconds a department rings (each member, for linear).
fn default_ring_time() -> u32 {
    20
}

/// Default inter-digit timeout of an IVR, in seconds.
fn default_digit_timeout() -> u32 {
    3
}

/// Default wait for a first key after an IVR prompt, in seconds.
fn default_response_timeout() -> u32 {
    5
}

/// Default IVR loop count.
fn default_loops() -> u8 {
    2
}

/// Serde default destination.
fn hangup() -> Destination {
    Destination::Hangup
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ivr_json_with_keys() {
        let ivr: Ivr = serde_json::from_str(
            r##"{"number":"0600","prompt":"welcome","keys":{
                "1":{"type":"department","number":"0400"},
                "#":{"type":"hangup"}}}"##,
        )
        .unwrap();
        assert_eq!(ivr.keys.len(), 2);
        assert_eq!(ivr.loops, 2);
        assert!(ivr.keys.contains_key(&IvrKey::new('#').unwrap()));
        let back = serde_json::to_string(&ivr).unwrap();
        assert!(back.contains(r##""#":{"type":"hangup"}"##), "{back}");
        assert!(serde_json::from_str::<Ivr>(
            r#"{"number":"0600","prompt":"w","keys":{"A":{"type":"hangup"}}}"#
        )
        .is_err());
    }

    #[test]
    fn department_defaults() {
        let d: Department =
            serde_json::from_str(r#"{"number":"0400","members":["101","102"]}"#).unwrap();
        assert_eq!(d.strategy, RingStrategy::RingAll);
        assert_eq!(d.ring_time, 20);
        assert_eq!(d.no_answer, Destination::Hangup);
    }
}
