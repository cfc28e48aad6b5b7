//! The engine's SIP trunks: one `rotary_trunks::RegistrationClient` per enabled "register"
//! trunk (its REGISTERs go out as client transactions of the core's transaction layer), the
//! directory that tells which trunk an inbound request came from, the registrar accounts of "account" (server-mode) trunks, and the status view
//! the API shows.
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
    RegistrationState, TransactionFailure, TrunkDirectory,
};
use tokio::sync::mpsc;

/// One trunk's status as the API, the event bus and the metrics show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrunkStatusInfo {
    /// The trunk id.
    pub trunk: String,
    /// `register`, `peer` or `account`.
    pub kind: &'static str,
    /// `registered`, `registering`, `unregistered`, `failed` (register and account trunks),
    /// `unmonitored` (peer trunks: nothing is checked) or `disabled`.
    pub state: &'static str,
    /// Failure code (`timeout`, `forbidden`, `auth_rejected`, …) when `state` is `failed`.
    pub reason: Option<&'static str>,
    /// The failure in words.
    pub detail: Option<String>,
    /// The provider's last final response code to our REGISTER.
    pub last_code: Option<u16>,
    /// Consecutive failed attempts.
    pub failures: u32,
    /// Registered until (Unix seconds).
    pub expires_at_unix: Option<i64>,
    /// Next attempt (Unix seconds) after a failure.
    pub retry_at_unix: Option<i64>,
    /// For account trunks: the addresses the remote PBX is registered from.
    pub contacts: Vec<String>,
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
    /// its predecessor's unREGISTER).
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
            self.events.push_back(TrunkEvent::Status(TrunkStatusInfo {
                trunk: old.id.as_str().to_owned(),
                kind: kind_of(old),
                state: "removed",
                reason: None,
                detail: None,
                last_code: None,
                failures: 0,
                expires_at_unix: None,
                retry_at_unix: None,
                contacts: Vec::new(),
            }));
        }
        let previous = std::mem::replace(&mut self.trunks, trunks);
        for t in &self.trunks {
            let before = previous.iter().find(|o| o.id == t.id);
            let news = before.is_none_or(|o| o.enabled != t.enabled || kind_of(o) != kind_of(t));
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
        self.dirty = true;
    }

    /// Advance the clients' timers.
    pub fn handle_timeout(&mut self, now: Instant) {
        for slot in self.clients.values_mut() {
            slot.client.handle_timeout(now);
        }
    }

    /// A response for transaction `tx`; `false` when it is not a REGISTER of ours.
    pub fn handle_response(&mut self, now: Instant, tx: TxHandle, response: &Response) -> bool {
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
        let mut resolve = Vec::new();
        let mut changed = Vec::new();
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
                log_status(&info);
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

    /// The earliest client deadline.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.clients
            .values()
            .filter_map(|s| s.client.poll_timeout())
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

    fn status_at(&self, id: &TrunkId, now: Instant, wall_ms: i64) -> Option<TrunkStatusInfo> {
        self.info_of(id, Some((now, wall_ms)))
    }

    /// The status of one configured trunk; `clock` converts instants to Unix seconds.
    fn info_of(&self, id: &TrunkId, clock: Option<(Instant, i64)>) -> Option<TrunkStatusInfo> {
        let t = self.trunks.iter().find(|t| &t.id == id)?;
        let unix = |at: Instant| {
            clock.map(|(now, wall_ms)| {
                let delta = at.saturating_duration_since(now).as_millis() as i64;
                (wall_ms + delta) / 1000
            })
        };
        let mut info = TrunkStatusInfo {
            trunk: id.as_str().to_owned(),
            kind: kind_of(t),
            state: "disabled",
            reason: None,
            detail: None,
            last_code: None,
            failures: 0,
            expires_at_unix: None,
            retry_at_unix: None,
            contacts: Vec::new(),
        };
        if !t.enabled {
            return Some(info);
        }
        match &t.mode {
            TrunkMode::Peer(_) => info.state = "unmonitored",
            TrunkMode::Account(a) => {
                let sources = self.accounts.get(&a.username).map(|(_, s)| s.clone());
                let sources = sources.unwrap_or_default();
                info.state = if sources.is_empty() {
                    "unregistered"
                } else {
                    "registered"
                };
                info.contacts = sources.iter().map(ToString::to_string).collect();
            }
            TrunkMode::Register(_) => {
                let slot = self.active.get(id).and_then(|g| self.clients.get(g));
                let status = slot.map(|s| s.client.status()).unwrap_or_default();
                info.state = status.state.name();
                info.last_code = status.last_code;
                info.failures = status.failures;
                match status.state {
                    RegistrationState::Registered { expires_at } => {
                        info.expires_at_unix = unix(expires_at);
                    }
                    RegistrationState::Failed { reason, retry_at } => {
                        info.reason = Some(reason.code());
                        info.detail = Some(reason.to_string());
                        info.retry_at_unix = retry_at.and_then(unix);
                    }
                    _ => {}
                }
            }
        }
        Some(info)
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

/// Resolves trunk host names for the shell: lookups run as tasks, answers come back
/// through [`Resolver::recv`].
pub struct Resolver {
    tx: mpsc::UnboundedSender<(String, Vec<IpAddr>)>,
    rx: mpsc::UnboundedReceiver<(String, Vec<IpAddr>)>,
}

impl Resolver {
    /// A resolver with nothing in flight.
    pub fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Resolver { tx, rx }
    }

    /// Look these names up (A/AAAA, 10 s at most each).
    pub fn lookup(&self, hosts: Vec<String>) {
        for host in hosts {
            let tx = self.tx.clone();
            tokio::spawn(async move {
                let lookup = tokio::net::lookup_host((host.as_str(), 0));
                let addrs =
                    match tokio::time::timeout(std::time::Duration::from_secs(10), lookup).await {
                        Ok(Ok(it)) => it.map(|a| a.ip()).collect(),
                        _ => Vec::new(),
                    };
                if addrs.is_empty() {
                    tracing::warn!(%host, "trunk host did not resolve");
                }
                let _ = tx.send((host, addrs));
            });
        }
    }

    /// The next answer (cancel-safe).
    pub async fn recv(&mut self) -> Option<(String, Vec<IpAddr>)> {
        self.rx.recv().await
    }
}

impl Default for Resolver {
    fn default() -> Self {
        Self::new()
    }
}

/// Prometheus text: one gauge per trunk and state (1 for the current state).
pub fn render_metrics(statuses: &[TrunkStatusInfo]) -> String {
    const STATES: [&str; 6] = [
        "registered",
        "registering",
        "unregistered",
        "failed",
        "unmonitored",
        "disabled",
    ];
    let mut s = String::from(
        "# HELP rotary_trunk_state Trunk state, 1 for the state the trunk is in.\n\
         # TYPE rotary_trunk_state gauge\n",
    );
    for t in statuses {
        for state in STATES {
            s.push_str(&format!(
                "rotary_trunk_state{{trunk=\"{}\",state=\"{state}\"}} {}\n",
                t.trunk,
                u8::from(t.state == state)
            ));
        }
    }
    s
}

/// The event-bus fields of a status.
pub fn event_fields(info: &TrunkStatusInfo) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("trunk", info.trunk.clone()),
        ("kind", info.kind.to_owned()),
        ("state", info.state.to_owned()),
    ];
    if let Some(r) = info.reason {
        fields.push(("reason", r.to_owned()));
    }
    if let Some(c) = info.last_code {
        fields.push(("last_code", c.to_string()));
    }
    fields
}

fn log_status(info: &TrunkStatusInfo) {
    match info.reason {
        Some(reason) => tracing::warn!(
            trunk = %info.trunk, state = info.state, reason, last_code = ?info.last_code,
            "trunk registration failed"
        ),
        None => tracing::info!(trunk = %info.trunk, state = info.state, "trunk state"),
    }
}

fn kind_of(t: &Trunk) -> &'static str {
    match t.mode {
        TrunkMode::Register(_) => "register",
        TrunkMode::Peer(_) => "peer",
        TrunkMode::Account(_) => "account",
    }
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
