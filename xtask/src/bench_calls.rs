//! `cargo xtask bench calls`: SIPp caller (407 digest, INVITE, 0.5 s talk, BYE) → server →
//! SIPp callee (registered extension, `uas_answer.xml`), against pbxd (a B2BUA: two dialogs and
//! anchored media ports per call) and, in the same run, against Kamailio as a stateful
//! proxy on the same traffic. The server is pinned to core 0, both SIPps to core 1. Each
//! server is driven at rising call rates; the report gives the best rate with zero failed
//! calls, the server's CPU-µs per call, and the pbxd/Kamailio ratio.
//!
//! In the same run pbxd also takes calls from a provider (SIPp as a peer trunk, no
//! digest) to a DID through an inbound route and a time condition to the same extension;
//! the report sets their CPU per call beside the extension-to-extension calls (issue 6:
//! routing should cost under 10 % extra per call).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::harness::{
    free_port, kamailio_cfg, login, mean_cpu, measured_step, scratch, start_pbxd, wait_udp_bound,
    Guard, Step,
};

const PASSWORD: &str = "Bench4Call77";
const ADMIN: &str = "Bench-admin-77";
/// Kamailio as a stateful proxy with digest REGISTER and INVITE (testing-peers.md §3).
const PROXY_ROUTE: &str = r#"
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483","Too Many Hops"); exit; }
  if (has_totag()) { if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404","Not here"); exit; }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  t_check_trans();
  if (is_method("REGISTER")) {
    if (!pv_www_authenticate("$td", "PASSWORD", "0")) { www_challenge("$td", "0"); exit; }
    consume_credentials(); save("location"); exit; }
  if (is_method("INVITE")) {
    if (!pv_proxy_authenticate("$fd", "PASSWORD", "0")) { proxy_challenge("$fd", "0"); exit; }
    consume_credentials(); record_route(); }
  if (!lookup("location")) { sl_send_reply("404","Not Found"); exit; }
  t_relay();
"#;
const CALLER: &str = include_str!("../../tests/scenarios/call_uac.xml");
const REGISTER: &str = include_str!("../../tests/scenarios/reg_auth.xml");
const CALLEE: &str = include_str!("../../tests/scenarios/uas_answer.xml");
const TRUNK_CALLER: &str = include_str!("../../tests/scenarios/trunk_uac.xml");

/// Who calls in a ramp: the scenario file, its CSV, the number dialled and the local
/// port (fixed for a trunk, whose address pbxd recognises; free otherwise).
struct Caller<'a> {
    scenario: &'a str,
    csv: &'a str,
    number: &'a str,
    port: Option<u16>,
}

/// Extension 201 calling extension 202 with digest.
const EXTENSION_CALLER: Caller<'static> = Caller {
    scenario: "caller.xml",
    csv: "caller.csv",
    number: "202",
    port: None,
};

pub(crate) fn run(args: &[&str]) -> Result<()> {
    let mut rates = vec![25, 50, 100, 200, 300, 400];
    let mut seconds = 6;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().context("flag needs a value")?;
        match *a {
            "--rates" => rates = v.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--seconds" => seconds = v.parse()?,
            other => bail!("unknown flag {other}"),
        }
    }
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "-p", "rotary-pbxd"])
        .status()?;
    if !status.success() {
        bail!("building pbxd failed");
    }
    let work = scratch("bench-calls")?;
    std::fs::write(work.join("caller.xml"), CALLER)?;
    std::fs::write(work.join("reg.xml"), REGISTER)?;
    std::fs::write(work.join("callee.xml"), CALLEE)?;
    // The same talk time as the extension caller.
    std::fs::write(
        work.join("trunk-caller.xml"),
        TRUNK_CALLER.replace(
            "<pause milliseconds=\"1000\"/>",
            "<pause milliseconds=\"500\"/>",
        ),
    )?;
    std::fs::write(work.join("trunk-caller.csv"), "SEQUENTIAL\n0301234\n")?;
    std::fs::write(
        work.join("caller.csv"),
        format!("SEQUENTIAL\n201;[authentication username=201 password={PASSWORD}];600\n"),
    )?;
    std::fs::write(
        work.join("callee.csv"),
        format!("SEQUENTIAL\n202;[authentication username=202 password={PASSWORD}];3600\n"),
    )?;
    println!(
        "bench calls: rates {rates:?}, {seconds} s per step; server on core 0, SIPp on core 1"
    );

    // Each pbxd run starts from a fresh process and data dir, so neither path inherits the
    // other's lingering dialogs (ended calls absorb retransmissions for 32 s) or CDR rows.
    let fresh = |name: &str| -> Result<(crate::harness::Guard, u16, String, String)> {
        let (child, sip, base) =
            start_pbxd(&work.join(name), ADMIN, &["--rtp-ports", "20000-39999"])?;
        let auth = format!("Bearer {}", login(&base, ADMIN)?);
        ureq::patch(&format!("{base}/api/v1/settings"))
            .set("Authorization", &auth)
            .send_json(serde_json::json!({"max_concurrent_calls": 10000}))?;
        for n in ["201", "202"] {
            ureq::post(&format!("{base}/api/v1/extensions"))
                .set("Authorization", &auth)
                .send_json(
                    serde_json::json!({"number": n, "secret": PASSWORD, "qualify_interval": 0}),
                )?;
        }
        Ok((child, sip, base, auth))
    };
    let pbxd = {
        let (child, sip, _, _) = fresh("pbxd-data")?;
        ramp(&work, sip, child.0.id(), &rates, seconds, &EXTENSION_CALLER)?
    };
    let routed = {
        let (child, sip, base, auth) = fresh("pbxd-routed-data")?;
        let trunk_port = free_port();
        configure_routing(&base, &auth, trunk_port)?;
        let trunk_caller = Caller {
            scenario: "trunk-caller.xml",
            csv: "trunk-caller.csv",
            number: "4930100",
            port: Some(trunk_port),
        };
        println!("pbxd (a fresh process), calls from a trunk through inbound route → time condition → extension:");
        ramp(&work, sip, child.0.id(), &rates, seconds, &trunk_caller)?
    };
    let kam = {
        let port = free_port();
        let cfg = work.join("kamailio.cfg");
        std::fs::create_dir_all(work.join("kam-run"))?;
        std::fs::write(
            &cfg,
            kamailio_cfg(port, &PROXY_ROUTE.replace("PASSWORD", PASSWORD)),
        )?;
        let child = Guard(
            Command::new("taskset")
                .args(["-c", "0", "kamailio", "-f"])
                .arg(&cfg)
                .args(["-DD", "-E", "-Y"])
                .arg(work.join("kam-run"))
                .arg("-P")
                .arg(work.join("kam.pid"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("start kamailio")?,
        );
        wait_udp_bound(port)?;
        let steps = ramp(
            &work,
            port,
            child.0.id(),
            &rates,
            seconds,
            &EXTENSION_CALLER,
        )?;
        drop(child);
        steps
    };
    report(&pbxd, &kam);
    report_routing(&pbxd, &routed);
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// Through the API: a peer trunk for the SIPp provider on `trunk_port`, a time condition
/// open all week leading to extension 202, and an inbound route for DID 4930100 to it.
fn configure_routing(base: &str, auth: &str, trunk_port: u16) -> Result<()> {
    let post = |path: &str, body: serde_json::Value| -> Result<()> {
        ureq::post(&format!("{base}{path}"))
            .set("Authorization", auth)
            .send_json(body)
            .with_context(|| format!("POST {path}"))?;
        Ok(())
    };
    post(
        "/api/v1/trunks",
        // No OPTIONS probes: the SIPp UAS expects only INVITEs.
        serde_json::json!({"id": "bench", "mode": {"kind": "peer", "host": "127.0.0.1",
                                                   "port": trunk_port, "qualify_interval": 0}}),
    )?;
    post(
        "/api/v1/time-conditions",
        serde_json::json!({"id": "hours",
            "weekly": [{"days": ["mon","tue","wed","thu","fri","sat","sun"],
                        "start": "00:00", "end": "00:00"}],
            "matched": {"type": "extension", "number": "202"},
            "not_matched": {"type": "hangup"}}),
    )?;
    post(
        "/api/v1/inbound-routes",
        serde_json::json!({"name": "bench", "trunk": "bench", "did": "4930100",
            "destination": {"type": "time_condition", "id": "hours"}}),
    )
}

/// Register the callee, start its UAS, then drive `caller` at each rate.
fn ramp(
    work: &Path,
    server_port: u16,
    server_pid: u32,
    rates: &[u32],
    seconds: u32,
    caller: &Caller<'_>,
) -> Result<Vec<Step>> {
    let callee_port = free_port();
    let target = format!("127.0.0.1:{server_port}");
    let reg = Command::new("timeout")
        .args([
            "30",
            "sipp",
            &target,
            "-sf",
            "reg.xml",
            "-inf",
            "callee.csv",
            "-i",
            "127.0.0.1",
            "-p",
        ])
        .arg(callee_port.to_string())
        .args(["-m", "1", "-nostdin", "-timeout", "20s", "-timeout_error"])
        .current_dir(work)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if !reg.success() {
        bail!("callee could not register with {target}");
    }
    let mut steps = Vec::new();
    for &rate in rates {
        let calls = rate * seconds;
        let mut uas = UasGuard(
            Command::new("taskset")
                .args([
                    "-c",
                    "1",
                    "sipp",
                    "-sf",
                    "callee.xml",
                    "-i",
                    "127.0.0.1",
                    "-p",
                ])
                .arg(callee_port.to_string())
                .args(["-nostdin", "-bind_local"])
                .current_dir(work)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()?,
        );
        wait_udp_bound(callee_port)?;
        let step = measured_step(
            server_pid,
            rate,
            calls,
            "call",
            Duration::from_millis(700),
            || {
                let ok = Command::new("taskset")
                    .args([
                        "-c",
                        "1",
                        "timeout",
                        "180",
                        "sipp",
                        &target,
                        "-sf",
                        caller.scenario,
                        "-inf",
                        caller.csv,
                        "-s",
                        caller.number,
                    ])
                    .args(["-i", "127.0.0.1", "-p"])
                    .arg(caller.port.unwrap_or_else(free_port).to_string())
                    .args([
                        "-m",
                        &calls.to_string(),
                        "-r",
                        &rate.to_string(),
                        "-l",
                        "5000",
                    ])
                    .args([
                        "-nostdin",
                        "-timeout",
                        "120s",
                        "-timeout_error",
                        "-trace_err",
                    ])
                    .current_dir(work)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()?
                    .success();
                if !ok {
                    crate::harness::print_sipp_errors(work);
                }
                Ok(ok)
            },
        )?;
        let _ = uas.0.kill();
        let ok = step.ok;
        steps.push(step);
        if !ok {
            break;
        }
    }
    Ok(steps)
}

fn report(pbxd: &[Step], kam: &[Step]) {
    let best = |s: &[Step]| s.iter().filter(|x| x.ok).map(|x| x.rate).max().unwrap_or(0);
    let mean = mean_cpu;
    println!(
        "\n{:<10} {:>24} {:>20}",
        "server", "best calls/s (0 fail)", "CPU µs/call (mean)"
    );
    println!("{:<10} {:>24} {:>20.1}", "pbxd", best(pbxd), mean(pbxd));
    println!("{:<10} {:>24} {:>20.1}", "kamailio", best(kam), mean(kam));
    println!(
        "\nratio pbxd/kamailio: best rate {:.2}x, CPU per call {:.2}x (goal <= 1.50)",
        f64::from(best(pbxd)) / f64::from(best(kam).max(1)),
        mean(pbxd) / mean(kam)
    );
}

/// Routed calls beside extension-to-extension calls on the same pbxd.
fn report_routing(direct: &[Step], routed: &[Step]) {
    let best = |s: &[Step]| s.iter().filter(|x| x.ok).map(|x| x.rate).max().unwrap_or(0);
    println!(
        "\n{:<34} {:>24} {:>20}",
        "pbxd calls", "best calls/s (0 fail)", "CPU µs/call (mean)"
    );
    println!(
        "{:<34} {:>24} {:>20.1}",
        "extension → extension",
        best(direct),
        mean_cpu(direct)
    );
    println!(
        "{:<34} {:>24} {:>20.1}",
        "trunk → route → time cond. → ext",
        best(routed),
        mean_cpu(routed)
    );
    println!(
        "\nratio routed/direct: CPU per call {:.2}x (goal < 1.10; the trunk's calls skip the \
         407 digest round the extension's calls make)",
        mean_cpu(routed) / mean_cpu(direct)
    );
}

/// Kills the callee's SIPp when a step ends (it never exits on its own).
struct UasGuard(Child);

impl Drop for UasGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
