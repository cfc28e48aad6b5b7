//! SIP trunks (DUC guide 5.3.1): how Rotary reaches a provider or another PBX, and how it
//! recognises calls coming from one.
//!
//! Three modes: [`TrunkMode::Register`] (the DUC "client" trunk: we register to a provider
//! with digest credentials), [`TrunkMode::Peer`] (no registration; calls are recognised by
//! source address) and [`TrunkMode::Account`] (the DUC "server" trunk: a remote PBX registers
//! to us). Registration itself is the engine's job; this is only its configuration.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize};

use super::{NumberRewrite, PhoneNumber, RoutingError, TrunkId};
use crate::{Codec, DtmfMode, Secret};

/// One SIP trunk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trunk {
    /// Unique name; routes refer to the trunk by it.
    pub id: TrunkId,
    /// A disabled trunk neither registers nor carries calls (DUC "Enable").
    #[serde(default = "yes")]
    pub enabled: bool,
    /// How the trunk connects: register, peer or account.
    pub mode: TrunkMode,
    /// Audio codecs offered on this trunk, in preference order.
    #[serde(default = "default_trunk_codecs")]
    pub codecs: Vec<Codec>,
    /// How DTMF is carried on this trunk.
    #[serde(default)]
    pub dtmf_mode: DtmfMode,
    /// Most simultaneous calls through the trunk (DUC "Simultaneous Calls"); `None` means
    /// no limit.
    #[serde(default)]
    pub max_calls: Option<u32>,
    /// A caller ID that replaces whatever the dial rule chose for calls out through this
    /// trunk (DUC "Outbound CID"; it has priority over the extension's CID).
    #[serde(default)]
    pub outbound_cid: Option<PhoneNumber>,
    /// Rewrite of the caller ID we send (for example strip `0`, prepend `+49`).
    #[serde(default)]
    pub outbound_cid_rewrite: NumberRewrite,
    /// Rewrite of the caller ID we receive, applied before any inbound matching.
    #[serde(default)]
    pub inbound_cid_rewrite: NumberRewrite,
    /// Which identity header carries the caller ID (PAI and RPID are mutually exclusive).
    #[serde(default)]
    pub identity: IdentityHeader,
    /// Send a Diversion header with the original number when a call is forwarded out.
    #[serde(default)]
    pub diversion: bool,
}

/// How a trunk connects to the other side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TrunkMode {
    /// We register to a provider (DUC "client mode").
    Register(RegisterTrunk),
    /// IP-authenticated: no registration, calls recognised by source address.
    Peer(PeerTrunk),
    /// A remote PBX registers to us with a username and password (DUC "server mode").
    Account(AccountTrunk),
}

/// Settings of a trunk that registers to a provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterTrunk {
    /// The provider's registrar and proxy (DUC "Server Address").
    pub host: Host,
    /// Port; `None` means the transport's default (5060, or 5061 for TLS).
    #[serde(default)]
    pub port: Option<u16>,
    /// Transport to the provider.
    #[serde(default)]
    pub transport: Transport,
    /// The account user (To/From of REGISTER).
    pub username: String,
    /// The digest username when it differs from `username` (DUC "AuthUser").
    #[serde(default)]
    pub auth_user: Option<String>,
    /// Digest password. Write-only: never serialized.
    #[serde(
        default = "no_secret",
        deserialize_with = "de_secret",
        skip_serializing
    )]
    pub password: Secret,
    /// User part of the From header on calls out (DUC "From User").
    #[serde(default)]
    pub from_user: Option<String>,
    /// Host part of the From header on calls out (DUC "From Domain").
    #[serde(default)]
    pub from_domain: Option<Host>,
    /// Send every request through this proxy (DUC "Out Proxy Server/Port").
    #[serde(default)]
    pub outbound_proxy: Option<HostPort>,
    /// Registration expiry we ask for, in seconds.
    #[serde(default = "default_expiry")]
    pub expiry: u32,
    /// Seconds to wait before registering again after a failure (DUC "Retry Interval");
    /// further failures double the wait, up to 30 minutes.
    #[serde(default = "default_retry")]
    pub retry_interval: u32,
    /// User part of the Contact we register (DUC "Contact"); the provider sends calls to
    /// it, and an INVITE whose Request-URI carries it is recognised as this trunk's.
    /// `None` means `username`.
    #[serde(default)]
    pub contact_user: Option<String>,
    /// Consecutive failed attempts after which registration stops until the trunk is saved
    /// again (DUC "Max Retry"); `None` retries for ever.
    #[serde(default)]
    pub max_retries: Option<u32>,
}

impl RegisterTrunk {
    /// The Contact user part: `contact_user`, else `username`.
    #[must_use]
    pub fn contact_user(&self) -> &str {
        self.contact_user.as_deref().unwrap_or(&self.username)
    }

    /// The digest username: `auth_user`, else `username`.
    #[must_use]
    pub fn auth_user(&self) -> &str {
        self.auth_user.as_deref().unwrap_or(&self.username)
    }
}

/// Settings of an IP-authenticated trunk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerTrunk {
    /// Where calls out are sent; calls from its addresses are recognised as this trunk.
    pub host: Host,
    /// Port; `None` means the transport's default.
    #[serde(default)]
    pub port: Option<u16>,
    /// Transport to the peer.
    #[serde(default)]
    pub transport: Transport,
    /// Further source networks whose calls count as this trunk (a provider's media or
    /// signalling farm).
    #[serde(default)]
    pub permit: Vec<IpNet>,
    /// User part of the From header on calls out.
    #[serde(default)]
    pub from_user: Option<String>,
    /// Host part of the From header on calls out.
    #[serde(default)]
    pub from_domain: Option<Host>,
    /// Send every request through this proxy.
    #[serde(default)]
    pub outbound_proxy: Option<HostPort>,
    /// Seconds between SIP OPTIONS probes that tell whether the peer is reachable
    /// (0 = no probing: the trunk stays `unmonitored`); 10 to 3600 otherwise.
    #[serde(default = "default_qualify")]
    pub qualify_interval: u32,
}

/// Settings of a trunk that a remote PBX registers to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountTrunk {
    /// The username the remote PBX registers with; must not be an extension number.
    pub username: String,
    /// Its digest password. Write-only: never serialized.
    #[serde(
        default = "no_secret",
        deserialize_with = "de_secret",
        skip_serializing
    )]
    pub password: Secret,
    /// Networks the remote PBX may register and call from (default: any).
    #[serde(default = "any_network")]
    pub permit: Vec<IpNet>,
}

/// SIP transport to a trunk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// UDP (the DUC default).
    #[default]
    Udp,
    /// TCP.
    Tcp,
    /// TLS over TCP.
    Tls,
}

impl Transport {
    /// The default port of this transport (RFC 3261 §19.1.2).
    #[must_use]
    pub fn default_port(self) -> u16 {
        match self {
            Transport::Udp | Transport::Tcp => 5060,
            Transport::Tls => 5061,
        }
    }
}

/// Which header carries the caller's identity towards the trunk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentityHeader {
    /// Only the From header.
    #[default]
    None,
    /// P-Asserted-Identity (RFC 3325).
    Pai,
    /// Remote-Party-ID (draft-ietf-sip-privacy-04).
    Rpid,
}

/// A host name or IP address, as written (IPv6 without brackets).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Host(String);

impl Host {
    /// Checks and wraps a host: an IPv4/IPv6 address or a DNS name (RFC 1123 labels).
    pub fn new(host: impl Into<String>) -> Result<Self, RoutingError> {
        let host = host.into();
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(&host);
        if bare.parse::<IpAddr>().is_ok() {
            return Ok(Self(bare.to_owned()));
        }
        if bare.is_empty() || bare.len() > 253 {
            return Err(host_error("must be 1 to 253 characters"));
        }
        let labels_ok = bare.trim_end_matches('.').split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
        if !labels_ok {
            return Err(host_error("not an IP address or DNS name"));
        }
        Ok(Self(bare.to_owned()))
    }

    /// The host as text (IPv6 without brackets).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Host {
    type Err = RoutingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for Host {
    type Error = RoutingError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl From<Host> for String {
    fn from(h: Host) -> Self {
        h.0
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Host({})", self.0)
    }
}

/// A host with an optional port, written `host`, `host:port`, `[v6]:port` or a bare IPv6
/// address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HostPort {
    /// The host.
    pub host: Host,
    /// The port, if given.
    pub port: Option<u16>,
}

impl FromStr for HostPort {
    type Err = RoutingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (v6, after) = rest
                .split_once(']')
                .ok_or_else(|| host_error("'[' without ']'"))?;
            match after.strip_prefix(':') {
                Some(port) => (v6, Some(port)),
                None if after.is_empty() => (v6, None),
                None => return Err(host_error("unexpected text after ']'")),
            }
        } else if s.matches(':').count() == 1 {
            let (host, port) = s.split_once(':').unwrap_or((s, ""));
            (host, Some(port))
        } else {
            (s, None)
        };
        let port = match port {
            Some(p) => match p.parse::<u16>() {
                Ok(p) if p > 0 => Some(p),
                _ => return Err(host_error("port must be 1 to 65535")),
            },
            None => None,
        };
        Ok(Self {
            host: Host::new(host)?,
            port,
        })
    }
}

impl TryFrom<String> for HostPort {
    type Error = RoutingError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<HostPort> for String {
    fn from(h: HostPort) -> Self {
        h.to_string()
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v6 = self.host.as_str().contains(':');
        match (self.port, v6) {
            (Some(port), true) => write!(f, "[{}]:{port}", self.host),
            (Some(port), false) => write!(f, "{}:{port}", self.host),
            (None, _) => write!(f, "{}", self.host),
        }
    }
}

/// Default codecs of a trunk: the two G.711 laws every provider speaks.
fn default_trunk_codecs() -> Vec<Codec> {
    vec![Codec::Pcmu, Codec::Pcma]
}

/// Default registration expiry (seconds).
fn default_expiry() -> u32 {
    3600
}

/// Default retry interval after a failed registration (seconds).
fn default_retry() -> u32 {
    30
}

/// Default OPTIONS probe interval of a peer trunk (seconds).
fn default_qualify() -> u32 {
    60
}

/// Serde default for `true` flags.
fn yes() -> bool {
    true
}

/// An empty password, for input that omits it (validation then reports it).
fn no_secret() -> Secret {
    Secret::new(String::new())
}

/// Every IPv4 and IPv6 address.
fn any_network() -> Vec<IpNet> {
    vec![
        IpNet::V4(ipnet::Ipv4Net::default()),
        IpNet::V6(ipnet::Ipv6Net::default()),
    ]
}

/// Reads a password from its JSON string (`Secret` itself is deliberately not serde).
fn de_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::new)
}

/// Shorthand for a host syntax error.
fn host_error(reason: &'static str) -> RoutingError {
    RoutingError::InvalidHost { reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_accept_names_and_addresses() {
        assert_eq!(
            Host::new("sip.example.com").unwrap().as_str(),
            "sip.example.com"
        );
        assert_eq!(Host::new("[2001:db8::1]").unwrap().as_str(), "2001:db8::1");
        assert!(Host::new("10.0.0.1").is_ok());
        assert!(Host::new("bad host").is_err());
        assert!(Host::new("-bad.example").is_err());
        assert!(Host::new("").is_err());
    }

    #[test]
    fn host_port_parses_and_prints() {
        let hp: HostPort = "proxy.example.com:5080".parse().unwrap();
        assert_eq!(hp.port, Some(5080));
        assert_eq!(hp.to_string(), "proxy.example.com:5080");
        let v6: HostPort = "[2001:db8::1]:5060".parse().unwrap();
        assert_eq!(v6.host.as_str(), "2001:db8::1");
        assert_eq!(v6.to_string(), "[2001:db8::1]:5060");
        let bare_v6: HostPort = "2001:db8::1".parse().unwrap();
        assert_eq!(bare_v6.port, None);
        assert!("proxy:0".parse::<HostPort>().is_err());
        assert!("proxy:http".parse::<HostPort>().is_err());
    }

    #[test]
    fn trunk_json_has_defaults_and_hides_the_password() {
        let trunk: Trunk = serde_json::from_str(
            r#"{"id":"prov","mode":{"kind":"register","host":"sip.example.com",
                "username":"u1","password":"pw-secret-1"}}"#,
        )
        .unwrap();
        assert!(trunk.enabled);
        assert_eq!(trunk.codecs, [Codec::Pcmu, Codec::Pcma]);
        let TrunkMode::Register(reg) = &trunk.mode else {
            panic!("register expected")
        };
        assert_eq!(reg.password.expose(), "pw-secret-1");
        assert_eq!(reg.expiry, 3600);
        let json = serde_json::to_string(&trunk).unwrap();
        assert!(!json.contains("pw-secret-1"), "{json}");
        let peer: Trunk =
            serde_json::from_str(r#"{"id":"p","mode":{"kind":"peer","host":"h"}}"#).unwrap();
        let TrunkMode::Peer(p) = &peer.mode else {
            panic!("peer expected")
        };
        assert_eq!(p.qualify_interval, 60);
        assert!(serde_json::from_str::<Trunk>(
            r#"{"id":"p","mode":{"kind":"peer","host":"h","bogus":1}}"#
        )
        .is_err());
    }
}
