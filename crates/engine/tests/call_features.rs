//! In-call features: recording always per extension, one-touch recording with `*1`
//! (start, then stop), the CDR pointing at the file, and DTMF between a phone that
//! sends SIP INFO and one that does not.

mod call_support;

use std::time::Duration;

use call_support::*;
use rotary_engine::call::{CallAction, CallKey, MediaInput, Side};

fn records(rig: &Rig) -> Vec<Option<String>> {
    rig.actions
        .iter()
        .filter_map(|a| match a {
            CallAction::Record { file, .. } => Some(file.clone()),
            _ => None,
        })
        .collect()
}

fn hang_up(rig: &mut Rig, a: &Phone, da: &mut PhoneDialog) {
    let bye = da.request(a, "BYE", None, None, &[]);
    rig.send(a, &bye);
    rig.take_response(a, 200);
}

fn key(rig: &mut Rig, side: Side, key: char) {
    rig.calls.handle_media(
        rig.now,
        &mut rig.txl,
        CallKey(1),
        MediaInput::Dtmf {
            side,
            key,
            duration: Duration::from_millis(120),
        },
    );
    rig.pump();
}

#[test]
fn an_extension_that_records_always_gets_every_answered_call_recorded() {
    let (mut rig, a, b) = two_phones();
    rig.record_calls.push("102".into());
    let (mut da, ..) = answered(&mut rig, &a, &b);
    let files = records(&rig);
    assert_eq!(files.len(), 1, "{files:?}");
    let file = files[0].clone().expect("a file");
    assert!(file.starts_with("recordings/20"), "{file}");
    assert!(file.ends_with("-101-102.wav"), "{file}");
    hang_up(&mut rig, &a, &mut da);
    assert_eq!(rig.one_cdr().recording, Some(file));
}

#[test]
fn star_one_starts_and_stops_recording_and_the_cdr_keeps_the_first_file() {
    let (mut rig, a, b) = two_phones();
    let (mut da, ..) = answered(&mut rig, &a, &b);
    assert!(records(&rig).is_empty(), "no recording by default");
    key(&mut rig, Side::A, '*');
    key(&mut rig, Side::A, '1');
    let started = records(&rig);
    assert_eq!(started.len(), 1);
    let first = started[0].clone().expect("started");
    rig.advance(Duration::from_secs(5));
    key(&mut rig, Side::B, '*');
    key(&mut rig, Side::B, '1');
    assert_eq!(records(&rig).last(), Some(&None), "the second *1 stops it");
    rig.advance(Duration::from_secs(5));
    key(&mut rig, Side::A, '*');
    key(&mut rig, Side::A, '1');
    let again = records(&rig).last().cloned().flatten().expect("restarted");
    assert_ne!(again, first);
    assert!(again.ends_with("-2.wav"), "{again}");
    hang_up(&mut rig, &a, &mut da);
    assert_eq!(rig.one_cdr().recording, Some(first));
}

#[test]
fn keys_typed_slowly_are_not_a_feature_code() {
    let (mut rig, a, b) = two_phones();
    answered(&mut rig, &a, &b);
    key(&mut rig, Side::A, '*');
    rig.advance(Duration::from_secs(4));
    key(&mut rig, Side::A, '1');
    assert!(records(&rig).is_empty());
}

#[test]
fn an_info_digit_to_an_rfc4733_phone_becomes_a_media_key_press() {
    let (mut rig, a, b) = two_phones();
    let (mut da, _db, _inv, _ok) = answered(&mut rig, &a, &b);
    let info = da.request(
        &a,
        "INFO",
        None,
        None,
        &["Content-Type: application/dtmf-relay"],
    );
    let info =
        info.replace("Content-Length: 0", "Content-Length: 24") + "Signal=5\r\nDuration=160\r\n";
    rig.send(&a, &info);
    rig.take_response(&a, 200);
    assert_eq!(rig.pending_for(&b), 0, "not relayed as INFO");
    assert!(rig.actions.iter().any(|x| matches!(
        x,
        CallAction::SendDigit { to: Side::B, key: '5', duration, .. }
            if *duration == Duration::from_millis(160)
    )));
}
