//! After a restart, persisted bindings come back with their remaining lifetime;
//! expired ones are reported for deletion instead.

mod common;

use std::time::Duration;

use common::*;
use rotary_registrar::{BindingSnapshot, RegistrarEvent};
use rotary_sip::ConnId;

fn registered_snapshot(sim: &mut Sim, expires: u32) -> BindingSnapshot {
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "203.0.113.7:40001");
    let reg = Reg::contact_expires(
        "<sip:101@192.168.1.23:5062>;+sip.instance=\"<urn:uuid:1>\";reg-id=1;q=0.7",
        expires,
    );
    assert_eq!(sim.register(&mut p, Some(&acct), reg).status, 200);
    match sim.events().pop() {
        Some(RegistrarEvent::Registered { binding }) => binding,
        other => panic!("{other:?}"),
    }
}

#[test]
fn restored_binding_keeps_its_remaining_time() {
    let mut sim = Sim::new();
    let mut snap = registered_snapshot(&mut sim, 600);
    snap.flow.conn = Some(ConnId(3));
    sim.advance(Duration::from_secs(100));

    let mut after = sim.restart();
    let now = after.now;
    let wall = after.wall();
    let id = after
        .reg
        .restore(now, wall, snap.clone())
        .expect("restored");
    assert!(after.events().is_empty());
    let b = after.reg.binding(id).unwrap();
    assert_eq!(b.expires_at, now + Duration::from_secs(500));
    assert_eq!(b.flow.remote, snap.flow.remote);
    assert_eq!(b.flow.conn, None, "connections do not survive a restart");
    assert_eq!(
        (b.q, b.instance.as_deref(), b.reg_id),
        (Some(700), Some("<urn:uuid:1>"), Some(1))
    );
    assert_eq!(b.call_id, snap.call_id);

    // The phone's next refresh (same Call-ID, next CSeq) is a refresh, not a new contact.
    let acct = account("101");
    let mut p = Phone::new("101", "secret", "203.0.113.7:40001");
    p.cseq = snap.cseq;
    let resp = after.register(&mut p, Some(&acct), Reg::query());
    assert_eq!(resp.status, 200);
    assert_eq!(
        contacts(&resp),
        ["<sip:101@192.168.1.23:5062>;expires=500;q=0.7;+sip.instance=\"<urn:uuid:1>\";reg-id=1"]
    );

    after.advance(Duration::from_secs(499));
    assert_eq!(after.reg.binding_count(), 1);
    after.advance(Duration::from_secs(1));
    assert_eq!(
        event_names(&after.events()),
        ["expired sip:101@192.168.1.23:5062"]
    );
}

#[test]
fn expired_snapshot_is_reported_not_restored() {
    let mut sim = Sim::new();
    let snap = registered_snapshot(&mut sim, 60);
    sim.advance(Duration::from_secs(61));
    let mut after = sim.restart();
    let (now, wall) = (after.now, after.wall());
    assert_eq!(after.reg.restore(now, wall, snap), None);
    assert_eq!(
        event_names(&after.events()),
        ["expired sip:101@192.168.1.23:5062"]
    );
    assert_eq!(after.reg.binding_count(), 0);
    assert_eq!(after.reg.poll_timeout(), None);
}

#[test]
fn restore_then_update_account_starts_qualify() {
    let mut sim = Sim::new();
    let snap = registered_snapshot(&mut sim, 600);
    let mut after = sim.restart();
    let (now, wall) = (after.now, after.wall());
    after.reg.restore(now, wall, snap);
    assert_eq!(
        after.reg.poll_timeout(),
        Some(now + Duration::from_secs(600))
    );
    let mut acct = account("101");
    acct.qualify_interval = 30;
    after.reg.update_account(now, &acct);
    // Restored contacts are qualified at a random point of the first interval.
    let first = after.reg.poll_timeout().unwrap();
    assert!(first <= now + Duration::from_secs(30));
    assert!(after.step());
    assert_eq!(after.actions().len(), 1);
}
