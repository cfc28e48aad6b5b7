//! The engine's SIP trunks: one `rotary_trunks::RegistrationClient` per enabled "register"
//! trunk (its REGISTERs go out as client transactions of the core's transaction layer), one
//! `rotary_trunks::PeerMonitor` per monitored "peer" trunk (OPTIONS probes, [`peers`]), the
//! directory that tells which trunk an inbound request came from, the registrar accounts of
//! "account" (server-mode) trunks, failed outbound call attempts per trunk ([`attempts`]),
//! and the status view the API shows.
//!
//! [`TrunkSet`] is sans-IO like the rest of the core: host names are resolved by the shell
//! ([`Resolver`]), which feeds the addresses back through `Core::handle_trunk_resolved`.
//! Only A/AAAA records are used (no RFC 3263 NAPTR/SRV). Concurrent calls per trunk
//! (`max_calls`) are counted by the calls themselves (`Calls::trunk_calls`).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use rotary_config::routing::{Trunk, TrunkId, TrunkMode};
use rotary_config::Config;
use rotary_registrar::{Account, Registrar, RegistrarEvent};
use rotary_sip::transaction::{TransactionLayer, TxHandle};
use rotary_sip::{Request, Response};
use rotary_trunks::{
    hostnames, InboundRequest, RegistrationClient, RegistrationConfig, RegistrationEvent,
    TransactionFailure, TrunkDirectory,
};

pub mod attempts;
mod peers;
mod shell;
mod view;

pub use attempts::{CallFailure, TrunkAttemptOutcome};
pub use shell::{event_fields, render_metrics, Resolver};
use view::{blank, kind_of};

/// One trunk's status as the API, the event bus and the metrics show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrunkStatusInfo {
    /// The trunk id.
    pub trunk: String,
    /// `register`, `peer` or `account`.
    pub kind: &'static str,
    /// `registered`, `registering`, `unregistered`, `failed` (register and account trunks),
    /// `probing`, `reachable`, `unreachable` (peer trunks with a `qualify_interval`),
    /// `unmonitored` (peer trunks without) or `disabled`.
    pub state: &'static str,
    /// Failure code (`timeout`, `forbidden`, `auth_rejected`, `unresolved`, …) when `state`
    /// is `failed` or `unreachable`.
    pub reason: Option<&'static str>,
    /// The failure in words.
    pub detail: Option<String>,
    /// The last final response code to our REGISTER (register trunks) or OPTIONS (peers).
    pub last_code: Option<u16>,
    /// Peer trunks: round-trip time of the last answered OPTIONS, in milliseconds.
    pub rtt_ms: Option<u32>,
    /// Consecutive failed registrations or probes.
    pub failures: u32,
    /// Registered until (Unix seconds).
    pub expires_at_unix: Option<i64>,
    /// Next attempt (Unix seconds) after a failure.
    pub retry_at_unix: Option<i64>,
    /// For account trunks: the addresses the remote PBX is registered from.
    pub contacts: Vec<String>,
    /// Consecutive outbound call attempts through the trunk that failed over (reset when
    /// one rings or is answered).
    pub call_failures: u32,
    /// The last failed outbound call attempt through the trunk.
    pub last_call_failure: Option<CallFailure>,
}

/// What the shell must do for the trunks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrunkEvent {
    /// A trunk's state changed: publish `trunk.status`.
    Status(TrunkStatusInfo),
    /// Resolve these host names and feed the answers back.
    Resolve(Vec<String>),
}

/// All trunks of the current snapshot; owned by the core.
pub struct TrunkSet {
    local: SocketAddr,
    user_agent: String,
    seed: [u8; 32],
    generation: u64,
    trunks: Vec<Trunk>,
    /// Registration clients by generation (active and stopping ones).
    clients: BTreeMap<u64, Slot>,
    /// The active client of each register trunk.
    active: HashMap<TrunkId, u64>,
    /// Which client each REGISTER transaction belongs to.
    txs: HashMap<TxHandle, u64>,
    resolved: HashMap<String, Vec<IpAddr>>,
    directory: TrunkDirectory,
    /// Account trunk username → (trunk, remote sources).
    accounts: HashMap<String, (TrunkId, Vec<SocketAddr>)>,
    /// The OPTIONS monitors of peer trunks.
    peers: peers::Peers,
    /// Failed outbound call attempts per trunk.
    attempts: attempts::CallAttempts,
    events: VecDeque<TrunkEvent>,
    dirty: bool,
}

struct Slot {
    trunk: TrunkId,
    client: RegistrationClient,
    /// Where REGISTERs go: host name (or literal) and port.
    target: (String, u16),
    started: bool,
}

impl TrunkSet {
    /// An empty set; `local` is the address we send from and advertise, `seed` feeds the
    /// clients' identifiers and jitter.
    pub fn new(local: SocketAddr, user_agent: String, seed: [u8; 32]) -> Self {
        TrunkSet {
            peers: peers::Peers::new(local, user_agent.clone(), seed),
            attempts: attempts::CallAttempts::default(),
            local,
            user_agent,
            seed,
            generation: 0,
            trunks: Vec::new(),
            clients: BTreeMap::new(),
            active: HashMap::new(),
            txs: HashMap::new(),
            resolved: HashMap::new(),
            directory: TrunkDirectory::default(),
            accounts: HashMap::new(),
            events: VecDeque::new(),
            dirty: true,
        }
    }

    /// Apply a configuration snapshot: new and changed register trunks start registering,
    /// deleted, disabled and changed ones unregister (a changed trunk's new client waits for
    /// its predecessor's unREGISTER); monitored peer trunks start, restart or stop probing.
    pub fn set_config(&mut self, now: Instant, config: &Config) {
        let trunks = config.routing.trunks.clone();
        let mut wanted: HashMap<TrunkId, (RegistrationConfig, (String, u16))> = HashMap::new();
        for t in &trunks {
            if let (Some(rc), TrunkMode::Register(r)) =
                (RegistrationConfig::from_trunk(t, &self.user_agent), &t.mode)
            {
                let target = match &r.outbound_proxy {
                    Some(p) => (
                        p.host.as_str().to_owned(),
                        p.port.unwrap_or(r.transport.default_port()),
                    ),
                    None => (
                        r.host.as_str().to_owned(),
                        r.port.unwrap_or(r.transport.default_port()),
                    ),
                };
                wanted.insert(t.id.clone(), (rc, target));
            }
        }
        // Stop what is gone or changed.
        let active: Vec<(TrunkId, u64)> =
            self.active.iter().map(|(k, v)| (k.clone(), *v)).collect();
        for (id, generation) in active {
            let same = self.clients.get(&generation).is_some_and(|s| {
                wanted
                    .get(&id)
                    .is_some_and(|(rc, target)| s.client.config() == rc && &s.target == target)
            });
            if same {
                wanted.remove(&id);
            } else {
                self.active.remove(&id);
                if let Some(slot) = self.clients.get_mut(&generation) {
                    slot.client.stop(now);
                }
            }
        }
        // Start what is new or changed.
        for (id, (rc, target)) in wanted {
            self.generation += 1;
            let mut seed = self.seed;
            for (b, g) in seed.iter_mut().zip(self.generation.to_le_bytes()) {
                *b ^= g;
            }
            match RegistrationClient::new(rc, self.local, seed) {
                Ok(client) => {
                    self.clients.insert(
                        self.generation,
                        Slot {
                            trunk: id.clone(),
                            client,
                            target,
                            started: false,
                        },
                    );
                    self.active.insert(id, self.generation);
                }
                Err(e) => tracing::warn!(trunk = %id.as_str(), error = %e, "trunk not registered"),
            }
        }
        self.accounts = trunks
            .iter()
            .filter_map(|t| match &t.mode {
                TrunkMode::Account(a) if t.enabled => Some((
                    a.username.clone(),
                    (
                        t.id.clone(),
                        self.accounts
                            .get(&a.username)
                            .map(|(_, s)| s.clone())
                            .unwrap_or_default(),
                    ),
                )),
                _ => None,
            })
            .collect();
        let removed: Vec<&Trunk> = self
            .trunks
            .iter()
            .filter(|old| !trunks.iter().any(|t| t.id == old.id))
            .collect();
        for old in removed {
            let mut info = blank(old);
            info.state = "removed";
            self.events.push_back(TrunkEvent::Status(info));
        }
        let restarted = self.peers.set_config(now, &trunks, &self.resolved);
        self.attempts
            .retain(|id| trunks.iter().any(|t| t.id.as_str() == id));
        let previous = std::mem::replace(&mut self.trunks, trunks);
        for t in &self.trunks {
            let before = previous.iter().find(|o| o.id == t.id);
            let news = before.is_none_or(|o| o.enabled != t.enabled || kind_of(o) != kind_of(t))
                || restarted.contains(&t.id);
            // An enabled register trunk reports through its client ("registering" next).
            let reports_itself = t.enabled && matches!(t.mode, TrunkMode::Register(_));
            if news && !reports_itself {
                if let Some(info) = self.info_of(&t.id, None) {
                    self.events.push_back(TrunkEvent::Status(info));
                }
            }
        }
        self.rebuild_directory();
        let names: Vec<String> = hostnames(&self.trunks).into_iter().collect();
        if !names.is_empty() {
            self.events.push_back(TrunkEvent::Resolve(names));
        }
        self.start_ready(now);
        self.dirty = true;
    }

    /// Addresses for a host name (empty: resolution failed). Clients sending there start or
    /// move; the directory is rebuilt.
    pub fn handle_resolved(&mut self, now: Instant, host: &str, addrs: Vec<IpAddr>) {
        if addrs.is_empty() {
            self.resolved.remove(host);
        } else {
            self.resolved.insert(host.to_owned(), addrs);
        }
        self.rebuild_directory();
        let local = self.local;
        for slot in self.clients.values_mut() {
            if slot.target.0 == host {
                let dest = pick(&self.resolved, &slot.target, local);
                slot.client.set_destination(now, dest);
            }
        }
        self.peers.handle_resolved(now, host, &self.resolved);
        self.dirty = true;
    }

    /// Advance the clients' and monitors' timers.
    pub fn handle_timeout(&mut self, now: Instant) {
        for slot in self.clients.values_mut() {
            slot.client.handle_timeout(now);
        }
        self.peers.handle_timeout(now);
    }

    /// A response for transaction `tx`; `false` when it is not a REGISTER or OPTIONS of
    /// ours.
    pub fn handle_response(&mut self, now: Instant, tx: TxHandle, response: &Response) -> bool {
        if self.peers.handle_response(now, tx, response) {
            self.dirty = true;
            return true;
        }
        let Some(generation) = self.txs.get(&tx).copied() else {
            return false;
        };
        if response.status >= 200 {
            self.txs.remove(&tx);
        }
        if let Some(slot) = self.clients.get_mut(&generation) {
            slot.client.handle_response(now, response);
        }
        self.dirty = true;
        true
    }

    /// Transaction `tx` timed out or could not be sent; `false` when it is not ours.
    pub fn handle_tx_failure(&mut self, now: Instant, tx: TxHandle, timeout: bool) -> bool {
        if self.peers.handle_tx_failure(now, tx, timeout) {
            self.dirty = true;
            return true;
        }
        let Some(generation) = self.txs.remove(&tx) else {
            return false;
        };
        if let Some(slot) = self.clients.get_mut(&generation) {
            let failure = if timeout {
                TransactionFailure::Timeout
            } else {
                TransactionFailure::Transport
            };
            slot.client.handle_failure(now, failure);
        }
        self.dirty = true;
        true
    }

    /// Forget a terminated transaction.
    pub fn handle_terminated(&mut self, tx: TxHandle) {
        self.txs.remove(&tx);
        self.peers.handle_terminated(tx);
    }

    /// An outbound call's attempt through `trunk` got through or failed over; the trunk's
    /// status shows it (`call_failures`, `last_call_failure`) and a change is published.
    pub fn note_call_attempt(
        &mut self,
        now: Instant,
        wall_ms: i64,
        trunk: &str,
        outcome: TrunkAttemptOutcome,
    ) {
        if let TrunkAttemptOutcome::Failed { code, reason } = outcome {
            tracing::info!(%trunk, ?code, reason, "outbound call attempt failed");
        }
        if !self.attempts.note(wall_ms, trunk, outcome) {
            return;
        }
        self.dirty = true;
        let Ok(id) = TrunkId::new(trunk) else {
            return;
        };
        if let Some(info) = self.status_at(&id, now, wall_ms) {
            self.events.push_back(TrunkEvent::Status(info));
        }
    }

    /// Follow a registrar change that concerns an account trunk's binding.
    pub fn handle_registrar_event(&mut self, registrar: &Registrar, ev: &RegistrarEvent) {
        let aor = match ev {
            RegistrarEvent::Registered { binding }
            | RegistrarEvent::Refreshed { binding }
            | RegistrarEvent::Unregistered { binding }
            | RegistrarEvent::Expired { binding }
            | RegistrarEvent::Reachability { binding, .. } => &binding.aor,
        };
        let Some((trunk, sources)) = self.accounts.get_mut(aor) else {
            return;
        };
        let now_sources: Vec<SocketAddr> = registrar.lookup(aor).map(|b| b.flow.remote).collect();
        if *sources == now_sources {
            return;
        }
        let was_empty = sources.is_empty();
        *sources = now_sources;
        let trunk = trunk.clone();
        self.directory.set_account_sources(&trunk, sources.clone());
        if was_empty != sources.is_empty() {
            if let Some(info) = self.info_of(&trunk, None) {
                self.events.push_back(TrunkEvent::Status(info));
            }
        }
        self.dirty = true;
    }

    /// Send what the clients queued as client transactions of `tx`, and collect their
    /// events. `now`/`wall_ms` stamp the statuses.
    pub fn drive(&mut self, now: Instant, wall_ms: i64, tx: &mut TransactionLayer) {
        let mut finished = Vec::new();
        let (mut changed, mut resolve) = self.peers.drive(now, tx);
        for (generation, slot) in &mut self.clients {
            while let Some(out) = slot.client.poll_transmit() {
                match tx.send_request(now, out.flow, out.request) {
                    Ok(h) => {
                        self.txs.insert(h, *generation);
                    }
                    Err(e) => {
                        tracing::warn!(trunk = %slot.trunk.as_str(), error = %e, "REGISTER not sent");
                        slot.client
                            .handle_failure(now, TransactionFailure::Transport);
                    }
                }
            }
            while let Some(ev) = slot.client.poll_event() {
                match ev {
                    RegistrationEvent::StatusChanged(_) => {
                        if !slot.client.is_stopping() {
                            changed.push(slot.trunk.clone());
                        }
                    }
                    RegistrationEvent::AddressNeeded => resolve.push(slot.target.0.clone()),
                    RegistrationEvent::Finished => finished.push(*generation),
                }
            }
        }
        for generation in finished {
            if let Some(slot) = self.clients.remove(&generation) {
                tracing::info!(trunk = %slot.trunk.as_str(), "trunk unregistered");
            }
            self.txs.retain(|_, g| *g != generation);
            self.dirty = true;
        }
        if !resolve.is_empty() {
            resolve.sort();
            resolve.dedup();
            self.events.push_back(TrunkEvent::Resolve(resolve));
        }
        for trunk in changed {
            if let Some(info) = self.status_at(&trunk, now, wall_ms) {
                shell::log_status(&info);
                self.events.push_back(TrunkEvent::Status(info));
            }
            self.dirty = true;
        }
        if self.start_ready(now) {
            // Newly started clients queued their first REGISTER.
            self.drive(now, wall_ms, tx);
        }
    }

    /// Next trunk event for the shell.
    pub fn poll_event(&mut self) -> Option<TrunkEvent> {
        self.events.pop_front()
    }

    /// The earliest client or monitor deadline.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.clients
            .values()
            .filter_map(|s| s.client.poll_timeout())
            .chain(self.peers.poll_timeout())
            .min()
    }

    /// Every configured trunk's status, in configuration order.
    pub fn statuses(&self, now: Instant, wall_ms: i64) -> Vec<TrunkStatusInfo> {
        self.trunks
            .iter()
            .filter_map(|t| self.status_at(&t.id, now, wall_ms))
            .collect()
    }

    /// The statuses if anything may have changed since the last call.
    pub fn take_changed_statuses(
        &mut self,
        now: Instant,
        wall_ms: i64,
    ) -> Option<Vec<TrunkStatusInfo>> {
        if !std::mem::take(&mut self.dirty) {
            return None;
        }
        Some(self.statuses(now, wall_ms))
    }

    /// Which trunk an inbound request from `source` came from, if any. Pass the digest
    /// username when the request authenticated (account trunks).
    #[must_use]
    pub fn identify(
        &self,
        source: SocketAddr,
        request: &Request,
        auth_user: Option<&str>,
    ) -> Option<TrunkId> {
        let mut req = InboundRequest::from_request(source, request);
        req.auth_user = auth_user;
        self.directory.identify(&req).cloned()
    }

    /// The account trunk whose remote PBX authenticates as `username`.
    #[must_use]
    pub fn account_trunk(&self, username: &str) -> Option<&TrunkId> {
        self.accounts.get(username).map(|(t, _)| t)
    }

    /// Whether the register trunk `trunk` currently holds a registration.
    #[must_use]
    pub fn is_registered(&self, trunk: &TrunkId) -> bool {
        self.active
            .get(trunk)
            .and_then(|g| self.clients.get(g))
            .is_some_and(|s| s.client.status().state.is_registered())
    }

    /// Start clients that are not started and have no stopping predecessor; true if any.
    fn start_ready(&mut self, now: Instant) -> bool {
        let busy: Vec<TrunkId> = self
            .clients
            .values()
            .filter(|s| s.client.is_stopping())
            .map(|s| s.trunk.clone())
            .collect();
        let local = self.local;
        let mut any = false;
        for slot in self.clients.values_mut() {
            if slot.started || slot.client.is_stopping() || busy.contains(&slot.trunk) {
                continue;
            }
            slot.started = true;
            any = true;
            let dest = pick(&self.resolved, &slot.target, local);
            slot.client.set_destination(now, dest);
            slot.client.start(now);
            tracing::info!(trunk = %slot.trunk.as_str(), "trunk registering");
        }
        any
    }

    fn rebuild_directory(&mut self) {
        self.directory = TrunkDirectory::new(&self.trunks, &self.resolved);
        for (trunk, sources) in self.accounts.values() {
            self.directory.set_account_sources(trunk, sources.clone());
        }
    }
}

/// The registrar accounts of the enabled account ("server") trunks: the remote PBX
/// registers with the trunk's username and password, from its permitted networks.
pub fn accounts(config: &Config) -> impl Iterator<Item = (String, Account)> + '_ {
    config.routing.trunks.iter().filter_map(|t| match &t.mode {
        TrunkMode::Account(a) if t.enabled => Some((
            a.username.clone(),
            Account {
                aor: a.username.clone(),
                password: a.password.expose().to_owned(),
                max_contacts: 2,
                permit: a.permit.clone(),
                default_expiry: 3600,
                qualify_interval: 60,
            },
        )),
        _ => None,
    })
}

/// The address to send to: a literal, or a resolved address of the local address's family
/// (any family as a fallback); `None` while unresolved.
fn pick(
    resolved: &HashMap<String, Vec<IpAddr>>,
    target: &(String, u16),
    local: SocketAddr,
) -> Option<SocketAddr> {
    if let Ok(ip) = target.0.parse::<IpAddr>() {
        return Some(SocketAddr::new(ip, target.1));
    }
    let addrs = resolved.get(&target.0)?;
    addrs
        .iter()
        .find(|a| a.is_ipv4() == local.is_ipv4())
        .or(addrs.first())
        .map(|ip| SocketAddr::new(*ip, target.1))
}

#[cfg(test)]
mod tests;
