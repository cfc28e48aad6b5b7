//! Plain-data policy the registrar is driven by: the site-wide [`RegistrarConfig`]
//! fixed at construction and the per-extension [`Account`] the engine hands in with
//! every REGISTER (taken from its configuration snapshot, so edits apply live).

use std::time::Duration;

use ipnet::IpNet;

/// Per-extension registration policy (DUC guide, extension page: "Number of
/// Simultaneous Register", "Register Expiration", "Permit IP", "Qualify").
///
/// The registrar never stores accounts: the engine looks one up by the To user of
/// each REGISTER and passes it in, so a configuration change applies to the next
/// request without telling the registrar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The extension number, i.e. the user part of the address of record.
    pub aor: String,
    /// The SIP digest password (the extension "secret").
    pub password: String,
    /// How many contacts may be bound at once (DUC default 2, range 1–5); the next
    /// new contact is refused with 403.
    pub max_contacts: u8,
    /// Source networks allowed to register; empty means "anywhere".
    pub permit: Vec<IpNet>,
    /// Expiry granted when the phone asks for none, in seconds (DUC default 1800).
    pub default_expiry: u32,
    /// Seconds between qualify OPTIONS to each contact; 0 turns qualify off.
    pub qualify_interval: u32,
}

/// Site-wide registrar settings, immutable for the registrar's life.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrarConfig {
    /// Digest realm sent in challenges (interface.md: default `rotary`).
    pub realm: String,
    /// Shortest expiry accepted; shorter non-zero requests get 423 (RFC 3261 §10.3 step 7).
    pub min_expires: u32,
    /// Longest expiry granted; longer requests are shortened to it.
    pub max_expires: u32,
    /// How long a digest nonce stays fresh before a `stale=true` challenge.
    pub nonce_lifetime: Duration,
    /// How long a qualify OPTIONS may go unanswered before the contact is unreachable.
    pub qualify_timeout: Duration,
    /// Key for stateless nonces; random per boot in production.
    pub secret: [u8; 32],
    /// Digest algorithms offered, most preferred first (one challenge each).
    /// MD5 leads by default because many deployed phones and SIPp read only the
    /// first challenge and know nothing else; SHA-256 is still offered and accepted.
    pub digest_algorithms: Vec<rotary_sip::auth::Algorithm>,
    /// Seed of the registrar's own random generator (qualify Call-IDs, tags,
    /// branches). Tests pass a fixed value; [`RegistrarConfig::new`] derives it from
    /// `secret`.
    pub rng_seed: u64,
}

impl RegistrarConfig {
    /// Defaults (realm `rotary`, expiry 60–7200 s, nonce lifetime 300 s, qualify
    /// timeout 5 s) keyed by `secret`, which also seeds the random generator.
    pub fn new(secret: [u8; 32]) -> Self {
        let mut seed = [0u8; 8];
        seed.copy_from_slice(&secret[..8]);
        RegistrarConfig {
            realm: "rotary".to_string(),
            min_expires: DEFAULT_MIN_EXPIRES,
            max_expires: DEFAULT_MAX_EXPIRES,
            nonce_lifetime: Duration::from_secs(300),
            qualify_timeout: Duration::from_secs(5),
            secret,
            digest_algorithms: vec![
                rotary_sip::auth::Algorithm::Md5,
                rotary_sip::auth::Algorithm::Sha256,
            ],
            rng_seed: u64::from_le_bytes(seed) ^ 0x5deb_ee5e_ed00_0001,
        }
    }
}

impl Account {
    /// Is `ip` inside one of the permitted networks (or is the list empty)?
    pub fn permits(&self, ip: std::net::IpAddr) -> bool {
        let ip = canonical_ip(ip);
        self.permit.is_empty() || self.permit.iter().any(|net| net.contains(&ip))
    }
}

/// An IPv4-mapped IPv6 source (dual-stack socket) is matched as IPv4.
fn canonical_ip(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => std::net::IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

/// RFC 3261 §10.3 leaves the floor to the registrar; 60 s is the common choice.
const DEFAULT_MIN_EXPIRES: u32 = 60;
/// Two hours: long enough for any phone, short enough to drop dead contacts.
const DEFAULT_MAX_EXPIRES: u32 = 7200;
