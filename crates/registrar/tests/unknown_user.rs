//! An unknown extension is answered exactly like a known one with a wrong
//! password (401, then 403 on credentials), so scanners such as `svwar` cannot
//! tell which extensions exist.

mod common;

use common::*;
use rotary_sip::Response;

/// Status, reason and header names, in order: what a scanner can compare.
fn shape(resp: &Response) -> (u16, String, Vec<String>) {
    (
        resp.status,
        resp.reason.clone(),
        resp.headers.fields.iter().map(|h| h.name.clone()).collect(),
    )
}

#[test]
fn unknown_user_looks_like_a_wrong_password() {
    let mut sim = Sim::new();
    let known = account("101");
    let reg = |u: &str| Reg::contact(&format!("<sip:{u}@198.51.100.10:5062>"));

    let mut good_user = Phone::new("101", "guess", "198.51.100.10:5062");
    let mut no_user = Phone::new("199", "guess", "198.51.100.10:5062");
    let r1 = good_user.request(&reg("101"), None);
    let r2 = no_user.request(&reg("199"), None);
    let c1 = sim.send(&good_user, &r1, Some(&known));
    let c2 = sim.send(&no_user, &r2, None);
    assert_eq!(shape(&c1), shape(&c2));
    assert_eq!(c1.status, 401);

    assert!(good_user.take_challenge(&c1));
    assert!(no_user.take_challenge(&c2));
    let f1 = sim.send_authed(&mut good_user, Some(&known), reg("101"));
    let f2 = sim.send_authed(&mut no_user, None, reg("199"));
    assert_eq!(shape(&f1), shape(&f2));
    assert_eq!((f2.status, f2.reason.as_str()), (403, "Forbidden"));
    assert_eq!(sim.reg.binding_count(), 0);
}

#[test]
fn account_for_another_user_is_ignored() {
    // The engine passes the account of the To user; a mismatch is treated as unknown.
    let mut sim = Sim::new();
    let other = account("102");
    let mut phone = Phone::new("101", "secret", "198.51.100.10:5062");
    let resp = sim.register(
        &mut phone,
        Some(&other),
        Reg::contact("<sip:101@198.51.100.10:5062>"),
    );
    assert_eq!(resp.status, 403);
    assert_eq!(sim.reg.binding_count(), 0);
}
