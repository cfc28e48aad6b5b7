//! Which trunk an inbound request came from (DUC "Identify By"): peer trunks by source
//! address, register trunks by the provider's address or by our registered Contact user in
//! the Request-URI, account ("server") trunks by the digest username the remote PBX used or
//! by the address its registration came from.
//!
//! Host names are resolved by the engine's shell; the directory only compares addresses.

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;
use rotary_config::routing::{Host, Trunk, TrunkId, TrunkMode};
use rotary_sip::Request;

/// The parts of an inbound request that identify its trunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InboundRequest<'a> {
    /// The address the request came from (after NAT).
    pub source: SocketAddr,
    /// The Request-URI's user part (the DID, or our Contact user at a provider).
    pub request_user: Option<&'a str>,
    /// The digest username the request authenticated with, if it did.
    pub auth_user: Option<&'a str>,
}

impl<'a> InboundRequest<'a> {
    /// The identifying parts of `request` from `source`, with no authenticated user.
    #[must_use]
    pub fn from_request(source: SocketAddr, request: &'a Request) -> Self {
        InboundRequest {
            source,
            request_user: request.uri.user.as_deref(),
            auth_user: None,
        }
    }
}

/// The enabled trunks, indexed for identification. Rebuild it on every configuration
/// snapshot and whenever a host name resolves differently.
#[derive(Clone, Debug, Default)]
pub struct TrunkDirectory {
    entries: Vec<Entry>,
}

#[derive(Clone, Debug)]
struct Entry {
    id: TrunkId,
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    Peer {
        addrs: Vec<IpAddr>,
        nets: Vec<IpNet>,
        port: Option<u16>,
    },
    Register {
        addrs: Vec<IpAddr>,
        port: Option<u16>,
        contact_user: String,
    },
    Account {
        username: String,
        permit: Vec<IpNet>,
        sources: Vec<SocketAddr>,
    },
}

impl TrunkDirectory {
    /// Index the enabled trunks of `trunks`. `resolved` maps each host name (see
    /// [`hostnames`]) to its addresses; IP literals need no entry; unresolved names match
    /// nothing by address.
    #[must_use]
    pub fn new(trunks: &[Trunk], resolved: &HashMap<String, Vec<IpAddr>>) -> Self {
        let addrs_of = |host: &Host| -> Vec<IpAddr> {
            match host.as_str().parse::<IpAddr>() {
                Ok(ip) => vec![ip],
                Err(_) => resolved.get(host.as_str()).cloned().unwrap_or_default(),
            }
        };
        let entries = trunks
            .iter()
            .filter(|t| t.enabled)
            .map(|t| {
                let kind = match &t.mode {
                    TrunkMode::Peer(p) => {
                        let mut addrs = addrs_of(&p.host);
                        if let Some(proxy) = &p.outbound_proxy {
                            addrs.extend(addrs_of(&proxy.host));
                        }
                        Kind::Peer {
                            addrs,
                            nets: p.permit.clone(),
                            port: p.port,
                        }
                    }
                    TrunkMode::Register(r) => {
                        let mut addrs = addrs_of(&r.host);
                        if let Some(proxy) = &r.outbound_proxy {
                            addrs.extend(addrs_of(&proxy.host));
                        }
                        Kind::Register {
                            addrs,
                            port: r.port,
                            contact_user: r.contact_user().to_owned(),
                        }
                    }
                    TrunkMode::Account(a) => Kind::Account {
                        username: a.username.clone(),
                        permit: a.permit.clone(),
                        sources: Vec::new(),
                    },
                };
                Entry {
                    id: t.id.clone(),
                    kind,
                }
            })
            .collect();
        TrunkDirectory { entries }
    }

    /// The addresses (IP and port) an account trunk's remote PBX is registered from (its
    /// bindings' sources); requests from them are that trunk's. The port counts: phones
    /// behind the same NAT address are not the trunk.
    pub fn set_account_sources(&mut self, trunk: &TrunkId, addrs: Vec<SocketAddr>) {
        for e in &mut self.entries {
            if let (true, Kind::Account { sources, .. }) = (&e.id == trunk, &mut e.kind) {
                *sources = addrs.clone();
            }
        }
    }

    /// The account trunk a remote PBX registers to with digest username `username`.
    #[must_use]
    pub fn account_for_user(&self, username: &str) -> Option<&TrunkId> {
        self.entries.iter().find_map(|e| match &e.kind {
            Kind::Account { username: u, .. } if u == username => Some(&e.id),
            _ => None,
        })
    }

    /// Which trunk `req` came from, if any. In order: an account trunk by authenticated
    /// username (source within its permit list) or by its registered source address and
    /// port; a peer trunk by address (and port, when the trunk names one: another port on
    /// the same host is a phone) or permitted network; a register trunk by the provider's
    /// address (and configured port; the Contact user in the Request-URI wins a tie); a
    /// register trunk by Contact user alone.
    #[must_use]
    pub fn identify(&self, req: &InboundRequest<'_>) -> Option<&TrunkId> {
        let ip = req.source.ip().to_canonical();
        let accounts = self.entries.iter().find(|e| match &e.kind {
            Kind::Account {
                username,
                permit,
                sources,
            } => {
                let by_user = req.auth_user == Some(username.as_str())
                    && (permit.is_empty() || permit.iter().any(|n| n.contains(&ip)));
                by_user
                    || sources
                        .iter()
                        .any(|s| s.ip().to_canonical() == ip && s.port() == req.source.port())
            }
            _ => false,
        });
        if let Some(e) = accounts {
            return Some(&e.id);
        }
        let peers: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| match &e.kind {
                Kind::Peer { addrs, nets, port } => {
                    (addrs.iter().any(|a| a.to_canonical() == ip)
                        && port.is_none_or(|p| p == req.source.port()))
                        || nets.iter().any(|n| n.contains(&ip))
                }
                _ => false,
            })
            .collect();
        let port_match = peers.iter().find(
            |e| matches!(&e.kind, Kind::Peer { port: Some(p), .. } if *p == req.source.port()),
        );
        if let Some(e) = port_match.or(peers.first()) {
            return Some(&e.id);
        }
        let by_user = |e: &Entry| {
            matches!(&e.kind, Kind::Register { contact_user, .. }
                if req.request_user == Some(contact_user.as_str()))
        };
        let providers: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| match &e.kind {
                Kind::Register { addrs, port, .. } => {
                    addrs.iter().any(|a| a.to_canonical() == ip)
                        && port.is_none_or(|p| p == req.source.port())
                }
                _ => false,
            })
            .collect();
        if let Some(e) = providers.iter().find(|e| by_user(e)).or(providers.first()) {
            return Some(&e.id);
        }
        self.entries.iter().find(|e| by_user(e)).map(|e| &e.id)
    }
}

/// Host names (not IP literals) of the enabled peer and register trunks and their outbound
/// proxies: what the shell must resolve for [`TrunkDirectory::new`] and for sending.
#[must_use]
pub fn hostnames(trunks: &[Trunk]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for t in trunks.iter().filter(|t| t.enabled) {
        let (host, proxy) = match &t.mode {
            TrunkMode::Peer(p) => (&p.host, p.outbound_proxy.as_ref()),
            TrunkMode::Register(r) => (&r.host, r.outbound_proxy.as_ref()),
            TrunkMode::Account(_) => continue,
        };
        for h in std::iter::once(host).chain(proxy.map(|p| &p.host)) {
            if h.as_str().parse::<IpAddr>().is_err() {
                out.insert(h.as_str().to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trunks(json: &str) -> Vec<Trunk> {
        serde_json::from_str(json).unwrap()
    }

    fn req(source: &str, user: Option<&'static str>) -> InboundRequest<'static> {
        InboundRequest {
            source: source.parse().unwrap(),
            request_user: user,
            auth_user: None,
        }
    }

    fn id(dir: &TrunkDirectory, r: InboundRequest<'_>) -> Option<String> {
        dir.identify(&r).map(|t| t.as_str().to_owned())
    }

    const SET: &str = r#"[
      {"id":"peer-a","mode":{"kind":"peer","host":"192.0.2.10","permit":["198.51.100.0/24"]}},
      {"id":"peer-b","mode":{"kind":"peer","host":"192.0.2.10","port":5080}},
      {"id":"prov","mode":{"kind":"register","host":"sip.example.com","username":"4930111",
        "password":"pw-123456"}},
      {"id":"prov2","mode":{"kind":"register","host":"sip.example.com","username":"4930222",
        "password":"pw-123456","contact_user":"line2"}},
      {"id":"branch","mode":{"kind":"account","username":"branch1","password":"pw-12345678",
        "permit":["203.0.113.0/24"]}},
      {"id":"off","enabled":false,"mode":{"kind":"peer","host":"192.0.2.99"}}
    ]"#;

    fn directory() -> TrunkDirectory {
        let mut resolved = HashMap::new();
        resolved.insert(
            "sip.example.com".to_owned(),
            vec!["192.0.2.50".parse().unwrap()],
        );
        TrunkDirectory::new(&trunks(SET), &resolved)
    }

    #[test]
    fn peers_by_address_and_permit_with_port_tie_break() {
        let d = directory();
        assert_eq!(
            id(&d, req("192.0.2.10:5060", None)).as_deref(),
            Some("peer-a")
        );
        assert_eq!(
            id(&d, req("192.0.2.10:5080", None)).as_deref(),
            Some("peer-b")
        );
        // peer-b names its port: from another port of the host only peer-a (no port) is left.
        let only_b = TrunkDirectory::new(
            &trunks(&SET.replace("192.0.2.10\",\"permit", "192.0.2.11\",\"permit")),
            &HashMap::new(),
        );
        assert_eq!(
            id(&only_b, req("192.0.2.10:5060", None)),
            None,
            "a phone on the peer's host"
        );
        assert_eq!(
            id(&d, req("198.51.100.7:5060", None)).as_deref(),
            Some("peer-a")
        );
        // A v4-mapped v6 source is the same host.
        assert_eq!(
            id(&d, req("[::ffff:192.0.2.10]:5060", None)).as_deref(),
            Some("peer-a")
        );
    }

    #[test]
    fn register_trunks_by_provider_address_then_contact_user() {
        let d = directory();
        assert_eq!(
            id(&d, req("192.0.2.50:5060", Some("line2"))).as_deref(),
            Some("prov2")
        );
        assert_eq!(
            id(&d, req("192.0.2.50:5060", Some("4930111"))).as_deref(),
            Some("prov")
        );
        assert_eq!(
            id(&d, req("192.0.2.50:5060", Some("49301119"))).as_deref(),
            Some("prov")
        );
        // From elsewhere only the registered contact user identifies the trunk.
        assert_eq!(
            id(&d, req("10.9.9.9:5060", Some("line2"))).as_deref(),
            Some("prov2")
        );
        assert_eq!(id(&d, req("10.9.9.9:5060", Some("101"))), None);
    }

    #[test]
    fn account_trunks_by_auth_user_within_permit_or_binding_source() {
        let mut d = directory();
        let mut r = req("203.0.113.5:5060", Some("101"));
        r.auth_user = Some("branch1");
        assert_eq!(id(&d, r).as_deref(), Some("branch"));
        r.source = "10.0.0.1:5060".parse().unwrap();
        assert_eq!(id(&d, r), None, "outside the permit list");
        let branch = TrunkId::new("branch").unwrap();
        d.set_account_sources(&branch, vec!["10.0.0.1:5999".parse().unwrap()]);
        assert_eq!(
            id(&d, req("10.0.0.1:5999", None)).as_deref(),
            Some("branch")
        );
        assert_eq!(
            id(&d, req("10.0.0.1:5062", None)),
            None,
            "a phone behind the same address"
        );
        assert_eq!(d.account_for_user("branch1"), Some(&branch));
        assert_eq!(d.account_for_user("nobody"), None);
    }

    #[test]
    fn disabled_and_unresolved_trunks_match_nothing() {
        let d = TrunkDirectory::new(&trunks(SET), &HashMap::new());
        assert_eq!(id(&d, req("192.0.2.99:5060", None)), None);
        // sip.example.com unresolved: the provider address is unknown, the user still works.
        assert_eq!(id(&d, req("192.0.2.50:5060", None)), None);
        assert_eq!(
            id(&d, req("192.0.2.50:5060", Some("4930111"))).as_deref(),
            Some("prov")
        );
    }

    #[test]
    fn hostnames_lists_names_not_literals() {
        let names: Vec<String> = hostnames(&trunks(SET)).into_iter().collect();
        assert_eq!(names, ["sip.example.com"]);
    }
}
