//! End-to-end registration against the release pbxd, driven by SIPp over UDP and TCP.

use rotary_e2e::{free_port, reg_line, sipp, Pbxd, TempDir};
use serde_json::json;

const SECRET: &str = "Blue42sky-e2e";

fn daemon() -> (TempDir, Pbxd) {
    let dir = TempDir::new("reg");
    let d = Pbxd::start(&dir.0).expect("pbxd starts");
    (dir, d)
}

#[test]
fn digest_register_succeeds_and_shows_in_api() {
    let (_dir, d) = daemon();
    d.add_extension("101", SECRET, json!({}));
    let r = sipp(
        &d.sip_addr(),
        "reg_auth.xml",
        &[reg_line("101", SECRET, 600)],
        free_port(),
        &["-m", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.output);
    let regs = d.registrations();
    assert_eq!(regs.len(), 1, "{regs:?}");
    assert_eq!(regs[0]["extension"], "101");
    assert_eq!(regs[0]["transport"], "udp");
    assert!(regs[0]["contact"]
        .as_str()
        .unwrap_or("")
        .starts_with("sip:101@127.0.0.1:"));
}

#[test]
fn digest_register_over_tcp() {
    let (_dir, d) = daemon();
    d.add_extension("102", SECRET, json!({}));
    let r = sipp(
        &d.sip_addr(),
        "reg_auth.xml",
        &[reg_line("102", SECRET, 600)],
        free_port(),
        &["-m", "1", "-t", "t1"],
    );
    assert_eq!(r.code, 0, "{}", r.output);
    let regs = d.registrations();
    assert_eq!(regs.len(), 1, "{regs:?}");
    assert_eq!(regs[0]["transport"], "tcp");
}

#[test]
fn wrong_password_is_never_accepted() {
    let (_dir, d) = daemon();
    d.add_extension("103", SECRET, json!({}));
    let r = sipp(
        &d.sip_addr(),
        "reg_rejected.xml",
        &[reg_line("103", "Wrong-pass99", 600)],
        free_port(),
        &["-m", "1"],
    );
    assert_eq!(r.code, 0, "expected a rejection, got: {}", r.output);
    assert!(d.registrations().is_empty());
    // Unknown users look exactly like wrong passwords (no enumeration).
    let r = sipp(
        &d.sip_addr(),
        "reg_rejected.xml",
        &[reg_line("555", "Whatever-99", 600)],
        free_port(),
        &["-m", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.output);
}

#[test]
fn third_contact_over_max_contacts_gets_403_but_refresh_works() {
    let (_dir, d) = daemon();
    d.add_extension("104", SECRET, json!({"max_contacts": 2}));
    let line = [reg_line("104", SECRET, 600)];
    let (p1, p2, p3) = (free_port(), free_port(), free_port());
    for p in [p1, p2] {
        let r = sipp(&d.sip_addr(), "reg_auth.xml", &line, p, &["-m", "1"]);
        assert_eq!(r.code, 0, "{}", r.output);
    }
    let r = sipp(&d.sip_addr(), "reg_forbidden.xml", &line, p3, &["-m", "1"]);
    assert_eq!(r.code, 0, "third contact must get 403: {}", r.output);
    assert_eq!(d.registrations().len(), 2);
    // Refreshing the first contact (same contact URI) still works.
    let r = sipp(&d.sip_addr(), "reg_auth.xml", &line, p1, &["-m", "1"]);
    assert_eq!(r.code, 0, "refresh must succeed: {}", r.output);
    assert_eq!(d.registrations().len(), 2);
}

#[test]
fn unregister_with_expires_zero_removes_binding() {
    let (_dir, d) = daemon();
    d.add_extension("105", SECRET, json!({}));
    let port = free_port();
    let r = sipp(
        &d.sip_addr(),
        "reg_auth.xml",
        &[reg_line("105", SECRET, 600)],
        port,
        &["-m", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.output);
    assert_eq!(d.registrations().len(), 1);
    let r = sipp(
        &d.sip_addr(),
        "reg_auth.xml",
        &[reg_line("105", SECRET, 0)],
        port,
        &["-m", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.output);
    assert!(d.registrations().is_empty());
}

#[test]
fn options_to_the_pbx_gets_200() {
    let (_dir, d) = daemon();
    let r = sipp(
        &d.sip_addr(),
        "options.xml",
        &["x".to_string()],
        free_port(),
        &["-m", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.output);
}

#[test]
fn permit_list_refuses_other_sources() {
    let (_dir, d) = daemon();
    d.add_extension("106", SECRET, json!({"permit": ["10.0.0.0/8"]}));
    let r = sipp(
        &d.sip_addr(),
        "reg_forbidden.xml",
        &[reg_line("106", SECRET, 600)],
        free_port(),
        &["-m", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.output);
    assert!(d.registrations().is_empty());
}

#[test]
fn pbx_qualifies_registered_contacts_with_options() {
    let (_dir, d) = daemon();
    d.add_extension("107", SECRET, json!({"qualify_interval": 10}));
    // Register from a port, then answer the PBX's OPTIONS on that same port as a phone does.
    let port = free_port();
    let r = sipp(
        &d.sip_addr(),
        "reg_auth.xml",
        &[reg_line("107", SECRET, 600)],
        port,
        &["-m", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.output);
    let r = sipp(
        &d.sip_addr(),
        "uas_options.xml",
        &["x".to_string()],
        port,
        &["-m", "1"],
    );
    assert_eq!(r.code, 0, "qualify OPTIONS answered: {}", r.output);
}

#[test]
fn bindings_survive_a_restart() {
    let dir = TempDir::new("restart");
    let mut d = Pbxd::start(&dir.0).expect("pbxd starts");
    d.add_extension("108", SECRET, json!({}));
    let port = free_port();
    let r = sipp(
        &d.sip_addr(),
        "reg_auth.xml",
        &[reg_line("108", SECRET, 600)],
        port,
        &["-m", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.output);
    let (sip, http) = (d.sip_port, d.http_port);
    assert_eq!(d.terminate().expect("terminates"), Some(0));
    let d = Pbxd::start_with(&dir.0, sip, http, &[]).expect("restarts");
    let regs = d.registrations();
    assert_eq!(regs.len(), 1, "binding restored: {regs:?}");
    assert_eq!(regs[0]["extension"], "108");
    // The phone can re-register (refresh) after the restart.
    let r = sipp(
        &d.sip_addr(),
        "reg_auth.xml",
        &[reg_line("108", SECRET, 600)],
        port,
        &["-m", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.output);
    assert_eq!(d.registrations().len(), 1);
}

#[test]
fn extension_survives_kill_9() {
    let dir = TempDir::new("kill9");
    let mut d = Pbxd::start(&dir.0).expect("pbxd starts");
    d.add_extension("109", SECRET, json!({}));
    let (sip, http) = (d.sip_port, d.http_port);
    d.kill9();
    let d = Pbxd::start_with(&dir.0, sip, http, &[]).expect("restarts after kill -9");
    let (st, v) = d.api("GET", "/api/v1/extensions/109", None);
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["number"], "109");
    let r = sipp(
        &d.sip_addr(),
        "reg_auth.xml",
        &[reg_line("109", SECRET, 600)],
        free_port(),
        &["-m", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.output);
}
