//! Test harness: a registrar on a simulated clock and phones that build REGISTERs
//! as wire text, parse them with the real parser and answer challenges with the
//! real digest client.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rotary_registrar::{Account, Registrar, RegistrarAction, RegistrarConfig, RegistrarEvent};
use rotary_sip::auth::{Algorithm, Challenge, DigestClient};
use rotary_sip::parse::parse_message;
use rotary_sip::{Flow, FlowTransport, Message, Request, Response};

/// The PBX's SIP address as phones see it.
pub const PBX: &str = "192.0.2.1:5060";
/// Unix time at the simulation's start.
pub const WALL0: i64 = 1_700_000_000;

/// A registrar and a virtual clock.
pub struct Sim {
    pub t0: Instant,
    pub now: Instant,
    /// Unix seconds at `t0`.
    pub wall0: i64,
    pub reg: Registrar,
}

impl Sim {
    /// Default settings: realm `rotary`, expiry 60–7200 s, nonce lifetime 300 s,
    /// qualify timeout 5 s.
    pub fn new() -> Sim {
        Sim::with_config(config())
    }

    pub fn with_config(config: RegistrarConfig) -> Sim {
        let t0 = Instant::now();
        Sim {
            t0,
            now: t0,
            wall0: WALL0,
            reg: Registrar::new(config, t0),
        }
    }

    /// A fresh registrar (a restart of pbxd) whose clocks continue from this one's.
    pub fn restart(&self) -> Sim {
        let mut config = config();
        config.secret = [9; 32];
        Sim {
            t0: self.now,
            now: self.now,
            wall0: self.wall(),
            reg: Registrar::new(config, self.now),
        }
    }

    /// Wall-clock seconds matching `now`.
    pub fn wall(&self) -> i64 {
        self.wall0 + i64::try_from((self.now - self.t0).as_secs()).unwrap()
    }

    /// Simulated seconds since start.
    pub fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    /// Move the clock forward by `d`, firing every deadline on the way at its
    /// own instant.
    pub fn advance(&mut self, d: Duration) {
        let end = self.now + d;
        while let Some(at) = self.reg.poll_timeout() {
            if at > end {
                break;
            }
            self.now = self.now.max(at);
            self.reg.handle_timeout(self.now);
        }
        self.now = end;
    }

    /// Advance to the next deadline and fire it; returns false when idle.
    pub fn step(&mut self) -> bool {
        let Some(at) = self.reg.poll_timeout() else {
            return false;
        };
        self.now = self.now.max(at);
        self.reg.handle_timeout(self.now);
        true
    }

    pub fn events(&mut self) -> Vec<RegistrarEvent> {
        std::iter::from_fn(|| self.reg.poll_event()).collect()
    }

    pub fn actions(&mut self) -> Vec<RegistrarAction> {
        std::iter::from_fn(|| self.reg.poll_action()).collect()
    }

    /// Hand one request to the registrar from the phone's flow.
    pub fn send(&mut self, phone: &Phone, req: &Request, account: Option<&Account>) -> Response {
        let (now, wall) = (self.now, self.wall());
        self.reg
            .handle_register(now, wall, phone.flow, req, account)
    }

    /// The full exchange: unauthenticated REGISTER, 401, then the same with
    /// credentials. Returns the final response.
    pub fn register(&mut self, phone: &mut Phone, account: Option<&Account>, reg: Reg) -> Response {
        let first = phone.request(&reg, None);
        let challenge = self.send(phone, &first, account);
        assert_eq!(challenge.status, 401, "first REGISTER must be challenged");
        assert!(phone.take_challenge(&challenge), "no usable challenge");
        self.send_authed(phone, account, reg)
    }

    /// A REGISTER answering the phone's current challenge (next nonce count).
    pub fn send_authed(
        &mut self,
        phone: &mut Phone,
        account: Option<&Account>,
        reg: Reg,
    ) -> Response {
        let auth = phone.authorization();
        let req = phone.request(&reg, Some(auth));
        self.send(phone, &req, account)
    }
}

/// Registrar settings used by most tests.
pub fn config() -> RegistrarConfig {
    RegistrarConfig {
        rng_seed: 42,
        ..RegistrarConfig::new([7; 32])
    }
}

/// Extension `aor` with password `secret`, DUC defaults otherwise.
pub fn account(aor: &str) -> Account {
    Account {
        aor: aor.to_string(),
        password: "secret".to_string(),
        max_contacts: 2,
        permit: Vec::new(),
        default_expiry: 1800,
        qualify_interval: 0,
    }
}

/// What one REGISTER asks for.
#[derive(Clone, Debug, Default)]
pub struct Reg {
    /// Raw Contact header values; none = query.
    pub contacts: Vec<String>,
    /// The Expires header.
    pub expires: Option<u32>,
}

impl Reg {
    /// One contact, no Expires header.
    pub fn contact(c: &str) -> Reg {
        Reg {
            contacts: vec![c.to_string()],
            expires: None,
        }
    }

    /// One contact with an Expires header.
    pub fn contact_expires(c: &str, expires: u32) -> Reg {
        Reg {
            contacts: vec![c.to_string()],
            expires: Some(expires),
        }
    }

    /// No Contact: a query.
    pub fn query() -> Reg {
        Reg::default()
    }
}

/// A simulated phone: its account, dialog identifiers and network flow.
pub struct Phone {
    pub user: String,
    pub call_id: String,
    pub cseq: u32,
    pub flow: Flow,
    pub client: DigestClient,
    /// Answer only challenges with this algorithm; None takes the first offered.
    pub algorithm: Option<Algorithm>,
    cnonce: u32,
}

impl Phone {
    /// A phone for `user` with `password`, reaching the PBX from `source` over UDP.
    pub fn new(user: &str, password: &str, source: &str) -> Phone {
        Phone {
            user: user.to_string(),
            call_id: format!("call-{user}-{source}"),
            cseq: 0,
            flow: flow(source),
            client: DigestClient::new(user, password),
            algorithm: None,
            cnonce: 0,
        }
    }

    /// Build the next REGISTER (CSeq + 1) as wire text and parse it back.
    pub fn request(&mut self, reg: &Reg, authorization: Option<String>) -> Request {
        self.cseq += 1;
        let mut text = format!(
            "REGISTER sip:192.0.2.1 SIP/2.0\r\n\
             Via: SIP/2.0/UDP {src};branch=z9hG4bK-{cseq}-{cid};rport\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:{user}@192.0.2.1>;tag=from{user}\r\n\
             To: <sip:{user}@192.0.2.1>\r\n\
             Call-ID: {cid}\r\n\
             CSeq: {cseq} REGISTER\r\n\
             User-Agent: TestPhone 1.0\r\n",
            src = self.flow.remote,
            cseq = self.cseq,
            cid = self.call_id,
            user = self.user,
        );
        for c in &reg.contacts {
            text.push_str(&format!("Contact: {c}\r\n"));
        }
        if let Some(e) = reg.expires {
            text.push_str(&format!("Expires: {e}\r\n"));
        }
        if let Some(a) = authorization {
            text.push_str(&format!("Authorization: {a}\r\n"));
        }
        text.push_str("Content-Length: 0\r\n\r\n");
        match parse_message(text.as_bytes()) {
            Ok(Message::Request(r)) => r,
            other => panic!("test REGISTER did not parse: {other:?}\n{text}"),
        }
    }

    /// Keep the challenge of a 401 (restricted to `algorithm` if set).
    pub fn take_challenge(&mut self, resp: &Response) -> bool {
        let alg = self.algorithm;
        let values = resp
            .headers
            .get_all("WWW-Authenticate")
            .filter(|v| alg.is_none_or(|a| v.parse::<Challenge>().is_ok_and(|c| c.algorithm == a)));
        self.client.handle_challenge(values)
    }

    /// Credentials for the next request under the kept challenge.
    pub fn authorization(&mut self) -> String {
        self.cnonce += 1;
        let cnonce = format!("cn{:08x}", self.cnonce);
        self.client
            .authorization("REGISTER", "sip:192.0.2.1", &cnonce)
            .expect("a challenge was taken")
    }
}

/// A UDP flow from `source` to the PBX.
pub fn flow(source: &str) -> Flow {
    Flow {
        transport: FlowTransport::Udp,
        local: PBX.parse::<SocketAddr>().unwrap(),
        remote: source.parse::<SocketAddr>().unwrap(),
        conn: None,
    }
}

/// The Contact header values of a response.
pub fn contacts(resp: &Response) -> Vec<String> {
    resp.headers
        .get_all("Contact")
        .map(str::to_string)
        .collect()
}

/// Short names of events, for compact assertions.
pub fn event_names(events: &[RegistrarEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            RegistrarEvent::Registered { binding } => format!("registered {}", binding.contact),
            RegistrarEvent::Refreshed { binding } => format!("refreshed {}", binding.contact),
            RegistrarEvent::Unregistered { binding } => format!("unregistered {}", binding.contact),
            RegistrarEvent::Expired { binding } => format!("expired {}", binding.contact),
            RegistrarEvent::Reachability { binding, reachable } => {
                format!("reachable={reachable} {}", binding.contact)
            }
        })
        .collect()
}

/// The contact URIs currently bound to `aor`.
pub fn bound(sim: &Sim, aor: &str) -> Vec<String> {
    sim.reg.lookup(aor).map(|b| b.contact.clone()).collect()
}
