//! Credentials captured from one REGISTER cannot be replayed: a repeated nonce
//! count is refused (401, `stale=true`) and changes nothing.

mod common;

use common::*;
use rotary_sip::auth::Challenge;

#[test]
fn replayed_nonce_count_is_refused() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut phone = Phone::new("101", "secret", "198.51.100.10:5062");
    let reg = Reg::contact("<sip:101@198.51.100.10:5062>");
    let first = phone.request(&reg, None);
    let challenge = sim.send(&phone, &first, Some(&acct));
    assert!(phone.take_challenge(&challenge));
    let auth = phone.authorization();
    let ok = phone.request(&reg, Some(auth.clone()));
    assert_eq!(sim.send(&phone, &ok, Some(&acct)).status, 200);
    sim.events();

    // An attacker re-sends the captured Authorization with an unregister, from elsewhere.
    let mut attacker = Phone::new("101", "unknown", "203.0.113.66:5060");
    attacker.call_id = phone.call_id.clone();
    attacker.cseq = phone.cseq;
    let replay = attacker.request(
        &Reg::contact_expires("<sip:101@198.51.100.10:5062>", 0),
        Some(auth),
    );
    let resp = sim.send(&attacker, &replay, Some(&acct));
    assert_eq!(resp.status, 401);
    let c: Challenge = resp
        .headers
        .get("WWW-Authenticate")
        .unwrap()
        .parse()
        .unwrap();
    assert!(c.stale);
    assert!(sim.events().is_empty());
    assert_eq!(bound(&sim, "101"), ["sip:101@198.51.100.10:5062"]);

    // The phone itself goes on with the next nonce count.
    assert_eq!(sim.send_authed(&mut phone, Some(&acct), reg).status, 200);
}
