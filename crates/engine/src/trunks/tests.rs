//! TrunkSet driven with simulated time: registration, identification, accounts, status.
use std::sync::Arc;

use rotary_config::routing::RoutingConfig;
use rotary_sip::transaction::{make_response, TimerConfig, TxEvent};
use rotary_sip::Message;
use std::time::Duration;

use super::*;

fn config(trunks: &str) -> Arc<Config> {
    let routing: RoutingConfig =
        serde_json::from_str(&format!(r#"{{"trunks": {trunks}}}"#)).unwrap();
    Arc::new(Config::default().with_routing(routing))
}

const PROV: &str = r#"[{"id":"prov","mode":{"kind":"register","host":"192.0.2.1",
    "port":5070,"username":"u1","password":"pw-123456","expiry":300}}]"#;

struct Rig {
    now: Instant,
    set: TrunkSet,
    tx: TransactionLayer,
    events: Vec<TrunkEvent>,
}

impl Rig {
    fn new() -> Rig {
        Rig {
            now: Instant::now(),
            set: TrunkSet::new("192.0.2.9:5060".parse().unwrap(), "t".into(), [1; 32]),
            tx: TransactionLayer::new(TimerConfig::default()),
            events: Vec::new(),
        }
    }

    fn apply(&mut self, trunks: &str) {
        self.set.set_config(self.now, &config(trunks));
        self.drive();
    }

    fn drive(&mut self) {
        self.set.drive(self.now, 1_700_000_000_000, &mut self.tx);
        while let Some(e) = self.set.poll_event() {
            self.events.push(e);
        }
    }

    /// The REGISTERs on the wire since the last call.
    fn sent(&mut self) -> Vec<(SocketAddr, Request)> {
        let mut out = Vec::new();
        while let Some(t) = self.tx.poll_transmit() {
            if let Ok(Message::Request(r)) = rotary_sip::parse::parse_message(&t.bytes) {
                out.push((t.flow.remote, r));
            }
        }
        out
    }

    /// Answer `req` like a provider that accepts everything.
    fn answer(&mut self, req: &Request, status: u16) {
        let mut resp = make_response(req, status, "OK");
        resp.headers.push("Expires", "300");
        let flow = rotary_sip::Flow {
            transport: rotary_sip::FlowTransport::Udp,
            local: "192.0.2.9:5060".parse().unwrap(),
            remote: "192.0.2.1:5070".parse().unwrap(),
            conn: None,
        };
        self.tx.handle_response(self.now, flow, resp);
        self.pump();
    }

    /// Feed the transaction layer's events to the set, then drive it.
    fn pump(&mut self) {
        while let Some(ev) = self.tx.poll_event() {
            match ev {
                TxEvent::Response { tx, response, .. } => {
                    assert!(self.set.handle_response(self.now, tx, &response));
                }
                TxEvent::Timeout { tx } => {
                    assert!(self.set.handle_tx_failure(self.now, tx, true));
                }
                TxEvent::TransportError { tx } => {
                    assert!(self.set.handle_tx_failure(self.now, tx, false));
                }
                TxEvent::Terminated { tx } => self.set.handle_terminated(tx),
                _ => {}
            }
        }
        self.drive();
    }

    /// Jump to the earliest deadline of the set or the transaction layer and fire both.
    fn advance(&mut self) {
        let at = [self.set.poll_timeout(), self.tx.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
            .expect("a deadline");
        self.now = self.now.max(at);
        self.tx.handle_timeout(self.now);
        self.set.handle_timeout(self.now);
        self.pump();
    }

    /// Advance until something is sent (bounded); the time it took.
    fn until_sent(&mut self) -> (Duration, Vec<(SocketAddr, Request)>) {
        let start = self.now;
        for _ in 0..50 {
            let sent = self.sent();
            if !sent.is_empty() {
                return (self.now - start, sent);
            }
            self.advance();
        }
        panic!("nothing sent");
    }

    fn status(&self, id: &str) -> TrunkStatusInfo {
        self.set
            .statuses(self.now, 1_700_000_000_000)
            .into_iter()
            .find(|s| s.trunk == id)
            .expect("a status")
    }

    fn states(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                TrunkEvent::Status(s) => Some(format!("{}:{}", s.trunk, s.state)),
                TrunkEvent::Resolve(_) => None,
            })
            .collect()
    }
}

#[test]
fn registers_through_the_transaction_layer_and_unregisters_on_delete() {
    let mut rig = Rig::new();
    rig.apply(PROV);
    let sent = rig.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "192.0.2.1:5070".parse().unwrap());
    assert_eq!(sent[0].1.headers.get("Expires"), Some("300"));
    rig.answer(&sent[0].1, 200);
    let prov = TrunkId::new("prov").unwrap();
    assert!(rig.set.is_registered(&prov));
    let view = rig
        .set
        .take_changed_statuses(rig.now, 1_700_000_000_000)
        .unwrap();
    assert_eq!(view[0].state, "registered");
    assert_eq!(view[0].expires_at_unix, Some(1_700_000_300));
    assert!(rig.set.take_changed_statuses(rig.now, 0).is_none());
    // Deleted: unREGISTER, and the status goes away.
    rig.apply("[]");
    let sent = rig.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1.headers.get("Expires"), Some("0"));
    rig.answer(&sent[0].1, 200);
    assert!(rig.set.statuses(rig.now, 0).is_empty());
    assert!(rig.set.poll_timeout().is_none(), "client dropped");
    assert_eq!(
        rig.states(),
        ["prov:registering", "prov:registered", "prov:removed"]
    );
}

#[test]
fn a_changed_trunk_registers_again_after_its_unregister() {
    let mut rig = Rig::new();
    rig.apply(PROV);
    let first = rig.sent().remove(0).1;
    rig.answer(&first, 200);
    rig.apply(&PROV.replace("\"u1\"", "\"u2\""));
    let sent = rig.sent();
    assert_eq!(sent.len(), 1, "only the unREGISTER before its answer");
    assert_eq!(sent[0].1.headers.get("Expires"), Some("0"));
    assert!(sent[0].1.headers.get("To").unwrap().contains("u1@"));
    rig.answer(&sent[0].1, 200);
    let sent = rig.sent();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].1.headers.get("To").unwrap().contains("u2@"));
    assert_eq!(sent[0].1.headers.get("Expires"), Some("300"));
}

#[test]
fn host_names_wait_for_resolution_and_identify_afterwards() {
    let mut rig = Rig::new();
    rig.apply(&PROV.replace("192.0.2.1", "sip.example.com"));
    assert!(rig.sent().is_empty());
    assert!(rig
        .events
        .contains(&TrunkEvent::Resolve(vec!["sip.example.com".into()])));
    rig.set.handle_resolved(
        rig.now,
        "sip.example.com",
        vec!["192.0.2.1".parse().unwrap()],
    );
    rig.drive();
    let sent = rig.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1.uri.to_string(), "sip:sip.example.com:5070");
    let invite: Request = {
        let text =
            "INVITE sip:u1@192.0.2.9 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\r\n\
                    From: <sip:a@x>;tag=1\r\nTo: <sip:u1@192.0.2.9>\r\nCall-ID: c\r\n\
                    CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        match rotary_sip::parse::parse_message(text.as_bytes()).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!(),
        }
    };
    let from_provider = "192.0.2.1:5070".parse().unwrap();
    assert_eq!(
        rig.set.identify(from_provider, &invite, None),
        Some(TrunkId::new("prov").unwrap())
    );
}

#[test]
fn account_trunks_become_registrar_accounts() {
    let cfg = config(
        r#"[{"id":"branch","max_calls":1,"mode":{"kind":"account","username":"br1",
             "password":"pw-12345678"}}]"#,
    );
    let accounts: Vec<_> = accounts(&cfg).collect();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].1.aor, "br1");
    assert_eq!(accounts[0].1.password, "pw-12345678");
    let mut rig = Rig::new();
    rig.set.set_config(rig.now, &cfg);
    let branch = TrunkId::new("branch").unwrap();
    assert_eq!(rig.set.account_trunk("br1"), Some(&branch));
    let view = rig.set.statuses(rig.now, 0);
    assert_eq!(view[0].state, "unregistered");
    assert_eq!(view[0].kind, "account");
}

#[test]
fn metrics_have_one_gauge_per_trunk_and_state() {
    let mut rig = Rig::new();
    rig.apply(r#"[{"id":"p","mode":{"kind":"peer","host":"192.0.2.5","qualify_interval":0}}]"#);
    let text = render_metrics(&rig.set.statuses(rig.now, 0));
    assert!(text.contains("rotary_trunk_state{trunk=\"p\",state=\"unmonitored\"} 1"));
    assert!(text.contains("rotary_trunk_state{trunk=\"p\",state=\"registered\"} 0"));
}

const PEER: &str = r#"[{"id":"carrier","mode":{"kind":"peer","host":"192.0.2.5",
    "qualify_interval":30}}]"#;

#[test]
fn peer_trunks_are_probed_with_options_and_become_reachable() {
    let mut rig = Rig::new();
    rig.apply(PEER);
    assert_eq!(rig.status("carrier").state, "probing");
    let sent = rig.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "192.0.2.5:5060".parse().unwrap());
    assert_eq!(sent[0].1.method, rotary_sip::Method::Options);
    rig.now += Duration::from_millis(12);
    rig.answer(&sent[0].1, 404);
    let s = rig.status("carrier");
    assert_eq!(
        (s.kind, s.state, s.last_code, s.rtt_ms),
        ("peer", "reachable", Some(404), Some(12))
    );
    assert_eq!(rig.states(), ["carrier:probing", "carrier:reachable"]);
    let text = render_metrics(&rig.set.statuses(rig.now, 0));
    assert!(text.contains("rotary_trunk_state{trunk=\"carrier\",state=\"reachable\"} 1"));
    // The next probe follows the interval.
    let (waited, sent) = rig.until_sent();
    assert_eq!(waited, Duration::from_secs(30) - Duration::from_millis(12));
    assert_eq!(sent.len(), 1);
}

#[test]
fn a_silent_peer_becomes_unreachable_after_timer_f_and_is_probed_every_10_s() {
    let mut rig = Rig::new();
    rig.apply(PEER);
    let _ = rig.sent();
    let t0 = rig.now;
    while rig.status("carrier").state == "probing" {
        rig.advance();
        let _ = rig.sent(); // retransmissions
    }
    assert_eq!(rig.now - t0, Duration::from_secs(32), "Timer F");
    let s = rig.status("carrier");
    assert_eq!(
        (s.state, s.reason, s.failures),
        ("unreachable", Some("timeout"), 1)
    );
    assert_eq!(s.retry_at_unix, Some(1_700_000_010));
    let (waited, sent) = rig.until_sent();
    assert_eq!(waited, Duration::from_secs(10));
    rig.answer(&sent[0].1, 200);
    assert_eq!(rig.status("carrier").state, "reachable");
    assert_eq!(rig.status("carrier").failures, 0);
    assert_eq!(
        rig.states(),
        [
            "carrier:probing",
            "carrier:unreachable",
            "carrier:reachable"
        ]
    );
}

#[test]
fn peer_monitors_follow_the_configuration() {
    let mut rig = Rig::new();
    rig.apply(PEER);
    let first = rig.sent().remove(0).1;
    // Monitoring off: unmonitored, and the old probe's answer is not ours any more.
    rig.apply(&PEER.replace("30", "0"));
    assert_eq!(rig.status("carrier").state, "unmonitored");
    assert!(rig.sent().is_empty());
    assert!(rig.set.poll_timeout().is_none());
    let mut resp = make_response(&first, 200, "OK");
    resp.headers.push("Expires", "300");
    let flow = rotary_sip::Flow {
        transport: rotary_sip::FlowTransport::Udp,
        local: "192.0.2.9:5060".parse().unwrap(),
        remote: "192.0.2.5:5060".parse().unwrap(),
        conn: None,
    };
    rig.tx.handle_response(rig.now, flow, resp);
    while let Some(ev) = rig.tx.poll_event() {
        if let TxEvent::Response { tx, response, .. } = ev {
            assert!(!rig.set.handle_response(rig.now, tx, &response));
        }
    }
    // Back on, then disabled, then deleted.
    rig.apply(PEER);
    assert_eq!(rig.sent().len(), 1);
    rig.apply(&PEER.replace(r#""id":"carrier","#, r#""id":"carrier","enabled":false,"#));
    assert_eq!(rig.status("carrier").state, "disabled");
    rig.apply("[]");
    assert!(rig.set.poll_timeout().is_none());
    assert_eq!(
        rig.states(),
        [
            "carrier:probing",
            "carrier:unmonitored",
            "carrier:probing",
            "carrier:disabled",
            "carrier:removed"
        ]
    );
}

#[test]
fn peer_host_names_are_resolved_by_the_shell() {
    let mut rig = Rig::new();
    rig.apply(&PEER.replace("192.0.2.5", "carrier.example.net"));
    assert!(rig.sent().is_empty());
    assert!(rig.events.iter().any(
        |e| matches!(e, TrunkEvent::Resolve(h) if h.contains(&"carrier.example.net".to_owned()))
    ));
    rig.set
        .handle_resolved(rig.now, "carrier.example.net", Vec::new());
    rig.drive();
    let s = rig.status("carrier");
    assert_eq!((s.state, s.reason), ("unreachable", Some("unresolved")));
    rig.set.handle_resolved(
        rig.now,
        "carrier.example.net",
        vec!["192.0.2.5".parse().unwrap()],
    );
    let (_, sent) = rig.until_sent();
    assert_eq!(sent[0].0, "192.0.2.5:5060".parse().unwrap());
    assert_eq!(sent[0].1.uri.to_string(), "sip:carrier.example.net");
}

#[test]
fn failed_call_attempts_show_in_the_trunk_status_until_one_gets_through() {
    let mut rig = Rig::new();
    rig.apply(r#"[{"id":"p","mode":{"kind":"peer","host":"192.0.2.5"}}]"#);
    rig.events.clear();
    let wall = 1_700_000_123_000;
    let failed = TrunkAttemptOutcome::Failed {
        code: Some(503),
        reason: "server_error",
    };
    rig.set.note_call_attempt(rig.now, wall, "p", failed);
    rig.set.note_call_attempt(
        rig.now,
        wall,
        "p",
        TrunkAttemptOutcome::Failed {
            code: None,
            reason: "no_response",
        },
    );
    let s = rig.status("p");
    assert_eq!(s.call_failures, 2);
    assert_eq!(
        s.last_call_failure,
        Some(CallFailure {
            code: None,
            reason: "no_response",
            at_unix: 1_700_000_123
        })
    );
    assert!(rig.set.take_changed_statuses(rig.now, wall).is_some());
    let fields: Vec<_> = rig
        .set
        .poll_event()
        .map(|e| match e {
            TrunkEvent::Status(info) => event_fields(&info),
            TrunkEvent::Resolve(_) => Vec::new(),
        })
        .unwrap();
    assert!(fields.contains(&("call_failures", "1".to_owned())));
    assert!(fields.contains(&("call_failure_code", "503".to_owned())));
    rig.set
        .note_call_attempt(rig.now, wall, "p", TrunkAttemptOutcome::Reached);
    let s = rig.status("p");
    assert_eq!(s.call_failures, 0);
    assert!(s.last_call_failure.is_some());
    // Unknown trunks (deleted meanwhile) are harmless.
    rig.set
        .note_call_attempt(rig.now, wall, "gone", TrunkAttemptOutcome::Reached);
}
