//! A real call between two baresip phones registered to pbxd as two extensions. Each
//! phone plays a tone from a WAV file (1000 Hz and 440 Hz); each records what it hears.
//! The test checks the frequency and the duration of the tone each side recorded, which
//! proves audio crossed pbxd's anchored relay in both directions.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rotary_e2e::{free_port, tone_share, Pbxd, TempDir};
use serde_json::json;

const SECRET: &str = "Tone77call-e2e";

struct Phone {
    dir: PathBuf,
    ctrl: u16,
    child: Child,
}

impl Drop for Phone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The audio rate baresip's codec runs at, which its WAV source and recording use.
fn codec_rate(codec: &str) -> u32 {
    match codec {
        "G722" => 16_000,
        "opus" => 48_000,
        _ => 8_000,
    }
}

/// baresip's channel count for `codec` (its Opus runs in stereo, and aufile insists the
/// WAV matches).
fn codec_channels(codec: &str) -> u16 {
    if codec == "opus" {
        2
    } else {
        1
    }
}

fn write_tone(path: &Path, hz: f64, seconds: u32, rate: u32, channels: u16) {
    let n = rate * seconds;
    let mut data = Vec::with_capacity(n as usize * 2);
    for i in 0..n {
        let v = (f64::from(i) * 2.0 * std::f64::consts::PI * hz / f64::from(rate)).sin() * 12_000.0;
        for _ in 0..channels {
            data.extend_from_slice(&(v as i16).to_le_bytes());
        }
    }
    let mut w = Vec::new();
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes()); // PCM
    w.extend_from_slice(&channels.to_le_bytes());
    w.extend_from_slice(&rate.to_le_bytes());
    w.extend_from_slice(&(rate * 2 * u32::from(channels)).to_le_bytes());
    w.extend_from_slice(&(2 * channels).to_le_bytes());
    w.extend_from_slice(&16u16.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&(data.len() as u32).to_le_bytes());
    w.extend_from_slice(&data);
    std::fs::write(path, w).expect("write wav");
}

fn phone(root: &Path, ext: &str, pbx: &str, tone_hz: f64, rtp_base: u16, answer: bool) -> Phone {
    phone_with(root, ext, pbx, tone_hz, rtp_base, answer, "PCMU")
}

/// A baresip phone registered as `ext`, sending a tone with `codec` only.
fn phone_with(
    root: &Path,
    ext: &str,
    pbx: &str,
    tone_hz: f64,
    rtp_base: u16,
    answer: bool,
    codec: &str,
) -> Phone {
    let dir = root.join(ext);
    std::fs::create_dir_all(dir.join("rec")).expect("mkdir");
    let tone = dir.join("tone.wav");
    write_tone(&tone, tone_hz, 60, codec_rate(codec), codec_channels(codec));
    let sip = free_port();
    let ctrl = free_port();
    let config = format!(
        "poll_method epoll\nsip_listen 127.0.0.1:{sip}\nnet_interface 127.0.0.1\n\
         rtp_ports {rtp_base}-{}\naudio_source aufile,{}\naudio_player aubridge,nulla\n\
         audio_alert aubridge,nulla\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\nmodule g722.so\n\
         module g726.so\nmodule gsm.so\nmodule opus.so\n\
         module aufile.so\nmodule aubridge.so\nmodule sndfile.so\nsnd_path {}\n\
         module_app account.so\nmodule_app menu.so\nmodule_app ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:{ctrl}\n",
        rtp_base + 9,
        tone.display(),
        dir.join("rec").display()
    );
    std::fs::write(dir.join("config"), config).expect("config");
    let auto = if answer { ";answermode=auto" } else { "" };
    // baresip names Opus by its full rtpmap.
    let codec = if codec == "opus" {
        "opus/48000/2"
    } else {
        codec
    };
    let account = format!(
        "<sip:{ext}@{pbx}>;auth_user={ext};auth_pass={SECRET};regint=60;audio_codecs={codec}{auto}\n"
    );
    std::fs::write(dir.join("accounts"), account).expect("accounts");
    std::fs::write(dir.join("contacts"), "").expect("contacts");
    let child = Command::new("baresip")
        .arg("-f")
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start baresip (scripts/install-peers.sh installs baresip-core)");
    Phone { dir, ctrl, child }
}

/// Send one ctrl_tcp command (netstring-framed JSON); returns the raw reply text.
fn command(port: u16, cmd: &str, params: &str) -> String {
    let end = Instant::now() + Duration::from_secs(10);
    let mut s = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(e) if Instant::now() > end => panic!("ctrl_tcp {port}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let body = json!({"command": cmd, "params": params, "token": "t"}).to_string();
    s.write_all(format!("{}:{},", body.len(), body).as_bytes())
        .expect("send");
    s.set_read_timeout(Some(Duration::from_millis(1500)))
        .expect("timeout");
    let mut buf = vec![0u8; 65536];
    let n = s.read(&mut buf).unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// A dial was accepted: the reply says ok, or the phone already reports the outgoing call
/// (under load the event can come before, and instead of, a timely reply).
fn dial_started(reply: &str) -> bool {
    reply.contains("\"ok\":true") || reply.contains("\"direction\":\"outgoing\"")
}

/// Samples of a 16-bit WAV's first channel (skips the header chunks).
fn read_wav(path: &Path) -> (u32, Vec<i16>) {
    let b = std::fs::read(path).expect("read wav");
    let channels = usize::from(u16::from_le_bytes([b[22], b[23]]).max(1));
    let rate = u32::from_le_bytes([b[24], b[25], b[26], b[27]]);
    let mut i = 12;
    while i + 8 <= b.len() {
        let len = u32::from_le_bytes([b[i + 4], b[i + 5], b[i + 6], b[i + 7]]) as usize;
        if &b[i..i + 4] == b"data" {
            let data = &b[i + 8..(i + 8 + len).min(b.len())];
            return (
                rate,
                data.chunks_exact(2 * channels)
                    .map(|c| i16::from_le_bytes([c[0], c[1]]))
                    .collect(),
            );
        }
        i += 8 + len;
    }
    (rate, Vec::new())
}

/// Dominant frequency of one second of sound after the first loud sample (Goertzel sweep),
/// and the number of seconds of sound in the file.
fn analyse(path: &Path) -> (f64, f64) {
    let (rate, x) = read_wav(path);
    let loud: Vec<usize> = x
        .iter()
        .enumerate()
        .filter(|(_, v)| v.unsigned_abs() > 300)
        .map(|(i, _)| i)
        .collect();
    let Some(&first) = loud.first() else {
        return (0.0, 0.0);
    };
    let last = *loud.last().unwrap_or(&first);
    let seg = &x[first..(first + rate as usize).min(x.len())];
    let mut best = (0.0f64, 0.0f64);
    let mut f = 20.0;
    while f < f64::from(rate) / 2.0 {
        let c = 2.0 * (2.0 * std::f64::consts::PI * f / f64::from(rate)).cos();
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for &v in seg {
            let s0 = f64::from(v) + c * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        let p = s1 * s1 + s2 * s2 - c * s1 * s2;
        if p > best.0 {
            best = (p, f);
        }
        f += 5.0;
    }
    (best.1, (last - first) as f64 / f64::from(rate))
}

fn recording(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir.join("rec"))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("-dec.wav"))
}

#[test]
fn tone_crosses_pbxd_both_ways_between_two_baresip_phones() {
    let dir = TempDir::new("baresip");
    let d = Pbxd::start(&dir.0).expect("pbxd starts");
    d.add_extension("301", SECRET, json!({"codecs": ["PCMU"]}));
    d.add_extension("302", SECRET, json!({"codecs": ["PCMU"]}));
    let pbx = d.sip_addr();
    let a = phone(&dir.0, "301", &pbx, 1000.0, 46000, false);
    let b = phone(&dir.0, "302", &pbx, 440.0, 46100, true);
    let end = Instant::now() + Duration::from_secs(20);
    while d.registrations().len() < 2 {
        assert!(
            Instant::now() < end,
            "both phones register: {:?}",
            d.registrations()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let reply = command(a.ctrl, "dial", &format!("sip:302@{pbx}"));
    assert!(dial_started(&reply), "dial: {reply}");
    // Let the call run: both tones flow for a few seconds.
    std::thread::sleep(Duration::from_secs(5));
    command(a.ctrl, "hangup", "");
    std::thread::sleep(Duration::from_millis(500));
    command(a.ctrl, "quit", "");
    command(b.ctrl, "quit", "");
    std::thread::sleep(Duration::from_millis(500));

    let heard_by_b = recording(&b.dir).expect("callee recorded the call");
    let heard_by_a = recording(&a.dir).expect("caller recorded the call");
    let (fb, secs_b) = analyse(&heard_by_b);
    let (fa, secs_a) = analyse(&heard_by_a);
    assert!(
        (fb - 1000.0).abs() < 20.0,
        "callee heard {fb:.0} Hz, expected 1000 Hz"
    );
    assert!(
        (fa - 440.0).abs() < 10.0,
        "caller heard {fa:.0} Hz, expected 440 Hz"
    );
    assert!(secs_b > 2.5, "callee heard only {secs_b:.1} s of tone");
    assert!(secs_a > 2.5, "caller heard only {secs_a:.1} s of tone");
    let (st, cdr) = d.api("GET", "/api/v1/cdr?limit=1", None);
    assert_eq!(st, 200);
    assert_eq!(cdr[0]["disposition"], "ANSWERED", "{cdr}");
}

#[test]
fn killed_phone_ends_the_call_by_rtp_timeout() {
    let dir = TempDir::new("baresip-kill");
    let d = Pbxd::start(&dir.0).expect("pbxd starts");
    let (st, v) = d.api("PATCH", "/api/v1/settings", Some(json!({"rtp_timeout": 5})));
    assert_eq!(st, 200, "{v}");
    d.add_extension("311", SECRET, json!({"codecs": ["PCMU"]}));
    d.add_extension("312", SECRET, json!({"codecs": ["PCMU"]}));
    let pbx = d.sip_addr();
    let a = phone(&dir.0, "311", &pbx, 1000.0, 46200, false);
    let mut b = phone(&dir.0, "312", &pbx, 440.0, 46300, true);
    let end = Instant::now() + Duration::from_secs(20);
    while d.registrations().len() < 2 {
        assert!(Instant::now() < end, "both phones register");
        std::thread::sleep(Duration::from_millis(200));
    }
    let reply = command(a.ctrl, "dial", &format!("sip:312@{pbx}"));
    assert!(dial_started(&reply), "dial: {reply}");
    std::thread::sleep(Duration::from_secs(2));
    // The callee loses power: no BYE, no more RTP.
    let _ = b.child.kill();
    let _ = b.child.wait();
    let end = Instant::now() + Duration::from_secs(20);
    let cdr = loop {
        let (st, v) = d.api("GET", "/api/v1/cdr?limit=1", None);
        assert_eq!(st, 200);
        if let Some(row) = v.as_array().and_then(|r| r.first()).cloned() {
            break row;
        }
        assert!(Instant::now() < end, "the call did not end by RTP timeout");
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr}");
    assert_eq!(cdr["cause"], "rtp_timeout", "{cdr}");
    let metrics = ureq::get(&format!("{}/metrics", d.url()))
        .call()
        .expect("metrics")
        .into_string()
        .unwrap_or_default();
    assert!(metrics.contains("rotary_calls_active 0"), "{metrics}");
    command(a.ctrl, "quit", "");
}

/// A caller that only speaks G.711 µ-law calls a callee that only speaks `codec`: pbxd
/// transcodes, and each phone hears the other's tone at the right frequency.
fn transcoded_call(codec: &str, caller: &str, callee: &str, rtp_base: u16) {
    let dir = TempDir::new(&format!("transcode-{}", codec.to_lowercase()));
    let mut d = Pbxd::start(&dir.0).expect("pbxd starts");
    d.add_extension(caller, SECRET, json!({"codecs": ["PCMU"]}));
    d.add_extension(callee, SECRET, json!({"codecs": [codec]}));
    let pbx = d.sip_addr();
    let a = phone_with(&dir.0, caller, &pbx, 1000.0, rtp_base, false, "PCMU");
    let b = phone_with(&dir.0, callee, &pbx, 440.0, rtp_base + 100, true, codec);
    let end = Instant::now() + Duration::from_secs(20);
    while d.registrations().len() < 2 {
        assert!(Instant::now() < end, "both phones register");
        std::thread::sleep(Duration::from_millis(200));
    }
    let reply = command(a.ctrl, "dial", &format!("sip:{callee}@{pbx}"));
    assert!(dial_started(&reply), "dial: {reply}");
    std::thread::sleep(Duration::from_secs(5));
    command(a.ctrl, "hangup", "");
    std::thread::sleep(Duration::from_millis(500));
    command(a.ctrl, "quit", "");
    command(b.ctrl, "quit", "");
    std::thread::sleep(Duration::from_millis(500));
    let _ = d.wait_for_log("call media", Duration::from_secs(3));
    let media = d.log_lines.join("\n");
    let heard_by_b = recording(&b.dir).expect("callee recorded the call");
    let heard_by_a = recording(&a.dir).unwrap_or_else(|| panic!("caller recorded: {media}"));
    let (fb, secs_b) = analyse(&heard_by_b);
    let (fa, secs_a) = analyse(&heard_by_a);
    assert!(
        (fb - 1000.0).abs() < 20.0,
        "{codec} callee heard {fb:.0} Hz, expected 1000 Hz"
    );
    assert!(
        (fa - 440.0).abs() < 10.0,
        "PCMU caller heard {fa:.0} Hz from {codec}, expected 440 Hz"
    );
    assert!(secs_b > 2.5, "{codec} callee heard only {secs_b:.1} s");
    assert!(secs_a > 2.5, "caller heard only {secs_a:.1} s from {codec}");
}

#[test]
fn pcmu_caller_and_g722_callee_hear_each_other_through_transcoding() {
    transcoded_call("G722", "321", "322", 46400);
}

#[test]
fn pcmu_caller_and_opus_callee_hear_each_other_through_transcoding() {
    transcoded_call("opus", "331", "332", 46600);
}

#[test]
fn pcmu_caller_and_g726_callee_hear_each_other_through_transcoding() {
    transcoded_call("G726-32", "341", "342", 46800);
}

#[test]
fn pcmu_caller_and_gsm_callee_hear_each_other_through_transcoding() {
    transcoded_call("GSM", "351", "352", 47000);
}

/// Two registered PCMU phones in a call: caller 1000 Hz, callee 440 Hz.
fn call_between(d: &Pbxd, dir: &Path, a: &str, b: &str, rtp_base: u16) -> (Phone, Phone) {
    d.add_extension(a, SECRET, json!({"codecs": ["PCMU"]}));
    d.add_extension(b, SECRET, json!({"codecs": ["PCMU"]}));
    let pbx = d.sip_addr();
    let pa = phone(dir, a, &pbx, 1000.0, rtp_base, false);
    let pb = phone(dir, b, &pbx, 440.0, rtp_base + 100, true);
    let end = Instant::now() + Duration::from_secs(20);
    while d.registrations().len() < 2 {
        assert!(Instant::now() < end, "both phones register");
        std::thread::sleep(Duration::from_millis(200));
    }
    let reply = command(pa.ctrl, "dial", &format!("sip:{b}@{pbx}"));
    assert!(dial_started(&reply), "dial: {reply}");
    (pa, pb)
}

#[test]
fn star_one_records_the_call_and_the_api_serves_the_recording() {
    let dir = TempDir::new("record");
    let d = Pbxd::start(&dir.0).expect("pbxd starts");
    let (a, b) = call_between(&d, &dir.0, "361", "362", 47200);
    std::thread::sleep(Duration::from_secs(2));
    command(a.ctrl, "sndcode", "*1");
    std::thread::sleep(Duration::from_secs(4));
    command(a.ctrl, "hangup", "");
    std::thread::sleep(Duration::from_millis(800));
    command(a.ctrl, "quit", "");
    command(b.ctrl, "quit", "");

    let (st, cdr) = d.api("GET", "/api/v1/cdr?limit=1", None);
    assert_eq!(st, 200);
    let file = cdr[0]["recording"]
        .as_str()
        .expect("the CDR names a recording")
        .to_owned();
    assert!(
        file.starts_with("recordings/") && file.ends_with(".wav"),
        "{file}"
    );
    let id = cdr[0]["id"].as_i64().expect("id");
    let end = Instant::now() + Duration::from_secs(5);
    let (st, wav) = loop {
        let (st, wav) = d.get_bytes(&format!("/api/v1/recordings/{id}"));
        if st == 200 || Instant::now() > end {
            break (st, wav);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(st, 200, "download: {}", String::from_utf8_lossy(&wav));
    assert_eq!(&wav[..4], b"RIFF");
    let path = dir.0.join("downloaded.wav");
    std::fs::write(&path, &wav).expect("write");
    let (rate, x) = read_wav(&path);
    let secs = x.len() as f64 / f64::from(rate);
    assert!((2.0..8.0).contains(&secs), "recorded {secs:.1} s");
    // Both parties are in the (mono) mix.
    let mid = &x[x.len() / 4..x.len() * 3 / 4];
    let (s1000, s440) = (tone_share(mid, rate, 1000.0), tone_share(mid, rate, 440.0));
    assert!(
        s1000 > 0.2 && s440 > 0.2,
        "caller {s1000:.2}, callee {s440:.2}"
    );
    assert!(!dir.0.join(format!("{file}.part")).exists());
    let (st, _) = d.get_bytes("/api/v1/recordings/999999");
    assert_eq!(st, 404);
}
