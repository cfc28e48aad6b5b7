//! The admin web GUI in a real browser: the release pbxd serves it, `tests/gui/run.mjs`
//! drives headless Chromium through it (playwright-core), and this test plays the phones the
//! script asks for over stdout: `REGISTER <number> <secret>` registers an extension with
//! SIPp (answered `REGISTERED <exit code>`), so the dashboard can be seen turning
//! "registered" live; `CALL <from> <secret> <to> <secret>` registers `<to>` as an answering
//! SIPp phone and calls it from `<from>` (answered `CALLING` at once, then `CALLDONE <caller
//! exit code> <callee exit code>` once the GUI has hung the call up). Screenshots land in
//! `<target>/gui-screenshots/`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ChildStdin;
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use rotary_e2e::{free_port, reg_line, sipp, wait_udp_bound, Pbxd, TempDir, ADMIN_PASSWORD};

/// `tests/gui` in the source tree.
fn gui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("gui")
}

/// Where the screenshots go: next to the build output, never in the source tree.
fn screenshot_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let target = exe.ancestors().nth(3).expect("target dir").to_path_buf();
    target.join("gui-screenshots")
}

/// GET without credentials; returns (status, content-type, CSP, body).
fn get(url: &str) -> (u16, String, String, String) {
    let resp = match ureq::get(url).timeout(Duration::from_secs(10)).call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("GET {url}: {e}"),
    };
    let status = resp.status();
    let ct = resp.header("content-type").unwrap_or("").to_owned();
    let csp = resp
        .header("content-security-policy")
        .unwrap_or("")
        .to_owned();
    (status, ct, csp, resp.into_string().unwrap_or_default())
}

#[test]
fn gui_is_served_next_to_the_api() {
    let dir = TempDir::new("gui-http");
    let d = Pbxd::start(&dir.0).expect("pbxd starts");
    for path in ["/", "/extensions", "/settings/"] {
        let (st, ct, csp, body) = get(&format!("{}{path}", d.url()));
        assert_eq!(st, 200, "{path}");
        assert!(ct.starts_with("text/html"), "{path}: {ct}");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(body.contains("/js/app.js"), "{path}");
    }
    let (st, ct, _, _) = get(&format!("{}/vendor/preact.mjs", d.url()));
    assert_eq!((st, ct.as_str()), (200, "text/javascript; charset=utf-8"));
    // The API, health and metrics keep their own answers.
    let (st, ct, _, body) = get(&format!("{}/api/v1/nothing-here", d.url()));
    assert_eq!(st, 404);
    assert!(
        ct.starts_with("application/json") && body.contains("\"error\""),
        "{body}"
    );
    let (st, _, _, body) = get(&format!("{}/healthz", d.url()));
    assert_eq!((st, body.contains("\"ok\"")), (200, true), "{body}");
    let (st, _, _, body) = get(&format!("{}/metrics", d.url()));
    assert_eq!(st, 200);
    assert!(body.contains("rotary_http_requests_total"));
    let (st, ..) = get(&format!("{}/api/v1/extensions", d.url()));
    assert_eq!(st, 401);
}

#[test]
fn admin_gui_in_headless_chromium() {
    let gui = gui_dir();
    let ci = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&gui)
        .output()
        .expect("run npm (is Node.js installed?)");
    assert!(
        ci.status.success(),
        "npm ci in tests/gui failed:\n{}{}",
        String::from_utf8_lossy(&ci.stdout),
        String::from_utf8_lossy(&ci.stderr)
    );
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium missing: run scripts/install-peers.sh"
    );

    let dir = TempDir::new("gui");
    let d = Pbxd::start(&dir.0).expect("pbxd starts");
    let shots = screenshot_dir();
    let mut child = Command::new("timeout")
        .args(["120", "node"])
        .arg(gui.join("run.mjs"))
        .arg(d.url())
        .arg(ADMIN_PASSWORD)
        .arg(&shots)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    let stdin = Arc::new(Mutex::new(child.stdin.take().expect("stdin")));
    let call_log = Arc::new(Mutex::new(Vec::<String>::new()));
    let (tx, rx) = mpsc::channel::<String>();
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
    drop(tx);

    let mut transcript = Vec::new();
    let end = Instant::now() + Duration::from_secs(150);
    let mut registered = false;
    while let Ok(line) = rx.recv_timeout(end.saturating_duration_since(Instant::now())) {
        if let Some(rest) = line.strip_prefix("REGISTER ") {
            let mut parts = rest.split_whitespace();
            let (number, secret) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let run = sipp(
                &d.sip_addr(),
                "reg_auth.xml",
                &[reg_line(number, secret, 600)],
                free_port(),
                &["-m", "1"],
            );
            if run.code != 0 {
                transcript.push(format!("SIPp failed:\n{}", run.output));
            }
            registered = run.code == 0;
            answer(&stdin, &format!("REGISTERED {}", run.code));
        } else if let Some(rest) = line.strip_prefix("CALL ") {
            let words: Vec<String> = rest.split_whitespace().map(str::to_owned).collect();
            if let [from, from_secret, to, to_secret] = words.as_slice() {
                place_call(&d, [from, from_secret, to, to_secret], &stdin, &call_log);
            } else {
                answer(&stdin, "CALLDONE bad-request");
            }
        }
        transcript.push(line);
    }
    let status = child.wait().expect("wait for node");
    transcript.extend(call_log.lock().expect("call log").drain(..));
    let out = transcript.join("\n");
    assert!(status.success(), "GUI test failed ({status}):\n{out}");
    assert!(
        registered,
        "the script never asked for the registration:\n{out}"
    );
    assert!(out.contains("PASSED"), "{out}");
    eprintln!("{out}");
    for name in [
        "00-wizard-password",
        "00-wizard-done",
        "01-login",
        "05-dashboard",
        "04-extensions",
        "07-settings",
        "08-cdr",
        "11-settings-denied",
        "12-accounts",
        "13-audit",
        "14-backups",
        "15-https",
        "20-trunks",
        "21-outbound-routes",
        "22-inbound-routes",
        "23-direct-routes",
        "24-time-conditions",
        "25-ivrs",
        "26-departments",
        "27-blacklist",
        "28-routing-options",
        "29-route-tracer",
        "30-prompts",
        "31-calls",
    ] {
        let p = shots.join(format!("{name}.png"));
        assert!(p.exists(), "screenshot {} missing", p.display());
    }
}

/// A line for the script on its stdin. The script may already have given up; a broken pipe
/// then shows in its output.
fn answer(stdin: &Mutex<ChildStdin>, line: &str) {
    if let Ok(mut w) = stdin.lock() {
        let _ = writeln!(w, "{line}");
        let _ = w.flush();
    }
}

/// Register `to` from a SIPp phone that answers and waits for BYE, call it from `from`
/// (a SIPp caller that waits for BYE too), answer `CALLING`, and `CALLDONE <caller>
/// <callee>` with both exit codes once the call is over (the GUI hangs it up).
fn place_call(
    d: &Pbxd,
    [from, from_secret, to, to_secret]: [&String; 4],
    stdin: &Arc<Mutex<ChildStdin>>,
    log: &Arc<Mutex<Vec<String>>>,
) {
    let port = free_port();
    let reg = sipp(
        &d.sip_addr(),
        "reg_auth.xml",
        &[reg_line(to, to_secret, 600)],
        port,
        &["-m", "1"],
    );
    if reg.code != 0 {
        log.lock()
            .expect("call log")
            .push(format!("SIPp callee registration failed:\n{}", reg.output));
        answer(stdin, &format!("CALLDONE register-failed {}", reg.code));
        return;
    }
    let target = d.sip_addr();
    let callee = std::thread::spawn(move || {
        sipp(
            &target,
            "uas_answer.xml",
            &["x".to_string()],
            port,
            &["-m", "1"],
        )
    });
    wait_udp_bound(port);
    let target = d.sip_addr();
    let line = format!("{from};[authentication username={from} password={from_secret}]");
    let to = to.clone();
    let caller = std::thread::spawn(move || {
        sipp(
            &target,
            "call_uac_byed.xml",
            &[line],
            free_port(),
            &["-m", "1", "-s", &to],
        )
    });
    answer(stdin, "CALLING");
    let (stdin, log) = (Arc::clone(stdin), Arc::clone(log));
    std::thread::spawn(move || {
        let mut codes = Vec::new();
        for (who, h) in [("caller", caller), ("callee", callee)] {
            let run = h.join().unwrap_or_else(|_| rotary_e2e::SippRun {
                code: -1,
                output: "SIPp thread panicked".into(),
            });
            if run.code != 0 {
                log.lock()
                    .expect("call log")
                    .push(format!("SIPp {who} failed:\n{}", run.output));
            }
            codes.push(run.code.to_string());
        }
        answer(&stdin, &format!("CALLDONE {}", codes.join(" ")));
    });
}
