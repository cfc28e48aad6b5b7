//! The engine's sans-IO core: takes parsed SIP messages and the time, routes
//! requests to the registrar (and answers what nobody else owns), and queues
//! what to send and what to persist. The shell in `lib.rs` does the I/O.
//!
//! Invariant: no socket, clock, file or tokio here; `now` and `wall_unix`
//! come in with every input.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use rotary_config::routing::TrunkId;
use rotary_config::Config;
use rotary_registrar::{
    Account, BindingId, Registrar, RegistrarAction, RegistrarConfig, RegistrarEvent,
};
use rotary_sip::auth::{Algorithm, AuthResult, Credentials};
use rotary_sip::transaction::{
    make_response, set_to_tag, stamp_received, TransactionLayer, TxEvent, TxHandle,
};
use rotary_sip::{Flow, Message, Method, Request, Response, Transmit};

use crate::call::{
    CallAction, CallKey, CallSettings, CallerInfo, Calls, CallsConfig, ContactTarget,
    InviteContext, MediaInput, Refusal, Target,
};
use crate::metrics::Metrics;
use crate::routing::Router;
use crate::trunks::{TrunkEvent, TrunkSet, TrunkStatusInfo};

/// Methods pbxd answers; sent in `Allow` (RFC 3261 §20.5).
pub const ALLOW: &str =
    "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE, REFER, NOTIFY, MESSAGE, SUBSCRIBE";

/// What the shell must do besides sending SIP: persist, publish, log.
#[derive(Debug)]
pub enum EngineEvent {
    /// A registrar change (binding added, refreshed, removed, expired, reachability).
    Registrar(RegistrarEvent),
    /// Something a call needs done or reported: media, CDR, call events.
    Call(CallAction),
    /// A trunk changed state, or its host names need resolving.
    Trunk(TrunkEvent),
}

/// The core: transaction layer + registrar + dispatch.
pub struct Core {
    tx: TransactionLayer,
    registrar: Registrar,
    calls: Calls,
    config: Arc<Config>,
    accounts: HashMap<String, Account>,
    qualify_txs: HashMap<TxHandle, BindingId>,
    trunks: TrunkSet,
    events: VecDeque<EngineEvent>,
    metrics: Arc<Metrics>,
    user_agent: String,
    /// Wall clock (Unix ms) given with the current input; CDR times derive from it.
    wall_ms: i64,
    /// Trunk identification and routing decisions (issue 6).
    router: Router,
}

impl Core {
    /// Build a core for a configuration snapshot. `secret` keys the digest nonces and
    /// seeds call identifiers; `contact` is the SIP address pbxd advertises in Contact/Via.
    pub fn new(
        config: Arc<Config>,
        secret: [u8; 32],
        t0: Instant,
        metrics: Arc<Metrics>,
        contact: std::net::SocketAddr,
    ) -> Core {
        let s = &config.settings;
        let registrar = Registrar::new(
            RegistrarConfig {
                realm: s.realm.clone(),
                min_expires: s.min_expires,
                max_expires: s.max_expires,
                qualify_timeout: std::time::Duration::from_secs(u64::from(s.qualify_timeout)),
                digest_algorithms: algorithms(&s.digest_algorithms),
                ..RegistrarConfig::new(secret)
            },
            t0,
        );
        let user_agent = format!("Rotary pbxd {}", env!("CARGO_PKG_VERSION"));
        let mut call_seed = secret;
        call_seed[0] ^= 0xa5;
        let mut trunk_seed = secret;
        trunk_seed[1] ^= 0x5a;
        let mut core = Core {
            tx: TransactionLayer::new(Default::default()),
            registrar,
            calls: Calls::new(CallsConfig::new(contact, user_agent.clone()), call_seed),
            accounts: HashMap::new(),
            config: config.clone(),
            qualify_txs: HashMap::new(),
            trunks: TrunkSet::new(contact, user_agent.clone(), trunk_seed),
            events: VecDeque::new(),
            metrics,
            user_agent,
            wall_ms: 0,
            router: Router::new(contact),
        };
        core.set_config(t0, config);
        core
    }

    /// Swap in a new configuration snapshot: new requests use it at once. Bindings of
    /// deleted extensions are dropped; changed qualify intervals apply to live bindings.
    pub fn set_config(&mut self, now: Instant, config: Arc<Config>) {
        self.accounts = config
            .extensions
            .values()
            .map(|e| {
                let a = Account {
                    aor: e.number.as_str().to_string(),
                    password: e.secret.expose().to_string(),
                    max_contacts: e.max_contacts,
                    permit: e.permit.clone(),
                    default_expiry: e.register_expiry,
                    qualify_interval: e.qualify_interval,
                };
                (a.aor.clone(), a)
            })
            .collect();
        // Account ("server") trunks: the remote PBX registers like a phone.
        self.accounts.extend(crate::trunks::accounts(&config));
        let gone: Vec<String> = self
            .registrar
            .bindings()
            .map(|b| b.aor.clone())
            .filter(|aor| !self.accounts.contains_key(aor))
            .collect();
        for aor in gone {
            self.registrar.remove_aor(&aor);
        }
        for account in self.accounts.values() {
            self.registrar.update_account(now, account);
        }
        let s = &config.settings;
        self.registrar
            .set_digest(&s.realm, algorithms(&s.digest_algorithms));
        self.trunks.set_config(now, &config);
        self.config = config;
        self.drain_registrar(None);
        self.drain_trunks(now);
    }

    /// The addresses a trunk host name resolved to (empty: it did not resolve).
    pub fn handle_trunk_resolved(
        &mut self,
        now: Instant,
        host: &str,
        addrs: Vec<std::net::IpAddr>,
    ) {
        self.router.set_resolved(host, &addrs);
        self.trunks.handle_resolved(now, host, addrs);
        self.drain_trunks(now);
    }

    /// The configuration snapshot in force.
    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    /// The trunks: identification of inbound requests, registration state.
    pub fn trunks(&self) -> &TrunkSet {
        &self.trunks
    }

    /// The trunks, to take and release call slots.
    pub fn trunks_mut(&mut self) -> &mut TrunkSet {
        &mut self.trunks
    }

    /// Every trunk's status if any may have changed since the last call.
    pub fn take_trunk_statuses(
        &mut self,
        now: Instant,
        wall_ms: i64,
    ) -> Option<Vec<TrunkStatusInfo>> {
        self.trunks.take_changed_statuses(now, wall_ms)
    }

    /// Feed one parsed message from the transports. `wall_ms` is Unix time in ms.
    pub fn handle_inbound(&mut self, now: Instant, wall_ms: i64, flow: Flow, message: Message) {
        self.wall_ms = wall_ms;
        let wall_unix = wall_ms / 1000;
        match message {
            Message::Request(mut req) => {
                self.metrics.count_request(&req.method);
                stamp_received(&mut req, flow.remote);
                self.tx.handle_request(now, flow, req);
            }
            Message::Response(resp) => {
                self.metrics.count_response_received(resp.status);
                self.tx.handle_response(now, flow, resp);
            }
        }
        self.drain_tx(now, wall_unix);
        self.drain_trunks(now);
    }

    /// Advance all timers to `now`.
    pub fn handle_timeout(&mut self, now: Instant, wall_ms: i64) {
        self.wall_ms = wall_ms;
        let wall_unix = wall_ms / 1000;
        self.tx.handle_timeout(now);
        self.registrar.handle_timeout(now);
        self.trunks.handle_timeout(now);
        self.calls.handle_timeout(now, &mut self.tx);
        self.drain_calls(now);
        self.drain_registrar(Some((now, wall_unix)));
        self.drain_tx(now, wall_unix);
        self.drain_trunks(now);
    }

    /// Restore a persisted binding at start-up.
    pub fn restore_binding(
        &mut self,
        now: Instant,
        wall_unix: i64,
        b: rotary_registrar::BindingSnapshot,
    ) {
        let aor = b.aor.clone();
        self.registrar.restore(now, wall_unix, b);
        // Restored contacts resume qualify with their extension's interval.
        if let Some(account) = self.accounts.get(&aor) {
            self.registrar.update_account(now, account);
        }
    }

    /// Next datagram or stream write.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.tx.poll_transmit()
    }

    /// Next thing for the shell to persist or publish.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<EngineEvent> {
        self.events.pop_front()
    }

    /// When `handle_timeout` is next due.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.tx.poll_timeout(),
            self.registrar.poll_timeout(),
            self.calls.poll_timeout(),
            self.trunks.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Media results for a call (ports allocated, allocation failed, RTP timeout).
    pub fn handle_media(&mut self, now: Instant, wall_ms: i64, call: CallKey, input: MediaInput) {
        self.wall_ms = wall_ms;
        let wall_unix = wall_ms / 1000;
        self.calls.handle_media(now, &mut self.tx, call, input);
        self.drain_calls(now);
        self.drain_tx(now, wall_unix);
    }

    /// End every call (shutdown): BYE both sides, CDRs written.
    pub fn hangup_all(&mut self, now: Instant, wall_ms: i64) {
        self.wall_ms = wall_ms;
        let wall_unix = wall_ms / 1000;
        self.calls
            .hangup_all(now, &mut self.tx, crate::call::Cause::Hangup);
        self.drain_calls(now);
        self.drain_tx(now, wall_unix);
    }

    /// End one call for an operator (`DELETE /api/v1/calls/{id}`); false when it is not
    /// in progress.
    pub fn hangup_call(&mut self, now: Instant, wall_ms: i64, call: CallKey) -> bool {
        if !self.calls.is_active(call) {
            return false;
        }
        self.wall_ms = wall_ms;
        self.calls
            .hangup(now, &mut self.tx, call, crate::call::Cause::Hangup);
        self.drain_calls(now);
        self.drain_tx(now, wall_ms / 1000);
        true
    }

    /// The calls in progress, oldest first (`GET /api/v1/calls`).
    pub fn call_list(&self) -> Vec<crate::call::ActiveCall> {
        self.calls.list()
    }

    /// Calls in progress (ringing or answered).
    pub fn active_calls(&self) -> usize {
        self.calls.active_count()
    }

    /// The registrar, for read-only queries (API views).
    pub fn registrar(&self) -> &Registrar {
        &self.registrar
    }

    fn drain_tx(&mut self, now: Instant, wall_unix: i64) {
        while let Some(ev) = self.tx.poll_event() {
            match ev {
                TxEvent::Request { tx, flow, request } => {
                    self.dispatch(now, wall_unix, tx, flow, request)
                }
                TxEvent::Response { tx, response, .. } => {
                    if self.trunks.handle_response(now, tx, &response) {
                        // A trunk's REGISTER.
                    } else if let Some(b) = self.qualify_txs.get(&tx).copied() {
                        if response.status >= 200 {
                            // Any final answer proves the contact is alive (RFC 3261 §11).
                            self.qualify_txs.remove(&tx);
                            self.registrar.handle_qualify_result(now, b, true);
                        }
                    } else {
                        self.calls.handle_response(now, &mut self.tx, tx, response);
                    }
                }
                TxEvent::Timeout { tx } | TxEvent::TransportError { tx } => {
                    let timeout = matches!(ev, TxEvent::Timeout { .. });
                    if self.trunks.handle_tx_failure(now, tx, timeout) {
                        // A trunk's REGISTER got no answer.
                    } else if let Some(b) = self.qualify_txs.remove(&tx) {
                        self.registrar.handle_qualify_result(now, b, false);
                    } else {
                        self.calls.handle_tx_failure(now, &mut self.tx, tx);
                    }
                }
                TxEvent::Terminated { tx } => {
                    self.qualify_txs.remove(&tx);
                    self.trunks.handle_terminated(tx);
                }
                TxEvent::Cancel {
                    tx,
                    request,
                    invite,
                    ..
                } => {
                    if !self
                        .calls
                        .handle_cancel(now, &mut self.tx, tx, invite, request.clone())
                    {
                        self.respond(now, tx, &request, 481, "Call/Transaction Does Not Exist");
                    }
                }
                TxEvent::Ack { request, .. } => {
                    self.calls.handle_ack(now, &mut self.tx, request);
                }
                TxEvent::StrayResponse { flow, response } => {
                    self.calls
                        .handle_stray_response(now, &mut self.tx, flow, response);
                }
            }
            self.drain_calls(now);
            self.drain_registrar(Some((now, wall_unix)));
        }
    }

    fn drain_calls(&mut self, now: Instant) {
        while let Some(a) = self.calls.poll_action() {
            match a {
                CallAction::Resolve {
                    call,
                    destination,
                    caller,
                    from_ivr,
                } => {
                    // An application hands the call on: answer at once, like media.
                    let config = self.config.clone();
                    let registrar = &self.registrar;
                    let lookup = |n: &str| contacts(registrar, n);
                    let target = self.router.resolve(
                        &config,
                        &destination,
                        caller.as_deref(),
                        from_ivr,
                        self.wall_ms,
                        &lookup,
                    );
                    self.calls.handle_target(now, &mut self.tx, call, target);
                }
                CallAction::TrunkAttempt { trunk, outcome, .. } => {
                    self.trunks
                        .note_call_attempt(now, self.wall_ms, &trunk, outcome);
                    while let Some(ev) = self.trunks.poll_event() {
                        self.events.push_back(EngineEvent::Trunk(ev));
                    }
                }
                a => self.events.push_back(EngineEvent::Call(a)),
            }
        }
    }

    fn dispatch(&mut self, now: Instant, wall_unix: i64, tx: TxHandle, flow: Flow, req: Request) {
        if req.max_forwards() == Some(0) && req.method != Method::Register {
            self.respond(now, tx, &req, 483, "Too Many Hops");
            return;
        }
        match req.method {
            Method::Register => {
                let user = req
                    .to()
                    .ok()
                    .and_then(|to| to.uri.user.clone())
                    .unwrap_or_default();
                let account = self.accounts.get(&user);
                let resp = self
                    .registrar
                    .handle_register(now, wall_unix, flow, &req, account);
                match resp.status {
                    200..=299 => {
                        self.metrics
                            .registrations_ok
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    401 if req.headers.get("Authorization").is_some() => {
                        self.metrics
                            .auth_failures
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    403 => {
                        self.metrics
                            .auth_failures
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    _ => {}
                }
                self.send_response(now, tx, resp);
            }
            Method::Options => {
                let mut resp = make_response(&req, 200, "OK");
                resp.headers.push("Allow", ALLOW);
                resp.headers.push("Accept", "application/sdp");
                resp.headers.push("Supported", "path, outbound");
                self.send_response(now, tx, resp);
            }
            Method::Ack => {}
            _ if has_to_tag(&req) => {
                // In-dialog request: a call leg owns it, or the dialog does not exist.
                if !self
                    .calls
                    .handle_request(now, &mut self.tx, tx, flow, req.clone())
                {
                    self.respond(now, tx, &req, 481, "Call/Transaction Does Not Exist");
                }
            }
            Method::Invite => self.new_call(now, tx, flow, req),
            Method::Bye | Method::Info | Method::Update | Method::Prack | Method::Cancel => {
                self.respond(now, tx, &req, 481, "Call/Transaction Does Not Exist");
            }
            Method::Refer | Method::Notify | Method::Message | Method::Subscribe => {
                // Transfer, presence and messaging arrive in later issues.
                self.respond(now, tx, &req, 501, "Not Implemented");
            }
            Method::Publish | Method::Other(_) => {
                let mut resp = make_response(&req, 405, "Method Not Allowed");
                resp.headers.push("Allow", ALLOW);
                self.send_response(now, tx, resp);
            }
        }
    }

    /// A dialog-creating INVITE: digest-authenticate the caller (407), check its permit
    /// list, look up the callee, and hand the call to the B2BUA.
    fn new_call(&mut self, now: Instant, tx: TxHandle, flow: Flow, req: Request) {
        if let Some(trunk) = self.trunks.identify(flow.remote, &req, None) {
            // A trusted trunk source: no digest challenge; routing decides.
            self.trunk_call(now, tx, flow, req, &trunk);
            return;
        }
        let creds = req
            .headers
            .get("Proxy-Authorization")
            .and_then(|v| v.parse::<Credentials>().ok());
        let Some(creds) = creds else {
            self.challenge(now, tx, &req, false);
            return;
        };
        let Some(account) = self.accounts.get(&creds.username) else {
            self.metrics
                .auth_failures
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.respond(now, tx, &req, 403, "Forbidden");
            return;
        };
        let password = account.password.clone();
        match self
            .registrar
            .digest_mut()
            .verify(now, "INVITE", &creds, &password)
        {
            AuthResult::Ok => {}
            AuthResult::Stale => {
                self.challenge(now, tx, &req, true);
                return;
            }
            AuthResult::Rejected(_) => {
                self.metrics
                    .auth_failures
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.respond(now, tx, &req, 403, "Forbidden");
                return;
            }
        }
        if self.trunks.account_trunk(&creds.username).is_some() {
            // A remote PBX registered to an account trunk, calling in with its digest.
            match self
                .trunks
                .identify(flow.remote, &req, Some(&creds.username))
            {
                Some(trunk) => self.trunk_call(now, tx, flow, req, &trunk),
                None => self.respond(now, tx, &req, 403, "Forbidden (permit)"),
            }
            return;
        }
        let config = self.config.clone();
        let Some(caller) = config.extension(&creds.username) else {
            self.respond(now, tx, &req, 403, "Forbidden");
            return;
        };
        if !caller.permits(flow.remote.ip()) {
            self.metrics
                .auth_failures
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.respond(now, tx, &req, 403, "Forbidden (permit)");
            return;
        }
        let dialled = req.uri.user.clone().unwrap_or_default();
        let registrar = &self.registrar;
        let lookup = |n: &str| contacts(registrar, n);
        let (target, route) = self.router.outbound(
            &config,
            caller.number.as_str(),
            &dialled,
            self.wall_ms,
            &lookup,
        );
        let ctx = InviteContext {
            caller: CallerInfo::from_extension(caller),
            target,
            settings: CallSettings::from(&config.settings),
            wall_unix_ms: self.wall_ms,
            route,
        };
        self.calls
            .handle_invite(now, &mut self.tx, tx, flow, req, ctx);
        self.drain_calls(now);
    }

    /// A call from a trunk (identified by address, or authenticated as an account trunk):
    /// inbound routing decides; a trunk at its `max_calls` answers 503.
    fn trunk_call(&mut self, now: Instant, tx: TxHandle, flow: Flow, req: Request, id: &TrunkId) {
        let config = self.config.clone();
        let Some(trunk) = config.routing.trunk(id.as_str()) else {
            self.respond(now, tx, &req, 403, "Forbidden");
            return;
        };
        let registrar = &self.registrar;
        let lookup = |n: &str| contacts(registrar, n);
        let mut routed = self
            .router
            .inbound(&config, trunk, &req, self.wall_ms, &lookup);
        let in_use = self.calls.trunk_calls(id.as_str());
        if trunk.max_calls.is_some_and(|max| in_use >= max as usize) {
            tracing::info!(trunk = %id.as_str(), in_use, "inbound call refused: trunk at max_calls");
            routed.target = Target::Refuse(Refusal {
                status: 503,
                code: "trunk.full",
            });
        }
        let ctx = InviteContext {
            caller: routed.caller,
            target: routed.target,
            settings: CallSettings::from(&config.settings),
            wall_unix_ms: self.wall_ms,
            route: routed.route,
        };
        self.calls
            .handle_invite(now, &mut self.tx, tx, flow, req, ctx);
        self.drain_calls(now);
    }

    fn challenge(&mut self, now: Instant, tx: TxHandle, req: &Request, stale: bool) {
        let mut resp = make_response(req, 407, "Proxy Authentication Required");
        for c in self.registrar.digest_mut().challenge(now, stale) {
            resp.headers.push("Proxy-Authenticate", c);
        }
        self.send_response(now, tx, resp);
    }

    fn respond(&mut self, now: Instant, tx: TxHandle, req: &Request, status: u16, reason: &str) {
        let resp = make_response(req, status, reason);
        self.send_response(now, tx, resp);
    }

    /// Finish (To-tag on every non-100 response, RFC 3261 §8.2.6.2; Server), count, send.
    fn send_response(&mut self, now: Instant, tx: TxHandle, mut resp: Response) {
        if resp.status > 100 {
            let tag = tag_for(&resp);
            set_to_tag(&mut resp, &tag);
        }
        resp.headers.push("Server", self.user_agent.clone());
        self.metrics.count_response_sent(resp.status);
        if let Err(e) = self.tx.respond(now, tx, resp) {
            tracing::debug!(error = %e, "response not sent");
        }
    }

    fn drain_registrar(&mut self, timing: Option<(Instant, i64)>) {
        while let Some(action) = self.registrar.poll_action() {
            match action {
                RegistrarAction::Qualify {
                    binding,
                    flow,
                    request,
                } => {
                    if let Some((now, _)) = timing {
                        match self.tx.send_request(now, flow, request) {
                            Ok(h) => {
                                self.qualify_txs.insert(h, binding);
                            }
                            Err(_) => self.registrar.handle_qualify_result(now, binding, false),
                        }
                    }
                }
            }
        }
        while let Some(ev) = self.registrar.poll_event() {
            self.trunks.handle_registrar_event(&self.registrar, &ev);
            self.events.push_back(EngineEvent::Registrar(ev));
        }
    }

    /// Send the trunks' REGISTERs and pass their events on.
    fn drain_trunks(&mut self, now: Instant) {
        self.trunks.drive(now, self.wall_ms, &mut self.tx);
        while let Some(ev) = self.trunks.poll_event() {
            self.events.push_back(EngineEvent::Trunk(ev));
        }
    }
}

/// The configured digest algorithm names as the digest server's values (unknown names
/// were refused by validation; an empty list falls back to MD5).
fn algorithms(names: &[String]) -> Vec<Algorithm> {
    let list: Vec<Algorithm> = names
        .iter()
        .filter_map(|n| match n.as_str() {
            "MD5" => Some(Algorithm::Md5),
            "SHA-256" => Some(Algorithm::Sha256),
            _ => None,
        })
        .collect();
    if list.is_empty() {
        vec![Algorithm::Md5]
    } else {
        list
    }
}

/// The reachable registered contacts of extension `number`.
fn contacts(registrar: &Registrar, number: &str) -> Vec<ContactTarget> {
    registrar
        .lookup(number)
        .filter(|b| b.is_reachable())
        .map(|b| ContactTarget {
            uri: b.uri.clone(),
            flow: b.flow,
        })
        .collect()
}

/// Is this request inside a dialog (its To carries a tag)?
fn has_to_tag(req: &Request) -> bool {
    req.to().map(|to| to.tag().is_some()).unwrap_or(false)
}

/// A stable To-tag for responses to one request: retransmitted requests get the same tag
/// (derived from Call-ID and CSeq, so the tag needs no state).
fn tag_for(resp: &Response) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in resp
        .headers
        .get("Call-ID")
        .unwrap_or("")
        .bytes()
        .chain(resp.headers.get("CSeq").unwrap_or("").bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
