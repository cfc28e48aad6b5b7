//! RFC 3261 §10.3 step 7: a REGISTER whose CSeq is not above the one stored for a
//! binding with the same Call-ID fails (500) and changes nothing.

mod common;

use common::*;

#[test]
fn older_cseq_with_same_call_id_is_refused() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    let reg = Reg::contact("<sip:101@198.51.100.1:5060>");
    assert_eq!(sim.register(&mut p, Some(&acct), reg.clone()).status, 200);
    assert_eq!(
        sim.send_authed(&mut p, Some(&acct), reg.clone()).status,
        200
    ); // CSeq 3
    sim.events();

    // A delayed REGISTER with CSeq 2 (here an unregister) arrives late.
    p.cseq = 1;
    let resp = sim.send_authed(
        &mut p,
        Some(&acct),
        Reg::contact_expires("<sip:101@198.51.100.1:5060>", 0),
    );
    assert_eq!(resp.status, 500);
    assert_eq!(sim.reg.lookup("101").next().unwrap().cseq, 3);
    assert!(sim.events().is_empty());

    // The same CSeq again is not "higher" either; `*` obeys the same rule.
    p.cseq = 2;
    assert_eq!(
        sim.send_authed(&mut p, Some(&acct), reg.clone()).status,
        500
    );
    p.cseq = 2;
    assert_eq!(
        sim.send_authed(&mut p, Some(&acct), Reg::contact_expires("*", 0))
            .status,
        500
    );
    assert_eq!(sim.reg.binding_count(), 1);

    // A higher CSeq proceeds.
    p.cseq = 10;
    assert_eq!(sim.send_authed(&mut p, Some(&acct), reg).status, 200);
    assert_eq!(sim.reg.lookup("101").next().unwrap().cseq, 11);
}

#[test]
fn another_call_id_is_not_ordered_against_it() {
    let mut sim = Sim::new();
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "198.51.100.1:5060");
    let reg = Reg::contact("<sip:101@198.51.100.1:5060>");
    p.cseq = 100;
    assert_eq!(sim.register(&mut p, Some(&acct), reg.clone()).status, 200);
    // The phone rebooted: new Call-ID, CSeq from 1.
    let mut rebooted = Phone::new("101", "secret", "198.51.100.1:5060");
    rebooted.call_id = "after-reboot".into();
    assert_eq!(sim.register(&mut rebooted, Some(&acct), reg).status, 200);
    let b = sim.reg.lookup("101").next().unwrap();
    assert_eq!((b.call_id.as_str(), b.cseq), ("after-reboot", 2));
    assert_eq!(sim.reg.binding_count(), 1);
}
