//! End-to-end SIP trunk registration against the release pbxd: Kamailio as the provider's
//! registrar (digest, qop=auth), SIPp as a provider that grants a short expiry (the refresh
//! must arrive) or refuses with 403, and a provider that never answers (timeout, back-off).
//! Peer trunks are monitored with OPTIONS: a SIPp peer that answers is `reachable`, a port
//! where nothing listens is `unreachable`.

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rotary_e2e::{free_port, scenario, sipp, wait_udp_bound, Pbxd, SippRun, TempDir};
use serde_json::{json, Value};

fn daemon() -> (TempDir, Pbxd) {
    let dir = TempDir::new("trunks");
    let d = Pbxd::start(&dir.0).expect("pbxd starts");
    (dir, d)
}

/// Create a register trunk to `127.0.0.1:port`.
fn add_register_trunk(d: &Pbxd, id: &str, port: u16, password: &str, extra: Value) {
    let mut mode = json!({"kind": "register", "host": "127.0.0.1", "port": port,
                          "username": "4930111", "password": password, "expiry": 60});
    if let (Some(m), Some(e)) = (mode.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            m.insert(k.clone(), v.clone());
        }
    }
    let (st, body) = d.api(
        "POST",
        "/api/v1/trunks",
        Some(json!({"id": id, "mode": mode})),
    );
    assert_eq!(st, 201, "create trunk: {body}");
}

/// Poll the trunk's status until `done` holds (bounded).
fn wait_status(d: &Pbxd, id: &str, limit: Duration, done: impl Fn(&Value) -> bool) -> Value {
    let end = Instant::now() + limit;
    let mut last = Value::Null;
    while Instant::now() < end {
        let (st, v) = d.api("GET", &format!("/api/v1/trunks/{id}/status"), None);
        assert_eq!(st, 200, "{v}");
        if done(&v) {
            return v;
        }
        last = v;
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("trunk {id} status never matched within {limit:?}; last: {last}")
}

/// Run a SIPp provider scenario on `port` in a thread; returns once it listens (or panics
/// with SIPp's output when it could not start).
fn provider(scenario_name: &'static str, port: u16) -> std::thread::JoinHandle<SippRun> {
    let h = std::thread::spawn(move || {
        sipp(
            "127.0.0.1:9",
            scenario_name,
            &["x".to_string()],
            port,
            &["-m", "1"],
        )
    });
    let end = Instant::now() + Duration::from_secs(15);
    while Instant::now() < end {
        if UdpSocket::bind(("127.0.0.1", port)).is_err() {
            return h;
        }
        if h.is_finished() {
            let run = h.join().expect("sipp thread");
            panic!("SIPp provider did not start ({}): {}", run.code, run.output);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("SIPp provider did not bind UDP {port} within 15 s");
}

fn state_is(state: &'static str) -> impl Fn(&Value) -> bool {
    move |v| v["state"] == state
}

/// Kamailio in the foreground with the provider config, killed on drop.
struct Kamailio {
    child: Child,
    log: mpsc::Receiver<String>,
    lines: Vec<String>,
    _dir: TempDir,
}

impl Kamailio {
    fn start(port: u16) -> Kamailio {
        let dir = TempDir::new("kamailio");
        let cfg = scenario("../peers/kamailio-provider.cfg");
        let mut child = Command::new("kamailio")
            .arg("-f")
            .arg(&cfg)
            .args(["-l", &format!("udp:127.0.0.1:{port}"), "-DD", "-E", "-Y"])
            .arg(&dir.0)
            .arg("-P")
            .arg(dir.0.join("kamailio.pid"))
            .current_dir(&dir.0)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run kamailio (is it installed? scripts/install-peers.sh)");
        let (tx, rx) = mpsc::channel();
        if let Some(stderr) = child.stderr.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        return;
                    }
                }
            });
        }
        wait_udp_bound(port);
        Kamailio {
            child,
            log: rx,
            lines: Vec::new(),
            _dir: dir,
        }
    }

    /// Wait (bounded) for a log line containing `needle`.
    fn wait_for(&mut self, needle: &str, limit: Duration) -> String {
        if let Some(l) = self.lines.iter().find(|l| l.contains(needle)) {
            return l.clone();
        }
        let end = Instant::now() + limit;
        while let Ok(line) = self
            .log
            .recv_timeout(end.saturating_duration_since(Instant::now()))
        {
            self.lines.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
        panic!(
            "kamailio never logged {needle:?}:\n{}",
            self.lines.join("\n")
        )
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn registers_to_kamailio_and_unregisters_when_deleted() {
    let port = free_port();
    let mut kam = Kamailio::start(port);
    let (_dir, d) = daemon();
    add_register_trunk(&d, "kam", port, "secret", json!({}));
    let st = wait_status(&d, "kam", Duration::from_secs(10), state_is("registered"));
    assert_eq!(st["kind"], "register");
    assert_eq!(st["last_code"], 200);
    assert!(st["expires_at"].is_string(), "{st}");
    kam.wait_for(
        "PROVIDER-REG user=4930111 expires=60",
        Duration::from_secs(5),
    );
    // The list carries the live status too, and the gauge says so.
    let (code, list) = d.api("GET", "/api/v1/trunks", None);
    assert_eq!(code, 200);
    assert_eq!(list[0]["status"]["state"], "registered", "{list}");
    let (_, metrics) = d.api("GET", "/metrics", None);
    assert!(
        metrics
            .as_str()
            .unwrap_or("")
            .contains("rotary_trunk_state{trunk=\"kam\",state=\"registered\"} 1"),
        "{metrics}"
    );
    // Sending the trunk back as read (status included) is accepted.
    let (code, body) = d.api("PUT", "/api/v1/trunks/kam", Some(list[0].clone()));
    assert_eq!(code, 200, "{body}");
    // Deleting the trunk unregisters it at the provider.
    let (code, body) = d.api("DELETE", "/api/v1/trunks/kam", None);
    assert_eq!(code, 204, "{body}");
    kam.wait_for(
        "PROVIDER-REG user=4930111 expires=0",
        Duration::from_secs(10),
    );
    let (code, _) = d.api("GET", "/api/v1/trunks/kam/status", None);
    assert_eq!(code, 404);
}

#[test]
fn wrong_password_at_kamailio_shows_auth_rejected() {
    let port = free_port();
    let _kam = Kamailio::start(port);
    let (_dir, d) = daemon();
    add_register_trunk(&d, "kam", port, "not-the-secret", json!({}));
    let st = wait_status(&d, "kam", Duration::from_secs(10), state_is("failed"));
    assert_eq!(st["reason"], "auth_rejected", "{st}");
    assert_eq!(st["last_code"], 401);
    assert!(st["retry_at"].is_string(), "{st}");
}

#[test]
fn provider_granting_ten_seconds_gets_a_refresh_in_time() {
    let port = free_port();
    let provider = provider("provider_reg_refresh.xml", port);
    let (_dir, d) = daemon();
    add_register_trunk(&d, "prov", port, "pw-prov-123", json!({}));
    let st = wait_status(&d, "prov", Duration::from_secs(10), state_is("registered"));
    assert_eq!(st["last_code"], 200);
    // SIPp only succeeds once the refresh (due at 8.5 s) was challenged and accepted.
    let run = provider.join().expect("sipp thread");
    assert_eq!(run.code, 0, "{}", run.output);
    let st = wait_status(&d, "prov", Duration::from_secs(5), state_is("registered"));
    assert_eq!(st["failures"], 0);
}

#[test]
fn provider_answering_403_shows_forbidden() {
    let port = free_port();
    let provider = provider("provider_reg_forbidden.xml", port);
    let (_dir, d) = daemon();
    add_register_trunk(&d, "prov", port, "pw-prov-123", json!({}));
    let st = wait_status(&d, "prov", Duration::from_secs(10), state_is("failed"));
    assert_eq!(st["reason"], "forbidden", "{st}");
    assert_eq!(st["last_code"], 403);
    assert!(st["retry_at"].is_string(), "{st}");
    let run = provider.join().expect("sipp thread");
    assert_eq!(run.code, 0, "{}", run.output);
}

#[test]
fn silent_provider_times_out_and_is_retried_with_back_off() {
    let port = free_port();
    let sock = UdpSocket::bind(("127.0.0.1", port)).expect("bind the silent provider");
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("read timeout");
    let (_dir, d) = daemon();
    add_register_trunk(
        &d,
        "mute",
        port,
        "pw-prov-123",
        json!({"retry_interval": 5}),
    );
    // Timer F (32 s) ends the first attempt.
    let st = wait_status(&d, "mute", Duration::from_secs(45), state_is("failed"));
    assert_eq!(st["reason"], "timeout", "{st}");
    assert_eq!(st["failures"], 1);
    assert!(st["last_code"].is_null(), "{st}");
    // The retry is a new REGISTER (higher CSeq) after the back-off.
    let mut cseqs = Vec::new();
    let mut buf = [0u8; 4096];
    let end = Instant::now() + Duration::from_secs(15);
    while Instant::now() < end {
        let Ok(n) = sock.recv(&mut buf) else { continue };
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        if let Some(seq) = text
            .lines()
            .find_map(|l| l.strip_prefix("CSeq: "))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|n| n.parse::<u32>().ok())
        {
            cseqs.push(seq);
            if seq > 1 {
                break;
            }
        }
    }
    assert!(
        cseqs.iter().any(|&s| s > 1),
        "no retry REGISTER within 15 s of the timeout: {cseqs:?}"
    );
}

/// Create a peer trunk to `127.0.0.1:port` probed every 10 s.
fn add_peer_trunk(d: &Pbxd, id: &str, port: u16) {
    let mode = json!({"kind": "peer", "host": "127.0.0.1", "port": port,
                      "qualify_interval": 10});
    let (st, body) = d.api(
        "POST",
        "/api/v1/trunks",
        Some(json!({"id": id, "mode": mode})),
    );
    assert_eq!(st, 201, "create trunk: {body}");
}

#[test]
fn peer_answering_options_is_reachable() {
    let port = free_port();
    let peer = provider("uas_options.xml", port);
    let (_dir, d) = daemon();
    add_peer_trunk(&d, "carrier", port);
    let st = wait_status(
        &d,
        "carrier",
        Duration::from_secs(10),
        state_is("reachable"),
    );
    assert_eq!(st["kind"], "peer");
    assert_eq!(st["last_code"], 200, "{st}");
    assert!(st["rtt_ms"].is_u64(), "{st}");
    assert_eq!(st["failures"], 0);
    assert_eq!(st["call_failures"], 0);
    assert!(st["last_call_failure"].is_null(), "{st}");
    let (_, metrics) = d.api("GET", "/metrics", None);
    assert!(
        metrics
            .as_str()
            .unwrap_or("")
            .contains("rotary_trunk_state{trunk=\"carrier\",state=\"reachable\"} 1"),
        "{metrics}"
    );
    let run = peer.join().expect("sipp thread");
    assert_eq!(run.code, 0, "{}", run.output);
}

#[test]
fn peer_where_nothing_listens_is_unreachable() {
    let port = free_port();
    let (_dir, d) = daemon();
    add_peer_trunk(&d, "gone", port);
    let st = wait_status(&d, "gone", Duration::from_secs(5), |v| {
        v["state"] == "probing"
    });
    assert!(st["last_code"].is_null(), "{st}");
    // Nothing answers on UDP: Timer F (32 s) ends the first probe.
    let st = wait_status(&d, "gone", Duration::from_secs(40), state_is("unreachable"));
    assert!(
        st["reason"] == "timeout" || st["reason"] == "transport_error",
        "{st}"
    );
    assert_eq!(st["failures"], 1, "{st}");
    assert!(st["retry_at"].is_string(), "{st}");
    assert!(st["detail"].is_string(), "{st}");
}
