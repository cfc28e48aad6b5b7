//! Routing in the engine (issue 6): recognise calls that come from a trunk, ask
//! `rotary-dialplan` where a call goes, and turn its [`Decision`] into a call
//! [`Target`] with registered contacts, trunk INVITE parameters and the CDR's route
//! information. Sans-IO like the core: wall time comes in, nothing is looked up on the
//! network (trunk hosts must be IP addresses until the shell resolves names).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rotary_config::routing::{Destination, IdentityHeader, Transport, Trunk, TrunkMode};
use rotary_config::{Config, ExtensionNumber};
use rotary_dialplan::{
    resolve_destination, route_inbound, route_outbound, Decision, Outcome, Snapshot,
    Target as Where, TrunkAttempt, TrunkCursors,
};
use rotary_sip::{Flow, FlowTransport, NameAddr, Request};

use crate::call::{
    CallType, CalleeInfo, CallerInfo, ContactTarget, GroupPlan, IvrPlan, PinPlan, Refusal,
    RouteInfo, Target, TrunkLeg, TrunkPlan,
};

/// The registered contacts of an extension number.
pub(crate) type Lookup<'a> = &'a dyn Fn(&str) -> Vec<ContactTarget>;

/// The engine's routing state: round-robin cursors of `linear_cycle` dial rules and the
/// address pbxd sends from.
#[derive(Debug)]
pub(crate) struct Router {
    cursors: TrunkCursors,
    local: SocketAddr,
    /// Trunk and proxy host names as the shell last resolved them (first address).
    resolved: HashMap<String, IpAddr>,
}

/// A call from a trunk, routed.
pub(crate) struct Inbound {
    /// The external caller.
    pub(crate) caller: CallerInfo,
    /// Where the call goes.
    pub(crate) target: Target,
    /// For the CDR.
    pub(crate) route: RouteInfo,
}

impl Router {
    /// A router for a core whose SIP address is `local`.
    pub(crate) fn new(local: SocketAddr) -> Self {
        Router {
            cursors: TrunkCursors::new(),
            local,
            resolved: HashMap::new(),
        }
    }

    /// A trunk host name resolved (again); no addresses forgets it, so calls skip the
    /// trunk until it resolves.
    pub(crate) fn set_resolved(&mut self, host: &str, addrs: &[IpAddr]) {
        match addrs.first() {
            Some(ip) => self.resolved.insert(host.to_owned(), *ip),
            None => self.resolved.remove(host),
        };
    }

    /// The address to send to for `host`: an IP literal, or a resolved name.
    fn address_of(&self, host: &str) -> Option<IpAddr> {
        host.parse::<IpAddr>()
            .ok()
            .or_else(|| self.resolved.get(host).copied())
    }

    /// Where extension `caller` dialling `dialled` goes.
    pub(crate) fn outbound(
        &mut self,
        config: &Arc<Config>,
        caller: &str,
        dialled: &str,
        wall_ms: i64,
        lookup: Lookup<'_>,
    ) -> (Target, RouteInfo) {
        let snap = Snapshot::new(config, &config.routing);
        let d = route_outbound(snap, caller, dialled, wall(wall_ms), &self.cursors);
        if let Some(c) = &d.cursor {
            self.cursors.apply(c);
        }
        let route = RouteInfo {
            kind: match d.kind {
                rotary_dialplan::CallKind::Outbound => CallType::Outbound,
                _ => CallType::Internal,
            },
            trunk: None,
            did: None,
            route: d.route.as_ref().map(ToString::to_string),
        };
        if !matches!(d.outcome, Outcome::Deliver { .. }) {
            log_decision("outbound", caller, dialled, &d);
        }
        (self.target_of(config, &d, lookup, None), route)
    }

    /// A call from `trunk`: caller, target and route information.
    pub(crate) fn inbound(
        &mut self,
        config: &Arc<Config>,
        trunk: &Trunk,
        req: &Request,
        wall_ms: i64,
        lookup: Lookup<'_>,
    ) -> Inbound {
        let from = req.from().ok();
        // A provider we register to sends calls to our registered Contact: the DID is
        // then in To, not in the Request-URI.
        let contact_user = match &trunk.mode {
            TrunkMode::Register(r) => Some(r.contact_user()),
            _ => None,
        };
        let to_user = || req.to().ok().and_then(|t| t.uri.user);
        let did = match req.uri.user.clone() {
            Some(u) if Some(u.as_str()) == contact_user => to_user().unwrap_or(u),
            Some(u) => u,
            None => to_user().unwrap_or_default(),
        };
        let asserted = req
            .headers
            .get("P-Asserted-Identity")
            .and_then(|v| v.parse::<NameAddr>().ok())
            .and_then(|a| a.uri.user);
        let number = asserted
            .or_else(|| from.as_ref().and_then(|f| f.uri.user.clone()))
            .unwrap_or_default();
        let name = from.and_then(|f| f.display).unwrap_or_default();
        let snap = Snapshot::new(config, &config.routing);
        let d = route_inbound(snap, trunk.id.as_str(), &did, &number, wall(wall_ms));
        log_decision(trunk.id.as_str(), &number, &did, &d);
        let caller = CallerInfo {
            extension: if d.caller_id.number.is_empty() {
                "anonymous".to_string()
            } else {
                d.caller_id.number.clone()
            },
            name,
            codecs: trunk.codecs.clone(),
            dtmf_mode: trunk.dtmf_mode,
            record_calls: false,
            external: true,
        };
        let route = RouteInfo {
            kind: CallType::Inbound,
            trunk: Some(trunk.id.to_string()),
            did: Some(did),
            route: d.route.as_ref().map(ToString::to_string),
        };
        Inbound {
            caller,
            target: self.target_of(config, &d, lookup, None),
            route,
        }
    }

    /// Where a destination an application hands on leads now.
    pub(crate) fn resolve(
        &self,
        config: &Arc<Config>,
        dest: &Destination,
        caller: Option<&str>,
        from_ivr: Option<ExtensionNumber>,
        wall_ms: i64,
        lookup: Lookup<'_>,
    ) -> Target {
        let snap = Snapshot::new(config, &config.routing);
        let r = resolve_destination(snap, dest, caller, wall(wall_ms));
        match &r.outcome {
            Outcome::Deliver { target } => self.deliver(config, target, lookup, from_ivr),
            Outcome::Hangup { cause } => {
                tracing::info!(destination = %dest, cause = cause.code(), "destination hangs up");
                refuse(cause.sip_status(), cause.code())
            }
            Outcome::Trunks { .. } => refuse(480, "route.bad_destination"),
        }
    }

    /// A decision as a call target.
    fn target_of(
        &self,
        config: &Arc<Config>,
        d: &Decision,
        lookup: Lookup<'_>,
        from_ivr: Option<ExtensionNumber>,
    ) -> Target {
        match &d.outcome {
            Outcome::Hangup { cause } => refuse(cause.sip_status(), cause.code()),
            Outcome::Deliver { target } => self.deliver(config, target, lookup, from_ivr),
            Outcome::Trunks {
                attempts,
                pin_set,
                time_limit_secs,
                ..
            } => {
                let attempts: Vec<TrunkLeg> = attempts
                    .iter()
                    .filter_map(|a| self.trunk_leg(config, a))
                    .collect();
                let pin = pin_set
                    .as_ref()
                    .and_then(|id| config.routing.pin_set(id.as_str()))
                    .map(|set| PinPlan {
                        set: set.id.to_string(),
                        pins: set
                            .pins
                            .iter()
                            .map(|p| (p.code.clone(), p.label.clone()))
                            .collect(),
                    });
                Target::Trunks(TrunkPlan {
                    attempts,
                    pin,
                    time_limit: time_limit_secs.map(|s| Duration::from_secs(u64::from(s))),
                })
            }
        }
    }

    /// A PBX end point as a call target.
    fn deliver(
        &self,
        config: &Arc<Config>,
        target: &Where,
        lookup: Lookup<'_>,
        from_ivr: Option<ExtensionNumber>,
    ) -> Target {
        match target {
            Where::Extension { number } => match config.extension(number.as_str()) {
                Some(ext) => {
                    Target::Extension(CalleeInfo::from_extension(ext, lookup(number.as_str())))
                }
                None => refuse(404, "route.bad_destination"),
            },
            Where::Department { number } => match config.routing.department(number.as_str()) {
                Some(dept) => Target::Group(GroupPlan {
                    department: dept.clone(),
                    members: dept
                        .members
                        .iter()
                        .filter_map(|m| config.extension(m.as_str()))
                        .map(|e| CalleeInfo::from_extension(e, lookup(e.number.as_str())))
                        .collect(),
                }),
                None => refuse(404, "route.bad_destination"),
            },
            Where::Ivr { number } => match config.routing.ivr(number.as_str()) {
                Some(ivr) => Target::Ivr(IvrPlan {
                    ivr: ivr.clone(),
                    return_to: from_ivr,
                    directory: config.clone(),
                }),
                None => refuse(404, "route.bad_destination"),
            },
            Where::Queue { .. } | Where::Voicemail { .. } | Where::Conference { .. } => {
                tracing::warn!(destination = %target, "destination not available in this version: call refused with 480");
                refuse(480, "route.unsupported_destination")
            }
        }
    }

    /// The INVITE parameters of one trunk attempt; `None` (with a log line) when the
    /// trunk cannot carry calls out from here.
    fn trunk_leg(&self, config: &Config, a: &TrunkAttempt) -> Option<TrunkLeg> {
        let trunk = config.routing.trunk(a.trunk.as_str())?;
        let (host, port, transport, from_user, from_domain, proxy, credentials, account) =
            match &trunk.mode {
                TrunkMode::Register(r) => (
                    &r.host,
                    r.port,
                    r.transport,
                    r.from_user.clone(),
                    r.from_domain.clone(),
                    r.outbound_proxy.clone(),
                    Some((
                        r.auth_user.clone().unwrap_or_else(|| r.username.clone()),
                        r.password.expose().to_string(),
                    )),
                    Some(r.username.clone()),
                ),
                TrunkMode::Peer(p) => (
                    &p.host,
                    p.port,
                    p.transport,
                    p.from_user.clone(),
                    p.from_domain.clone(),
                    p.outbound_proxy.clone(),
                    None,
                    None,
                ),
                TrunkMode::Account(_) => {
                    tracing::warn!(trunk = %trunk.id, "calls out through an account trunk are not supported yet: skipped");
                    return None;
                }
            };
        if transport != Transport::Udp {
            tracing::warn!(trunk = %trunk.id, "only UDP trunks carry calls out yet: skipped");
            return None;
        }
        let Some(ip) = self.address_of(host.as_str()) else {
            tracing::warn!(trunk = %trunk.id, host = %host, "trunk host not resolved (yet): skipped");
            return None;
        };
        let port = port.unwrap_or(transport.default_port());
        let remote = match &proxy {
            Some(p) => match self.address_of(p.host.as_str()) {
                Some(pip) => SocketAddr::new(pip, p.port.unwrap_or(5060)),
                None => {
                    tracing::warn!(trunk = %trunk.id, proxy = %p.host, "outbound proxy not resolved (yet): skipped");
                    return None;
                }
            },
            None => SocketAddr::new(ip, port),
        };
        // The Request-URI and To keep the provider's name (its domain); packets go to `remote`.
        let hostport = match host.as_str().parse::<IpAddr>() {
            Ok(_) => SocketAddr::new(ip, port).to_string(),
            Err(_) => format!("{host}:{port}"),
        };
        let number = a.number.as_str();
        let uri = format!("sip:{number}@{hostport}").parse().ok()?;
        let domain = from_domain.map_or_else(|| host.to_string(), |d| d.to_string());
        let cid = a.caller_id.number.as_str();
        let display = quoted(a.caller_id.name.as_deref().unwrap_or(cid));
        let from_user = from_user.or(account).unwrap_or_else(|| cid.to_string());
        let identity = match trunk.identity {
            IdentityHeader::None => None,
            IdentityHeader::Pai => Some((
                "P-Asserted-Identity",
                format!("{display} <sip:{cid}@{domain}>"),
            )),
            IdentityHeader::Rpid => Some((
                "Remote-Party-ID",
                format!("{display} <sip:{cid}@{domain}>;party=calling;screen=yes;privacy=off"),
            )),
        };
        Some(TrunkLeg {
            trunk: trunk.id.to_string(),
            uri,
            to: format!("<sip:{number}@{hostport}>"),
            from: format!("{display} <sip:{from_user}@{domain}>"),
            contact_user: from_user,
            identity,
            flow: Flow {
                transport: FlowTransport::Udp,
                local: self.local,
                remote,
                conn: None,
            },
            route: proxy.map(|_| format!("<sip:{remote};lr>")),
            credentials,
            codecs: trunk.codecs.clone(),
            dtmf_mode: trunk.dtmf_mode,
            max_calls: trunk.max_calls,
            diversion: trunk.diversion,
        })
    }
}

/// A refusal with a stable code.
fn refuse(status: u16, code: &'static str) -> Target {
    Target::Refuse(Refusal { status, code })
}

/// Unix milliseconds as the dialplan's wall-clock time.
fn wall(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// A display name as a quoted-string (RFC 3261 §25.1).
fn quoted(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars().filter(|c| !c.is_control()) {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// One log line per routing decision that does not simply ring an extension.
fn log_decision(from: &str, caller: &str, number: &str, d: &Decision) {
    if !tracing::enabled!(tracing::Level::INFO) {
        return;
    }
    let outcome = match &d.outcome {
        Outcome::Deliver { target } => target.to_string(),
        Outcome::Trunks { attempts, .. } => format!(
            "trunks {}",
            attempts
                .iter()
                .map(|a| a.trunk.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ),
        Outcome::Hangup { cause } => format!("hang up ({cause})"),
    };
    tracing::info!(
        via = from,
        caller,
        number,
        route = d.route.as_ref().map_or("", |r| r.as_str()),
        outcome,
        "call routed"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use rotary_config::routing::RoutingConfig;
    use rotary_sip::parse::parse_message;
    use rotary_sip::Message;

    fn config(routing: &str) -> Arc<Config> {
        Arc::new(Config {
            routing: serde_json::from_str::<RoutingConfig>(routing).unwrap(),
            ..Config::default()
        })
    }

    fn no_contacts(_: &str) -> Vec<ContactTarget> {
        Vec::new()
    }

    fn invite(ruri: &str, to: &str, from: &str) -> Request {
        let text = format!(
            "INVITE {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx1\r\n\
             From: {from};tag=f1\r\nTo: {to}\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n\
             Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        );
        match parse_message(text.as_bytes()).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!("a request"),
        }
    }

    #[test]
    fn a_trunk_attempt_carries_the_trunk_identity_and_credentials() {
        let cfg = config(
            r#"{"trunks":[{"id":"p","identity":"pai","max_calls":3,
                 "mode":{"kind":"register","host":"10.0.0.1","username":"4930100",
                         "password":"pw-123456","from_domain":"sip.example.com"}}],
                "outbound_routes":[{"id":"out","dial_prefix":"9",
                 "patterns":[{"pattern":"_0X.","prepend":"+49","strip":1}],"trunks":["p"]}]}"#,
        );
        let mut c = (*cfg).clone();
        let ext = rotary_config::Extension {
            number: "101".parse().unwrap(),
            name: "Al".into(),
            secret: rotary_config::Secret::new("Secret-101x"),
            max_contacts: 2,
            permit: Vec::new(),
            voicemail: false,
            codecs: rotary_config::Codec::ALL.to_vec(),
            dtmf_mode: rotary_config::DtmfMode::Rfc4733,
            nat: true,
            register_expiry: 3600,
            qualify_interval: 0,
            remote: false,
            record_calls: false,
        };
        c.extensions.insert(ext.number.clone(), ext);
        let cfg = Arc::new(c);
        let mut r = Router::new("10.0.0.9:5060".parse().unwrap());
        let (target, route) = r.outbound(&cfg, "101", "90301234", 0, &no_contacts);
        assert_eq!(route.kind, CallType::Outbound);
        assert_eq!(route.route.as_deref(), Some("out"));
        let Target::Trunks(plan) = target else {
            panic!("trunks expected: {target:?}")
        };
        let leg = &plan.attempts[0];
        assert_eq!(leg.uri.to_string(), "sip:+49301234@10.0.0.1:5060");
        assert_eq!(leg.from, "\"Al\" <sip:4930100@sip.example.com>");
        assert_eq!(
            leg.identity,
            Some((
                "P-Asserted-Identity",
                "\"Al\" <sip:101@sip.example.com>".into()
            ))
        );
        assert_eq!(
            leg.credentials,
            Some(("4930100".to_string(), "pw-123456".to_string()))
        );
        assert_eq!(leg.flow.remote, "10.0.0.1:5060".parse().unwrap());
        assert_eq!(leg.max_calls, Some(3));
    }

    #[test]
    fn a_trunk_named_by_host_name_is_dialled_once_resolved() {
        let mut c = (*config(
            r#"{"trunks":[{"id":"p","mode":{"kind":"peer","host":"sip.example.com",
                 "port":5080}}],
                "outbound_routes":[{"id":"out","patterns":[{"pattern":"_0X."}],
                 "trunks":["p"]}]}"#,
        ))
        .clone();
        let ext = rotary_config::validate_extension(
            &rotary_config::ExtensionInput {
                number: Some("101".into()),
                secret: Some("Secret-42x-long".into()),
                ..Default::default()
            },
            None,
            &c.settings,
        )
        .unwrap();
        c.extensions.insert(ext.number.clone(), ext);
        let cfg = Arc::new(c);
        let mut r = Router::new("10.0.0.9:5060".parse().unwrap());
        let (target, _) = r.outbound(&cfg, "101", "0301234", 0, &no_contacts);
        assert!(
            !matches!(&target, Target::Trunks(p) if !p.attempts.is_empty()),
            "unresolved: no attempt, got {target:?}"
        );
        r.set_resolved("sip.example.com", &["192.0.2.7".parse().unwrap()]);
        let (target, _) = r.outbound(&cfg, "101", "0301234", 0, &no_contacts);
        let Target::Trunks(plan) = target else {
            panic!("trunks expected: {target:?}")
        };
        let leg = &plan.attempts[0];
        assert_eq!(leg.uri.to_string(), "sip:0301234@sip.example.com:5080");
        assert_eq!(leg.flow.remote, "192.0.2.7:5080".parse().unwrap());
        r.set_resolved("sip.example.com", &[]);
        let (target, _) = r.outbound(&cfg, "101", "0301234", 0, &no_contacts);
        assert!(!matches!(&target, Target::Trunks(p) if !p.attempts.is_empty()));
    }

    #[test]
    fn a_call_to_our_registered_contact_takes_the_did_from_to() {
        let cfg = config(
            r#"{"trunks":[{"id":"p","mode":{"kind":"register","host":"10.0.0.1",
                 "username":"4930100","password":"pw-123456"}}],
                "inbound_routes":[{"name":"main","did":"4930123",
                 "destination":{"type":"hangup"}}]}"#,
        );
        let mut r = Router::new("10.0.0.9:5060".parse().unwrap());
        let trunk = cfg.routing.trunk("p").unwrap().clone();
        let req = invite(
            "sip:4930100@10.0.0.9",
            "<sip:4930123@sip.example.com>",
            "\"Bob\" <sip:0301234@10.0.0.1>",
        );
        let routed = r.inbound(&cfg, &trunk, &req, 0, &no_contacts);
        assert_eq!(routed.route.did.as_deref(), Some("4930123"));
        assert_eq!(routed.route.route.as_deref(), Some("main"));
        assert_eq!(routed.caller.extension, "0301234");
        assert_eq!(routed.caller.name, "Bob");
        assert!(routed.caller.external);
        assert_eq!(
            routed.target,
            Target::Refuse(Refusal {
                status: 480,
                code: "route.hangup"
            })
        );
    }
}
