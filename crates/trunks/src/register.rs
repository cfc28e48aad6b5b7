//! The registration client of one "register" trunk (RFC 3261 §10.2): REGISTER to the
//! provider, answer its digest challenge (401/407, MD5 or SHA-256, `qop=auth`), refresh at
//! 85 % of the expiry the provider grants, honour 423 Min-Expires, back off after failures,
//! and send the unREGISTER (Expires: 0) when the trunk is removed.
//!
//! Sans-IO: requests come out of [`RegistrationClient::poll_transmit`] for the engine to put
//! in a client transaction; that transaction's final response goes back in through
//! [`RegistrationClient::handle_response`] and its timeout through
//! [`RegistrationClient::handle_failure`].

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rotary_config::routing::{Transport, Trunk, TrunkId, TrunkMode};
use rotary_config::Secret;
use rotary_sip::auth::DigestClient;
use rotary_sip::message::find_param;
use rotary_sip::transaction::new_branch;
use rotary_sip::{Contact, Flow, FlowTransport, Headers, Host, Method, Request, Response, Uri};

use crate::backoff::{self, MAX_BACKOFF};
use crate::status::{FailureReason, RegistrationState, TrunkStatus};
use crate::TrunkError;

/// Everything the client needs to know about its trunk; built from the configuration with
/// [`RegistrationConfig::from_trunk`]. Two equal configs register identically, so the engine
/// restarts a client only when this changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrationConfig {
    /// The trunk.
    pub trunk: TrunkId,
    /// The provider's domain or address as configured: Request-URI, From and To host.
    pub domain: String,
    /// Explicit port of the Request-URI (`None`: the transport default).
    pub port: Option<u16>,
    /// The transport to the provider.
    pub transport: FlowTransport,
    /// The account user: From and To user part.
    pub username: String,
    /// The digest username.
    pub auth_user: String,
    /// The digest password.
    pub password: Secret,
    /// User part of the Contact we register.
    pub contact_user: String,
    /// `host[:port]` of an outbound proxy, sent as a loose `Route` (the engine then sends to
    /// the proxy's address).
    pub outbound_proxy: Option<String>,
    /// Expiry we ask for, in seconds.
    pub expiry: u32,
    /// Wait after the first failure; doubled per further failure up to 30 minutes.
    pub retry_interval: Duration,
    /// Consecutive failures after which the client gives up (`None`: never).
    pub max_retries: Option<u32>,
    /// Our User-Agent header.
    pub user_agent: String,
}

impl RegistrationConfig {
    /// The registration settings of an enabled "register" trunk; `None` for other trunks.
    #[must_use]
    pub fn from_trunk(trunk: &Trunk, user_agent: &str) -> Option<Self> {
        let TrunkMode::Register(reg) = &trunk.mode else {
            return None;
        };
        if !trunk.enabled {
            return None;
        }
        Some(RegistrationConfig {
            trunk: trunk.id.clone(),
            domain: reg.host.as_str().to_owned(),
            port: reg.port,
            transport: flow_transport(reg.transport),
            username: reg.username.clone(),
            auth_user: reg.auth_user().to_owned(),
            password: reg.password.clone(),
            contact_user: reg.contact_user().to_owned(),
            outbound_proxy: reg.outbound_proxy.as_ref().map(ToString::to_string),
            expiry: reg.expiry,
            retry_interval: Duration::from_secs(u64::from(reg.retry_interval.max(1))),
            max_retries: reg.max_retries,
            user_agent: user_agent.to_owned(),
        })
    }
}

/// A REGISTER for the engine to send in a new client transaction over `flow`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrunkRequest {
    /// Where it goes (the provider or its outbound proxy).
    pub flow: Flow,
    /// The request, with a fresh branch in its top Via.
    pub request: Request,
}

/// How a client transaction ended without a final response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionFailure {
    /// Timer F fired: no final answer.
    Timeout,
    /// The transport could not deliver.
    Transport,
}

/// What the engine should know about a registration client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrationEvent {
    /// The state, reason or last response code changed (not sent for a mere refresh).
    StatusChanged(TrunkStatus),
    /// The client wants to send but has no provider address: resolve the host (or proxy)
    /// and call [`RegistrationClient::set_destination`].
    AddressNeeded,
    /// After [`RegistrationClient::stop`]: the unREGISTER is done (or was not needed); drop
    /// the client.
    Finished,
}

/// The registration client of one trunk. See the module docs for the protocol.
#[derive(Debug)]
pub struct RegistrationClient {
    config: RegistrationConfig,
    rng: StdRng,
    local: SocketAddr,
    dest: Option<SocketAddr>,
    request_uri: Uri,
    call_id: String,
    from_tag: String,
    cseq: u32,
    digest: DigestClient,
    /// `Authorization` or `Proxy-Authorization`, after the last challenge's kind.
    auth_header: &'static str,
    /// The expiry currently asked for (raised by 423 Min-Expires).
    expiry: u32,
    phase: Phase,
    started: bool,
    stopping: bool,
    status: TrunkStatus,
    transmits: VecDeque<TrunkRequest>,
    events: VecDeque<RegistrationEvent>,
}

/// Where the client is in its cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Not started, given up, or waiting for an address.
    Idle,
    /// A REGISTER is out.
    Sending(Attempt),
    /// Next REGISTER (refresh or retry) at this instant.
    Waiting(Instant),
    /// Stopped and unregistered.
    Finished,
}

/// The REGISTER currently out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Attempt {
    cseq: u32,
    since: Instant,
    /// The Expires it asked for (0 = unREGISTER).
    expires: u32,
    /// It carried credentials.
    answered: bool,
    /// A stale-nonce retry was already used in this cycle.
    stale_retried: bool,
    /// 423 retries used in this cycle.
    brief_retries: u8,
}

impl RegistrationClient {
    /// A client for one trunk. `local` is the address we send from and advertise in Via and
    /// Contact; `seed` feeds Call-ID, tags, branches, cnonces and back-off jitter. Nothing is
    /// sent before [`RegistrationClient::start`].
    pub fn new(
        config: RegistrationConfig,
        local: SocketAddr,
        seed: [u8; 32],
    ) -> Result<Self, TrunkError> {
        let request_uri = registrar_uri(&config)?;
        let mut rng = StdRng::from_seed(seed);
        let call_id = format!("{:032x}", rng.gen::<u128>());
        let from_tag = format!("{:016x}", rng.gen::<u64>());
        let digest = DigestClient::new(config.auth_user.clone(), config.password.expose());
        Ok(RegistrationClient {
            expiry: config.expiry,
            config,
            rng,
            local,
            dest: None,
            request_uri,
            call_id,
            from_tag,
            cseq: 0,
            digest,
            auth_header: "Authorization",
            phase: Phase::Idle,
            started: false,
            stopping: false,
            status: TrunkStatus::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        })
    }

    /// Begin registering (at once if the provider's address is known). Idempotent.
    pub fn start(&mut self, now: Instant) {
        if self.started || self.stopping {
            return;
        }
        self.started = true;
        if self.phase == Phase::Idle {
            self.attempt(now);
        }
    }

    /// The provider's (or outbound proxy's) resolved address; `None` when resolution
    /// failed. A waiting client sends at once when an address arrives.
    pub fn set_destination(&mut self, now: Instant, dest: Option<SocketAddr>) {
        self.dest = dest;
        match (dest, self.phase) {
            (Some(_), Phase::Idle) if self.started => self.attempt(now),
            (None, Phase::Idle) if self.started && !self.stopping => {
                self.fail(now, FailureReason::Unresolved)
            }
            _ => {}
        }
    }

    /// Stop: unREGISTER (Expires: 0) if the provider may hold our binding, then report
    /// [`RegistrationEvent::Finished`].
    pub fn stop(&mut self, now: Instant) {
        if self.stopping || self.phase == Phase::Finished {
            return;
        }
        self.stopping = true;
        let may_be_bound = match self.phase {
            Phase::Sending(_) => true,
            _ => {
                matches!(self.status.state, RegistrationState::Registered { expires_at } if expires_at > now)
            }
        };
        if may_be_bound && self.dest.is_some() {
            self.send(now, false, false, 0);
        } else {
            self.finish();
        }
    }

    /// The final (or provisional, ignored) response of the transaction carrying our last
    /// REGISTER. Responses to older REGISTERs are ignored.
    pub fn handle_response(&mut self, now: Instant, response: &Response) {
        let Phase::Sending(attempt) = self.phase else {
            return;
        };
        if response.status < 200 {
            return;
        }
        let ours = response
            .cseq()
            .is_ok_and(|c| c.seq == attempt.cseq && c.method == Method::Register);
        if !ours {
            return;
        }
        self.status.last_code = Some(response.status);
        match response.status {
            200..=299 if attempt.expires == 0 => self.finish(),
            200..=299 => self.registered(now, response),
            401 | 407 => self.challenged(now, attempt, response),
            _ if self.stopping => self.finish(),
            423 => {
                let min = response.headers.min_expires().unwrap_or(0);
                if min > self.expiry && min <= MAX_EXPIRY && attempt.brief_retries < 2 {
                    self.expiry = min;
                    self.send(now, false, false, attempt.brief_retries + 1);
                } else {
                    self.fail(now, FailureReason::IntervalTooBrief);
                }
            }
            403 => self.fail(now, FailureReason::Forbidden),
            status => self.fail(now, FailureReason::Rejected { status }),
        }
    }

    /// The transaction of our last REGISTER ended without a final response.
    pub fn handle_failure(&mut self, now: Instant, failure: TransactionFailure) {
        if !matches!(self.phase, Phase::Sending(_)) {
            return;
        }
        if self.stopping {
            self.finish();
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

    /// Advance to `now`: send due refreshes and retries; give up on a REGISTER that got
    /// no answer at all (a guard behind the transaction's own Timer F). Idempotent.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.phase {
            Phase::Waiting(at) if now >= at => self.attempt(now),
            Phase::Sending(a) if now >= a.since + ANSWER_GUARD => {
                self.handle_failure(now, TransactionFailure::Timeout)
            }
            _ => {}
        }
    }

    /// Next REGISTER to send. Changes after `start`, `stop`, `set_destination`, and every
    /// `handle_*`.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<TrunkRequest> {
        self.transmits.pop_front()
    }

    /// Next status change or request for the engine. Changes after the same calls.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<RegistrationEvent> {
        self.events.pop_front()
    }

    /// When [`RegistrationClient::handle_timeout`] is next due; `None` when idle.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::Waiting(at) => Some(at),
            Phase::Sending(a) => Some(a.since + ANSWER_GUARD),
            Phase::Idle | Phase::Finished => None,
        }
    }

    /// The status as of the last input.
    #[must_use]
    pub fn status(&self) -> TrunkStatus {
        self.status
    }

    /// The settings this client registers with.
    #[must_use]
    pub fn config(&self) -> &RegistrationConfig {
        &self.config
    }

    /// Whether [`RegistrationClient::stop`] has completed.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Finished
    }

    /// Whether [`RegistrationClient::stop`] was called.
    #[must_use]
    pub fn is_stopping(&self) -> bool {
        self.stopping
    }

    /// A new registration cycle (first attempt, refresh or retry).
    fn attempt(&mut self, now: Instant) {
        if self.dest.is_none() {
            self.phase = Phase::Idle;
            if !matches!(self.status.state, RegistrationState::Failed { .. }) {
                self.set_state(RegistrationState::Registering);
            }
            self.events.push_back(RegistrationEvent::AddressNeeded);
            return;
        }
        if !self.status.state.is_registered() {
            self.set_state(RegistrationState::Registering);
        }
        self.send(now, false, false, 0);
    }

    /// A 2xx to a REGISTER with a non-zero expiry.
    fn registered(&mut self, now: Instant, response: &Response) {
        let granted =
            granted_expiry(response, &self.config.contact_user, self.local).unwrap_or(self.expiry);
        if granted == 0 {
            self.fail(now, FailureReason::BadResponse);
            return;
        }
        let lifetime = Duration::from_secs(u64::from(granted));
        // Refresh at 85 % of the granted time (never sooner than 2 s, never after expiry).
        let refresh = (lifetime * 85 / 100).max(Duration::from_secs(2).min(lifetime));
        self.status.failures = 0;
        self.phase = Phase::Waiting(now + refresh);
        self.set_state(RegistrationState::Registered {
            expires_at: now + lifetime,
        });
    }

    /// A 401/407: answer it once (and once more for a stale nonce); a second challenge after
    /// our answer means the credentials are wrong.
    fn challenged(&mut self, now: Instant, attempt: Attempt, response: &Response) {
        let (challenge_header, answer_header) = if response.status == 401 {
            ("WWW-Authenticate", "Authorization")
        } else {
            ("Proxy-Authenticate", "Proxy-Authorization")
        };
        let usable = self
            .digest
            .handle_challenge(response.headers.get_all(challenge_header));
        if !usable {
            if self.stopping {
                return self.finish();
            }
            return self.fail(now, FailureReason::BadChallenge);
        }
        let stale = self.digest.challenge().is_some_and(|c| c.stale);
        let may_answer = !attempt.answered || (stale && !attempt.stale_retried);
        if !may_answer {
            if self.stopping {
                return self.finish();
            }
            return self.fail(now, FailureReason::AuthRejected);
        }
        let stale_retried = attempt.stale_retried || attempt.answered;
        self.auth_header = answer_header;
        self.send(now, true, stale_retried, attempt.brief_retries);
    }

    /// Queue a REGISTER: a new CSeq and branch, credentials when `answer` is set.
    fn send(&mut self, now: Instant, answer: bool, stale_retried: bool, brief_retries: u8) {
        let Some(dest) = self.dest else {
            self.phase = Phase::Idle;
            self.events.push_back(RegistrationEvent::AddressNeeded);
            return;
        };
        let expires = if self.stopping { 0 } else { self.expiry };
        self.cseq = self.cseq.wrapping_add(1).max(1);
        let mut request = self.build(expires);
        if answer {
            let cnonce = format!("{:016x}", self.rng.gen::<u64>());
            let uri = self.request_uri.to_string();
            if let Some(value) = self.digest.authorization("REGISTER", &uri, &cnonce) {
                request.headers.push(self.auth_header, value);
            }
        }
        self.transmits.push_back(TrunkRequest {
            flow: Flow {
                transport: self.config.transport,
                local: self.local,
                remote: dest,
                conn: None,
            },
            request,
        });
        self.phase = Phase::Sending(Attempt {
            cseq: self.cseq,
            since: now,
            expires,
            answered: answer,
            stale_retried,
            brief_retries,
        });
    }

    /// The REGISTER itself (RFC 3261 §10.2).
    fn build(&mut self, expires: u32) -> Request {
        let c = &self.config;
        let branch = new_branch(&mut self.rng);
        let domain = bracket(&c.domain);
        let tcp_param = match c.transport {
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
        let aor = format!("<sip:{}@{domain}>", c.username);
        headers.push("From", format!("{aor};tag={}", self.from_tag));
        headers.push("To", aor);
        headers.push("Call-ID", self.call_id.clone());
        headers.push("CSeq", format!("{} REGISTER", self.cseq));
        headers.push(
            "Contact",
            format!("<sip:{}@{}{tcp_param}>", c.contact_user, self.local),
        );
        headers.push("Expires", expires.to_string());
        headers.push("Allow", ALLOW);
        headers.push("User-Agent", c.user_agent.clone());
        Request {
            method: Method::Register,
            uri: self.request_uri.clone(),
            headers,
            body: Vec::new(),
        }
    }

    /// A failed attempt: count it, schedule the retry (or give up), report.
    fn fail(&mut self, now: Instant, reason: FailureReason) {
        if self.stopping {
            self.finish();
            return;
        }
        self.status.failures = self.status.failures.saturating_add(1);
        let gave_up = self
            .config
            .max_retries
            .is_some_and(|max| self.status.failures >= max);
        let retry_at = if gave_up {
            self.started = false;
            self.phase = Phase::Idle;
            None
        } else {
            let wait = if reason == FailureReason::Forbidden {
                // A refused account does not heal by itself: retry only at the cap.
                MAX_BACKOFF
            } else {
                backoff::delay(
                    self.config.retry_interval,
                    MAX_BACKOFF,
                    self.status.failures,
                    &mut self.rng,
                )
            };
            self.phase = Phase::Waiting(now + wait);
            Some(now + wait)
        };
        self.set_state(RegistrationState::Failed { reason, retry_at });
    }

    fn finish(&mut self) {
        self.phase = Phase::Finished;
        self.set_state(RegistrationState::Unregistered);
        self.events.push_back(RegistrationEvent::Finished);
    }

    /// Change the state; report it unless only `expires_at`/`retry_at` moved.
    fn set_state(&mut self, state: RegistrationState) {
        let before = signature(&self.status);
        self.status.state = state;
        if signature(&self.status) != before {
            self.events
                .push_back(RegistrationEvent::StatusChanged(self.status));
        }
    }
}

/// What makes a status change worth an event: the state, the reason, the last code.
fn signature(s: &TrunkStatus) -> (&'static str, Option<FailureReason>, Option<u16>) {
    let reason = match s.state {
        RegistrationState::Failed { reason, .. } => Some(reason),
        _ => None,
    };
    (s.state.name(), reason, s.last_code)
}

/// The expiry the provider granted us (RFC 3261 §10.2.4): our Contact's `expires`
/// parameter, else the only Contact's, else the Expires header.
fn granted_expiry(response: &Response, contact_user: &str, local: SocketAddr) -> Option<u32> {
    let contacts: Vec<_> = response
        .contacts()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| match c {
            Contact::Addr(a) => Some(a),
            Contact::Star => None,
        })
        .collect();
    let ours = contacts.iter().find(|a| {
        a.uri.user.as_deref() == Some(contact_user)
            && a.uri.port.unwrap_or(5060) == local.port()
            && host_is(&a.uri.host, local)
    });
    let chosen = ours.or(if contacts.len() == 1 {
        contacts.first()
    } else {
        None
    });
    chosen
        .and_then(|a| find_param(&a.params, "expires").flatten())
        .and_then(|v| v.trim().parse::<u32>().ok())
        .or_else(|| response.expires())
}

/// Whether a URI host is `local`'s IP.
fn host_is(host: &Host, local: SocketAddr) -> bool {
    match host {
        Host::V4(ip) => std::net::IpAddr::V4(*ip) == local.ip(),
        Host::V6(ip) => std::net::IpAddr::V6(*ip) == local.ip(),
        Host::Domain(d) => d.parse::<std::net::IpAddr>().ok() == Some(local.ip()),
    }
}

/// `sip:domain[:port][;transport=…]`, the Request-URI of every REGISTER.
fn registrar_uri(c: &RegistrationConfig) -> Result<Uri, TrunkError> {
    let mut text = format!("sip:{}", bracket(&c.domain));
    if let Some(port) = c.port {
        text.push_str(&format!(":{port}"));
    }
    match c.transport {
        FlowTransport::Tcp => text.push_str(";transport=tcp"),
        FlowTransport::Tls => text.push_str(";transport=tls"),
        FlowTransport::Udp | FlowTransport::Ws => {}
    }
    text.parse::<Uri>()
        .map_err(|_| TrunkError::InvalidRegistrar { uri: text })
}

/// The transaction layer's name for a configured trunk transport.
pub(crate) fn flow_transport(t: Transport) -> FlowTransport {
    match t {
        Transport::Udp => FlowTransport::Udp,
        Transport::Tcp => FlowTransport::Tcp,
        Transport::Tls => FlowTransport::Tls,
    }
}

/// An IPv6 literal in brackets, anything else as is.
pub(crate) fn bracket(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// Longest expiry we accept from a 423 Min-Expires (one day).
const MAX_EXPIRY: u32 = 86_400;

/// Without any transaction event this long after sending, the attempt counts as a timeout
/// (Timer F is 64·T1 = 32 s; the guard only catches a lost transaction).
pub(crate) const ANSWER_GUARD: Duration = Duration::from_secs(40);

/// Methods we accept, in the REGISTER's Allow header.
pub(crate) const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY";
