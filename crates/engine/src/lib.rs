//! The PBX engine: the tokio shell around the sans-IO [`core::Core`]. It owns the SIP
//! sockets, feeds every message and timer to the core, sends what the core queues,
//! persists registrar changes to the store (batched, off the hot path) and keeps the
//! views the API reads (registrations, metrics).
//!
//! Drive it with [`Engine::start`]; talk to it through the [`EngineHandle`].
//! Calls (B2BUA, media) plug into [`core::Core::dispatch`]'s INVITE arm in a later issue.

pub mod call;
pub mod core;
pub mod metrics;
mod persist;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rotary_config::Config;
use rotary_registrar::{BindingSnapshot, RegistrarEvent};
use rotary_store::Store;
use rotary_transport::{SipSender, SipSockets, TransportError};
use tokio::sync::{oneshot, watch};

pub use crate::core::{Core, EngineEvent};
pub use crate::metrics::Metrics;

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
}

/// Entry point.
pub struct Engine;

impl Engine {
    /// Bind the SIP sockets, restore persisted bindings and start the engine task.
    pub async fn start(sip_bind: SocketAddr, data_dir: &Path, config: Arc<Config>) -> Result<EngineHandle, EngineError> {
        let sockets = SipSockets::bind(sip_bind).await?;
        let mut store = Store::open(data_dir)?;
        let wall = wall_unix();
        let restored = store.load_bindings(wall)?;
        let writer = persist::BindingWriter::spawn(store);

        let metrics = Arc::new(Metrics::default());
        let t0 = Instant::now();
        let mut secret = [0u8; 32];
        rand::Rng::fill(&mut rand::thread_rng(), &mut secret);
        let mut core = Core::new(config.clone(), secret, t0, metrics.clone());
        let registrations = Arc::new(Mutex::new(BTreeMap::new()));
        for b in restored {
            if let Some(snap) = persist::from_stored(&b) {
                core.restore_binding(t0, wall, snap);
            }
        }
        let (config_tx, config_rx) = watch::channel(config);
        let (stop_tx, stop_rx) = oneshot::channel();
        let handle = EngineHandle {
            config: config_tx,
            registrations: registrations.clone(),
            metrics: metrics.clone(),
            sender: sockets.sender(),
            sip_addr: sockets.local_addr(),
            stop: Arc::new(Mutex::new(Some(stop_tx))),
            done: Arc::new(tokio::sync::Notify::new()),
        };
        // Bindings restored from the store become API-visible at once.
        let mut shell = Shell { core, sockets, writer, registrations, metrics };
        shell.drain(t0);
        let done = handle.done.clone();
        tokio::spawn(async move {
            shell.run(config_rx, stop_rx).await;
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
        self.metrics.malformed.store(self.sender.stats().malformed.load(Ordering::Relaxed), Ordering::Relaxed);
        self.metrics.render()
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
    writer: persist::BindingWriter,
    registrations: Arc<Mutex<BTreeMap<(String, String), RegistrationInfo>>>,
    metrics: Arc<Metrics>,
}

impl Shell {
    async fn run(&mut self, mut config: watch::Receiver<Arc<Config>>, mut stop: oneshot::Receiver<()>) {
        let sleep = tokio::time::sleep_until(tokio::time::Instant::now());
        tokio::pin!(sleep);
        loop {
            let deadline = self.core.poll_timeout();
            if let Some(d) = deadline {
                sleep.as_mut().reset(tokio::time::Instant::from_std(d));
            }
            tokio::select! {
                m = self.sockets.recv() => {
                    let now = now();
                    let wall = wall_unix();
                    self.core.handle_inbound(now, wall, m.flow, m.message);
                    // Drain a burst without going back to the reactor each time.
                    for _ in 0..64 {
                        match self.sockets.try_recv() {
                            Some(m) => {
                                self.core.handle_inbound(now, wall, m.flow, m.message);
                                self.flush_transmits();
                            }
                            None => break,
                        }
                    }
                    self.drain(now);
                }
                _ = &mut sleep, if deadline.is_some() => {
                    let now = now();
                    self.core.handle_timeout(now, wall_unix());
                    self.drain(now);
                }
                r = config.changed() => {
                    if r.is_err() { break; }
                    let cfg = config.borrow_and_update().clone();
                    self.core.set_config(now(), cfg);
                    self.drain(now());
                }
                _ = &mut stop => break,
            }
        }
        self.drain(now());
        self.writer.flush_and_stop();
    }

    fn flush_transmits(&mut self) {
        let sender = self.sockets.sender();
        while let Some(t) = self.core.poll_transmit() {
            sender.send(t);
        }
    }

    fn drain(&mut self, _now: Instant) {
        self.flush_transmits();
        while let Some(ev) = self.core.poll_event() {
            match ev {
                EngineEvent::Registrar(ev) => self.on_registrar_event(ev),
            }
        }
    }

    fn on_registrar_event(&mut self, ev: RegistrarEvent) {
        let mut regs = lock(&self.registrations);
        match ev {
            RegistrarEvent::Registered { binding } | RegistrarEvent::Refreshed { binding } => {
                tracing::debug!(aor = %binding.aor, contact = %binding.contact, "registered");
                regs.insert(key(&binding), info(&binding));
                self.writer.upsert(&binding);
            }
            RegistrarEvent::Unregistered { binding } | RegistrarEvent::Expired { binding } => {
                tracing::debug!(aor = %binding.aor, contact = %binding.contact, "unregistered");
                regs.remove(&key(&binding));
                self.writer.delete(&binding);
            }
            RegistrarEvent::Reachability { binding, reachable } => {
                if let Some(r) = regs.get_mut(&key(&binding)) {
                    r.reachable = Some(reachable);
                }
            }
        }
        self.metrics.bindings.store(regs.len() as i64, Ordering::Relaxed);
    }
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

/// Wall-clock Unix seconds, for expiry stamps that must survive a restart.
fn wall_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
