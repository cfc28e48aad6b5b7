//! Harness for the end-to-end tests: start the release `pbxd` on free 127.0.0.1 ports in a
//! temporary data dir, talk to its API, and run real peers (SIPp) against it. Everything is
//! bounded in time: a daemon that does not get ready, or a peer that hangs, fails the test.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// The admin password every test daemon starts with.
pub const ADMIN_PASSWORD: &str = "Adm1n-e2e-pass";

/// A running `pbxd` child, killed when dropped.
pub struct Pbxd {
    child: Option<Child>,
    /// Its data directory (kept across restarts of the same test).
    pub data_dir: PathBuf,
    /// SIP port (UDP and TCP) on 127.0.0.1.
    pub sip_port: u16,
    /// HTTP port on 127.0.0.1.
    pub http_port: u16,
    /// Lines the daemon logged, collected by a reader thread.
    log: mpsc::Receiver<String>,
    /// Everything logged so far.
    pub log_lines: Vec<String>,
}

/// Scratch directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh directory under the system temp dir.
    pub fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p = std::env::temp_dir().join(format!("rotary-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Path of a built binary of the workspace (release profile, as the README builds it).
pub fn binary(name: &str) -> PathBuf {
    if let Ok(p) = std::env::var(format!("ROTARY_{}", name.to_uppercase())) {
        return PathBuf::from(p);
    }
    // current_exe = <target>/debug/deps/<test>-<hash>
    let exe = std::env::current_exe().expect("current exe");
    let target = exe.ancestors().nth(3).expect("target dir").to_path_buf();
    let p = target.join("release").join(name);
    assert!(
        p.exists(),
        "{} not built: run `cargo build --release` first (or ./test.sh)",
        p.display()
    );
    p
}

/// A port free for both UDP and TCP on 127.0.0.1 right now.
pub fn free_port() -> u16 {
    for _ in 0..100 {
        let t = TcpListener::bind("127.0.0.1:0").expect("bind tcp");
        let port = t.local_addr().expect("addr").port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port")
}

impl Pbxd {
    /// Start a daemon on fresh ports and a fresh data dir; waits for its `ready` line.
    pub fn start(data_dir: &Path) -> Result<Pbxd> {
        Self::start_with(data_dir, free_port(), free_port(), &[])
    }

    /// Start on given ports with extra flags.
    pub fn start_with(
        data_dir: &Path,
        sip_port: u16,
        http_port: u16,
        extra: &[&str],
    ) -> Result<Pbxd> {
        let mut child = Command::new(binary("pbxd"))
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--sip-bind", &format!("127.0.0.1:{sip_port}")])
            .args(["--http-bind", &format!("127.0.0.1:{http_port}")])
            .args(["--rtp-ports", "30000-30999", "--log-level", "info"])
            .args(extra)
            .env("PBX_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("spawn pbxd")?;
        let (tx, rx) = mpsc::channel();
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        return;
                    }
                }
            });
        }
        let mut d = Pbxd {
            child: Some(child),
            data_dir: data_dir.to_path_buf(),
            sip_port,
            http_port,
            log: rx,
            log_lines: Vec::new(),
        };
        d.wait_for_log("pbxd ready", Duration::from_secs(20))?;
        Ok(d)
    }

    /// Wait until a log line contains `needle`.
    pub fn wait_for_log(&mut self, needle: &str, limit: Duration) -> Result<String> {
        if let Some(l) = self.log_lines.iter().find(|l| l.contains(needle)) {
            return Ok(l.clone());
        }
        let end = Instant::now() + limit;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) => {
                    self.log_lines.push(line.clone());
                    if line.contains(needle) {
                        return Ok(line);
                    }
                }
                Err(_) => {
                    if let Some(c) = self.child.as_mut() {
                        if let Ok(Some(st)) = c.try_wait() {
                            bail!(
                                "pbxd exited ({st}) before logging {needle:?}:\n{}",
                                self.log_lines.join("\n")
                            );
                        }
                    }
                    bail!(
                        "pbxd did not log {needle:?} in {limit:?}:\n{}",
                        self.log_lines.join("\n")
                    );
                }
            }
        }
    }

    /// `127.0.0.1:PORT` of the SIP listener.
    pub fn sip_addr(&self) -> String {
        format!("127.0.0.1:{}", self.sip_port)
    }

    /// Base URL of the HTTP API.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// Authenticated API request with a JSON body; returns (status, body).
    pub fn api(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let auth = format!("Basic {}", basic("admin", ADMIN_PASSWORD));
        let req = ureq::request(method, &format!("{}{}", self.url(), path))
            .set("Authorization", &auth)
            .timeout(Duration::from_secs(10));
        let res = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        let resp = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("API {method} {path}: {e}"),
        };
        let status = resp.status();
        let text = resp.into_string().unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }

    /// Authenticated GET of a binary resource (a recording); returns (status, bytes).
    pub fn get_bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let auth = format!("Basic {}", basic("admin", ADMIN_PASSWORD));
        let res = ureq::get(&format!("{}{}", self.url(), path))
            .set("Authorization", &auth)
            .timeout(Duration::from_secs(10))
            .call();
        let resp = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("GET {path}: {e}"),
        };
        let status = resp.status();
        let mut bytes = Vec::new();
        let _ = std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes);
        (status, bytes)
    }

    /// Authenticated request with a raw body (an audio upload); returns (status, JSON
    /// or the text as a JSON string).
    pub fn send_bytes(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> (u16, serde_json::Value) {
        let auth = format!("Basic {}", basic("admin", ADMIN_PASSWORD));
        let res = ureq::request(method, &format!("{}{}", self.url(), path))
            .set("Authorization", &auth)
            .set("Content-Type", content_type)
            .timeout(Duration::from_secs(30))
            .send_bytes(bytes);
        let resp = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = resp.status();
        let text = resp.into_string().unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }

    /// Create an extension through the API; panics unless 201.
    pub fn add_extension(&self, number: &str, secret: &str, extra: serde_json::Value) {
        let mut body = serde_json::json!({"number": number, "name": format!("Ext {number}"), "secret": secret});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        let (st, resp) = self.api("POST", "/api/v1/extensions", Some(body));
        assert_eq!(st, 201, "create extension {number}: {resp}");
    }

    /// Current registrations from the API.
    pub fn registrations(&self) -> Vec<serde_json::Value> {
        let (st, v) = self.api("GET", "/api/v1/registrations", None);
        assert_eq!(st, 200, "{v}");
        v.as_array().cloned().unwrap_or_default()
    }

    /// Send SIGTERM and wait (bounded) for exit; returns the exit code.
    pub fn terminate(&mut self) -> Result<Option<i32>> {
        let Some(mut child) = self.child.take() else {
            return Ok(None);
        };
        let pid = child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status()?;
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if let Some(st) = child.try_wait()? {
                return Ok(st.code());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        bail!("pbxd did not exit within 10 s of SIGTERM")
    }

    /// SIGKILL, as a power cut would.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Pbxd {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Base64 of `user:pass` for HTTP Basic.
pub fn basic(user: &str, pass: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let s = format!("{user}:{pass}");
    let b = s.as_bytes();
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Result of one SIPp run.
#[derive(Debug)]
pub struct SippRun {
    /// Exit code (0 = every call succeeded, 1 = some failed).
    pub code: i32,
    /// Its stdout and stderr, plus the error log when there was one.
    pub output: String,
}

/// Path of a scenario file in `tests/scenarios`.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// Run SIPp against `target` with a scenario, a CSV of users and extra args, in its own temp
/// dir, bounded by `-timeout`. `csv_lines` are the lines after the `SEQUENTIAL` header.
pub fn sipp(
    target: &str,
    scenario_name: &str,
    csv_lines: &[String],
    local_port: u16,
    extra: &[&str],
) -> SippRun {
    let dir = TempDir::new("sipp");
    let csv = dir.0.join("users.csv");
    let mut text = String::from("SEQUENTIAL\n");
    for l in csv_lines {
        text.push_str(l);
        text.push('\n');
    }
    std::fs::write(&csv, text).expect("write csv");
    let port = local_port.to_string();
    let out = Command::new("timeout")
        .args(["60", "sipp", target, "-sf"])
        .arg(scenario(scenario_name))
        .arg("-inf")
        .arg(&csv)
        .args([
            "-i",
            "127.0.0.1",
            "-p",
            &port,
            "-nostdin",
            "-trace_err",
            "-timeout",
            "30s",
            "-timeout_error",
        ])
        .args(extra)
        .current_dir(&dir.0)
        .output()
        .expect("run sipp (is sip-tester installed? scripts/install-peers.sh)");
    let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stderr));
    if let Ok(rd) = std::fs::read_dir(&dir.0) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().contains("errors") {
                output.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
            }
        }
    }
    SippRun {
        code: out.status.code().unwrap_or(-1),
        output,
    }
}

/// A CSV line for the registration scenarios: `user;[authentication ...];expires`.
pub fn reg_line(user: &str, password: &str, expires: u32) -> String {
    format!("{user};[authentication username={user} password={password}];{expires}")
}

/// Wait (bounded) until some process has bound UDP `port` on 127.0.0.1.
pub fn wait_udp_bound(port: u16) {
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end {
        if UdpSocket::bind(("127.0.0.1", port)).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nothing bound UDP port {port} within 10 s");
}

/// Share of `x`'s energy at `hz` (a Goertzel filter), from 0 (none) to 1 (a pure tone):
/// how tests tell which tone a phone heard.
pub fn tone_share(x: &[i16], rate: u32, hz: f64) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    let c = 2.0 * (2.0 * std::f64::consts::PI * hz / f64::from(rate)).cos();
    let (mut s1, mut s2, mut energy) = (0.0f64, 0.0f64, 0.0f64);
    for &v in x {
        let v = f64::from(v);
        energy += v * v;
        let s0 = v + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let p = s1 * s1 + s2 * s2 - c * s1 * s2;
    // A pure tone of the same energy gives p = energy * n / 2.
    (2.0 * p / (energy * x.len() as f64).max(1.0)).min(1.0)
}

/// A mono 16-bit PCM WAV of a `hz` sine at `rate`, `ms` long (uploads of prompts and music).
pub fn sine_wav(rate: u32, hz: f64, ms: u32) -> Vec<u8> {
    let n = rate * ms / 1000;
    let mut data = Vec::with_capacity(n as usize * 2);
    for i in 0..n {
        let t = f64::from(i) / f64::from(rate);
        let v = (8000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16;
        data.extend_from_slice(&v.to_le_bytes());
    }
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&(rate * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    wav
}
