//! Evaluating a time condition at an instant: a pure function of the condition and a UTC
//! time, so DST changes, midnight-spanning hours and leap days are testable without a
//! clock.
//!
//! The instant is converted to the condition's zone first. That conversion is always
//! unambiguous (UTC → local is a function), so the DST edge cases fall out naturally: on
//! the spring-forward day the skipped local hour simply never occurs, and on the
//! fall-back day the repeated hour occurs twice and matches both times.

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};
use rotary_config::routing::{Holiday, OverrideMode, TimeCondition, Weekday, WeeklyRange};

use crate::decision::TimeReason;

/// The result of evaluating a time condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeVerdict {
    /// Whether the condition matches (take the `matched` branch).
    pub matched: bool,
    /// What decided it.
    pub reason: TimeReason,
    /// The local wall-clock time the condition was evaluated at.
    pub local: NaiveDateTime,
}

impl TimeVerdict {
    /// `local` as `YYYY-MM-DD HH:MM Www`, for traces.
    #[must_use]
    pub fn local_text(&self) -> String {
        self.local.format("%Y-%m-%d %H:%M %a").to_string()
    }
}

/// Evaluates `condition` at the instant `now`.
///
/// Order: the override wins; then a holiday means "not matched"; then the weekly ranges.
#[must_use]
pub fn evaluate(condition: &TimeCondition, now: DateTime<Utc>) -> TimeVerdict {
    let local = now.with_timezone(&condition.time_zone.tz()).naive_local();
    let verdict = |matched, reason| TimeVerdict {
        matched,
        reason,
        local,
    };
    match condition.mode {
        OverrideMode::ForceMatch => return verdict(true, TimeReason::Forced),
        OverrideMode::ForceNomatch => return verdict(false, TimeReason::Forced),
        OverrideMode::None => {}
    }
    let date = (local.year(), local.month(), local.day());
    if let Some(h) = condition.holidays.iter().find(|h| holiday_covers(h, date)) {
        let name = h.name.clone();
        return verdict(false, TimeReason::Holiday { name });
    }
    let today = weekday(local.weekday());
    let minute = local.hour() * 60 + local.minute();
    match condition
        .weekly
        .iter()
        .position(|r| range_covers(r, today, minute))
    {
        Some(range) => verdict(true, TimeReason::InHours { range }),
        None => verdict(false, TimeReason::OutsideHours),
    }
}

/// Whether a holiday includes the local date `(year, month, day)`.
fn holiday_covers(h: &Holiday, (year, month, day): (i32, u32, u32)) -> bool {
    if h.yearly {
        let md = (month, day);
        let start = (u32::from(h.start.month()), u32::from(h.start.day()));
        let end = (u32::from(h.end.month()), u32::from(h.end.day()));
        if start <= end {
            start <= md && md <= end
        } else {
            // Wraps the new year, e.g. Dec 24 – Jan 2.
            md >= start || md <= end
        }
    } else {
        let today = (year, month, day);
        let as_tuple = |d: rotary_config::routing::Date| {
            (
                i32::from(d.year()),
                u32::from(d.month()),
                u32::from(d.day()),
            )
        };
        as_tuple(h.start) <= today && today <= as_tuple(h.end)
    }
}

/// Whether a weekly range covers minute `minute` (0–1439) of `today`.
fn range_covers(r: &WeeklyRange, today: Weekday, minute: u32) -> bool {
    let start = u32::from(r.start.minutes());
    let end = u32::from(r.end.minutes());
    let on = |d: Weekday| r.days.contains(&d);
    if start < end {
        on(today) && (start..end).contains(&minute)
    } else {
        // Past midnight (start > end), or 24 hours from `start` (start == end): the part
        // before midnight belongs to the start day, the rest to the day after.
        (on(today) && minute >= start) || (on(today.previous()) && minute < end)
    }
}

/// The configuration's weekday for chrono's.
fn weekday(d: chrono::Weekday) -> Weekday {
    Weekday::ALL[d.num_days_from_monday() as usize % 7]
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    /// A condition from JSON, with both branches hanging up.
    fn cond(zone: &str, weekly: &str, holidays: &str) -> TimeCondition {
        serde_json::from_str(&format!(
            r#"{{"id":"t","time_zone":"{zone}","weekly":{weekly},"holidays":{holidays},
                "matched":{{"type":"hangup"}},"not_matched":{{"type":"hangup"}}}}"#
        ))
        .unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    const OFFICE: &str =
        r#"[{"days":["mon","tue","wed","thu","fri"],"start":"09:00","end":"17:00"}]"#;

    #[test]
    fn office_hours_follow_the_zone_across_dst() {
        let c = cond("America/New_York", OFFICE, "[]");
        // Friday 2024-03-08, EST (UTC-5): 09:00 local = 14:00 UTC.
        assert!(!evaluate(&c, utc(2024, 3, 8, 13, 59)).matched);
        assert!(evaluate(&c, utc(2024, 3, 8, 14, 0)).matched);
        // Monday 2024-03-11, EDT (UTC-4): 09:00 local = 13:00 UTC.
        assert!(evaluate(&c, utc(2024, 3, 11, 13, 0)).matched);
        assert!(
            !evaluate(&c, utc(2024, 3, 11, 21, 0)).matched,
            "17:00 EDT is closed"
        );
        let v = evaluate(&c, utc(2024, 3, 11, 13, 0));
        assert_eq!(v.local_text(), "2024-03-11 09:00 Mon");
        assert_eq!(v.reason, TimeReason::InHours { range: 0 });
    }

    #[test]
    fn the_skipped_spring_hour_never_matches_in_new_york() {
        // 2024-03-10 02:00 EST jumps to 03:00 EDT (07:00 UTC).
        let c = cond(
            "America/New_York",
            r#"[{"days":["sun"],"start":"02:00","end":"03:00"}]"#,
            "[]",
        );
        for minute in (0..24 * 60).step_by(15) {
            let t = utc(2024, 3, 10, 0, 0) + chrono::Duration::minutes(minute);
            assert!(!evaluate(&c, t).matched, "{t}");
        }
        // One week later the hour exists: 02:30 EDT = 06:30 UTC.
        assert!(evaluate(&c, utc(2024, 3, 17, 6, 30)).matched);
    }

    #[test]
    fn the_repeated_autumn_hour_matches_twice_in_berlin() {
        // 2024-10-27: 03:00 CEST falls back to 02:00 CET at 01:00 UTC; 02:00–03:00 local
        // happens at 00:00–01:00 UTC (CEST) and again at 01:00–02:00 UTC (CET).
        let c = cond(
            "Europe/Berlin",
            r#"[{"days":["sun"],"start":"02:00","end":"03:00"}]"#,
            "[]",
        );
        assert!(
            !evaluate(&c, utc(2024, 10, 26, 23, 59)).matched,
            "01:59 CEST"
        );
        assert!(evaluate(&c, utc(2024, 10, 27, 0, 30)).matched, "02:30 CEST");
        assert!(evaluate(&c, utc(2024, 10, 27, 1, 30)).matched, "02:30 CET");
        assert!(!evaluate(&c, utc(2024, 10, 27, 2, 0)).matched, "03:00 CET");
    }

    #[test]
    fn the_spring_gap_in_berlin_moves_opening_by_an_hour_in_utc() {
        // Sunday 2024-03-31: 02:00 CET → 03:00 CEST at 01:00 UTC.
        let c = cond(
            "Europe/Berlin",
            r#"[{"days":["sun"],"start":"01:00","end":"04:00"}]"#,
            "[]",
        );
        assert!(evaluate(&c, utc(2024, 3, 31, 0, 0)).matched, "01:00 CET");
        assert!(evaluate(&c, utc(2024, 3, 31, 0, 59)).matched, "01:59 CET");
        assert!(evaluate(&c, utc(2024, 3, 31, 1, 0)).matched, "03:00 CEST");
        assert!(!evaluate(&c, utc(2024, 3, 31, 2, 0)).matched, "04:00 CEST");
    }

    #[test]
    fn ranges_across_midnight_belong_to_their_start_day() {
        let c = cond(
            "UTC",
            r#"[{"days":["fri"],"start":"22:00","end":"06:00"}]"#,
            "[]",
        );
        // 2024-06-07 is a Friday.
        assert!(!evaluate(&c, utc(2024, 6, 7, 21, 59)).matched);
        assert!(evaluate(&c, utc(2024, 6, 7, 22, 0)).matched);
        assert!(
            evaluate(&c, utc(2024, 6, 8, 5, 59)).matched,
            "Saturday morning"
        );
        assert!(!evaluate(&c, utc(2024, 6, 8, 6, 0)).matched);
        assert!(
            !evaluate(&c, utc(2024, 6, 7, 3, 0)).matched,
            "Friday early morning is Thursday's"
        );
        let all_day = cond(
            "UTC",
            r#"[{"days":["wed"],"start":"00:00","end":"00:00"}]"#,
            "[]",
        );
        assert!(evaluate(&all_day, utc(2024, 6, 5, 0, 0)).matched);
        assert!(evaluate(&all_day, utc(2024, 6, 5, 23, 59)).matched);
        assert!(!evaluate(&all_day, utc(2024, 6, 6, 0, 0)).matched);
        let to_end = cond(
            "UTC",
            r#"[{"days":["wed"],"start":"18:00","end":"24:00"}]"#,
            "[]",
        );
        assert!(evaluate(&to_end, utc(2024, 6, 5, 23, 59)).matched);
        assert!(!evaluate(&to_end, utc(2024, 6, 6, 0, 0)).matched);
    }

    #[test]
    fn holidays_close_the_office_in_local_time() {
        let c = cond(
            "America/New_York",
            OFFICE,
            r#"[{"name":"Independence Day","start":"2024-07-04","end":"2024-07-04"}]"#,
        );
        // Thursday 2024-07-04 10:00 EDT = 14:00 UTC.
        let v = evaluate(&c, utc(2024, 7, 4, 14, 0));
        assert!(!v.matched);
        assert_eq!(
            v.reason,
            TimeReason::Holiday {
                name: "Independence Day".into()
            }
        );
        // 2024-07-05 03:30 UTC is still July 4th in New York (23:30 EDT).
        assert!(matches!(
            evaluate(&c, utc(2024, 7, 5, 3, 30)).reason,
            TimeReason::Holiday { .. }
        ));
        assert!(
            evaluate(&c, utc(2024, 7, 5, 14, 0)).matched,
            "Friday the 5th is open"
        );
        // Not yearly: 2025-07-04 (a Friday) is open.
        assert!(evaluate(&c, utc(2025, 7, 4, 14, 0)).matched);
    }

    #[test]
    fn yearly_holidays_wrap_the_year_and_keep_leap_days() {
        let every_day = r#"[{"days":["mon","tue","wed","thu","fri","sat","sun"],"start":"00:00","end":"24:00"}]"#;
        let c = cond(
            "UTC",
            every_day,
            r#"[{"name":"Winter","start":"2020-12-24","end":"2021-01-02","yearly":true},
                {"name":"Leap","start":"2024-02-29","end":"2024-02-29","yearly":true}]"#,
        );
        assert!(!evaluate(&c, utc(2030, 12, 31, 12, 0)).matched);
        assert!(!evaluate(&c, utc(2031, 1, 2, 12, 0)).matched);
        assert!(evaluate(&c, utc(2031, 1, 3, 12, 0)).matched);
        assert!(evaluate(&c, utc(2031, 12, 23, 12, 0)).matched);
        assert!(
            !evaluate(&c, utc(2028, 2, 29, 12, 0)).matched,
            "leap day in a leap year"
        );
        assert!(evaluate(&c, utc(2027, 2, 28, 12, 0)).matched);
        assert!(
            evaluate(&c, utc(2027, 3, 1, 12, 0)).matched,
            "no Feb 29 in 2027"
        );
    }

    #[test]
    fn the_override_beats_holidays_and_hours() {
        let mut c = cond(
            "UTC",
            OFFICE,
            r#"[{"start":"2024-06-03","end":"2024-06-09"}]"#,
        );
        c.mode = OverrideMode::ForceMatch;
        let v = evaluate(&c, utc(2024, 6, 8, 3, 0));
        assert!(v.matched && v.reason == TimeReason::Forced);
        c.mode = OverrideMode::ForceNomatch;
        assert!(!evaluate(&c, utc(2024, 6, 10, 10, 0)).matched);
        c.mode = OverrideMode::None;
        assert!(evaluate(&c, utc(2024, 6, 10, 10, 0)).matched);
    }
}
