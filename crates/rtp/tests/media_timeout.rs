//! The RTP timeout fires at the right simulated instant, only once per silence, and
//! never while the call is on hold.

use std::time::{Duration, Instant};

use rotary_rtp::{Activity, ActivityEvent};

const TIMEOUT: Duration = Duration::from_secs(60);

/// Advances simulated time to each deadline in turn until `end`; returns when events
/// fired.
fn drive(a: &mut Activity, end: Instant) -> Vec<Instant> {
    let mut fired = Vec::new();
    while let Some(deadline) = a.poll_timeout() {
        if deadline > end {
            break;
        }
        a.handle_timeout(deadline);
        while let Some(ActivityEvent::MediaTimeout { .. }) = a.poll_event() {
            fired.push(deadline);
        }
    }
    fired
}

#[test]
fn fires_timeout_after_last_rtp() {
    let t0 = Instant::now();
    let mut a = Activity::new(t0, Some(TIMEOUT));
    a.handle_rtp(t0 + Duration::from_secs(5));
    assert_eq!(a.poll_timeout(), Some(t0 + Duration::from_secs(65)));
    a.handle_timeout(t0 + Duration::from_millis(64_999));
    assert_eq!(a.poll_event(), None, "not yet");
    let fired = drive(&mut a, t0 + Duration::from_secs(1000));
    assert_eq!(fired, [t0 + Duration::from_secs(65)], "exactly once");
    assert_eq!(a.poll_timeout(), None);
}

#[test]
fn event_reports_last_activity_and_rtp_rearms() {
    let t0 = Instant::now();
    let mut a = Activity::new(t0, Some(TIMEOUT));
    a.handle_timeout(t0 + TIMEOUT);
    assert_eq!(
        a.poll_event(),
        Some(ActivityEvent::MediaTimeout { last_activity: t0 })
    );
    let back = t0 + Duration::from_secs(100);
    a.handle_rtp(back);
    assert_eq!(
        drive(&mut a, t0 + Duration::from_secs(1000)),
        [back + TIMEOUT]
    );
}

#[test]
fn steady_rtp_never_times_out() {
    let t0 = Instant::now();
    let mut a = Activity::new(t0, Some(TIMEOUT));
    for i in 1..=10_000u32 {
        let now = t0 + Duration::from_millis(20) * i;
        a.handle_rtp(now);
        a.handle_timeout(now);
        assert_eq!(a.poll_event(), None);
    }
}

#[test]
fn hold_suspends_and_unhold_restarts_from_now() {
    let t0 = Instant::now();
    let mut a = Activity::new(t0, Some(TIMEOUT));
    a.set_hold(t0 + Duration::from_secs(10), true);
    assert!(a.is_held());
    assert_eq!(a.poll_timeout(), None);
    a.handle_timeout(t0 + Duration::from_secs(3600));
    assert_eq!(a.poll_event(), None, "silent for an hour on hold");
    let resume = t0 + Duration::from_secs(3600);
    a.set_hold(resume, false);
    assert_eq!(
        drive(&mut a, resume + Duration::from_secs(1000)),
        [resume + TIMEOUT]
    );
}

#[test]
fn disabled_timeout_never_fires() {
    let t0 = Instant::now();
    let mut a = Activity::new(t0, None);
    assert_eq!(a.poll_timeout(), None);
    a.handle_timeout(t0 + Duration::from_secs(86_400));
    assert_eq!(a.poll_event(), None);
    a.set_timeout(Some(Duration::from_secs(30)));
    assert_eq!(a.poll_timeout(), Some(t0 + Duration::from_secs(30)));
}
