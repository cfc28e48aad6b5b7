//! The admin web GUI in a real browser: the release pbxd serves it, `tests/gui/run.mjs`
//! drives headless Chromium through it (playwright-core), and this test registers the
//! extension the script created with SIPp when the script asks, so the dashboard can be seen
//! turning "registered" live. Screenshots land in `<target>/gui-screenshots/`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rotary_e2e::{free_port, reg_line, sipp, Pbxd, TempDir, ADMIN_PASSWORD};

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
    let mut stdin = child.stdin.take().expect("stdin");
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
            // The script may already have given up; a broken pipe then shows in its output.
            let _ = writeln!(stdin, "REGISTERED {}", run.code);
            let _ = stdin.flush();
        }
        transcript.push(line);
    }
    let status = child.wait().expect("wait for node");
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
    ] {
        let p = shots.join(format!("{name}.png"));
        assert!(p.exists(), "screenshot {} missing", p.display());
    }
}
