//! End-to-end routing (issue 6) with SIPp as the providers and the phones, configured
//! through the REST API as an admin would: a DID through a time condition to a registered
//! extension, a DID to an IVR answered by pbxd (keys as RFC 4733 events and as in-band
//! tones) transferring to an extension, calls out with a prefix rule and failover from a
//! provider answering 503 to the next, a PIN-protected dial rule, and refused callers
//! (anonymous, blacklisted). Each test checks the CDR's routing columns.

use std::thread::JoinHandle;

use rotary_codecs::codec::linear_to_ulaw;
use rotary_e2e::{free_port, reg_line, scenario, sipp, wait_udp_bound, Pbxd, SippRun, TempDir};
use serde_json::{json, Value};

const SECRET: &str = "Route42go-e2e";

/// A daemon with extensions 201 (caller) and 202 (callee, registered from the returned
/// port).
struct Site {
    _dir: TempDir,
    d: Pbxd,
    callee_port: u16,
}

/// Everything the daemon logged so far (for failure messages).
fn logs(d: &mut Pbxd) -> String {
    match d.wait_for_log("\u{1}never", std::time::Duration::from_millis(300)) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

fn site() -> Site {
    let dir = TempDir::new("routing");
    let d = Pbxd::start(&dir.0).expect("pbxd starts");
    d.add_extension("201", SECRET, json!({"qualify_interval": 0}));
    d.add_extension("202", SECRET, json!({"qualify_interval": 0}));
    let callee_port = free_port();
    let r = sipp(
        &d.sip_addr(),
        "reg_auth.xml",
        &[reg_line("202", SECRET, 600)],
        callee_port,
        &["-m", "1"],
    );
    assert_eq!(r.code, 0, "callee registers: {}", r.output);
    Site {
        _dir: dir,
        d,
        callee_port,
    }
}

impl Site {
    /// An API write that must succeed (200 or 201).
    fn admin(&self, method: &str, path: &str, body: Value) {
        let (st, v) = self.d.api(method, path, Some(body));
        assert!(st == 200 || st == 201, "{method} {path}: {st} {v}");
    }

    /// A peer trunk `id` for SIPp on 127.0.0.1:`port`, with extra fields; not probed with
    /// OPTIONS (the SIPp UAS scenarios expect only INVITEs).
    fn trunk(&self, id: &str, port: u16, extra: Value) {
        let mut t = json!({"id": id, "mode": {"kind": "peer", "host": "127.0.0.1", "port": port,
                                              "qualify_interval": 0}});
        if let (Some(t), Some(x)) = (t.as_object_mut(), extra.as_object()) {
            for (k, v) in x {
                t.insert(k.clone(), v.clone());
            }
        }
        self.admin("POST", "/api/v1/trunks", t);
    }

    /// The newest CDR (waits for it to be written).
    fn last_cdr(&self) -> Value {
        for _ in 0..50 {
            let (st, v) = self.d.api("GET", "/api/v1/cdr?limit=1", None);
            assert_eq!(st, 200, "{v}");
            if let Some(row) = v.as_array().and_then(|a| a.first()) {
                return row.clone();
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("no CDR written")
    }

    /// The newest CDR once there are `n` of them.
    fn cdr_number(&self, n: usize) -> Value {
        for _ in 0..50 {
            let (_, v) = self.d.api("GET", "/api/v1/cdr?limit=100", None);
            let rows = v.as_array().cloned().unwrap_or_default();
            if rows.len() >= n {
                return rows[0].clone();
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("fewer than {n} CDRs")
    }
}

/// A SIPp UAS (`scenario`) listening on `port` for one call.
fn uas(s: &Site, scenario: &str, port: u16) -> JoinHandle<SippRun> {
    let target = s.d.sip_addr();
    let scenario = scenario.to_string();
    let h = std::thread::spawn(move || {
        sipp(&target, &scenario, &["x".to_string()], port, &["-m", "1"])
    });
    wait_udp_bound(port);
    h
}

/// The provider on `port` calls `did` from `caller` with `scenario`.
fn provider_calls(s: &Site, scenario: &str, port: u16, caller: &str, did: &str) -> SippRun {
    sipp(
        &s.d.sip_addr(),
        scenario,
        &[caller.to_string()],
        port,
        &["-m", "1", "-s", did],
    )
}

/// Extension 201 calls `number` with `scenario` (407 digest).
fn extension_calls(s: &Site, scenario: &str, number: &str) -> SippRun {
    let line = format!("201;[authentication username=201 password={SECRET}]");
    sipp(
        &s.d.sip_addr(),
        scenario,
        &[line],
        free_port(),
        &["-m", "1", "-s", number],
    )
}

#[test]
fn a_did_through_a_time_condition_reaches_a_registered_extension() {
    let s = site();
    let provider = free_port();
    s.trunk("telco", provider, json!({}));
    s.admin(
        "POST",
        "/api/v1/time-conditions",
        json!({"id": "hours",
               "weekly": [{"days": ["mon","tue","wed","thu","fri","sat","sun"],
                           "start": "00:00", "end": "00:00"}],
               "matched": {"type": "extension", "number": "202"},
               "not_matched": {"type": "hangup"}}),
    );
    s.admin(
        "POST",
        "/api/v1/inbound-routes",
        json!({"name": "main", "trunk": "telco", "did": "_49301XX",
               "destination": {"type": "time_condition", "id": "hours"}}),
    );
    let callee = uas(&s, "uas_answer.xml", s.callee_port);
    let r = provider_calls(&s, "trunk_uac.xml", provider, "0301234", "4930100");
    assert_eq!(r.code, 0, "provider: {}", r.output);
    let u = callee.join().expect("callee thread");
    assert_eq!(u.code, 0, "callee: {}", u.output);
    let cdr = s.last_cdr();
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr}");
    assert_eq!(cdr["call_type"], "inbound", "{cdr}");
    assert_eq!(cdr["trunk"], "telco", "{cdr}");
    assert_eq!(cdr["did"], "4930100", "{cdr}");
    assert_eq!(cdr["route"], "main", "{cdr}");
    assert_eq!(
        (&cdr["caller"], &cdr["callee"]),
        (&json!("0301234"), &json!("202"))
    );

    // Night mode: the same DID now takes the not-matched branch and is hung up.
    s.admin(
        "PUT",
        "/api/v1/time-conditions/hours",
        json!({"id": "hours", "mode": "force_nomatch",
               "weekly": [{"days": ["mon"], "start": "00:00", "end": "00:00"}],
               "matched": {"type": "extension", "number": "202"},
               "not_matched": {"type": "hangup"}}),
    );
    let r = provider_calls(&s, "trunk_uac_refused.xml", provider, "0301234", "4930100");
    assert_eq!(r.code, 0, "refused with 480: {}", r.output);
    let cdr = s.cdr_number(2);
    assert_eq!(cdr["cause"], "route.hangup", "{cdr}");
}

/// An IVR 0600 (welcome prompt, key 1 → extension 202) behind DID 4930200 on trunk
/// `telco` with the trunk's extra settings.
fn ivr_site(trunk_extra: Value) -> (Site, u16) {
    let s = site();
    let provider = free_port();
    s.trunk("telco", provider, trunk_extra);
    s.admin(
        "POST",
        "/api/v1/ivrs",
        json!({"number": "0600", "name": "Main", "prompt": "welcome",
               "keys": {"1": {"type": "extension", "number": "202"}},
               "response_timeout": 5, "loops": 2}),
    );
    s.admin(
        "POST",
        "/api/v1/inbound-routes",
        json!({"name": "menu", "did": "4930200",
               "destination": {"type": "ivr", "number": "0600"}}),
    );
    (s, provider)
}

#[test]
fn an_ivr_takes_an_rfc4733_key_and_transfers_to_the_extension() {
    let (mut s, provider) = ivr_site(json!({}));
    let callee = uas(&s, "uas_answer.xml", s.callee_port);
    let r = provider_calls(&s, "trunk_uac_dtmf.xml", provider, "0301234", "4930200");
    assert_eq!(r.code, 0, "provider: {}", r.output);
    let u = callee.join().expect("callee thread");
    assert_eq!(
        u.code,
        0,
        "callee was rung and got the BYE: {}",
        logs(&mut s.d)
    );
    let cdr = s.last_cdr();
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr}");
    assert_eq!(cdr["callee"], "202", "{cdr}");
    assert_eq!(cdr["route"], "menu", "{cdr}");
}

/// 8 kHz µ-law: key 1 (697 Hz + 1209 Hz) for 300 ms after 200 ms of silence, then silence.
fn key_one_ulaw() -> Vec<u8> {
    let rate = 8000.0;
    (0..8000)
        .map(|i| {
            let t = f64::from(i) / rate;
            let on = (0.2..0.5).contains(&t);
            let x = if on {
                let w = |f: f64| (2.0 * std::f64::consts::PI * f * t).sin();
                6000.0 * (w(697.0) + w(1209.0))
            } else {
                0.0
            };
            linear_to_ulaw(x as i16)
        })
        .collect()
}

#[test]
fn an_ivr_takes_an_inband_key_and_transfers_to_the_extension() {
    let (s, provider) = ivr_site(json!({"dtmf_mode": "inband"}));
    // The provider's call, offering PCMU only and sending the key as tones.
    let tmp = TempDir::new("inband");
    let tone = tmp.0.join("key1.ulaw");
    std::fs::write(&tone, key_one_ulaw()).expect("tone file");
    let base = std::fs::read_to_string(scenario("trunk_uac_dtmf.xml")).expect("scenario");
    let xml = base
        .replace(
            "play_pcap_audio=\"/usr/share/sip-tester/dtmf_2833_1.pcap\"",
            &format!("rtp_stream=\"{},1,0\"", tone.display()),
        )
        .replace("RTP/AVP 0 8 101", "RTP/AVP 0")
        .replace("a=rtpmap:101 telephone-event/8000\na=fmtp:101 0-16\n", "");
    assert!(xml.contains("rtp_stream"), "scenario rewritten");
    let path = tmp.0.join("trunk_uac_inband.xml");
    std::fs::write(&path, xml).expect("write scenario");
    let callee = uas(&s, "uas_answer.xml", s.callee_port);
    let r = provider_calls(
        &s,
        path.to_str().expect("utf-8 path"),
        provider,
        "0301234",
        "4930200",
    );
    assert_eq!(r.code, 0, "provider: {}", r.output);
    let u = callee.join().expect("callee thread");
    assert_eq!(u.code, 0, "callee was rung and got the BYE: {}", u.output);
    let cdr = s.last_cdr();
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr}");
    assert_eq!(cdr["callee"], "202", "{cdr}");
}

#[test]
fn a_prefix_rule_fails_over_from_a_503_provider_to_the_next() {
    let s = site();
    let (p1, p2) = (free_port(), free_port());
    s.trunk("first", p1, json!({}));
    s.trunk("second", p2, json!({}));
    s.admin(
        "POST",
        "/api/v1/outbound-routes",
        json!({"id": "national", "dial_prefix": "9", "patterns": [{"pattern": "_0X."}],
               "trunks": ["first", "second"], "strategy": "linear"}),
    );
    let down = uas(&s, "uas_503.xml", p1);
    let up = uas(&s, "uas_provider.xml", p2);
    let r = extension_calls(&s, "call_uac.xml", "90301234");
    assert_eq!(r.code, 0, "caller: {}", r.output);
    let d = down.join().expect("first provider");
    assert_eq!(d.code, 0, "first provider got the call: {}", d.output);
    let u = up.join().expect("second provider");
    assert_eq!(u.code, 0, "second provider got 0301234: {}", u.output);
    let cdr = s.last_cdr();
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr}");
    assert_eq!(cdr["call_type"], "outbound", "{cdr}");
    assert_eq!(cdr["trunk"], "second", "{cdr}");
    assert_eq!(cdr["route"], "national", "{cdr}");
    assert_eq!(cdr["callee"], "90301234", "{cdr}");
}

#[test]
fn a_pin_protected_rule_asks_for_the_pin_and_records_it() {
    let s = site();
    let p1 = free_port();
    s.trunk("telco", p1, json!({}));
    s.admin(
        "PATCH",
        "/api/v1/routing/options",
        json!({"pin_sets": [{"id": "staff", "pins": [{"code": "1234", "label": "sales"}]}]}),
    );
    s.admin(
        "POST",
        "/api/v1/outbound-routes",
        json!({"id": "national", "dial_prefix": "9", "patterns": [{"pattern": "_0X."}],
               "trunks": ["telco"], "pin_set": "staff"}),
    );
    let provider = uas(&s, "uas_provider.xml", p1);
    let r = extension_calls(&s, "call_uac_pin.xml", "90301234");
    assert_eq!(r.code, 0, "caller: {}", r.output);
    let u = provider.join().expect("provider thread");
    assert_eq!(u.code, 0, "provider was called after the PIN: {}", u.output);
    let cdr = s.last_cdr();
    assert_eq!(cdr["pin"], "sales", "{cdr}");
    assert_eq!(cdr["trunk"], "telco", "{cdr}");
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr}");
}

#[test]
fn anonymous_and_blacklisted_callers_are_refused() {
    let s = site();
    let provider = free_port();
    s.trunk("telco", provider, json!({}));
    s.admin(
        "POST",
        "/api/v1/inbound-routes",
        json!({"name": "main", "did": "4930100",
               "destination": {"type": "extension", "number": "202"}}),
    );
    s.admin(
        "PATCH",
        "/api/v1/routing/options",
        json!({"block_anonymous": true}),
    );
    s.admin(
        "POST",
        "/api/v1/blacklist",
        json!({"pattern": "0309999", "direction": "inbound"}),
    );
    let r = provider_calls(
        &s,
        "trunk_uac_refused.xml",
        provider,
        "anonymous",
        "4930100",
    );
    assert_eq!(r.code, 0, "anonymous refused: {}", r.output);
    assert_eq!(s.cdr_number(1)["cause"], "route.anonymous_blocked");
    let r = provider_calls(&s, "trunk_uac_refused.xml", provider, "0309999", "4930100");
    assert_eq!(r.code, 0, "blacklisted refused: {}", r.output);
    let cdr = s.cdr_number(2);
    assert_eq!(cdr["cause"], "route.blacklisted", "{cdr}");
    assert_eq!(cdr["call_type"], "inbound", "{cdr}");
}

#[test]
fn a_remote_pbx_on_an_account_trunk_calls_in_by_digest_and_by_its_registration() {
    let s = site();
    s.admin(
        "POST",
        "/api/v1/trunks",
        json!({"id": "branch",
               "mode": {"kind": "account", "username": "br1", "password": "Branch-Pass-731"}}),
    );
    s.admin(
        "POST",
        "/api/v1/inbound-routes",
        json!({"name": "from-branch", "trunk": "branch", "did": "_4930XXX",
               "destination": {"type": "extension", "number": "202"}}),
    );
    // 1. The remote PBX answers our 407 with the account's digest.
    let callee = uas(&s, "uas_answer.xml", s.callee_port);
    let line = "br1;[authentication username=br1 password=Branch-Pass-731]".to_string();
    let r = sipp(
        &s.d.sip_addr(),
        "call_uac.xml",
        &[line],
        free_port(),
        &["-m", "1", "-s", "4930300"],
    );
    assert_eq!(r.code, 0, "remote PBX calls with digest: {}", r.output);
    assert_eq!(callee.join().expect("callee").code, 0);
    let cdr = s.last_cdr();
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr}");
    assert_eq!(
        (&cdr["call_type"], &cdr["trunk"], &cdr["did"]),
        (&json!("inbound"), &json!("branch"), &json!("4930300")),
        "{cdr}"
    );

    // 2. Registered from a port, it calls from that port without digest.
    let pbx_port = free_port();
    let r = sipp(
        &s.d.sip_addr(),
        "reg_auth.xml",
        &[reg_line("br1", "Branch-Pass-731", 600)],
        pbx_port,
        &["-m", "1"],
    );
    assert_eq!(r.code, 0, "remote PBX registers: {}", r.output);
    let callee = uas(&s, "uas_answer.xml", s.callee_port);
    let r = provider_calls(&s, "trunk_uac.xml", pbx_port, "0309999", "4930301");
    assert_eq!(
        r.code, 0,
        "remote PBX calls from its registered port: {}",
        r.output
    );
    assert_eq!(callee.join().expect("callee").code, 0);
    let cdr = s.cdr_number(2);
    assert_eq!(
        (&cdr["trunk"], &cdr["caller"]),
        (&json!("branch"), &json!("0309999")),
        "{cdr}"
    );

    // 3. Another port of the same host is a phone, not the trunk: challenged, then refused
    //    (no credentials in this scenario).
    let r = provider_calls(&s, "trunk_uac.xml", free_port(), "0309999", "4930302");
    assert_ne!(r.code, 0, "an unknown port got through:\n{}", r.output);
}
