//! The PBX engine: the tokio shell around the sans-IO [`core::Core`]. It owns the SIP
//! sockets, feeds every message and timer to the core, sends what the core queues,
//! persists registrar changes to the store (batched, off the hot path) and keeps the
//! views the API reads (registrations, metrics).
//!
//! Drive it with [`Engine::start`]; talk to it through the [`EngineHandle`].
//! Calls (B2BUA, media) plug into [`core::Core::dispatch`]'s INVITE arm in a later issue.

pub mod call;
pub mod core;
pub mod events;
mod media;
pub mod metrics;
mod persist;
mod routing;
pub mod trunks;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rotary_config::Config;
use rotary_media::{PortPool, RelayEvent};
use rotary_registrar::{BindingSnapshot, RegistrarEvent};
use rotary_store::Store;
use rotary_transport::{SipSender, SipSockets, TransportError};
use tokio::sync::{mpsc, oneshot, watch};

use crate::call::{CallAction, CallEventKind, CallKey, MediaInput};
use crate::events::{EventBus, EventKind};
use crate::media::MediaState;

pub use crate::core::{Core, EngineEvent};
pub use crate::metrics::Metrics;
pub use crate::trunks::TrunkStatusInfo;

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// A SIP listener could not be bound.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The store could not be opened for the binding writer.
    #[error("store: {0}")]
    Store(#[from] rotary_store::StoreError),
    /// The RTP port range is unusable.
    #[error("--rtp-ports: {0}")]
    Media(#[from] rotary_media::MediaError),
}

/// Where the engine listens and what it may use.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// SIP over UDP and TCP (`--sip-bind`).
    pub sip_bind: SocketAddr,
    /// Inclusive RTP port range (`--rtp-ports`).
    pub rtp_ports: (u16, u16),
    /// Data directory holding the SQLite store.
    pub data_dir: std::path::PathBuf,
}

/// One registered contact as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrationInfo {
    /// Extension number (the AOR user part).
    pub extension: String,
    /// Contact URI as the phone sent it.
    pub contact: String,
    /// Source address the REGISTER came from (after NAT).
    pub source: SocketAddr,
    /// `udp`, `tcp`...
    pub transport: &'static str,
    /// The phone's User-Agent.
    pub user_agent: String,
    /// Expiry as Unix seconds.
    pub expires_at_unix: i64,
    /// Whether the last qualify got an answer (None: never qualified).
    pub reachable: Option<bool>,
}

/// Handle to the running engine; clone freely.
#[derive(Clone)]
pub struct EngineHandle {
    config: watch::Sender<Arc<Config>>,
    registrations: Arc<Mutex<BTreeMap<(String, String), RegistrationInfo>>>,
    metrics: Arc<Metrics>,
    sender: SipSender,
    sip_addr: SocketAddr,
    stop: Arc<Mutex<Option<oneshot::Sender<()>>>>,
    done: Arc<tokio::sync::Notify>,
    events: Arc<EventBus>,
    trunks: TrunkView,
    commands: mpsc::UnboundedSender<Command>,
}

/// Requests from API handlers that need the core itself (answered on a oneshot).
enum Command {
    /// The calls in progress.
    ListCalls(oneshot::Sender<Vec<call::ActiveCall>>),
    /// Hang one call up; answers whether it was in progress.
    Hangup(CallKey, oneshot::Sender<bool>),
}

/// The trunks' statuses as the shell last saw them (configuration order).
type TrunkView = Arc<Mutex<Vec<TrunkStatusInfo>>>;

/// Entry point.
pub struct Engine;

impl Engine {
    /// Bind the SIP sockets and the RTP pool, restore persisted bindings and start the
    /// engine task.
    pub async fn start(
        opts: &EngineOptions,
        config: Arc<Config>,
    ) -> Result<EngineHandle, EngineError> {
        let sockets = SipSockets::bind(opts.sip_bind).await?;
        let pool = PortPool::new(opts.rtp_ports.0, opts.rtp_ports.1)?;
        let mut store = Store::open(&opts.data_dir)?;
        let wall = wall_unix_ms() / 1000;
        let restored = store.load_bindings(wall)?;
        let writer = persist::StoreWriter::spawn(store);

        let metrics = Arc::new(Metrics::default());
        let events = Arc::new(EventBus::default());
        let t0 = Instant::now();
        let mut secret = [0u8; 32];
        rand::Rng::fill(&mut rand::thread_rng(), &mut secret);
        let advertised = advertised_ip(sockets.local_addr().ip());
        let contact = SocketAddr::new(advertised, sockets.local_addr().port());
        let mut core = Core::new(config.clone(), secret, t0, metrics.clone(), contact);
        let registrations = Arc::new(Mutex::new(BTreeMap::new()));
        let trunk_view: TrunkView = Arc::new(Mutex::new(Vec::new()));
        for b in restored {
            if let Some(snap) = persist::from_stored(&b) {
                core.restore_binding(t0, wall, snap);
            }
        }
        let (media, media_events) = MediaState::new(
            pool,
            (advertised, sockets.local_addr().ip()),
            &opts.data_dir,
            metrics.clone(),
        );
        let (config_tx, config_rx) = watch::channel(config);
        let (stop_tx, stop_rx) = oneshot::channel();
        let (command_tx, command_rx) = mpsc::unbounded_channel();
        let handle = EngineHandle {
            config: config_tx,
            registrations: registrations.clone(),
            metrics: metrics.clone(),
            sender: sockets.sender(),
            sip_addr: sockets.local_addr(),
            stop: Arc::new(Mutex::new(Some(stop_tx))),
            done: Arc::new(tokio::sync::Notify::new()),
            events: events.clone(),
            trunks: trunk_view.clone(),
            commands: command_tx,
        };
        // Bindings restored from the store become API-visible at once.
        {
            let mut regs = lock(&registrations);
            for b in core.registrar().bindings() {
                regs.insert((b.aor.clone(), b.contact.clone()), info(&b.snapshot()));
            }
            metrics.bindings.store(regs.len() as i64, Ordering::Relaxed);
        }
        let mut shell = Shell {
            core,
            sockets,
            writer,
            registrations,
            metrics,
            media,
            events,
            resolver: trunks::Resolver::new(),
            trunk_view,
        };
        shell.drain();
        let done = handle.done.clone();
        tokio::spawn(async move {
            shell
                .run(config_rx, stop_rx, media_events, command_rx)
                .await;
            done.notify_waiters();
        });
        Ok(handle)
    }
}

impl EngineHandle {
    /// The configuration snapshot new requests use.
    pub fn config(&self) -> Arc<Config> {
        self.config.borrow().clone()
    }

    /// Swap in a new snapshot (after an API write); applies to the next request.
    pub fn set_config(&self, config: Arc<Config>) {
        self.config.send_replace(config);
    }

    /// Current registrations, ordered by extension.
    pub fn registrations(&self) -> Vec<RegistrationInfo> {
        lock(&self.registrations).values().cloned().collect()
    }

    /// Prometheus text of the engine's counters.
    pub fn metrics_text(&self) -> String {
        self.metrics.malformed.store(
            self.sender.stats().malformed.load(Ordering::Relaxed),
            Ordering::Relaxed,
        );
        let mut text = self.metrics.render();
        text.push_str(&trunks::render_metrics(&lock(&self.trunks)));
        text
    }

    /// Every trunk's status (registration state, failure reason, last response code), in
    /// configuration order.
    pub fn trunk_statuses(&self) -> Vec<TrunkStatusInfo> {
        lock(&self.trunks).clone()
    }

    /// One trunk's status; `None` for an unknown trunk.
    pub fn trunk_status(&self, trunk: &str) -> Option<TrunkStatusInfo> {
        lock(&self.trunks)
            .iter()
            .find(|t| t.trunk == trunk)
            .cloned()
    }

    /// The calls in progress, oldest first; empty when the engine has stopped.
    pub async fn active_calls(&self) -> Vec<call::ActiveCall> {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(Command::ListCalls(tx)).is_err() {
            return Vec::new();
        }
        rx.await.unwrap_or_default()
    }

    /// Hang up the call with the API id `call17` (BYE both sides, or CANCEL and 480
    /// while it rings); false when no such call is in progress.
    pub async fn hangup_call(&self, id: &str) -> bool {
        let Ok(key) = id.parse::<CallKey>() else {
            return false;
        };
        let (tx, rx) = oneshot::channel();
        if self.commands.send(Command::Hangup(key, tx)).is_err() {
            return false;
        }
        rx.await.unwrap_or(false)
    }

    /// The event bus (registrations, call states) the API streams.
    pub fn events(&self) -> Arc<EventBus> {
        self.events.clone()
    }

    /// The bound SIP address (useful with port 0).
    pub fn sip_addr(&self) -> SocketAddr {
        self.sip_addr
    }

    /// Stop the engine: flush persisted state and return when it is done.
    pub async fn shutdown(&self) {
        let stop = lock(&self.stop).take();
        if let Some(s) = stop {
            let notified = self.done.notified();
            if s.send(()).is_ok() {
                notified.await;
            }
        }
    }
}

struct Shell {
    core: Core,
    sockets: SipSockets,
    writer: persist::StoreWriter,
    registrations: Arc<Mutex<BTreeMap<(String, String), RegistrationInfo>>>,
    metrics: Arc<Metrics>,
    media: MediaState,
    events: Arc<EventBus>,
    resolver: trunks::Resolver,
    trunk_view: TrunkView,
}

impl Shell {
    async fn run(
        &mut self,
        mut config: watch::Receiver<Arc<Config>>,
        mut stop: oneshot::Receiver<()>,
        mut media_events: mpsc::UnboundedReceiver<(CallKey, RelayEvent)>,
        mut commands: mpsc::UnboundedReceiver<Command>,
    ) {
        let zone = config.borrow().settings.tone_zone.clone();
        self.media.set_tone_zone(&zone);
        let sleep = tokio::time::sleep_until(tokio::time::Instant::now());
        tokio::pin!(sleep);
        loop {
            let deadline = self.core.poll_timeout();
            if let Some(d) = deadline {
                sleep.as_mut().reset(tokio::time::Instant::from_std(d));
            }
            tokio::select! {
                m = self.sockets.recv() => {
                    let (now, wall) = (now(), wall_unix_ms());
                    self.core.handle_inbound(now, wall, m.flow, m.message);
                    // Drain a burst without going back to the reactor each time.
                    for _ in 0..64 {
                        let Some(m) = self.sockets.try_recv() else { break };
                        self.core.handle_inbound(now, wall, m.flow, m.message);
                        self.flush_transmits();
                    }
                    self.drain();
                }
                _ = &mut sleep, if deadline.is_some() => {
                    self.core.handle_timeout(now(), wall_unix_ms());
                    self.drain();
                }
                Some((call, ev)) = media_events.recv() => {
                    let input = match ev {
                        RelayEvent::Timeout { .. } => Some(MediaInput::RtpTimeout),
                        RelayEvent::Dtmf { leg, key, duration } => Some(MediaInput::Dtmf {
                            side: match leg {
                                rotary_media::RelayLeg::A => call::Side::A,
                                rotary_media::RelayLeg::B => call::Side::B,
                            },
                            key,
                            duration,
                        }),
                        RelayEvent::PromptFinished { .. } => Some(MediaInput::PromptFinished),
                        RelayEvent::Latched { .. } => None,
                    };
                    if let Some(input) = input {
                        self.core.handle_media(now(), wall_unix_ms(), call, input);
                        self.drain();
                    }
                }
                Some((host, addrs)) = self.resolver.recv() => {
                    self.core.handle_trunk_resolved(now(), &host, addrs);
                    self.drain();
                }
                r = config.changed() => {
                    if r.is_err() { break; }
                    let cfg = config.borrow_and_update().clone();
                    self.media.set_tone_zone(&cfg.settings.tone_zone);
                    self.core.set_config(now(), cfg);
                    self.drain();
                }
                Some(cmd) = commands.recv() => match cmd {
                    Command::ListCalls(reply) => {
                        let _ = reply.send(self.core.call_list());
                    }
                    Command::Hangup(call, reply) => {
                        let done = self.core.hangup_call(now(), wall_unix_ms(), call);
                        self.drain();
                        let _ = reply.send(done);
                    }
                },
                _ = &mut stop => break,
            }
        }
        // Shutdown: BYE every call (CDRs written), give the BYEs a moment, flush the store.
        self.core.hangup_all(now(), wall_unix_ms());
        self.drain();
        self.flush_transmits();
        self.writer.flush_and_stop();
    }

    fn flush_transmits(&mut self) {
        let sender = self.sockets.sender();
        while let Some(t) = self.core.poll_transmit() {
            sender.send(t);
        }
    }

    fn drain(&mut self) {
        loop {
            self.flush_transmits();
            let Some(ev) = self.core.poll_event() else {
                break;
            };
            match ev {
                EngineEvent::Registrar(ev) => self.on_registrar_event(ev),
                EngineEvent::Call(a) => self.on_call_action(a),
                EngineEvent::Trunk(ev) => self.on_trunk_event(ev),
            }
        }
        if let Some(view) = self.core.take_trunk_statuses(now(), wall_unix_ms()) {
            *lock(&self.trunk_view) = view;
        }
        self.metrics
            .active_calls
            .store(self.core.active_calls() as i64, Ordering::Relaxed);
    }

    fn on_call_action(&mut self, action: CallAction) {
        match action {
            CallAction::AllocateMedia { call } => {
                let input = self.media.allocate(call);
                // Answered in the same drain: the core continues the call set-up at once.
                self.core.handle_media(now(), wall_unix_ms(), call, input);
            }
            CallAction::StartRelay {
                call,
                a_remote,
                b_remote,
                rtp_timeout,
                plan,
            } => {
                self.media.start(
                    call,
                    a_remote,
                    b_remote,
                    rtp_timeout,
                    media::to_media_plan(&plan),
                );
            }
            CallAction::UpdateRelay {
                call,
                leg,
                remote,
                hold,
                holder,
            } => {
                let config = self.core.config();
                let class = holder
                    .and_then(|n| config.extension(&n).map(|e| e.moh_class.clone()))
                    .unwrap_or_else(|| rotary_config::Extension::DEFAULT_MOH_CLASS.to_owned());
                self.media.update(call, leg, remote, hold, &class);
            }
            CallAction::ReleaseMedia { call } => self.media.release(call),
            CallAction::Play { call, prompt } => self.media.play(call, prompt),
            // The core answers these itself; nothing reaches the shell.
            CallAction::Resolve { call, .. } => tracing::debug!(%call, "unresolved destination"),
            CallAction::TrunkAttempt { .. } => {}
            CallAction::Record { call, file, stereo } => self.media.record(call, file, stereo),
            CallAction::SendDigit {
                call,
                to,
                key,
                duration,
            } => self.media.send_digit(call, to, key, duration),
            CallAction::Cdr(rec) => {
                let slot = match rec.disposition {
                    crate::call::Disposition::Answered => 0,
                    crate::call::Disposition::NoAnswer => 1,
                    crate::call::Disposition::Busy => 2,
                    crate::call::Disposition::Failed => 3,
                };
                self.metrics.call_attempts[slot].fetch_add(1, Ordering::Relaxed);
                tracing::info!(
                    caller = %rec.caller, callee = %rec.callee, disposition = rec.disposition.as_str(),
                    cause = rec.cause.as_str(), billsec = rec.billsec.as_secs(), "call ended"
                );
                self.writer.cdr(persist::cdr_row(&rec));
            }
            CallAction::Event(ev) => {
                let mut fields = vec![
                    ("call", ev.call.to_string()),
                    ("caller", ev.caller.clone()),
                    ("callee", ev.callee.clone()),
                ];
                let kind = match ev.kind {
                    CallEventKind::Ringing => EventKind::CallRinging,
                    CallEventKind::Answered => EventKind::CallAnswered,
                    CallEventKind::Held { leg } => {
                        fields.push(("leg", format!("{leg:?}")));
                        EventKind::CallHeld
                    }
                    CallEventKind::Resumed { leg } => {
                        fields.push(("leg", format!("{leg:?}")));
                        EventKind::CallResumed
                    }
                    CallEventKind::HungUp { cause } => {
                        fields.push(("cause", cause.as_str().to_string()));
                        EventKind::CallHungUp
                    }
                };
                self.events.publish(kind, fields);
            }
        }
        tracing::trace!(media_calls = self.media.len(), "call action done");
    }

    fn on_trunk_event(&mut self, ev: trunks::TrunkEvent) {
        match ev {
            trunks::TrunkEvent::Status(info) => {
                self.events
                    .publish(EventKind::TrunkStatus, trunks::event_fields(&info));
            }
            trunks::TrunkEvent::Resolve(hosts) => self.resolver.lookup(hosts),
        }
    }

    fn on_registrar_event(&mut self, ev: RegistrarEvent) {
        let mut regs = lock(&self.registrations);
        match ev {
            RegistrarEvent::Registered { binding } => {
                tracing::debug!(aor = %binding.aor, contact = %binding.contact, "registered");
                self.events
                    .publish(EventKind::Registered, binding_fields(&binding));
                regs.insert(key(&binding), info(&binding));
                self.writer.upsert(&binding);
            }
            RegistrarEvent::Refreshed { binding } => {
                regs.insert(key(&binding), info(&binding));
                self.writer.upsert(&binding);
            }
            RegistrarEvent::Unregistered { binding } => {
                self.events
                    .publish(EventKind::Unregistered, binding_fields(&binding));
                regs.remove(&key(&binding));
                self.writer.delete(&binding);
            }
            RegistrarEvent::Expired { binding } => {
                self.events
                    .publish(EventKind::RegistrationExpired, binding_fields(&binding));
                regs.remove(&key(&binding));
                self.writer.delete(&binding);
            }
            RegistrarEvent::Reachability { binding, reachable } => {
                let mut fields = binding_fields(&binding);
                fields.push(("reachable", reachable.to_string()));
                self.events.publish(EventKind::ContactReachability, fields);
                if let Some(r) = regs.get_mut(&key(&binding)) {
                    r.reachable = Some(reachable);
                }
            }
        }
        self.metrics
            .bindings
            .store(regs.len() as i64, Ordering::Relaxed);
    }
}

fn binding_fields(b: &BindingSnapshot) -> Vec<(&'static str, String)> {
    vec![
        ("extension", b.aor.clone()),
        ("contact", b.contact.clone()),
        ("source", b.flow.remote.to_string()),
        ("transport", b.flow.transport.as_str().to_string()),
    ]
}

/// The address phones should send media and requests to. A wildcard bind advertises
/// the host's outward address (found by asking the kernel for a route; no packet is
/// sent), or loopback when there is no route at all.
fn advertised_ip(bound: std::net::IpAddr) -> std::net::IpAddr {
    if !bound.is_unspecified() {
        return bound;
    }
    std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| {
            s.connect("192.0.2.1:9")?;
            s.local_addr()
        })
        .map(|a| a.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))
}

fn key(b: &BindingSnapshot) -> (String, String) {
    (b.aor.clone(), b.contact.clone())
}

fn info(b: &BindingSnapshot) -> RegistrationInfo {
    RegistrationInfo {
        extension: b.aor.clone(),
        contact: b.contact.clone(),
        source: b.flow.remote,
        transport: b.flow.transport.as_str(),
        user_agent: b.user_agent.clone().unwrap_or_default(),
        expires_at_unix: b.expires_at_unix,
        reachable: None,
    }
}

/// The shell's one monotonic clock read; follows tokio's paused clock in tests.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Wall-clock Unix milliseconds, for expiry stamps and CDR times.
fn wall_unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
