//! The daemon's outside contract (interface.md): flags, exit codes, ready line, health,
//! initial admin password, SIGTERM, and surviving garbage on the SIP port.

use std::net::UdpSocket;
use std::process::Command;
use std::time::{Duration, Instant};

use rotary_e2e::{binary, free_port, reg_line, sipp, Pbxd, TempDir};
use serde_json::json;

fn run_pbxd(args: &[&str], data_dir: &std::path::Path) -> std::process::Output {
    Command::new("timeout")
        .arg("20")
        .arg(binary("pbxd"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("PBX_ADMIN_PASSWORD", "Adm1n-e2e-pass")
        .output()
        .expect("run pbxd")
}

fn one_line_error(out: &std::process::Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert_eq!(
        out.status.code(),
        Some(2),
        "exit status 2 expected, stderr: {err}"
    );
    assert!(!err.contains("panicked"), "no panic: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    err
}

#[test]
fn bad_flag_exits_2_with_one_line() {
    let dir = TempDir::new("badflag");
    let err = one_line_error(&run_pbxd(&["--no-such-flag"], &dir.0));
    assert!(err.contains("no-such-flag"), "{err}");
    let err = one_line_error(&run_pbxd(&["--rtp-ports", "20000-10000"], &dir.0));
    assert!(err.contains("rtp-ports"), "{err}");
    let err = one_line_error(&run_pbxd(&["--sip-bind", "not-an-address"], &dir.0));
    assert!(err.contains("sip-bind"), "{err}");
}

#[test]
fn port_in_use_exits_2() {
    let dir = TempDir::new("inuse");
    let d = Pbxd::start(&dir.0).expect("first daemon");
    let dir2 = TempDir::new("inuse2");
    let sip = format!("127.0.0.1:{}", d.sip_port);
    let http = format!("127.0.0.1:{}", free_port());
    let err = one_line_error(&run_pbxd(
        &["--sip-bind", &sip, "--http-bind", &http],
        &dir2.0,
    ));
    assert!(err.to_lowercase().contains("address in use"), "{err}");
    let sip = format!("127.0.0.1:{}", free_port());
    let http = format!("127.0.0.1:{}", d.http_port);
    let err = one_line_error(&run_pbxd(
        &["--sip-bind", &sip, "--http-bind", &http],
        &dir2.0,
    ));
    assert!(err.to_lowercase().contains("address in use"), "{err}");
}

#[test]
fn unwritable_data_dir_exits_2() {
    let err = one_line_error(&run_pbxd(
        &[],
        std::path::Path::new("/proc/rotary-cannot-write-here"),
    ));
    assert!(err.contains("data"), "{err}");
}

#[test]
fn ready_health_and_sigterm() {
    let dir = TempDir::new("ready");
    let mut d = Pbxd::start(&dir.0).expect("starts");
    let body = ureq::get(&format!("{}/healthz", d.url()))
        .call()
        .expect("healthz")
        .into_string()
        .unwrap_or_default();
    assert!(body.contains("ok"), "{body}");
    let metrics = ureq::get(&format!("{}/metrics", d.url()))
        .call()
        .expect("metrics")
        .into_string()
        .unwrap_or_default();
    assert!(metrics.contains("rotary_"), "{metrics}");
    let t = Instant::now();
    assert_eq!(d.terminate().expect("exits"), Some(0));
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "SIGTERM took {:?}",
        t.elapsed()
    );
}

#[test]
fn generated_admin_password_is_written_once_and_works() {
    let dir = TempDir::new("adminpw");
    let sip = free_port();
    let http = free_port();
    let mut child = Command::new(binary("pbxd"))
        .arg("--data-dir")
        .arg(&dir.0)
        .args([
            "--sip-bind",
            &format!("127.0.0.1:{sip}"),
            "--http-bind",
            &format!("127.0.0.1:{http}"),
        ])
        .env_remove("PBX_ADMIN_PASSWORD")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let file = dir.0.join("initial-admin-password");
    let end = Instant::now() + Duration::from_secs(20);
    let mut ok = false;
    while Instant::now() < end {
        if let Ok(pw) = std::fs::read_to_string(&file) {
            let pw = pw.trim().to_string();
            let url = format!("http://127.0.0.1:{http}/api/v1/extensions");
            if let Ok(r) = ureq::get(&url)
                .set(
                    "Authorization",
                    &format!("Basic {}", rotary_e2e::basic("admin", &pw)),
                )
                .call()
            {
                assert_eq!(r.status(), 200);
                ok = true;
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(ok, "generated password file works");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).expect("file").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // A guessable default does not work.
    let url = format!("http://127.0.0.1:{http}/api/v1/extensions");
    assert!(ureq::get(&url)
        .set(
            "Authorization",
            &format!("Basic {}", rotary_e2e::basic("admin", "admin"))
        )
        .call()
        .is_err());
}

#[test]
fn garbage_flood_does_not_stop_good_registers() {
    let dir = TempDir::new("garbage");
    let d = Pbxd::start(&dir.0).expect("starts");
    d.add_extension("120", "Green77leaf", json!({}));
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let target = d.sip_addr();
    // A request with a broken CSeq must be answered 400 (it can be answered).
    let bad = "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx1\r\nFrom: <sip:1@x>;tag=1\r\nTo: <sip:1@x>\r\nCall-ID: g1\r\nCSeq: notanumber REGISTER\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    sock.send_to(bad.as_bytes(), &target).expect("send");
    let mut buf = [0u8; 4096];
    let (n, _) = sock.recv_from(&mut buf).expect("a 400 reply");
    let reply = String::from_utf8_lossy(&buf[..n]);
    assert!(reply.starts_with("SIP/2.0 400"), "{reply}");
    // Then a flood of junk: random bytes, truncated messages, oversize datagrams.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..5000u32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = (x % 1400) as usize + 1;
        let mut pkt: Vec<u8> = (0..len)
            .map(|j| (x.rotate_left(j as u32 % 64) & 0xff) as u8)
            .collect();
        if i % 3 == 0 {
            pkt = bad.as_bytes()[..(x as usize % bad.len())].to_vec();
        }
        let _ = sock.send_to(&pkt, &target);
    }
    let r = sipp(
        &target,
        "reg_auth.xml",
        &[reg_line("120", "Green77leaf", 600)],
        free_port(),
        &["-m", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.output);
    let (st, _) = d.api("GET", "/api/v1/extensions", None);
    assert_eq!(st, 200);
}

#[test]
fn oversized_tcp_message_is_refused_and_the_connection_closed() {
    use std::io::{Read, Write};
    let dir = TempDir::new("tcp-big");
    let d = Pbxd::start(&dir.0).expect("starts");
    let mut s = std::net::TcpStream::connect(d.sip_addr()).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let head = format!(
        "MESSAGE sip:101@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKbig1\r\n\
         From: <sip:1@x>;tag=1\r\nTo: <sip:101@x>\r\nCall-ID: big1\r\nCSeq: 1 MESSAGE\r\n\
         Max-Forwards: 70\r\nContent-Length: {}\r\n\r\n",
        70 * 1024
    );
    s.write_all(head.as_bytes()).expect("send head");
    let _ = s.write_all(&vec![b'x'; 70 * 1024]);
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    let text = String::from_utf8_lossy(&got);
    // Either a 513 then close, or a plain close: never a 2xx and never a hang.
    assert!(text.is_empty() || text.starts_with("SIP/2.0 513"), "{text}");
    // The daemon still serves UDP and TCP afterwards.
    let r = sipp(
        &d.sip_addr(),
        "options.xml",
        &["x".to_string()],
        free_port(),
        &["-m", "1", "-t", "t1"],
    );
    assert_eq!(r.code, 0, "{}", r.output);
}

#[test]
fn pbxctl_trusts_the_self_signed_certificate_it_is_given() {
    let dir = TempDir::new("https-cli");
    let https = free_port();
    let https_bind = format!("127.0.0.1:{https}");
    let d = Pbxd::start_with(
        &dir.0,
        free_port(),
        free_port(),
        &["--https-bind", &https_bind],
    )
    .expect("pbxd starts with HTTPS");
    let cert = dir.0.join("tls").join("cert.pem");
    assert!(
        cert.exists(),
        "no generated certificate at {}",
        cert.display()
    );
    let url = format!("https://127.0.0.1:{https}");
    let ctl = |extra: &[&str]| {
        Command::new(binary("pbxctl"))
            .args(["--url", &url, "--password", rotary_e2e::ADMIN_PASSWORD])
            .args(extra)
            .output()
            .expect("run pbxctl")
    };
    let cacert = cert.to_str().unwrap_or_default();
    let added = ctl(&[
        "--cacert",
        cacert,
        "extension",
        "add",
        "101",
        "--secret",
        "Https-Cli-42x",
    ]);
    assert_eq!(
        added.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let trusted = ctl(&["--cacert", cacert, "extension", "list"]);
    let stdout = String::from_utf8_lossy(&trusted.stdout);
    assert_eq!(
        trusted.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    assert!(stdout.contains("101"), "{stdout}");
    // The whole configuration out to a file and back in; no calls right now.
    let doc = dir.0.join("config.json");
    let doc_path = doc.to_str().unwrap_or_default();
    let exported = ctl(&["--cacert", cacert, "config", "export", "-o", doc_path]);
    assert_eq!(
        exported.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let text = std::fs::read_to_string(&doc).unwrap_or_default();
    assert!(
        text.contains("\"rotary-config\"") && !text.contains("Https-Cli-42x"),
        "{text}"
    );
    let imported = ctl(&["--cacert", cacert, "config", "import", doc_path]);
    assert_eq!(
        imported.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert!(String::from_utf8_lossy(&imported.stdout).contains("1 extensions"));
    let calls = ctl(&["--cacert", cacert, "--json", "call", "list"]);
    assert_eq!(String::from_utf8_lossy(&calls.stdout).trim(), "[]");
    let gone = ctl(&["--cacert", cacert, "call", "hangup", "call99"]);
    assert_eq!(
        gone.status.code(),
        Some(1),
        "an unknown call is an API error"
    );
    // Without it the self-signed certificate is refused, with one clear line.
    let refused = ctl(&["extension", "list"]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr).to_lowercase();
    assert!(err.contains("certificate") || err.contains("tls"), "{err}");
    drop(d);
}
