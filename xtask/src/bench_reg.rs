//! `cargo xtask bench reg`: a SIPp digest REGISTER storm over N AORs against pbxd and,
//! in the same run, against Kamailio configured as a digest registrar with the same
//! credentials. The server is pinned to core 0 and SIPp to core 1. Each subject is driven
//! at rising rates; the report gives the highest rate with zero failures, the server's
//! CPU-µs per completed registration, memory per binding, and pbxd/Kamailio ratios.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::harness::{
    free_port, get_json, kamailio_cfg, login, mean_cpu, measured_step, scratch, start_pbxd,
    wait_udp_bound, Guard, Step,
};
use crate::proc::tree_rss_kib;

const PASSWORD: &str = "Bench4Reg77x";
const ADMIN: &str = "Bench-admin-77";
/// Kamailio as a plain digest registrar (usrloc in memory): the registrar benchmark's peer.
const REGISTRAR_ROUTE: &str = r#"
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483","Too Many Hops"); exit; }
  if (is_method("REGISTER")) {
    if (!pv_www_authenticate("$td", "PASSWORD", "0")) { www_challenge("$td", "0"); exit; }
    consume_credentials(); save("location"); exit; }
  sl_send_reply("404","Not here");
"#;
const SCENARIO: &str = include_str!("../../tests/scenarios/reg_auth.xml");

struct Options {
    aors: u32,
    rates: Vec<u32>,
    seconds: u32,
}

/// Summary for one server.
struct Summary {
    name: &'static str,
    best: Option<Step>,
    mean_cpu_us: f64,
    rss_per_binding_bytes: f64,
}

pub(crate) fn run(args: &[&str]) -> Result<()> {
    let opts = parse(args)?;
    for tool in ["sipp", "kamailio", "taskset"] {
        if Command::new("which")
            .arg(tool)
            .stdout(Stdio::null())
            .status()
            .map(|s| !s.success())
            .unwrap_or(true)
        {
            bail!("{tool} not found: run scripts/install-peers.sh");
        }
    }
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "-p", "rotary-pbxd"])
        .status()?;
    if !status.success() {
        bail!("building pbxd failed");
    }
    let work = scratch("bench-reg")?;
    std::fs::write(work.join("reg.xml"), SCENARIO)?;
    let mut csv = String::from("SEQUENTIAL\n");
    for i in 0..opts.aors {
        let user = 10_000 + i;
        csv.push_str(&format!(
            "{user};[authentication username={user} password={PASSWORD}];3600\n"
        ));
    }
    std::fs::write(work.join("users.csv"), csv)?;

    println!(
        "bench reg: {} AORs, rates {:?}, ~{} s per step; server on core 0, SIPp on core 1",
        opts.aors, opts.rates, opts.seconds
    );
    let pbxd = bench_pbxd(&opts, &work)?;
    let kam = bench_kamailio(&opts, &work)?;
    report(&[&pbxd, &kam]);
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

fn parse(args: &[&str]) -> Result<Options> {
    let mut o = Options {
        aors: 2000,
        rates: vec![500, 1000, 2000, 3000, 4000, 6000, 8000],
        seconds: 4,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().context("flag needs a value")?;
        match *a {
            "--aors" => o.aors = v.parse()?,
            "--seconds" => o.seconds = v.parse()?,
            "--rates" => o.rates = v.split(',').map(str::parse).collect::<Result<_, _>>()?,
            other => bail!("unknown flag {other}"),
        }
    }
    Ok(o)
}

fn bench_pbxd(opts: &Options, work: &Path) -> Result<Summary> {
    let data = work.join("pbxd-data");
    let (mut child, sip, base) = start_pbxd(&data, ADMIN, &[])?;
    let token = login(&base, ADMIN)?;
    let auth = format!("Bearer {token}");
    // Room for the benchmark's numbers, then the extensions themselves.
    let hi = 10_000 + opts.aors + 1;
    let r = ureq::patch(&format!("{base}/api/v1/settings"))
        .set("Authorization", &auth)
        .send_json(serde_json::json!({"user_extension_range": format!("10000-{hi}")}));
    if let Err(e) = r {
        bail!("widening the extension range: {e}");
    }
    print!("pbxd: creating {} extensions... ", opts.aors);
    let t = Instant::now();
    for i in 0..opts.aors {
        let n = (10_000 + i).to_string();
        ureq::post(&format!("{base}/api/v1/extensions"))
            .set("Authorization", &auth)
            .send_json(serde_json::json!({"number": n, "secret": PASSWORD, "max_contacts": 5, "qualify_interval": 0}))
            .with_context(|| format!("creating extension {n}"))?;
    }
    println!("{:.1} s", t.elapsed().as_secs_f64());
    let pid = child.0.id();
    // Memory per binding: one registration per AOR over TCP, where no transaction state
    // outlives its request (Timer J is zero on reliable transports), so RSS growth is the
    // bindings, their API view, the nonce replay entries and the store's cache.
    let rss_before = tree_rss_kib(pid);
    let ok = Command::new("taskset")
        .args(["-c", "1", "timeout", "120", "sipp"])
        .arg(format!("127.0.0.1:{sip}"))
        .args([
            "-sf",
            "reg.xml",
            "-inf",
            "users.csv",
            "-i",
            "127.0.0.1",
            "-t",
            "t1",
            "-p",
        ])
        .arg(free_port().to_string())
        .args([
            "-m",
            &opts.aors.to_string(),
            "-r",
            "1000",
            "-nostdin",
            "-timeout",
            "60s",
            "-timeout_error",
        ])
        .current_dir(work)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?
        .success();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let (_, regs) = get_json(&format!("{base}/api/v1/registrations"), &auth)?;
    let tcp_bindings = regs.as_array().map(Vec::len).unwrap_or(0);
    let rss_after = tree_rss_kib(pid);
    println!(
        "pbxd: {tcp_bindings} TCP bindings ({}) grew RSS by {:.0} B per binding",
        if ok { "0 failures" } else { "FAILURES" },
        rss_after.saturating_sub(rss_before) as f64 * 1024.0 / tcp_bindings.max(1) as f64
    );
    let steps = ramp(opts, work, sip, pid)?;
    let (st, regs) = get_json(&format!("{base}/api/v1/registrations"), &auth)?;
    let bindings = regs.as_array().map(Vec::len).unwrap_or(0);
    println!("pbxd: {bindings} bindings held after the UDP storm (HTTP {st})");
    let _ = child.0.kill();
    Ok(summarize(
        "pbxd",
        steps,
        rss_before,
        rss_after,
        tcp_bindings,
    ))
}

fn bench_kamailio(opts: &Options, work: &Path) -> Result<Summary> {
    let port = free_port();
    let cfg = work.join("kamailio.cfg");
    let run = work.join("kam-run");
    std::fs::create_dir_all(&run)?;
    std::fs::write(
        &cfg,
        kamailio_cfg(port, &REGISTRAR_ROUTE.replace("PASSWORD", PASSWORD)),
    )?;
    let pidfile = work.join("kam.pid");
    let child = Guard(
        Command::new("taskset")
            .args(["-c", "0", "kamailio", "-f"])
            .arg(&cfg)
            .args(["-DD", "-E", "-Y"])
            .arg(&run)
            .arg("-P")
            .arg(&pidfile)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("start kamailio")?,
    );
    wait_udp_bound(port)?;
    let pid = child.0.id();
    let rss_before = tree_rss_kib(pid);
    let steps = ramp(opts, work, port, pid)?;
    let rss_after = tree_rss_kib(pid);
    Ok(summarize(
        "kamailio",
        steps,
        rss_before,
        rss_after,
        opts.aors as usize,
    ))
}

/// Drive one server at rising rates until a step has failures. Every step sends from
/// the same SIPp port, so later steps refresh the same 2,000 contacts (as phones do)
/// instead of adding contacts until an extension's contact limit answers 403.
fn ramp(opts: &Options, work: &Path, port: u16, server_pid: u32) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
    let sipp_port = free_port();
    for &rate in &opts.rates {
        let calls = (rate * opts.seconds).max(opts.aors);
        let step = measured_step(
            server_pid,
            rate,
            calls,
            "registration",
            Duration::ZERO,
            || sipp(work, port, sipp_port, rate, calls),
        )?;
        let ok = step.ok;
        steps.push(step);
        if !ok {
            break;
        }
    }
    Ok(steps)
}

fn sipp(work: &Path, port: u16, local_port: u16, rate: u32, calls: u32) -> Result<bool> {
    let out = Command::new("taskset")
        .args(["-c", "1", "timeout", "120", "sipp"])
        .arg(format!("127.0.0.1:{port}"))
        .args([
            "-sf",
            "reg.xml",
            "-inf",
            "users.csv",
            "-i",
            "127.0.0.1",
            "-p",
        ])
        .arg(local_port.to_string())
        .args([
            "-m",
            &calls.to_string(),
            "-r",
            &rate.to_string(),
            "-l",
            "4000",
        ])
        .args([
            "-nostdin",
            "-timeout",
            "60s",
            "-timeout_error",
            "-max_recv_loops",
            "10000",
        ])
        .current_dir(work)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("run sipp")?;
    if !out.success() {
        crate::harness::print_sipp_errors(work);
    }
    Ok(out.success())
}

fn summarize(
    name: &'static str,
    steps: Vec<Step>,
    rss0: u64,
    rss1: u64,
    bindings: usize,
) -> Summary {
    let mean_cpu_us = mean_cpu(&steps);
    let rss_per_binding_bytes = rss1.saturating_sub(rss0) as f64 * 1024.0 / bindings.max(1) as f64;
    let best = steps
        .into_iter()
        .filter(|s| s.ok)
        .max_by(|a, b| a.achieved.total_cmp(&b.achieved));
    Summary {
        name,
        best,
        mean_cpu_us,
        rss_per_binding_bytes,
    }
}

fn report(s: &[&Summary]) {
    println!(
        "\n{:<10} {:>22} {:>20} {:>22}",
        "server", "best regs/s (0 fail)", "CPU µs/reg (mean)", "RSS B/binding"
    );
    for x in s {
        let best = x
            .best
            .as_ref()
            .map(|b| format!("{:.0} (at -r {})", b.achieved, b.rate))
            .unwrap_or_else(|| "none".into());
        println!(
            "{:<10} {:>22} {:>20.1} {:>22.0}",
            x.name, best, x.mean_cpu_us, x.rss_per_binding_bytes
        );
    }
    if let [p, k] = s {
        let rate = match (&p.best, &k.best) {
            (Some(a), Some(b)) => a.achieved / b.achieved,
            _ => f64::NAN,
        };
        println!(
            "\nratio pbxd/kamailio: throughput {:.2}x, CPU per registration {:.2}x (goal <= 1.00)",
            rate,
            p.mean_cpu_us / k.mean_cpu_us
        );
    }
}
