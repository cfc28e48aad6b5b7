//! The reachability monitor of one "peer" (IP-authenticated) trunk: a SIP OPTIONS probe
//! (RFC 3261 §11) to the peer, or to its outbound proxy, every `qualify_interval` seconds.
//!
//! Any final response, even 404, 405 or 501, proves the peer is alive: the trunk is
//! `reachable`, with the response code and the round-trip time. A transaction timeout or a
//! transport failure makes it `unreachable` and probes every 10 s until it answers again.
//!
//! Sans-IO like [`crate::RegistrationClient`]: probes come out of
//! [`PeerMonitor::poll_transmit`] for the engine to send in a client transaction; its final
//! response goes back through [`PeerMonitor::handle_response`], its failure through
//! [`PeerMonitor::handle_failure`].

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rotary_config::routing::{Trunk, TrunkId, TrunkMode};
use rotary_sip::transaction::new_branch;
use rotary_sip::{Flow, FlowTransport, Headers, Method, Request, Response, Uri};

use crate::register::{bracket, flow_transport, ALLOW, ANSWER_GUARD};
use crate::{FailureReason, TransactionFailure, TrunkError, TrunkRequest};

/// How often an unreachable peer is probed (or the interval, if that is shorter).
pub const UNREACHABLE_PROBE_INTERVAL: Duration = Duration::from_secs(10);

/// Everything the monitor needs to know about its trunk; built with
/// [`PeerConfig::from_trunk`]. The engine restarts a monitor only when this changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerConfig {
    /// The trunk.
    pub trunk: TrunkId,
    /// The peer's host name or address: Request-URI and To host.
    pub host: String,
    /// Explicit port of the Request-URI (`None`: the transport default).
    pub port: Option<u16>,
    /// The transport to the peer.
    pub transport: FlowTransport,
    /// User part of our From (the trunk's `from_user`, else `rotary`).
    pub from_user: String,
    /// Host part of our From (the trunk's `from_domain`, else our address).
    pub from_domain: Option<String>,
    /// `host[:port]` of an outbound proxy, sent as a loose `Route`.
    pub outbound_proxy: Option<String>,
    /// Time between probes while the peer answers.
    pub interval: Duration,
    /// Our User-Agent header.
    pub user_agent: String,
}

impl PeerConfig {
    /// The probe settings of an enabled peer trunk with a non-zero `qualify_interval`;
    /// `None` for other trunks (they are not monitored).
    #[must_use]
    pub fn from_trunk(trunk: &Trunk, user_agent: &str) -> Option<Self> {
        let TrunkMode::Peer(peer) = &trunk.mode else {
            return None;
        };
        if !trunk.enabled || peer.qualify_interval == 0 {
            return None;
        }
        Some(PeerConfig {
            trunk: trunk.id.clone(),
            host: peer.host.as_str().to_owned(),
            port: peer.port,
            transport: flow_transport(peer.transport),
            from_user: peer
                .from_user
                .clone()
                .unwrap_or_else(|| "rotary".to_owned()),
            from_domain: peer.from_domain.as_ref().map(|h| bracket(h.as_str())),
            outbound_proxy: peer.outbound_proxy.as_ref().map(ToString::to_string),
            interval: Duration::from_secs(u64::from(peer.qualify_interval)),
            user_agent: user_agent.to_owned(),
        })
    }
}

/// Whether a monitored peer answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerState {
    /// Not started, or the first probe has no outcome yet.
    Probing,
    /// The last probe got a final response.
    Reachable,
    /// The last probe failed.
    Unreachable {
        /// Why: [`FailureReason::Timeout`], [`FailureReason::TransportError`] or
        /// [`FailureReason::Unresolved`].
        reason: FailureReason,
    },
}

impl PeerState {
    /// The state's name as the API and metrics show it: `probing`, `reachable` or
    /// `unreachable`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            PeerState::Probing => "probing",
            PeerState::Reachable => "reachable",
            PeerState::Unreachable { .. } => "unreachable",
        }
    }
}

/// Everything the outside sees of one monitored peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerStatus {
    /// The current state.
    pub state: PeerState,
    /// Status code of the peer's last final answer to a probe (`None` before any).
    pub last_code: Option<u16>,
    /// Round-trip time of the last answered probe, in milliseconds.
    pub rtt_ms: Option<u32>,
    /// Consecutive failed probes (0 once the peer answers).
    pub failures: u32,
    /// When the next probe goes out (`None` while one is out or before the start).
    pub next_probe: Option<Instant>,
}

/// What the engine should know about a peer monitor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerEvent {
    /// The state, reason or last response code changed (not sent for a mere RTT change).
    StatusChanged(PeerStatus),
    /// A probe is due but there is no address: resolve the host (or proxy) and call
    /// [`PeerMonitor::set_destination`].
    AddressNeeded,
}

/// Where the monitor is in its cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Not started, stopped, or waiting for an address.
    Idle,
    /// A probe is out since `since`, with this CSeq.
    Sending { cseq: u32, since: Instant },
    /// Next probe at this instant.
    Waiting(Instant),
}

/// The OPTIONS monitor of one peer trunk. See the module docs.
#[derive(Debug)]
pub struct PeerMonitor {
    config: PeerConfig,
    rng: StdRng,
    local: SocketAddr,
    dest: Option<SocketAddr>,
    request_uri: Uri,
    /// Call-ID of the probe currently out.
    call_id: String,
    cseq: u32,
    phase: Phase,
    started: bool,
    status: PeerStatus,
    /// State and last code as last reported (or initially).
    reported: (PeerState, Option<u16>),
    transmits: VecDeque<TrunkRequest>,
    events: VecDeque<PeerEvent>,
}

impl PeerMonitor {
    /// A monitor for one peer trunk. `local` is the address we send from and advertise in
    /// Via and Contact; `seed` feeds Call-IDs, tags and branches. Nothing is sent before
    /// [`PeerMonitor::start`].
    pub fn new(config: PeerConfig, local: SocketAddr, seed: [u8; 32]) -> Result<Self, TrunkError> {
        let mut text = format!("sip:{}", bracket(&config.host));
        if let Some(port) = config.port {
            text.push_str(&format!(":{port}"));
        }
        match config.transport {
            FlowTransport::Tcp => text.push_str(";transport=tcp"),
            FlowTransport::Tls => text.push_str(";transport=tls"),
            FlowTransport::Udp | FlowTransport::Ws => {}
        }
        let request_uri = text
            .parse::<Uri>()
            .map_err(|_| TrunkError::InvalidPeer { uri: text })?;
        Ok(PeerMonitor {
            config,
            rng: StdRng::from_seed(seed),
            local,
            dest: None,
            request_uri,
            call_id: String::new(),
            cseq: 0,
            phase: Phase::Idle,
            started: false,
            status: PeerStatus {
                state: PeerState::Probing,
                last_code: None,
                rtt_ms: None,
                failures: 0,
                next_probe: None,
            },
            reported: (PeerState::Probing, None),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        })
    }

    /// Begin probing (at once if the peer's address is known). Idempotent.
    pub fn start(&mut self, now: Instant) {
        if self.started {
            return;
        }
        self.started = true;
        if self.phase == Phase::Idle {
            self.probe(now);
        }
    }

    /// Stop probing; a probe still out is forgotten. The engine then drops the monitor.
    pub fn stop(&mut self) {
        self.started = false;
        self.phase = Phase::Idle;
        self.transmits.clear();
    }

    /// The peer's (or outbound proxy's) resolved address; `None` when resolution failed,
    /// which makes the peer `unreachable` (`unresolved`). A monitor waiting for an address
    /// probes at once when one arrives.
    pub fn set_destination(&mut self, now: Instant, dest: Option<SocketAddr>) {
        self.dest = dest;
        if !self.started || self.phase != Phase::Idle {
            return;
        }
        match dest {
            Some(_) => self.probe(now),
            None => self.fail(now, FailureReason::Unresolved),
        }
    }

    /// A response of the transaction carrying our probe. Provisional responses and
    /// answers to older probes are ignored.
    pub fn handle_response(&mut self, now: Instant, response: &Response) {
        let Phase::Sending { cseq, since } = self.phase else {
            return;
        };
        if response.status < 200 {
            return;
        }
        let ours = response.call_id() == Some(self.call_id.as_str())
            && response
                .cseq()
                .is_ok_and(|c| c.seq == cseq && c.method == Method::Options);
        if !ours {
            return;
        }
        let rtt = now.saturating_duration_since(since).as_millis();
        self.status.rtt_ms = Some(u32::try_from(rtt).unwrap_or(u32::MAX));
        self.status.last_code = Some(response.status);
        self.status.failures = 0;
        // Keep the cadence from the probe's start, never earlier than now.
        self.wait_until((since + self.config.interval).max(now));
        self.set_state(PeerState::Reachable);
    }

    /// The transaction of our probe ended without a final response.
    pub fn handle_failure(&mut self, now: Instant, failure: TransactionFailure) {
        if !matches!(self.phase, Phase::Sending { .. }) {
            return;
        }
        self.fail(
            now,
            match failure {
                TransactionFailure::Timeout => FailureReason::Timeout,
                TransactionFailure::Transport => FailureReason::TransportError,
            },
        );
    }

    /// Advance to `now`: send a due probe; count a probe that got no transaction event at
    /// all as a timeout (a guard behind Timer F). Idempotent.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.phase {
            Phase::Waiting(at) if now >= at => self.probe(now),
            Phase::Sending { since, .. } if now >= since + ANSWER_GUARD => {
                self.handle_failure(now, TransactionFailure::Timeout)
            }
            _ => {}
        }
    }

    /// Next probe to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<TrunkRequest> {
        self.transmits.pop_front()
    }

    /// Next status change or address request.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<PeerEvent> {
        self.events.pop_front()
    }

    /// When [`PeerMonitor::handle_timeout`] is next due.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::Waiting(at) => Some(at),
            Phase::Sending { since, .. } => Some(since + ANSWER_GUARD),
            Phase::Idle => None,
        }
    }

    /// The current status.
    #[must_use]
    pub fn status(&self) -> PeerStatus {
        self.status
    }

    /// The configuration the monitor was built from.
    #[must_use]
    pub fn config(&self) -> &PeerConfig {
        &self.config
    }

    /// Send a probe now, or ask for the address first.
    fn probe(&mut self, now: Instant) {
        let Some(dest) = self.dest else {
            self.phase = Phase::Idle;
            self.status.next_probe = None;
            self.events.push_back(PeerEvent::AddressNeeded);
            return;
        };
        self.cseq = self.cseq.wrapping_add(1).max(1);
        let request = self.build();
        self.transmits.push_back(TrunkRequest {
            flow: Flow {
                transport: self.config.transport,
                local: self.local,
                remote: dest,
                conn: None,
            },
            request,
        });
        self.phase = Phase::Sending {
            cseq: self.cseq,
            since: now,
        };
        self.status.next_probe = None;
    }

    /// The OPTIONS itself (RFC 3261 §11.1): a fresh Call-ID, From tag and branch.
    fn build(&mut self) -> Request {
        let c = &self.config;
        self.call_id = format!("{:032x}", self.rng.gen::<u128>());
        let tag = format!("{:016x}", self.rng.gen::<u64>());
        let branch = new_branch(&mut self.rng);
        let from_host = c
            .from_domain
            .clone()
            .unwrap_or_else(|| bracket(&self.local.ip().to_string()));
        let transport_param = match c.transport {
            FlowTransport::Udp => "",
            FlowTransport::Tcp => ";transport=tcp",
            FlowTransport::Tls => ";transport=tls",
            FlowTransport::Ws => ";transport=ws",
        };
        let mut headers = Headers::default();
        headers.push(
            "Via",
            format!(
                "SIP/2.0/{} {};branch={};rport",
                c.transport.via_token(),
                self.local,
                branch.as_str()
            ),
        );
        headers.push("Max-Forwards", "70");
        if let Some(proxy) = &c.outbound_proxy {
            headers.push("Route", format!("<sip:{proxy};lr>"));
        }
        headers.push(
            "From",
            format!("<sip:{}@{from_host}>;tag={tag}", c.from_user),
        );
        headers.push("To", format!("<{}>", self.request_uri));
        headers.push("Call-ID", self.call_id.clone());
        headers.push("CSeq", format!("{} OPTIONS", self.cseq));
        headers.push(
            "Contact",
            format!("<sip:{}@{}{transport_param}>", c.from_user, self.local),
        );
        headers.push("Accept", "application/sdp");
        headers.push("Allow", ALLOW);
        headers.push("User-Agent", c.user_agent.clone());
        Request {
            method: Method::Options,
            uri: self.request_uri.clone(),
            headers,
            body: Vec::new(),
        }
    }

    /// A failed probe: count it, probe again soon, report.
    fn fail(&mut self, now: Instant, reason: FailureReason) {
        self.status.failures = self.status.failures.saturating_add(1);
        self.wait_until(now + self.config.interval.min(UNREACHABLE_PROBE_INTERVAL));
        self.set_state(PeerState::Unreachable { reason });
    }

    fn wait_until(&mut self, at: Instant) {
        self.phase = Phase::Waiting(at);
        self.status.next_probe = Some(at);
    }

    /// Change the state; report it when the state, reason or last code moved.
    fn set_state(&mut self, state: PeerState) {
        self.status.state = state;
        let now = (self.status.state, self.status.last_code);
        if now != self.reported {
            self.reported = now;
            self.events.push_back(PeerEvent::StatusChanged(self.status));
        }
    }
}
