//! Test harness: one registration client driven by a simulated provider, on simulated time.

#![allow(dead_code, unreachable_pub)]

use std::time::{Duration, Instant};

use rotary_config::routing::Trunk;
use rotary_sip::auth::{Algorithm, AuthResult, Credentials, DigestConfig, DigestServer};
use rotary_sip::transaction::{make_response, set_to_tag};
use rotary_sip::{Request, Response};
use rotary_trunks::{
    RegistrationClient, RegistrationConfig, RegistrationEvent, RegistrationState, TrunkStatus,
};

/// The provider's password in every test.
pub const PASSWORD: &str = "pw-prov-123";
/// Our address.
pub const LOCAL: &str = "192.0.2.9:5062";
/// The provider's address.
pub const PROVIDER: &str = "192.0.2.1:5060";

/// A client plus a virtual clock and everything it sent and reported.
pub struct Harness {
    pub t0: Instant,
    pub now: Instant,
    pub client: RegistrationClient,
    pub events: Vec<RegistrationEvent>,
}

impl Harness {
    /// A started client for a register trunk with extra `mode` fields (JSON members).
    pub fn new(extra_mode: &str) -> Harness {
        let json = format!(
            r#"{{"id":"prov","mode":{{"kind":"register","host":"sip.example.com",
                "username":"4930111","password":"{PASSWORD}"{extra_mode}}}}}"#
        );
        let trunk: Trunk = serde_json::from_str(&json).unwrap();
        let config = RegistrationConfig::from_trunk(&trunk, "test-ua").unwrap();
        let client = RegistrationClient::new(config, LOCAL.parse().unwrap(), [5; 32]).unwrap();
        let t0 = Instant::now();
        let mut h = Harness {
            t0,
            now: t0,
            client,
            events: Vec::new(),
        };
        h.client.start(t0);
        h.client
            .set_destination(t0, Some(PROVIDER.parse().unwrap()));
        h
    }

    /// The next REGISTER the client sends (panics if none).
    pub fn take_request(&mut self) -> Request {
        let out = self.client.poll_transmit().expect("a REGISTER to send");
        assert_eq!(out.flow.remote, PROVIDER.parse().unwrap());
        // Every request must survive the wire.
        let bytes = out.request.to_bytes();
        match rotary_sip::parse::parse_message(&bytes).expect("parses") {
            rotary_sip::Message::Request(r) => r,
            rotary_sip::Message::Response(_) => panic!("not a request"),
        }
    }

    /// Whether nothing is waiting to be sent.
    pub fn nothing_sent(&mut self) -> bool {
        self.client.poll_transmit().is_none()
    }

    /// Answer `req` with `status` and extra headers.
    pub fn respond(&mut self, req: &Request, status: u16, headers: &[(&str, String)]) {
        let mut resp = make_response(req, status, "Test");
        set_to_tag(&mut resp, "prov-tag");
        for (n, v) in headers {
            resp.headers.push(*n, v.clone());
        }
        self.respond_with(resp);
    }

    /// Feed a prepared response.
    pub fn respond_with(&mut self, resp: Response) {
        self.client.handle_response(self.now, &resp);
        self.collect();
    }

    /// Jump to the client's next deadline and fire it; returns the time jumped.
    pub fn advance(&mut self) -> Duration {
        let at = self.client.poll_timeout().expect("a deadline");
        let jumped = at.saturating_duration_since(self.now);
        self.now = self.now.max(at);
        self.client.handle_timeout(self.now);
        self.collect();
        jumped
    }

    /// Move the clock without firing anything.
    pub fn wait(&mut self, d: Duration) {
        self.now += d;
    }

    pub fn collect(&mut self) {
        while let Some(e) = self.client.poll_event() {
            self.events.push(e);
        }
    }

    /// Status-change events seen so far, as state names.
    pub fn state_names(&mut self) -> Vec<&'static str> {
        self.collect();
        self.events
            .iter()
            .filter_map(|e| match e {
                RegistrationEvent::StatusChanged(s) => Some(s.state.name()),
                _ => None,
            })
            .collect()
    }

    pub fn state(&self) -> RegistrationState {
        self.client.status().state
    }

    pub fn status(&self) -> TrunkStatus {
        self.client.status()
    }
}

/// A digest-challenging provider (the server side of `rotary-sip`).
pub struct Provider {
    pub server: DigestServer,
}

impl Provider {
    pub fn new(algorithms: Vec<Algorithm>, t0: Instant) -> Provider {
        let mut config = DigestConfig::new("prov.example");
        config.algorithms = algorithms;
        config.allow_without_qop = false;
        Provider {
            server: DigestServer::with_config(&[1; 32], config, t0),
        }
    }

    /// Challenge header values.
    pub fn challenge(&mut self, now: Instant, stale: bool) -> Vec<String> {
        self.server.challenge(now, stale)
    }

    /// Check the credentials in `header` of `req` against [`PASSWORD`].
    pub fn verify(&mut self, now: Instant, req: &Request, header: &str) -> AuthResult {
        let creds: Credentials = req
            .headers
            .get(header)
            .expect("credentials")
            .parse()
            .expect("credentials parse");
        assert_eq!(creds.username, "4930111");
        assert_eq!(creds.uri, req.uri.to_string());
        self.server.verify(now, "REGISTER", &creds, PASSWORD)
    }
}

/// `WWW-Authenticate` headers from challenge values.
pub fn www(values: Vec<String>) -> Vec<(&'static str, String)> {
    values
        .into_iter()
        .map(|v| ("WWW-Authenticate", v))
        .collect()
}

/// A Contact header granting `secs` to our contact.
pub fn granted(secs: u32) -> (&'static str, String) {
    ("Contact", format!("<sip:4930111@{LOCAL}>;expires={secs}"))
}

/// Register through one 401 challenge; the 200 grants `secs` on our contact.
pub fn register_with_challenge(h: &mut Harness, p: &mut Provider, secs: u32) {
    let r1 = h.take_request();
    let ch = p.challenge(h.now, false);
    h.respond(&r1, 401, &www(ch));
    let r2 = h.take_request();
    assert_eq!(p.verify(h.now, &r2, "Authorization"), AuthResult::Ok);
    h.respond(&r2, 200, &[granted(secs)]);
    assert!(h.state().is_registered(), "{:?}", h.state());
}
