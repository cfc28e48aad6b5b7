//! `cargo xtask bench relay [--calls 200,500,1000] [--seconds S] [--warmup W]
//! [--phone-sockets K]`: N anchored G.711 calls through `rotary-media`'s relay and, in
//! the same run, through a minimal recv+send forwarder (the floor).
//!
//! Both servers are modes of `crates/media/examples/relay_server.rs`, pinned to core 0.
//! The load generator is `crates/media/examples/rtp_load.rs`, pinned to core 1: per
//! call two phones sending 20 ms RTP (172-byte packets) both ways, payloads stamped with
//! their send time. It lives beside the server rather than in xtask because driving
//! 2,000 sockets from one core needs an async runtime, and xtask stays free of tokio.
//!
//! Reported per N and server: loss %, jitter (RFC 3550, ms), latency mean and p99,
//! server CPU-µs per call-second (utime+stime over the measured window), server core
//! load, RSS growth per call, and the ratios relay/floor.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::harness::{target_dir, Guard};
use crate::proc::{tree_cpu_us, tree_rss_kib};

/// The relay's goals from the media design: CPU per call within 1.5 × the floor, less
/// than 0.01 % loss, at most 100 KB per call.
const CPU_RATIO_GOAL: f64 = 1.5;
const LOSS_GOAL_PCT: f64 = 0.01;
const RSS_GOAL_BYTES: f64 = 100.0 * 1024.0;
/// Media port range for the benchmark servers (below Linux's ephemeral ports).
const PORTS: &str = "20000-29999";

struct Options {
    calls: Vec<u32>,
    seconds: u32,
    warmup: u32,
    /// Generator socket pairs shared by the phones (see rtp_load's doc).
    phone_sockets: u32,
}

/// One server at one N.
struct Measure {
    loss_pct: f64,
    send_failed: u64,
    reordered: u64,
    jitter_ms: f64,
    latency_mean_us: f64,
    latency_p99_us: f64,
    cpu_us_per_call_s: f64,
    server_load_pct: f64,
    gen_load_pct: f64,
    gen_lag_ms: f64,
    rss_per_call_bytes: f64,
}

pub(crate) fn run(args: &[&str]) -> Result<()> {
    let opts = parse(args)?;
    let bin = prepare(&["relay_server", "rtp_load"])?;
    println!(
        "bench relay: calls {:?}, {} s measured after {} s warm-up; server on core 0, generator on core 1",
        opts.calls, opts.seconds, opts.warmup
    );
    let mut rows = Vec::new();
    for &n in &opts.calls {
        let floor = measure(&bin, "floor", n, &opts)?;
        print_line("floor", n, &floor);
        let relay = measure(&bin, "relay", n, &opts)?;
        print_line("relay", n, &relay);
        rows.push((n, floor, relay));
    }
    report(&rows);
    Ok(())
}

/// Checks for taskset, builds the release `examples` of rotary-media, warns when the
/// machine is already busy, and returns the directory of the built examples. Shared
/// with `bench media`.
pub(crate) fn prepare(examples: &[&str]) -> Result<PathBuf> {
    if Command::new("which")
        .arg("taskset")
        .stdout(Stdio::null())
        .status()
        .map(|s| !s.success())
        .unwrap_or(true)
    {
        bail!("taskset not found (util-linux)");
    }
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--release", "-p", "rotary-media"]);
    for e in examples {
        build.args(["--example", e]);
    }
    if !build.status()?.success() {
        bail!("building the benchmark examples {examples:?} failed");
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    if load
        .split_whitespace()
        .next()
        .and_then(|l| l.parse::<f64>().ok())
        .is_some_and(|l| l > 0.5)
    {
        println!(
            "warning: load average {} before starting: other processes share the pinned cores, \
             so latency and jitter will include their scheduling delays",
            load.trim()
        );
    }
    Ok(target_dir().join("release").join("examples"))
}

fn parse(args: &[&str]) -> Result<Options> {
    let mut o = Options {
        calls: vec![200, 500, 1000],
        seconds: 10,
        warmup: 2,
        phone_sockets: 64,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().context("flag needs a value")?;
        match *a {
            "--calls" => o.calls = v.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--seconds" => o.seconds = v.parse()?,
            "--warmup" => o.warmup = v.parse()?,
            "--phone-sockets" => o.phone_sockets = v.parse()?,
            other => bail!("unknown flag {other}"),
        }
    }
    if o.seconds == 0 {
        bail!("--seconds must be at least 1");
    }
    Ok(o)
}

/// Starts the server in `mode` with `n` calls, plays the load, and samples the server's
/// CPU and memory over the measured window.
fn measure(bin: &Path, mode: &str, n: u32, opts: &Options) -> Result<Measure> {
    let run = run_pair(
        bin,
        &["--mode", mode],
        &["--phone-sockets", &opts.phone_sockets.to_string()],
        n,
        (opts.seconds, opts.warmup),
    )?;
    let result = &run.result;
    let f = |k: &str| result[k].as_f64().unwrap_or(f64::NAN);
    Ok(Measure {
        loss_pct: f("loss_pct"),
        send_failed: result["send_failed"].as_u64().unwrap_or(0),
        reordered: result["reordered"].as_u64().unwrap_or(0),
        jitter_ms: f("jitter_ms_mean"),
        latency_mean_us: f("latency_us_mean"),
        latency_p99_us: f("latency_us_p99"),
        cpu_us_per_call_s: run.server_cpu_us as f64 / (f64::from(n) * run.wall_s),
        server_load_pct: run.server_load_pct(),
        gen_load_pct: run.gen_cpu_us as f64 / run.wall_s / 1e4,
        gen_lag_ms: f("sender_lag_ms_max"),
        rss_per_call_bytes: run.rss_growth_kib as f64 * 1024.0 / f64::from(n.max(1)),
    })
}

/// One server run under load: the generator's result line, the measured window and what
/// the server spent in it, and the server's own counters afterwards.
pub(crate) struct PairRun {
    /// rtp_load's JSON result.
    pub(crate) result: serde_json::Value,
    /// relay_server's answer to `stats` (relays' counters summed), when it gave one.
    pub(crate) server_stats: Option<serde_json::Value>,
    /// Length of the measured window.
    pub(crate) wall_s: f64,
    /// Server (and generator) utime+stime over the window.
    pub(crate) server_cpu_us: u64,
    pub(crate) gen_cpu_us: u64,
    /// Server RSS at the end of the window minus before it allocated its calls.
    pub(crate) rss_growth_kib: u64,
}

impl PairRun {
    /// How busy the server's core was over the window, in percent.
    pub(crate) fn server_load_pct(&self) -> f64 {
        self.server_cpu_us as f64 / self.wall_s / 1e4
    }
}

/// Starts `relay_server` (core 0) with `server_args` and `n` calls and `rtp_load`
/// (core 1) with `gen_args` for `seconds` after `warmup`, and samples both processes'
/// CPU at the generator's window marks. Shared with `bench media`.
pub(crate) fn run_pair(
    bin: &Path,
    server_args: &[&str],
    gen_args: &[&str],
    n: u32,
    (seconds, warmup): (u32, u32),
) -> Result<PairRun> {
    let what = server_args.join(" ");
    let mut server = Guard(
        Command::new("taskset")
            .args(["-c", "0"])
            .arg(bin.join("relay_server"))
            .args(server_args)
            .args(["--calls", &n.to_string(), "--ports", PORTS])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("start relay_server")?,
    );
    let pid = server.0.id();
    let mut lines = BufReader::new(server.0.stdout.take().context("server stdout")?);
    let (baseline_kib, calls) = read_ports(&mut lines)?;

    let mut gen = Guard(
        Command::new("taskset")
            .args(["-c", "1"])
            .arg(bin.join("rtp_load"))
            .args([
                "--seconds",
                &seconds.to_string(),
                "--warmup",
                &warmup.to_string(),
            ])
            .args(gen_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("start rtp_load")?,
    );
    let gen_pid = gen.0.id();
    {
        let mut stdin = gen.0.stdin.take().context("generator stdin")?;
        stdin.write_all(calls.as_bytes())?;
        stdin.write_all(b"{\"event\":\"ready\"}\n")?;
    }
    let mut out = BufReader::new(gen.0.stdout.take().context("generator stdout")?);
    let mut start = None;
    let mut end = None;
    let mut line = String::new();
    let result = loop {
        line.clear();
        if out.read_line(&mut line)? == 0 {
            bail!("rtp_load ended without a result ({what}, {n} calls)");
        }
        if line.contains("measure_start") {
            start = Some((Instant::now(), tree_cpu_us(pid)?, tree_cpu_us(gen_pid)?));
        } else if line.contains("measure_end") {
            end = Some((
                Instant::now(),
                tree_cpu_us(pid)?,
                tree_cpu_us(gen_pid)?,
                tree_rss_kib(pid),
            ));
        } else if line.trim_start().starts_with('{') {
            break serde_json::from_str::<serde_json::Value>(&line)?;
        }
    };
    let _ = gen.0.wait();
    // Ask for the relays' own counters (waiting at most 10 s), then close stdin: the
    // server exits. One that does not answer is killed when its guard drops.
    let mut server_stats = None;
    if let Some(mut stdin) = server.0.stdin.take() {
        if stdin
            .write_all(b"stats\n")
            .and_then(|()| stdin.flush())
            .is_ok()
        {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let mut answer = String::new();
                let _ = lines.read_line(&mut answer);
                let _ = tx.send(answer);
            });
            server_stats = rx
                .recv_timeout(Duration::from_secs(10))
                .ok()
                .and_then(|answer| serde_json::from_str(&answer).ok());
        }
    }
    if server_stats.is_some() {
        let _ = server.0.wait();
    }
    let (Some((t0, cpu0, g0)), Some((t1, cpu1, g1, rss1))) = (start, end) else {
        bail!("rtp_load did not report its measuring window");
    };
    Ok(PairRun {
        result,
        server_stats,
        wall_s: (t1 - t0).as_secs_f64().max(1e-3),
        server_cpu_us: cpu1.saturating_sub(cpu0),
        gen_cpu_us: g1.saturating_sub(g0),
        rss_growth_kib: rss1.saturating_sub(baseline_kib),
    })
}

/// Reads the server's baseline RSS and call lines up to `ready`; returns the baseline
/// and the call lines to hand to the generator.
fn read_ports(lines: &mut BufReader<ChildStdout>) -> Result<(u64, String)> {
    let mut baseline = 0;
    let mut calls = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            bail!("relay_server exited before it was ready (ports in use? fd limit?)");
        }
        let v: serde_json::Value =
            serde_json::from_str(&line).with_context(|| format!("server said {line:?}"))?;
        match v["event"].as_str() {
            Some("baseline") => baseline = v["rss_kib"].as_u64().unwrap_or(0),
            Some("ready") => return Ok((baseline, calls)),
            _ => calls.push_str(&line),
        }
    }
}

fn print_line(name: &str, n: u32, m: &Measure) {
    println!(
        "  {name:<5} N={n:<5} loss {:.4} % (send fails {}, reordered {}), jitter {:.3} ms, latency mean {:.0} µs p99 {:.0} µs, \
         CPU {:.1} µs/call·s (core {:.0} %, generator {:.0} %, generator lag {:.1} ms), RSS {:.1} KB/call",
        m.loss_pct,
        m.send_failed,
        m.reordered,
        m.jitter_ms,
        m.latency_mean_us,
        m.latency_p99_us,
        m.cpu_us_per_call_s,
        m.server_load_pct,
        m.gen_load_pct,
        m.gen_lag_ms,
        m.rss_per_call_bytes / 1024.0
    );
}

fn report(rows: &[(u32, Measure, Measure)]) {
    println!(
        "\n{:>6} {:>6} {:>10} {:>10} {:>10} {:>14} {:>8} {:>12}",
        "calls",
        "server",
        "loss %",
        "jitter ms",
        "p99 µs",
        "CPU µs/call·s",
        "core %",
        "RSS KB/call"
    );
    for (n, floor, relay) in rows {
        for (name, m) in [("floor", floor), ("relay", relay)] {
            println!(
                "{:>6} {:>6} {:>10.4} {:>10.3} {:>10.0} {:>14.1} {:>8.0} {:>12.1}",
                n,
                name,
                m.loss_pct,
                m.jitter_ms,
                m.latency_p99_us,
                m.cpu_us_per_call_s,
                m.server_load_pct,
                m.rss_per_call_bytes / 1024.0
            );
        }
        let cpu_ratio = relay.cpu_us_per_call_s / floor.cpu_us_per_call_s;
        println!(
            "{:>6} {:>6} CPU {:.2}x (goal <= {CPU_RATIO_GOAL}), p99 latency {:.2}x, RSS {:.2}x; loss {} (goal < {LOSS_GOAL_PCT} %), RSS {} (goal <= 100 KB)",
            n,
            "ratio",
            cpu_ratio,
            relay.latency_p99_us / floor.latency_p99_us,
            relay.rss_per_call_bytes / floor.rss_per_call_bytes.max(1.0),
            if relay.loss_pct < LOSS_GOAL_PCT { "ok" } else { "MISSED" },
            if relay.rss_per_call_bytes <= RSS_GOAL_BYTES { "ok" } else { "MISSED" },
        );
    }
}
