//! Shared harness for the transaction scenario tests: a `TransactionLayer`
//! driven on a virtual clock, recording every transmit and event with the
//! simulated time it happened at.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rotary_sip::parse::parse_message;
use rotary_sip::transaction::{make_response, set_to_tag, TimerConfig, TransactionLayer, TxEvent};
use rotary_sip::{Flow, FlowTransport, Message, Request, Response, Transmit};

/// T1 default, for readable assertions.
pub const T1: Duration = Duration::from_millis(500);
/// T2 default.
pub const T2: Duration = Duration::from_secs(4);
/// T4 default.
pub const T4: Duration = Duration::from_secs(5);

/// Milliseconds, for readable schedules.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A layer on a virtual clock.
pub struct Sim {
    pub t0: Instant,
    pub now: Instant,
    pub layer: TransactionLayer,
    /// (time since t0, transmit)
    pub sent: Vec<(Duration, Transmit)>,
    /// (time since t0, event)
    pub events: Vec<(Duration, TxEvent)>,
}

impl Sim {
    pub fn new() -> Self {
        Self::with_config(TimerConfig::default())
    }

    pub fn with_config(config: TimerConfig) -> Self {
        let t0 = Instant::now();
        Sim {
            t0,
            now: t0,
            layer: TransactionLayer::new(config),
            sent: vec![],
            events: vec![],
        }
    }

    /// Time elapsed on the virtual clock.
    pub fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    /// Move the clock to `t0 + at` without firing timers that are due later
    /// than that; fires all timers due on the way, each at its own instant.
    pub fn advance_to(&mut self, at: Duration) {
        let target = self.t0 + at;
        assert!(target >= self.now, "time runs forward");
        for _ in 0..100_000 {
            match self.layer.poll_timeout() {
                Some(deadline) if deadline <= target => {
                    self.now = self.now.max(deadline);
                    self.layer.handle_timeout(self.now);
                    self.drain();
                }
                _ => {
                    self.now = target;
                    return;
                }
            }
        }
        panic!("timers never settle");
    }

    /// Run timers until none is armed; returns the time it went idle.
    pub fn run_until_idle(&mut self) -> Duration {
        for _ in 0..100_000 {
            let Some(deadline) = self.layer.poll_timeout() else {
                return self.elapsed();
            };
            self.now = self.now.max(deadline);
            self.layer.handle_timeout(self.now);
            self.drain();
        }
        panic!("never idle");
    }

    /// Collect what the layer queued.
    pub fn drain(&mut self) {
        let at = self.elapsed();
        while let Some(t) = self.layer.poll_transmit() {
            self.sent.push((at, t));
        }
        while let Some(e) = self.layer.poll_event() {
            self.events.push((at, e));
        }
    }

    pub fn request(&mut self, flow: Flow, req: Request) {
        self.layer.handle_request(self.now, flow, req);
        self.drain();
    }

    pub fn response(&mut self, flow: Flow, resp: Response) {
        self.layer.handle_response(self.now, flow, resp);
        self.drain();
    }

    /// Times at which something was sent.
    pub fn send_times(&self) -> Vec<Duration> {
        self.sent.iter().map(|(t, _)| *t).collect()
    }

    /// Take the recorded transmits.
    pub fn take_sent(&mut self) -> Vec<(Duration, Transmit)> {
        std::mem::take(&mut self.sent)
    }

    /// Take the recorded events.
    pub fn take_events(&mut self) -> Vec<(Duration, TxEvent)> {
        std::mem::take(&mut self.events)
    }
}

pub fn udp() -> Flow {
    Flow {
        transport: FlowTransport::Udp,
        local: addr("192.0.2.10:5060"),
        remote: addr("198.51.100.7:5062"),
        conn: None,
    }
}

pub fn tcp() -> Flow {
    Flow {
        transport: FlowTransport::Tcp,
        local: addr("192.0.2.10:5060"),
        remote: addr("198.51.100.7:40000"),
        conn: Some(rotary_sip::ConnId(1)),
    }
}

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// Parse a message written with `\n` line ends.
pub fn message(text: &str) -> Message {
    let wire = text.replace('\n', "\r\n");
    parse_message(wire.as_bytes()).unwrap_or_else(|e| panic!("bad test message: {e:?}\n{text}"))
}

pub fn req(text: &str) -> Request {
    match message(text) {
        Message::Request(r) => r,
        Message::Response(_) => panic!("expected a request"),
    }
}

pub fn resp(text: &str) -> Response {
    match message(text) {
        Message::Response(r) => r,
        Message::Request(_) => panic!("expected a response"),
    }
}

/// Parse bytes the layer sent.
pub fn sent_message(t: &Transmit) -> Message {
    parse_message(&t.bytes).expect("layer sent unparsable bytes")
}

pub fn sent_status(t: &Transmit) -> u16 {
    match sent_message(t) {
        Message::Response(r) => r.status,
        Message::Request(r) => panic!("expected a response, got {}", r.method),
    }
}

/// A request from a phone: `method` with `branch`, CSeq 1, UDP Via.
pub fn request(method: &str, branch: &str) -> Request {
    req(&format!(
        "{method} sip:1002@pbx.example.com SIP/2.0
Via: SIP/2.0/UDP 198.51.100.7:5062;branch={branch}
Max-Forwards: 70
From: <sip:1001@pbx.example.com>;tag=f1
To: <sip:1002@pbx.example.com>
Call-ID: call-1@198.51.100.7
CSeq: 1 {method}
Content-Length: 0

"
    ))
}

/// The response a UAS would send: `make_response` plus a To tag (not on 100).
pub fn answer(req: &Request, status: u16) -> Response {
    let mut r = make_response(req, status, "Reason");
    if status != 100 {
        set_to_tag(&mut r, "uas-tag");
    }
    r
}

/// A response to a request we sent: the request's Vias, To tag added.
pub fn response_to(req: &Request, status: u16) -> Response {
    answer(req, status)
}

/// Events of one kind, without times.
pub fn only_events(events: &[(Duration, TxEvent)]) -> Vec<TxEvent> {
    events.iter().map(|(_, e)| e.clone()).collect()
}
