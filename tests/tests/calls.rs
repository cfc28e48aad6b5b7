//! End-to-end calls through pbxd between SIPp phones: the caller is a SIPp UAC that
//! authenticates with 407 digest, the callee a SIPp UAS registered as an extension.
//! Each test checks both phones' scenarios and the CDR that pbxd wrote.

use std::thread::JoinHandle;

use rotary_codecs::codec::ulaw_to_linear;
use rotary_e2e::{free_port, reg_line, sipp, tone_share, wait_udp_bound, Pbxd, SippRun, TempDir};
use serde_json::json;

const SECRET: &str = "Calls42go-e2e";

struct Site {
    _dir: TempDir,
    d: Pbxd,
}

/// A daemon with caller 201 and callee 202 (callee registered from `callee_port`).
fn site(callee_extra: serde_json::Value) -> (Site, u16) {
    let dir = TempDir::new("calls");
    let d = Pbxd::start(&dir.0).expect("pbxd starts");
    d.add_extension("201", SECRET, json!({"qualify_interval": 0}));
    let mut extra = json!({"qualify_interval": 0});
    if let (Some(e), Some(x)) = (extra.as_object_mut(), callee_extra.as_object()) {
        for (k, v) in x {
            e.insert(k.clone(), v.clone());
        }
    }
    d.add_extension("202", SECRET, extra);
    let port = free_port();
    let r = sipp(
        &d.sip_addr(),
        "reg_auth.xml",
        &[reg_line("202", SECRET, 600)],
        port,
        &["-m", "1"],
    );
    assert_eq!(r.code, 0, "callee registers: {}", r.output);
    (Site { _dir: dir, d }, port)
}

/// Start the callee's SIPp UAS on its registered port; returns once it listens.
fn callee(s: &Site, scenario: &str, port: u16) -> JoinHandle<SippRun> {
    let target = s.d.sip_addr();
    let scenario = scenario.to_string();
    let h = std::thread::spawn(move || {
        sipp(&target, &scenario, &["x".to_string()], port, &["-m", "1"])
    });
    wait_udp_bound(port);
    h
}

fn call(s: &Site, scenario: &str, to: &str) -> SippRun {
    let line = format!("201;[authentication username=201 password={SECRET}]");
    sipp(
        &s.d.sip_addr(),
        scenario,
        &[line],
        free_port(),
        &["-m", "1", "-s", to],
    )
}

fn last_cdr(s: &Site) -> serde_json::Value {
    for _ in 0..50 {
        let (st, v) = s.d.api("GET", "/api/v1/cdr?limit=1", None);
        assert_eq!(st, 200, "{v}");
        if let Some(row) = v.as_array().and_then(|a| a.first()) {
            return row.clone();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("no CDR written")
}

#[test]
fn answered_call_then_caller_hangs_up() {
    let (s, port) = site(json!({}));
    let uas = callee(&s, "uas_answer.xml", port);
    let r = call(&s, "call_uac.xml", "202");
    assert_eq!(r.code, 0, "caller: {}", r.output);
    let u = uas.join().expect("uas thread");
    assert_eq!(u.code, 0, "callee: {}", u.output);
    let cdr = last_cdr(&s);
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr}");
    assert_eq!(cdr["caller"], "201");
    assert_eq!(cdr["callee"], "202");
    assert!(cdr["answer"].is_string(), "{cdr}");
    let (st, csv) = s.d.api("GET", "/api/v1/cdr.csv", None);
    assert_eq!(st, 200);
    let csv = csv.as_str().unwrap_or("").to_string();
    assert!(
        csv.starts_with(
            "start,answer,end,caller,callee,duration,billsec,disposition,trunk,call_id,recording"
        ),
        "{csv}"
    );
    assert!(csv.contains("ANSWERED"), "{csv}");
}

#[test]
fn callee_hangs_up() {
    let (s, port) = site(json!({}));
    let uas = callee(&s, "uas_hangup.xml", port);
    let r = call(&s, "call_uac_byed.xml", "202");
    assert_eq!(r.code, 0, "caller: {}", r.output);
    let u = uas.join().expect("uas thread");
    assert_eq!(u.code, 0, "callee: {}", u.output);
    assert_eq!(last_cdr(&s)["disposition"], "ANSWERED");
}

#[test]
fn busy_callee_gives_486() {
    let (s, port) = site(json!({}));
    let uas = callee(&s, "uas_busy.xml", port);
    let r = call(&s, "call_uac_486.xml", "202");
    assert_eq!(r.code, 0, "caller: {}", r.output);
    let u = uas.join().expect("uas thread");
    assert_eq!(u.code, 0, "callee: {}", u.output);
    assert_eq!(last_cdr(&s)["disposition"], "BUSY");
}

#[test]
fn caller_cancel_ends_in_487_and_cancels_the_callee() {
    let (s, port) = site(json!({}));
    let uas = callee(&s, "uas_ring.xml", port);
    let r = call(&s, "call_uac_cancel.xml", "202");
    assert_eq!(r.code, 0, "caller: {}", r.output);
    let u = uas.join().expect("uas thread");
    assert_eq!(u.code, 0, "callee: {}", u.output);
    let cdr = last_cdr(&s);
    assert_eq!(cdr["disposition"], "NO ANSWER", "{cdr}");
    assert_eq!(cdr["cause"], "cancelled", "{cdr}");
}

#[test]
fn no_answer_within_ring_time_gives_480() {
    let (s, port) = site(json!({}));
    let (st, v) = s.d.api(
        "PATCH",
        "/api/v1/settings",
        Some(json!({"global_ring_time": 5})),
    );
    assert_eq!(st, 200, "{v}");
    let uas = callee(&s, "uas_ring.xml", port);
    let r = call(&s, "call_uac_480.xml", "202");
    assert_eq!(r.code, 0, "caller: {}", r.output);
    let u = uas.join().expect("uas thread");
    assert_eq!(u.code, 0, "callee got CANCEL: {}", u.output);
    assert_eq!(last_cdr(&s)["disposition"], "NO ANSWER");
}

#[test]
fn hold_and_resume_pass_through() {
    let (s, port) = site(json!({}));
    let uas = callee(&s, "uas_answer.xml", port);
    let r = call(&s, "call_uac_hold.xml", "202");
    assert_eq!(r.code, 0, "caller: {}", r.output);
    let u = uas.join().expect("uas thread");
    assert_eq!(u.code, 0, "callee: {}", u.output);
}

/// (SSRC, PCMU samples) of each packet the callee's phone got.
type Received = Vec<(u32, Vec<i16>)>;

/// The callee answers with its RTP going to a socket of the test; returns the SIPp
/// thread and a thread collecting what arrives for 8 s.
fn callee_with_sink(s: &Site, port: u16) -> (JoinHandle<SippRun>, JoinHandle<Received>) {
    let sink = std::net::UdpSocket::bind("127.0.0.1:0").expect("sink");
    sink.set_read_timeout(Some(std::time::Duration::from_millis(100)))
        .expect("timeout");
    let sink_port = sink.local_addr().expect("addr").port().to_string();
    let target = s.d.sip_addr();
    let uas = std::thread::spawn(move || {
        let args = ["-m", "1", "-key", "rtp_sink", sink_port.as_str()];
        sipp(
            &target,
            "uas_answer_sink.xml",
            &["x".to_string()],
            port,
            &args,
        )
    });
    wait_udp_bound(port);
    let listener = std::thread::spawn(move || {
        let end = std::time::Instant::now() + std::time::Duration::from_secs(8);
        let mut got: Received = Vec::new();
        let mut buf = [0u8; 2048];
        while std::time::Instant::now() < end {
            if let Ok(n) = sink.recv(&mut buf) {
                if n > 12 && buf[1] & 0x7f == 0 {
                    let ssrc = u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]);
                    got.push((
                        ssrc,
                        buf[12..n].iter().map(|b| ulaw_to_linear(*b)).collect(),
                    ));
                }
            }
        }
        got
    });
    (uas, listener)
}

#[test]
fn hold_plays_music_on_hold_to_the_other_phone() {
    let (s, port) = site(json!({}));
    let (uas, listener) = callee_with_sink(&s, port);
    let line = format!("201;[authentication username=201 password={SECRET}]");
    // The caller's phone sends no audio; it holds for 2 s, resumes and hangs up.
    let r = sipp(
        &s.d.sip_addr(),
        "call_uac_hold.xml",
        &[line],
        free_port(),
        &["-m", "1", "-s", "202", "-d", "2000"],
    );
    assert_eq!(r.code, 0, "caller: {}", r.output);
    let u = uas.join().expect("uas thread");
    assert_eq!(u.code, 0, "callee: {}", u.output);
    let got = listener.join().expect("listener");
    // About 2 s of 20 ms packets: music on hold, from pbxd's own stream.
    assert!(
        got.len() >= 60,
        "only {} packets reached the held phone",
        got.len()
    );
    let samples: Vec<i16> = got.iter().flat_map(|(_, s)| s.iter().copied()).collect();
    let rms =
        (samples.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / samples.len() as f64).sqrt();
    assert!(rms > 300.0, "the music is audible (rms {rms:.0})");
    assert!(
        got.windows(2).all(|w| w[0].0 == w[1].0),
        "one stream (one SSRC)"
    );
}

#[test]
fn rfc4733_digit_reaches_an_inband_phone_as_tones() {
    let (s, port) = site(json!({"dtmf_mode": "inband"}));
    let (uas, listener) = callee_with_sink(&s, port);
    let line = format!("201;[authentication username=201 password={SECRET}]");
    let r = sipp(
        &s.d.sip_addr(),
        "call_uac_dtmf.xml",
        &[line],
        free_port(),
        &["-m", "1", "-s", "202"],
    );
    assert_eq!(r.code, 0, "caller: {}", r.output);
    let u = uas.join().expect("uas thread");
    assert_eq!(u.code, 0, "callee: {}", u.output);
    let got = listener.join().expect("listener");
    // Key 1 is 697 Hz + 1209 Hz: both strong in the same frames, for at least 40 ms.
    let tone_frames = got
        .iter()
        .filter(|(_, x)| {
            x.len() == 160 && tone_share(x, 8000, 697.0) > 0.2 && tone_share(x, 8000, 1209.0) > 0.2
        })
        .count();
    assert!(
        tone_frames >= 2,
        "the in-band phone hears key 1 ({tone_frames} tone frames of {})",
        got.len()
    );
}

#[test]
fn unknown_number_gives_404() {
    let (s, _port) = site(json!({}));
    let r = call(&s, "call_uac_404.xml", "299");
    assert_eq!(r.code, 0, "caller: {}", r.output);
    assert_eq!(last_cdr(&s)["disposition"], "FAILED");
}

#[test]
fn unregistered_callee_gives_480() {
    let (s, _port) = site(json!({}));
    s.d.add_extension("203", SECRET, json!({}));
    let r = call(&s, "call_uac_480.xml", "203");
    assert_eq!(r.code, 0, "caller: {}", r.output);
}

#[test]
/// G.729 is relayed, never transcoded: a callee that only takes G.729 cannot be reached
/// from a G.711 caller. (A G.722-only callee would be transcoded instead.)
fn no_common_codec_gives_488() {
    let (s, _port) = site(json!({"codecs": ["G729"]}));
    let r = call(&s, "call_uac_488.xml", "202");
    assert_eq!(r.code, 0, "caller: {}", r.output);
}

#[test]
fn wrong_password_on_invite_never_rings() {
    let (s, _port) = site(json!({}));
    let line = "201;[authentication username=201 password=Not-the-1]".to_string();
    let r = sipp(
        &s.d.sip_addr(),
        "call_uac_403.xml",
        &[line],
        free_port(),
        &["-m", "1", "-s", "202"],
    );
    assert_eq!(r.code, 0, "caller: {}", r.output);
}

#[test]
fn bye_for_an_unknown_dialog_gets_481() {
    let (s, _port) = site(json!({}));
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .expect("timeout");
    let bye = "BYE sip:202@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKnodialog1;rport\r\n\
               From: <sip:201@127.0.0.1>;tag=a1\r\nTo: <sip:202@127.0.0.1>;tag=b2\r\nCall-ID: no-such-dialog\r\n\
               CSeq: 7 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    sock.send_to(bye.as_bytes(), s.d.sip_addr()).expect("send");
    let mut buf = [0u8; 4096];
    let (n, _) = sock.recv_from(&mut buf).expect("an answer");
    let reply = String::from_utf8_lossy(&buf[..n]);
    assert!(reply.starts_with("SIP/2.0 481"), "{reply}");
}

#[test]
fn sigterm_hangs_up_active_calls_and_keeps_their_cdr() {
    let (mut s, port) = site(json!({}));
    let uas = callee(&s, "uas_answer.xml", port);
    let target = s.d.sip_addr();
    let line = format!("201;[authentication username=201 password={SECRET}]");
    let caller = std::thread::spawn(move || {
        sipp(
            &target,
            "call_uac_byed.xml",
            &[line],
            free_port(),
            &["-m", "1", "-s", "202"],
        )
    });
    let end = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let m = ureq::get(&format!("{}/metrics", s.d.url()))
            .call()
            .expect("metrics")
            .into_string()
            .unwrap_or_default();
        if m.contains("rotary_calls_active 1") {
            break;
        }
        assert!(
            std::time::Instant::now() < end,
            "the call never became active"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(s.d.terminate().expect("exits"), Some(0));
    let c = caller.join().expect("caller thread");
    assert_eq!(c.code, 0, "caller got a BYE: {}", c.output);
    let u = uas.join().expect("uas thread");
    assert_eq!(u.code, 0, "callee got a BYE: {}", u.output);
    let (sip, http) = (s.d.sip_port, s.d.http_port);
    s.d = Pbxd::start_with(&s._dir.0, sip, http, &[]).expect("restarts");
    let cdr = last_cdr(&s);
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr}");
}

#[test]
fn operator_sees_the_call_and_hangs_it_up_through_the_api() {
    let (s, port) = site(json!({}));
    let uas = callee(&s, "uas_answer.xml", port);
    let target = s.d.sip_addr();
    let line = format!("201;[authentication username=201 password={SECRET}]");
    let caller = std::thread::spawn(move || {
        sipp(
            &target,
            "call_uac_byed.xml",
            &[line],
            free_port(),
            &["-m", "1", "-s", "202"],
        )
    });
    let end = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let id = loop {
        let (st, v) = s.d.api("GET", "/api/v1/calls", None);
        assert_eq!(st, 200, "{v}");
        let answered = v
            .as_array()
            .and_then(|a| a.iter().find(|c| c["state"] == "answered").cloned());
        if let Some(c) = answered {
            assert_eq!(
                (c["caller"].as_str(), c["callee"].as_str()),
                (Some("201"), Some("202"))
            );
            assert_eq!(c["call_type"], "internal", "{c}");
            assert!(c["answered_at"].is_string(), "{c}");
            break c["id"].as_str().unwrap_or_default().to_owned();
        }
        assert!(std::time::Instant::now() < end, "never answered: {v}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let (st, v) = s.d.api("DELETE", &format!("/api/v1/calls/{id}"), None);
    assert_eq!(st, 204, "{v}");
    let c = caller.join().expect("caller thread");
    assert_eq!(c.code, 0, "caller got a BYE: {}", c.output);
    let u = uas.join().expect("uas thread");
    assert_eq!(u.code, 0, "callee got a BYE: {}", u.output);
    let (st, v) = s.d.api("GET", "/api/v1/calls", None);
    assert_eq!((st, v), (200, json!([])));
    let (st, _) = s.d.api("DELETE", &format!("/api/v1/calls/{id}"), None);
    assert_eq!(st, 404);
    let cdr = last_cdr(&s);
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr}");
}
