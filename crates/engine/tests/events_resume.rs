//! A consumer of the event bus that disconnects and comes back with the last sequence number
//! it saw gets exactly what it missed, or an explicit gap for what the bounded history no
//! longer holds: the contract `GET /api/v1/events?since=` relies on.

use std::sync::Arc;

use rotary_engine::events::{Delivery, EventBus, EventKind, Subscription};

fn publish_calls(bus: &EventBus, callees: &[&str]) {
    for callee in callees {
        bus.publish(
            EventKind::CallRinging,
            vec![("callee", (*callee).to_owned())],
        );
    }
}

/// Everything ready now, rendered as `seq:callee` or `gap:from-to`.
fn drain(sub: &mut Subscription) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(d) = sub.try_recv() {
        out.push(match d {
            Delivery::Event(e) => format!("{}:{}", e.seq, e.field("callee").unwrap_or("?")),
            Delivery::Gap { from, to } => format!("gap:{from}-{to}"),
        });
    }
    out
}

#[test]
fn reconnect_with_last_seq_gets_exactly_the_missed_events() {
    let bus = Arc::new(EventBus::new());
    let mut first = bus.subscribe(None);
    publish_calls(&bus, &["101", "102"]);
    assert_eq!(drain(&mut first), ["1:101", "2:102"]);
    let resume_at = first.last_seq();
    drop(first);

    publish_calls(&bus, &["103", "104"]);
    let mut second = bus.subscribe(Some(resume_at));
    publish_calls(&bus, &["105"]);
    assert_eq!(drain(&mut second), ["3:103", "4:104", "5:105"]);
}

#[test]
fn reconnect_after_the_history_moved_on_reports_the_hole() {
    let bus = EventBus::with_capacity(2, 8);
    let mut first = bus.subscribe(None);
    publish_calls(&bus, &["101"]);
    assert_eq!(drain(&mut first), ["1:101"]);
    let resume_at = first.last_seq();
    drop(first);

    publish_calls(&bus, &["102", "103", "104", "105"]);
    let mut second = bus.subscribe(Some(resume_at));
    assert_eq!(drain(&mut second), ["gap:2-3", "4:104", "5:105"]);
    // After a gap the consumer resumes from the gap's end like from an event.
    assert_eq!(second.last_seq(), 5);
}
