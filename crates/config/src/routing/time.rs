//! Time conditions (DUC guide 5.2.3): weekly business hours, holidays, a time zone and a
//! day/night override, each branching to a destination.
//!
//! Evaluating a condition at an instant is `rotary-dialplan`'s job; this module holds the
//! data and the small calendar types it is written in (`HH:MM`, `YYYY-MM-DD`, IANA zone
//! names).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Destination, RoutingError, TimeConditionId};

/// A time condition: "during these hours, except on these holidays, go here; otherwise go
/// there".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeCondition {
    /// Unique name.
    pub id: TimeConditionId,
    /// The zone the hours and holidays are written in (default UTC).
    #[serde(default)]
    pub time_zone: TimeZone,
    /// Opening hours; the condition matches inside any of them.
    #[serde(default)]
    pub weekly: Vec<WeeklyRange>,
    /// Days on which the condition does not match, whatever the hours say.
    #[serde(default)]
    pub holidays: Vec<Holiday>,
    /// The day/night switch: follow the schedule, or force either branch.
    #[serde(default)]
    pub mode: OverrideMode,
    /// Where calls go while the condition matches (business hours).
    pub matched: Destination,
    /// Where calls go otherwise.
    pub not_matched: Destination,
}

/// Hours on some days of the week. `start < end` is a range within one day;
/// `start > end` runs past midnight into the next day (22:00–06:00 on Friday covers Friday
/// night and Saturday morning); `start == end` is 24 hours from `start`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeeklyRange {
    /// The days the range starts on; at least one.
    pub days: Vec<Weekday>,
    /// Opening time, inclusive.
    pub start: TimeOfDay,
    /// Closing time, exclusive; `24:00` is the end of the day.
    pub end: TimeOfDay,
}

/// A holiday: a date range, inclusive, in the condition's zone. A yearly holiday ignores
/// the year (a Feb 29 holiday then falls only in leap years, and Dec 24 – Jan 2 wraps
/// the new year).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// What the holiday is called, for traces.
    #[serde(default)]
    pub name: String,
    /// First day.
    pub start: Date,
    /// Last day (equal to `start` for a single day).
    pub end: Date,
    /// Repeat every year on the same month and day.
    #[serde(default)]
    pub yearly: bool,
}

/// The day/night override of a time condition, toggled by the admin or a feature code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverrideMode {
    /// Follow the schedule.
    #[default]
    None,
    /// Always take the matched branch ("day").
    ForceMatch,
    /// Always take the not-matched branch ("night").
    ForceNomatch,
}

/// A day of the week; JSON `"mon"` … `"sun"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Weekday {
    /// Every day, Monday first.
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    /// Days since Monday (Monday = 0).
    #[must_use]
    pub fn index(self) -> u8 {
        self as u8
    }

    /// The day before.
    #[must_use]
    pub fn previous(self) -> Weekday {
        Self::ALL[(usize::from(self.index()) + 6) % 7]
    }
}

/// A time of day with minute resolution, `00:00` to `24:00` (JSON `"HH:MM"`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    /// Midnight at the start of the day.
    pub const MIDNIGHT: TimeOfDay = TimeOfDay(0);
    /// The end of the day (`24:00`).
    pub const END_OF_DAY: TimeOfDay = TimeOfDay(24 * 60);

    /// Builds a time from hours and minutes; `24:00` is allowed, nothing later.
    pub fn new(hour: u8, minute: u8) -> Result<Self, RoutingError> {
        if minute > 59 || hour > 24 || (hour == 24 && minute > 0) {
            return Err(RoutingError::InvalidTime {
                reason: "must be between 00:00 and 24:00",
            });
        }
        Ok(Self(u16::from(hour) * 60 + u16::from(minute)))
    }

    /// Minutes since midnight (0–1440).
    #[must_use]
    pub fn minutes(self) -> u16 {
        self.0
    }
}

impl FromStr for TimeOfDay {
    type Err = RoutingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = RoutingError::InvalidTime {
            reason: "expected HH:MM",
        };
        let (h, m) = s.trim().split_once(':').ok_or(bad)?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return Err(bad);
        }
        let hour = h.parse::<u8>().map_err(|_| bad)?;
        let minute = m.parse::<u8>().map_err(|_| bad)?;
        Self::new(hour, minute)
    }
}

impl TryFrom<String> for TimeOfDay {
    type Error = RoutingError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<TimeOfDay> for String {
    fn from(t: TimeOfDay) -> Self {
        t.to_string()
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl fmt::Debug for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TimeOfDay({self})")
    }
}

/// A calendar date (proleptic Gregorian), JSON `"YYYY-MM-DD"`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// Builds a date; the day must exist in that month (Feb 29 only in leap years).
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, RoutingError> {
        if !(1..=12).contains(&month) {
            return Err(RoutingError::InvalidDate {
                reason: "month must be 01 to 12",
            });
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(RoutingError::InvalidDate {
                reason: "no such day in that month",
            });
        }
        Ok(Self { year, month, day })
    }

    /// The year.
    #[must_use]
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    #[must_use]
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1–31.
    #[must_use]
    pub fn day(self) -> u8 {
        self.day
    }

    /// `(month, day)`, for comparing yearly holidays.
    #[must_use]
    pub fn month_day(self) -> (u8, u8) {
        (self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = RoutingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = RoutingError::InvalidDate {
            reason: "expected YYYY-MM-DD",
        };
        let mut parts = s.trim().split('-');
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad);
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad);
        }
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if !(digits(y) && digits(m) && digits(d)) {
            return Err(bad);
        }
        Self::new(
            y.parse().map_err(|_| bad)?,
            m.parse().map_err(|_| bad)?,
            d.parse().map_err(|_| bad)?,
        )
    }
}

impl TryFrom<String> for Date {
    type Error = RoutingError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Date> for String {
    fn from(d: Date) -> Self {
        d.to_string()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

/// An IANA time zone such as `Europe/Berlin` (JSON: the name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZone(chrono_tz::Tz);

impl Default for TimeZone {
    fn default() -> Self {
        Self::UTC
    }
}

impl TimeZone {
    /// UTC.
    pub const UTC: TimeZone = TimeZone(chrono_tz::Tz::UTC);

    /// The zone, for converting instants to local time.
    #[must_use]
    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }

    /// The IANA name.
    #[must_use]
    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl FromStr for TimeZone {
    type Err = RoutingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim()
            .parse::<chrono_tz::Tz>()
            .map(TimeZone)
            .map_err(|_| RoutingError::UnknownTimeZone)
    }
}

impl TryFrom<String> for TimeZone {
    type Error = RoutingError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<TimeZone> for String {
    fn from(z: TimeZone) -> Self {
        z.name().to_owned()
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Days in `month` of `year` (Gregorian leap rule).
fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => match (year % 4, year % 100, year % 400) {
            (_, _, 0) => 29,
            (_, 0, _) => 28,
            (0, _, _) => 29,
            _ => 28,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_and_print() {
        assert_eq!("09:30".parse::<TimeOfDay>().unwrap().minutes(), 570);
        assert_eq!("9:05".parse::<TimeOfDay>().unwrap().to_string(), "09:05");
        assert_eq!("24:00".parse::<TimeOfDay>().unwrap(), TimeOfDay::END_OF_DAY);
        for bad in ["24:01", "12:60", "1230", "12:3", "ab:cd", ""] {
            assert!(bad.parse::<TimeOfDay>().is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_know_leap_years() {
        assert!("2024-02-29".parse::<Date>().is_ok());
        assert!("2000-02-29".parse::<Date>().is_ok());
        assert!("2023-02-29".parse::<Date>().is_err());
        assert!("1900-02-29".parse::<Date>().is_err());
        assert!("2024-04-31".parse::<Date>().is_err());
        assert!("2024-13-01".parse::<Date>().is_err());
        assert!("24-01-01".parse::<Date>().is_err());
        assert_eq!("2024-12-24".parse::<Date>().unwrap().month_day(), (12, 24));
    }

    #[test]
    fn zones_by_iana_name() {
        let z: TimeZone = serde_json::from_str("\"Europe/Berlin\"").unwrap();
        assert_eq!(z.name(), "Europe/Berlin");
        assert_eq!(TimeZone::default(), TimeZone::UTC);
        assert!("Mars/Olympus".parse::<TimeZone>().is_err());
    }

    #[test]
    fn weekday_previous_wraps() {
        assert_eq!(Weekday::Mon.previous(), Weekday::Sun);
        assert_eq!(Weekday::Sun.previous(), Weekday::Sat);
    }
}
