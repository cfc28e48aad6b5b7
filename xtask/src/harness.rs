//! Pieces every benchmark shares: ports, scratch dirs, process guards, the API login,
//! and waiting for a server to come up.

use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

pub(crate) fn login(base: &str, password: &str) -> Result<String> {
    let v: serde_json::Value = ureq::post(&format!("{base}/api/v1/login"))
        .send_json(serde_json::json!({"username": "admin", "password": password}))?
        .into_json()?;
    v["token"]
        .as_str()
        .map(str::to_string)
        .context("no token in login reply")
}

pub(crate) fn get_json(url: &str, auth: &str) -> Result<(u16, serde_json::Value)> {
    let r = ureq::get(url).set("Authorization", auth).call()?;
    Ok((r.status(), r.into_json()?))
}

pub(crate) fn wait_http(url: &str) -> Result<()> {
    let end = Instant::now() + Duration::from_secs(20);
    while Instant::now() < end {
        if ureq::get(url)
            .timeout(Duration::from_secs(1))
            .call()
            .is_ok()
        {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("{url} did not answer within 20 s")
}

pub(crate) fn wait_udp_bound(port: u16) -> Result<()> {
    let end = Instant::now() + Duration::from_secs(20);
    while Instant::now() < end {
        if UdpSocket::bind(("127.0.0.1", port)).is_err() {
            std::thread::sleep(Duration::from_millis(300)); // workers finish forking
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("kamailio did not bind 127.0.0.1:{port}")
}

pub(crate) fn free_port() -> u16 {
    for _ in 0..100 {
        if let Ok(t) = TcpListener::bind("127.0.0.1:0") {
            if let Ok(a) = t.local_addr() {
                if UdpSocket::bind(("127.0.0.1", a.port())).is_ok() {
                    return a.port();
                }
            }
        }
    }
    0
}

pub(crate) fn target_dir() -> PathBuf {
    if let Ok(d) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(d);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
}

pub(crate) fn scratch(tag: &str) -> Result<PathBuf> {
    let p = std::env::temp_dir().join(format!("rotary-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&p)?;
    Ok(p)
}

/// Kills the child when dropped, so a failed benchmark leaves no server behind.
pub(crate) struct Guard(pub(crate) Child);

impl Drop for Guard {
    fn drop(&mut self) {
        // SIGTERM first so forking servers (Kamailio) take their workers down too.
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .stderr(std::process::Stdio::null())
            .status();
        std::thread::sleep(Duration::from_millis(300));
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Print the first lines of SIPp's error logs in `dir` (then remove them), so a failed
/// benchmark step says why.
pub(crate) fn print_sipp_errors(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with("_errors.log"))
    {
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        #[allow(clippy::print_stdout)]
        {
            println!(
                "    sipp errors: {}",
                text.lines().take(8).collect::<Vec<_>>().join(" | ")
            );
        }
        let _ = std::fs::remove_file(e.path());
    }
}

/// A Kamailio configuration listening on 127.0.0.1:`port` (UDP, two workers, in-memory
/// usrloc) whose request route is `route`: the benchmarks' peer server.
pub(crate) fn kamailio_cfg(port: u16, route: &str) -> String {
    let mods = [
        "tm",
        "sl",
        "rr",
        "pv",
        "maxfwd",
        "textops",
        "siputils",
        "xlog",
        "sanity",
        "usrloc",
        "registrar",
        "auth",
    ];
    let mut s = format!(
        "#!KAMAILIO\ndebug=1\nlog_stderror=yes\nchildren=2\nlisten=udp:127.0.0.1:{port}\n\
         mpath=\"/usr/lib/x86_64-linux-gnu/kamailio/modules/\"\n"
    );
    for m in mods {
        s.push_str(&format!("loadmodule \"{m}.so\"\n"));
    }
    s.push_str("modparam(\"usrloc\", \"db_mode\", 0)\nrequest_route {");
    s.push_str(route);
    s.push_str("}\n");
    s
}

/// One rate step of a benchmark: offered rate, whether every attempt succeeded, the rate
/// achieved and the server's CPU per attempt.
pub(crate) struct Step {
    pub(crate) rate: u32,
    pub(crate) ok: bool,
    pub(crate) achieved: f64,
    pub(crate) cpu_us_each: f64,
}

/// Run one step (`drive` returns whether SIPp saw zero failures), measuring the server's
/// CPU around it; `settle` lets in-flight work finish before the counter is read. Prints
/// the step's line, naming each attempt `what`.
pub(crate) fn measured_step(
    server_pid: u32,
    rate: u32,
    count: u32,
    what: &str,
    settle: Duration,
    drive: impl FnOnce() -> Result<bool>,
) -> Result<Step> {
    let cpu0 = crate::proc::tree_cpu_us(server_pid)?;
    let t = Instant::now();
    let ok = drive()?;
    let wall = t.elapsed().as_secs_f64();
    std::thread::sleep(settle);
    let cpu = crate::proc::tree_cpu_us(server_pid)?.saturating_sub(cpu0);
    let step = Step {
        rate,
        ok,
        achieved: f64::from(count) / wall,
        cpu_us_each: cpu as f64 / f64::from(count),
    };
    #[allow(clippy::print_stdout)]
    {
        println!(
            "  rate {:>5}/s: {count} {what}s in {wall:.2} s = {:>7.1}/s, {}, server CPU {:>7.1} µs/{what}",
            rate,
            step.achieved,
            if ok { "0 failures" } else { "FAILURES" },
            step.cpu_us_each
        );
    }
    Ok(step)
}

/// Mean CPU per attempt over the steps without failures (NaN when there are none).
pub(crate) fn mean_cpu(steps: &[Step]) -> f64 {
    let good: Vec<f64> = steps
        .iter()
        .filter(|s| s.ok)
        .map(|s| s.cpu_us_each)
        .collect();
    if good.is_empty() {
        f64::NAN
    } else {
        good.iter().sum::<f64>() / good.len() as f64
    }
}

/// A release pbxd pinned to core 0 on `data`, SIP and HTTP on free loopback ports, the
/// admin password from `admin`, `extra` flags appended; waits until it answers. Returns
/// the process, its SIP port and its HTTP base URL.
pub(crate) fn start_pbxd(data: &Path, admin: &str, extra: &[&str]) -> Result<(Guard, u16, String)> {
    let (sip, http) = (free_port(), free_port());
    let child = Guard(
        std::process::Command::new("taskset")
            .args(["-c", "0"])
            .arg(target_dir().join("release").join("pbxd"))
            .arg("--data-dir")
            .arg(data)
            .args([
                "--sip-bind",
                &format!("127.0.0.1:{sip}"),
                "--http-bind",
                &format!("127.0.0.1:{http}"),
            ])
            .args(["--log-level", "warn"])
            .args(extra)
            .env("PBX_ADMIN_PASSWORD", admin)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .context("start pbxd")?,
    );
    let base = format!("http://127.0.0.1:{http}");
    wait_http(&format!("{base}/healthz"))?;
    Ok((child, sip, base))
}
