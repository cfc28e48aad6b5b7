//! The peer monitor on simulated time: OPTIONS probes, any final answer means reachable,
//! timeouts and transport errors mean unreachable with faster probing, host names wait for
//! the shell's resolution.

use std::time::{Duration, Instant};

use rotary_config::routing::Trunk;
use rotary_sip::transaction::{make_response, set_to_tag};
use rotary_sip::{Method, Request};
use rotary_trunks::{
    FailureReason, PeerConfig, PeerEvent, PeerMonitor, PeerState, TransactionFailure,
};

const LOCAL: &str = "192.0.2.9:5060";
const PEER: &str = "192.0.2.5:5080";

fn trunk(mode_extra: &str) -> Trunk {
    serde_json::from_str(&format!(
        r#"{{"id":"carrier","mode":{{"kind":"peer","host":"192.0.2.5","port":5080{mode_extra}}}}}"#
    ))
    .unwrap()
}

struct Rig {
    now: Instant,
    m: PeerMonitor,
    events: Vec<PeerEvent>,
}

impl Rig {
    /// A started monitor with its address known (`resolved`) or not.
    fn new(mode_extra: &str, resolved: bool) -> Rig {
        let config = PeerConfig::from_trunk(&trunk(mode_extra), "test-ua").unwrap();
        let mut m = PeerMonitor::new(config, LOCAL.parse().unwrap(), [4; 32]).unwrap();
        let now = Instant::now();
        if resolved {
            m.set_destination(now, Some(PEER.parse().unwrap()));
        }
        m.start(now);
        let mut rig = Rig {
            now,
            m,
            events: Vec::new(),
        };
        rig.collect();
        rig
    }

    fn collect(&mut self) {
        while let Some(e) = self.m.poll_event() {
            self.events.push(e);
        }
    }

    /// The probe on the wire (re-parsed), panicking if there is none.
    fn take_probe(&mut self) -> Request {
        let out = self.m.poll_transmit().expect("an OPTIONS to send");
        assert_eq!(out.flow.remote, PEER.parse().unwrap());
        assert!(self.m.poll_transmit().is_none(), "one probe at a time");
        match rotary_sip::parse::parse_message(&out.request.to_bytes()).expect("parses") {
            rotary_sip::Message::Request(r) => r,
            rotary_sip::Message::Response(_) => panic!("not a request"),
        }
    }

    fn answer(&mut self, req: &Request, status: u16) {
        let mut resp = make_response(req, status, "Test");
        set_to_tag(&mut resp, "peer");
        self.m.handle_response(self.now, &resp);
        self.collect();
    }

    fn fail(&mut self, failure: TransactionFailure) {
        self.m.handle_failure(self.now, failure);
        self.collect();
    }

    /// Jump to the next deadline and fire it; the time jumped.
    fn advance(&mut self) -> Duration {
        let at = self.m.poll_timeout().expect("a deadline");
        let d = at.saturating_duration_since(self.now);
        self.now = self.now.max(at);
        self.m.handle_timeout(self.now);
        self.collect();
        d
    }

    fn state(&self) -> PeerState {
        self.m.status().state
    }

    fn changes(&self) -> Vec<&'static str> {
        self.events
            .iter()
            .filter_map(|e| match e {
                PeerEvent::StatusChanged(s) => Some(s.state.name()),
                PeerEvent::AddressNeeded => None,
            })
            .collect()
    }
}

#[test]
fn probes_are_fresh_rfc3261_options() {
    let mut rig = Rig::new("", true);
    let p1 = rig.take_probe();
    assert_eq!(p1.method, Method::Options);
    assert_eq!(p1.uri.to_string(), "sip:192.0.2.5:5080");
    assert_eq!(p1.headers.get("Max-Forwards"), Some("70"));
    assert_eq!(p1.headers.get("Accept"), Some("application/sdp"));
    assert_eq!(p1.headers.get("User-Agent"), Some("test-ua"));
    assert_eq!(p1.headers.get("CSeq"), Some("1 OPTIONS"));
    assert_eq!(p1.headers.get("To"), Some("<sip:192.0.2.5:5080>"));
    assert!(p1.headers.get("Route").is_none());
    let from = p1.from().unwrap();
    assert_eq!(from.uri.to_string(), "sip:rotary@192.0.2.9");
    assert!(p1.headers.get("Via").unwrap().contains("192.0.2.9:5060"));
    rig.answer(&p1, 200);
    assert_eq!(rig.advance(), Duration::from_secs(60));
    let p2 = rig.take_probe();
    assert_ne!(p2.call_id(), p1.call_id());
    assert_ne!(p2.from().unwrap().tag(), from.tag());
    assert_ne!(p2.headers.get("Via"), p1.headers.get("Via"));
}

#[test]
fn any_final_answer_means_reachable_with_code_and_rtt() {
    let mut rig = Rig::new(r#","qualify_interval":30"#, true);
    assert_eq!(rig.state(), PeerState::Probing);
    let p = rig.take_probe();
    rig.now += Duration::from_millis(37);
    rig.answer(&p, 100);
    assert_eq!(
        rig.state(),
        PeerState::Probing,
        "provisional answers do not count"
    );
    rig.answer(&p, 200);
    let s = rig.m.status();
    assert_eq!(s.state, PeerState::Reachable);
    assert_eq!(
        (s.last_code, s.rtt_ms, s.failures),
        (Some(200), Some(37), 0)
    );
    // The cadence runs from the probe's start.
    assert_eq!(
        s.next_probe,
        Some(rig.now - Duration::from_millis(37) + Duration::from_secs(30))
    );
    for code in [404, 405, 501] {
        rig.advance();
        let p = rig.take_probe();
        rig.answer(&p, code);
        assert_eq!(rig.state(), PeerState::Reachable, "{code}");
        assert_eq!(rig.m.status().last_code, Some(code));
    }
    // One event per change of state or code; a mere RTT change is silent.
    rig.advance();
    let p = rig.take_probe();
    rig.answer(&p, 501);
    assert_eq!(rig.changes().len(), 4);
}

#[test]
fn failures_mean_unreachable_and_faster_probes_until_it_answers() {
    let mut rig = Rig::new(r#","qualify_interval":120"#, true);
    let p = rig.take_probe();
    rig.answer(&p, 200);
    assert_eq!(rig.advance(), Duration::from_secs(120));
    let _ = rig.take_probe();
    rig.fail(TransactionFailure::Timeout);
    assert_eq!(
        rig.state(),
        PeerState::Unreachable {
            reason: FailureReason::Timeout
        }
    );
    assert_eq!(
        rig.m.status().last_code,
        Some(200),
        "the last answer is kept"
    );
    assert_eq!(rig.advance(), Duration::from_secs(10));
    let _ = rig.take_probe();
    rig.fail(TransactionFailure::Transport);
    assert_eq!(
        rig.state(),
        PeerState::Unreachable {
            reason: FailureReason::TransportError
        }
    );
    assert_eq!(rig.m.status().failures, 2);
    assert_eq!(rig.advance(), Duration::from_secs(10));
    let p = rig.take_probe();
    rig.answer(&p, 200);
    assert_eq!(rig.state(), PeerState::Reachable);
    assert_eq!(rig.m.status().failures, 0);
    assert_eq!(
        rig.advance(),
        Duration::from_secs(120),
        "back to the interval"
    );
    assert_eq!(
        rig.changes(),
        ["reachable", "unreachable", "unreachable", "reachable"]
    );
}

#[test]
fn silence_without_a_transaction_event_is_a_timeout() {
    let mut rig = Rig::new("", true);
    let _ = rig.take_probe();
    assert_eq!(rig.advance(), Duration::from_secs(40));
    assert_eq!(
        rig.state(),
        PeerState::Unreachable {
            reason: FailureReason::Timeout
        }
    );
    assert_eq!(rig.m.status().failures, 1);
}

#[test]
fn strays_and_late_answers_are_ignored() {
    let mut rig = Rig::new("", true);
    let p1 = rig.take_probe();
    let mut other_call = p1.clone();
    other_call.headers.set("Call-ID", "someone-else");
    rig.answer(&other_call, 200);
    let mut other_seq = p1.clone();
    other_seq.headers.set("CSeq", "9 OPTIONS");
    rig.answer(&other_seq, 200);
    assert_eq!(rig.state(), PeerState::Probing);
    rig.fail(TransactionFailure::Timeout);
    rig.advance();
    let _p2 = rig.take_probe();
    // The first probe's answer arrives late: not the probe that is out.
    rig.answer(&p1, 200);
    assert!(matches!(rig.state(), PeerState::Unreachable { .. }));
    // A failure while nothing is out changes nothing.
    let mut idle = Rig::new("", true);
    let p = idle.take_probe();
    idle.answer(&p, 200);
    idle.fail(TransactionFailure::Timeout);
    assert_eq!(idle.state(), PeerState::Reachable);
}

#[test]
fn host_names_wait_for_the_shell_and_unresolved_is_unreachable() {
    let mut rig = Rig::new("", false);
    assert!(rig.m.poll_transmit().is_none());
    assert_eq!(rig.events, [PeerEvent::AddressNeeded]);
    assert_eq!(rig.m.poll_timeout(), None, "waits for the address");
    rig.m.set_destination(rig.now, None);
    rig.collect();
    assert_eq!(
        rig.state(),
        PeerState::Unreachable {
            reason: FailureReason::Unresolved
        }
    );
    // Ten seconds later it asks again; an answer sends the probe at once.
    rig.events.clear();
    assert_eq!(rig.advance(), Duration::from_secs(10));
    assert_eq!(rig.events, [PeerEvent::AddressNeeded]);
    rig.m.set_destination(rig.now, Some(PEER.parse().unwrap()));
    let p = rig.take_probe();
    rig.answer(&p, 200);
    assert_eq!(rig.state(), PeerState::Reachable);
}

#[test]
fn stop_forgets_everything_and_start_is_idempotent() {
    let mut rig = Rig::new("", true);
    rig.m.start(rig.now);
    let p = rig.take_probe();
    rig.m.stop();
    assert_eq!(rig.m.poll_timeout(), None);
    rig.answer(&p, 200);
    assert_eq!(rig.state(), PeerState::Probing);
}

#[test]
fn config_follows_the_trunk() {
    assert!(PeerConfig::from_trunk(&trunk(r#","qualify_interval":0"#), "ua").is_none());
    let mut disabled = trunk("");
    disabled.enabled = false;
    assert!(PeerConfig::from_trunk(&disabled, "ua").is_none());
    let reg: Trunk = serde_json::from_str(
        r#"{"id":"r","mode":{"kind":"register","host":"h","username":"u","password":"p"}}"#,
    )
    .unwrap();
    assert!(PeerConfig::from_trunk(&reg, "ua").is_none());
    let mut rig = Rig::new(
        r#","transport":"tcp","outbound_proxy":"proxy.example:5099","from_user":"pbx1",
           "from_domain":"pbx.example""#,
        true,
    );
    let p = rig.take_probe();
    assert_eq!(p.uri.to_string(), "sip:192.0.2.5:5080;transport=tcp");
    assert_eq!(p.headers.get("Route"), Some("<sip:proxy.example:5099;lr>"));
    assert!(p.headers.get("Via").unwrap().starts_with("SIP/2.0/TCP "));
    assert_eq!(p.from().unwrap().uri.to_string(), "sip:pbx1@pbx.example");
}
