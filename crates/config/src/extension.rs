//! The validated extension model: what a registered phone is allowed to do.
//!
//! Values of these types exist only after validation (see [`crate::validate_extension`]) or
//! after loading from the store, so the engine and registrar can trust them as they are.

use std::borrow::Borrow;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::ConfigError;

/// A user extension number: 2 to 11 ASCII digits (DUC guide, "Extension Ranges").
///
/// Kept as text, not as an integer, because leading zeros are significant (`0900` is a
/// conference room, not extension 900). Borrows as `str`, so maps keyed by it can be
/// searched with a plain `&str`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExtensionNumber(String);

impl ExtensionNumber {
    /// Fewest digits an extension number may have.
    pub const MIN_DIGITS: usize = 2;
    /// Most digits an extension number may have.
    pub const MAX_DIGITS: usize = 11;

    /// Checks and wraps a number; use when text from outside names an extension.
    pub fn new(number: impl Into<String>) -> Result<Self, ConfigError> {
        let number = number.into();
        let len = number.len();
        if !number.bytes().all(|b| b.is_ascii_digit()) || number.is_empty() {
            return Err(ConfigError::InvalidNumber {
                reason: "must contain digits only",
            });
        }
        if !(Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&len) {
            return Err(ConfigError::InvalidNumber {
                reason: "must have 2 to 11 digits",
            });
        }
        Ok(Self(number))
    }

    /// The digits, for building SIP URIs and database keys.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ExtensionNumber {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for ExtensionNumber {
    type Error = ConfigError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl From<ExtensionNumber> for String {
    fn from(n: ExtensionNumber) -> Self {
        n.0
    }
}

impl Borrow<str> for ExtensionNumber {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ExtensionNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ExtensionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ExtensionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExtensionNumber({})", self.0)
    }
}

/// A SIP digest password. Never printed: `Debug` shows `***` and there is no `Display`
/// and no `Serialize`, so a secret cannot leak into logs or API responses by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a password; strength rules live in [`crate::validate_extension`].
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The plain text, for computing digest hashes and for persisting in the store.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// An audio codec an extension may use, named on the wire exactly as in SDP
/// (`PCMU`, `PCMA`, `G722`, `G729`, `GSM`, `opus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Codec {
    /// G.711 µ-law (RFC 3551 payload type 0).
    #[serde(rename = "PCMU")]
    Pcmu,
    /// G.711 A-law (RFC 3551 payload type 8).
    #[serde(rename = "PCMA")]
    Pcma,
    /// G.722 wideband (RFC 3551 payload type 9).
    #[serde(rename = "G722")]
    G722,
    /// G.726 at 32 kbit/s (`G726-32`, dynamic payload type, RFC 3551 §4.5.4).
    #[serde(rename = "G726-32", alias = "G726")]
    G726,
    /// G.729 (RFC 3551 payload type 18).
    #[serde(rename = "G729")]
    G729,
    /// GSM full rate (RFC 3551 payload type 3).
    #[serde(rename = "GSM")]
    Gsm,
    /// Opus (RFC 7587, dynamic payload type).
    #[serde(rename = "opus")]
    Opus,
}

impl Codec {
    /// Every codec, in the order the GUI lists them.
    pub const ALL: [Codec; 7] = [
        Codec::Pcmu,
        Codec::Pcma,
        Codec::G722,
        Codec::G726,
        Codec::G729,
        Codec::Gsm,
        Codec::Opus,
    ];

    /// The wire / SDP encoding name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
            Codec::G722 => "G722",
            Codec::G729 => "G729",
            Codec::Gsm => "GSM",
            Codec::Opus => "opus",
            Codec::G726 => "G726-32",
        }
    }

    /// The RFC 3551 static payload type, or `None` for codecs that use a dynamic one.
    #[must_use]
    pub fn static_payload_type(self) -> Option<u8> {
        match self {
            Codec::Pcmu => Some(0),
            Codec::Gsm => Some(3),
            Codec::Pcma => Some(8),
            Codec::G722 => Some(9),
            Codec::G729 => Some(18),
            Codec::Opus | Codec::G726 => None,
        }
    }
}

impl FromStr for Codec {
    type Err = ConfigError;

    /// Case-insensitive, like SDP encoding names (RFC 4566 §6).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Codec::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s))
            .ok_or(ConfigError::UnknownCodec)
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How an extension sends and receives DTMF digits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DtmfMode {
    /// RFC 4733 telephone-event packets in the RTP stream (the DUC default).
    #[default]
    Rfc4733,
    /// SIP INFO requests (application/dtmf-relay).
    Info,
    /// Tones inside the audio, detected by the media engine.
    Inband,
    /// RFC 4733 when the peer offers telephone-event, otherwise inband.
    Auto,
}

impl DtmfMode {
    /// Every mode, for listing choices.
    pub const ALL: [DtmfMode; 4] = [
        DtmfMode::Rfc4733,
        DtmfMode::Info,
        DtmfMode::Inband,
        DtmfMode::Auto,
    ];

    /// The wire name (`rfc4733`, `info`, `inband`, `auto`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            DtmfMode::Rfc4733 => "rfc4733",
            DtmfMode::Info => "info",
            DtmfMode::Inband => "inband",
            DtmfMode::Auto => "auto",
        }
    }
}

impl FromStr for DtmfMode {
    type Err = ConfigError;

    /// Case-insensitive; `rfc2833` (the obsoleted RFC) is accepted as `rfc4733`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("rfc2833") {
            return Ok(DtmfMode::Rfc4733);
        }
        DtmfMode::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s))
            .ok_or(ConfigError::UnknownDtmfMode)
    }
}

impl fmt::Display for DtmfMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One user extension (a SIP account) in the configuration snapshot.
///
/// Build one with [`crate::validate_extension`]; the store also rebuilds them from rows it
/// wrote earlier. Fields are public because a snapshot is immutable data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    /// The number, also the SIP user part and digest username.
    pub number: ExtensionNumber,
    /// Display name (caller ID name), at most 64 characters.
    pub name: String,
    /// Digest password for REGISTER and calls.
    pub secret: Secret,
    /// How many contacts may be registered at once (1–5; the next REGISTER gets 403).
    pub max_contacts: u8,
    /// Source networks allowed to register or call as this extension.
    pub permit: Vec<IpNet>,
    /// Unanswered or busy calls go to voicemail.
    pub voicemail: bool,
    /// Allowed codecs in preference order.
    pub codecs: Vec<Codec>,
    /// DTMF transport.
    pub dtmf_mode: DtmfMode,
    /// The phone is behind NAT: use the received address and keep the flow open.
    pub nat: bool,
    /// Registration expiry granted to this extension's phones, in seconds.
    pub register_expiry: u32,
    /// Seconds between OPTIONS keep-alives (qualify); 0 = off.
    pub qualify_interval: u32,
    /// The DUC "Remote Extension" flag: may register from outside the LAN (needs a strong
    /// secret).
    pub remote: bool,
    /// Record every answered call this extension makes or takes ("always" recording).
    pub record_calls: bool,
    /// Music-on-hold class the other party hears while this extension holds a call (DUC
    /// "Music On Hold"); `default` unless set. A class without a folder plays `default`.
    pub moh_class: String,
}

impl Extension {
    /// Default for [`Extension::max_contacts`] (DUC "Number of Simultaneous Register").
    pub const DEFAULT_MAX_CONTACTS: u8 = 2;
    /// The class every PBX has (`moh/default`).
    pub const DEFAULT_MOH_CLASS: &'static str = "default";
    /// Default for [`Extension::codecs`].
    pub const DEFAULT_CODECS: [Codec; 4] = [Codec::Pcmu, Codec::Pcma, Codec::G722, Codec::Opus];

    /// The default permit list: every IPv4 and IPv6 address.
    #[must_use]
    pub fn default_permit() -> Vec<IpNet> {
        vec![
            IpNet::V4(ipnet::Ipv4Net::default()),
            IpNet::V6(ipnet::Ipv6Net::default()),
        ]
    }

    /// Whether a request from `ip` may act as this extension (its `permit` list).
    /// IPv4-mapped IPv6 addresses (from dual-stack sockets) are matched as IPv4.
    #[must_use]
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.permit.iter().any(|net| net.contains(&ip))
    }

    /// The API view of this extension (everything but the secret).
    #[must_use]
    pub fn view(&self) -> ExtensionView {
        ExtensionView::from(self)
    }
}

/// What the API returns for an extension: every field except the write-only secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionView {
    /// See [`Extension::number`].
    pub number: ExtensionNumber,
    /// See [`Extension::name`].
    pub name: String,
    /// See [`Extension::max_contacts`].
    pub max_contacts: u8,
    /// See [`Extension::permit`].
    pub permit: Vec<IpNet>,
    /// See [`Extension::voicemail`].
    pub voicemail: bool,
    /// See [`Extension::codecs`].
    pub codecs: Vec<Codec>,
    /// See [`Extension::dtmf_mode`].
    pub dtmf_mode: DtmfMode,
    /// See [`Extension::nat`].
    pub nat: bool,
    /// See [`Extension::register_expiry`].
    pub register_expiry: u32,
    /// See [`Extension::qualify_interval`].
    pub qualify_interval: u32,
    /// See [`Extension::remote`].
    pub remote: bool,
    /// See [`Extension::record_calls`].
    pub record_calls: bool,
    /// See [`Extension::moh_class`].
    pub moh_class: String,
}

impl From<&Extension> for ExtensionView {
    fn from(e: &Extension) -> Self {
        Self {
            number: e.number.clone(),
            name: e.name.clone(),
            max_contacts: e.max_contacts,
            permit: e.permit.clone(),
            voicemail: e.voicemail,
            codecs: e.codecs.clone(),
            dtmf_mode: e.dtmf_mode,
            nat: e.nat,
            register_expiry: e.register_expiry,
            qualify_interval: e.qualify_interval,
            remote: e.remote,
            record_calls: e.record_calls,
            moh_class: e.moh_class.clone(),
        }
    }
}

/// Whether `name` can name a music-on-hold class: a plain folder name of 1–64 characters
/// of A–Z, a–z, 0–9, `_` or `-` (the API's upload path and the extension field share it).
#[must_use]
pub fn is_moh_class_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
