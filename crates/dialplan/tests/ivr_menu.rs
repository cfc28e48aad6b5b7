//! Scenario tests for `IvrSession`: prompts, loops, keys, barge-in, direct extension
//! dialling with the inter-digit timeout, invalid keys and return-to-IVR. Simulated time:
//! one `t0` plus durations.

mod common;

use std::time::{Duration, Instant};

use common::Fixture;
use rotary_config::routing::{Destination, Ivr};
use rotary_dialplan::{IvrAction, IvrEvent, IvrSession, Lookup, NumberDirectory};

const ROUTING: &str = r##"{
  "departments": [{"number": "0400", "members": ["101", "102"]}],
  "ivrs": [
    {"number": "0600", "prompt": "main-menu", "dial_extension": true, "loops": 2,
     "digit_timeout": 3, "response_timeout": 5,
     "keys": {"1": {"type": "department", "number": "0400"},
              "5": {"type": "voicemail", "extension": "101"},
              "9": {"type": "ivr", "number": "0601"},
              "*": {"type": "return_to_ivr"},
              "#": {"type": "hangup"}},
     "invalid": {"type": "ivr", "number": "0601"},
     "timeout": {"type": "department", "number": "0400"}},
    {"number": "0601", "prompt": "sub-menu", "keys": {"1": {"type": "extension", "number": "101"}}}
  ]
}"##;

fn fixture() -> Fixture {
    Fixture::new(&["101", "102", "110", "111", "200"], ROUTING)
}

fn menu(f: &Fixture, number: &str) -> Ivr {
    f.routing.ivr(number).unwrap().clone()
}

fn drain(s: &mut IvrSession) -> Vec<IvrAction> {
    std::iter::from_fn(|| s.poll_action()).collect()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn play(prompt: &str) -> IvrAction {
    IvrAction::Play(prompt.parse().unwrap())
}

fn collect(n: u64) -> IvrAction {
    IvrAction::CollectDigits { timeout: secs(n) }
}

fn goto_ext(n: &str) -> IvrAction {
    IvrAction::Goto(Destination::Extension {
        number: n.parse().unwrap(),
    })
}

fn dept() -> IvrAction {
    IvrAction::Goto(Destination::Department {
        number: "0400".parse().unwrap(),
    })
}

fn sub_menu() -> IvrAction {
    IvrAction::Goto(Destination::Ivr {
        number: "0601".parse().unwrap(),
    })
}

#[test]
fn silence_replays_the_prompt_then_takes_the_timeout_destination() {
    let f = fixture();
    let t0 = Instant::now();
    let mut s = IvrSession::new(&menu(&f, "0600"), None);
    assert_eq!(drain(&mut s), [play("main-menu")]);
    assert_eq!(s.poll_timeout(), None, "no deadline while the prompt plays");
    let t1 = t0 + secs(8);
    s.handle_event(t1, IvrEvent::PromptFinished, &f.snap());
    assert_eq!(drain(&mut s), [collect(5)]);
    assert_eq!(s.poll_timeout(), Some(t1 + secs(5)));
    s.handle_timeout(t1 + secs(4));
    assert!(drain(&mut s).is_empty(), "not due yet");
    s.handle_timeout(t1 + secs(5));
    assert_eq!(drain(&mut s), [play("main-menu")], "second loop");
    let t2 = t1 + secs(13);
    s.handle_event(t2, IvrEvent::PromptFinished, &f.snap());
    assert_eq!(drain(&mut s), [collect(5)]);
    s.handle_timeout(t2 + secs(5));
    assert_eq!(drain(&mut s), [dept()]);
    assert!(s.is_finished() && s.poll_timeout().is_none());
}

#[test]
fn a_key_during_the_prompt_barges_in() {
    let f = fixture();
    let t0 = Instant::now();
    let mut s = IvrSession::new(&menu(&f, "0600"), None);
    drain(&mut s);
    // No extension starts with 5: the key acts at once.
    s.handle_event(t0 + secs(2), IvrEvent::Digit('5'), &f.snap());
    let vm = Destination::Voicemail {
        extension: "101".parse().unwrap(),
    };
    assert_eq!(drain(&mut s), [IvrAction::StopPrompt, IvrAction::Goto(vm)]);
    s.handle_event(t0 + secs(3), IvrEvent::Digit('1'), &f.snap());
    assert!(drain(&mut s).is_empty(), "finished sessions ignore input");
}

#[test]
fn a_key_that_begins_extension_numbers_waits_for_more_digits() {
    let f = fixture();
    let t0 = Instant::now();
    let mut s = IvrSession::new(&menu(&f, "0600"), None);
    drain(&mut s);
    s.handle_event(t0, IvrEvent::PromptFinished, &f.snap());
    drain(&mut s);
    let t1 = t0 + secs(1);
    s.handle_event(t1, IvrEvent::Digit('1'), &f.snap());
    assert_eq!(drain(&mut s), [collect(3)]);
    assert_eq!(s.poll_timeout(), Some(t1 + secs(3)));
    s.handle_timeout(t1 + secs(3));
    assert_eq!(drain(&mut s), [dept()], "no more digits: key 1");
}

#[test]
fn direct_dialling_rings_the_extension_as_soon_as_it_is_unique() {
    let f = fixture();
    let t0 = Instant::now();
    let mut s = IvrSession::new(&menu(&f, "0600"), None);
    drain(&mut s);
    s.handle_event(t0, IvrEvent::Digit('1'), &f.snap());
    assert_eq!(drain(&mut s), [IvrAction::StopPrompt, collect(3)]);
    s.handle_event(t0 + secs(2), IvrEvent::Digit('1'), &f.snap());
    assert_eq!(drain(&mut s), [collect(3)]);
    assert_eq!(
        s.poll_timeout(),
        Some(t0 + secs(5)),
        "each digit restarts the timer"
    );
    assert_eq!(s.digits(), "11");
    s.handle_event(t0 + secs(4), IvrEvent::Digit('0'), &f.snap());
    assert_eq!(drain(&mut s), [goto_ext("110")]);
}

#[test]
fn an_unknown_number_or_key_is_invalid() {
    let f = fixture();
    let t0 = Instant::now();
    let mut s = IvrSession::new(&menu(&f, "0600"), None);
    drain(&mut s);
    s.handle_event(t0, IvrEvent::Digit('1'), &f.snap());
    s.handle_event(t0, IvrEvent::Digit('3'), &f.snap());
    assert_eq!(
        drain(&mut s),
        [IvrAction::StopPrompt, collect(3), sub_menu()]
    );

    let mut s = IvrSession::new(&menu(&f, "0600"), None);
    drain(&mut s);
    s.handle_event(t0, IvrEvent::Digit('7'), &f.snap());
    assert_eq!(drain(&mut s), [IvrAction::StopPrompt, sub_menu()]);

    // An incomplete number that times out is invalid too.
    let mut s = IvrSession::new(&menu(&f, "0600"), None);
    drain(&mut s);
    s.handle_event(t0, IvrEvent::Digit('2'), &f.snap());
    s.handle_event(t0 + secs(1), IvrEvent::Digit('0'), &f.snap());
    drain(&mut s);
    s.handle_timeout(t0 + secs(4));
    assert_eq!(drain(&mut s), [sub_menu()]);
}

/// A directory with numbers that are prefixes of each other.
struct Numbers(&'static [&'static str]);

impl NumberDirectory for Numbers {
    fn lookup(&self, digits: &str) -> Lookup {
        Lookup {
            exact: self.0.contains(&digits),
            longer: self
                .0
                .iter()
                .any(|n| n.len() > digits.len() && n.starts_with(digits)),
        }
    }
}

#[test]
fn a_number_that_begins_a_longer_one_waits_or_ends_with_hash() {
    let f = fixture();
    let dir = Numbers(&["20", "200"]);
    let t0 = Instant::now();
    let mut s = IvrSession::new(&menu(&f, "0600"), None);
    drain(&mut s);
    s.handle_event(t0, IvrEvent::Digit('2'), &dir);
    s.handle_event(t0 + secs(1), IvrEvent::Digit('0'), &dir);
    assert_eq!(
        drain(&mut s),
        [IvrAction::StopPrompt, collect(3), collect(3)]
    );
    s.handle_timeout(t0 + secs(4));
    assert_eq!(drain(&mut s), [goto_ext("20")]);

    let mut s = IvrSession::new(&menu(&f, "0600"), None);
    drain(&mut s);
    s.handle_event(t0, IvrEvent::Digit('2'), &dir);
    s.handle_event(t0, IvrEvent::Digit('0'), &dir);
    s.handle_event(t0, IvrEvent::Digit('#'), &dir);
    assert_eq!(
        drain(&mut s),
        [
            IvrAction::StopPrompt,
            collect(3),
            collect(3),
            goto_ext("20")
        ]
    );
}

#[test]
fn without_dial_extension_keys_act_at_once() {
    let f = fixture();
    let mut ivr = menu(&f, "0600");
    ivr.dial_extension = false;
    let t0 = Instant::now();
    let mut s = IvrSession::new(&ivr, None);
    drain(&mut s);
    s.handle_event(t0, IvrEvent::Digit('1'), &f.snap());
    assert_eq!(drain(&mut s), [IvrAction::StopPrompt, dept()]);
}

#[test]
fn return_to_ivr_goes_back_or_replays() {
    let f = fixture();
    let t0 = Instant::now();
    let mut s = IvrSession::new(&menu(&f, "0600"), Some("0611".parse().unwrap()));
    drain(&mut s);
    s.handle_event(t0, IvrEvent::Digit('*'), &f.snap());
    let back = Destination::Ivr {
        number: "0611".parse().unwrap(),
    };
    assert_eq!(
        drain(&mut s),
        [IvrAction::StopPrompt, IvrAction::Goto(back)]
    );

    // A top-level menu replays itself while loops remain, then hangs up.
    let mut s = IvrSession::new(&menu(&f, "0600"), None);
    drain(&mut s);
    s.handle_event(t0, IvrEvent::Digit('*'), &f.snap());
    assert_eq!(drain(&mut s), [IvrAction::StopPrompt, play("main-menu")]);
    s.handle_event(t0, IvrEvent::Digit('*'), &f.snap());
    assert_eq!(drain(&mut s), [IvrAction::StopPrompt, IvrAction::Hangup]);
}

#[test]
fn hash_key_hang_up_and_caller_hang_up() {
    let f = fixture();
    let t0 = Instant::now();
    let mut s = IvrSession::new(&menu(&f, "0600"), None);
    drain(&mut s);
    s.handle_event(t0, IvrEvent::PromptFinished, &f.snap());
    drain(&mut s);
    s.handle_event(t0, IvrEvent::Digit('A'), &f.snap());
    assert!(drain(&mut s).is_empty(), "not a phone key");
    s.handle_event(t0, IvrEvent::Digit('#'), &f.snap());
    assert_eq!(drain(&mut s), [IvrAction::Hangup]);

    let mut s = IvrSession::new(&menu(&f, "0600"), None);
    drain(&mut s);
    s.handle_event(t0, IvrEvent::PromptFinished, &f.snap());
    drain(&mut s);
    s.handle_event(t0, IvrEvent::CallerHungUp, &f.snap());
    assert!(drain(&mut s).is_empty());
    assert!(s.is_finished() && s.poll_timeout().is_none());
}
