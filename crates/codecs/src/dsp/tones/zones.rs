//! Tone tables per country ("Tone Zone" in the admin GUI).
//!
//! Frequencies and cadences are the national values collected in ITU-T E.180
//! Supplement 2 ("Various tones used in national networks"). Levels: North America
//! uses the Precise Tone Plan's levels (dial -13, ringback -19, busy and reorder -24
//! dBm0 per frequency); elsewhere, where the supplement names none, single-frequency
//! tones play at -10 dBm0 and tone pairs at -13 dBm0 per frequency, the middle of the
//! ranges E.180 recommends. Confirmation tone: Telcordia's (three 100 ms bursts of
//! dial tone) where no national one exists.

use std::borrow::Cow;

use super::{ToneFreqs, ToneKind, ToneSegment, ToneSpec};
use ToneFreqs::{Dual, Modulated, Single};

/// A country's set of call-progress tones, chosen by the region setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToneZone {
    /// United States and Canada (North American Precise Tone Plan).
    Us,
    /// United Kingdom.
    Uk,
    /// China.
    China,
    /// Germany.
    Germany,
    /// France.
    France,
    /// Italy.
    Italy,
    /// Japan.
    Japan,
    /// Australia.
    Australia,
    /// Brazil.
    Brazil,
    /// India.
    India,
    /// Russia.
    Russia,
    /// Spain.
    Spain,
    /// Netherlands.
    Netherlands,
    /// Austria.
    Austria,
    /// Belgium.
    Belgium,
    /// Switzerland.
    Switzerland,
    /// Denmark.
    Denmark,
    /// Finland.
    Finland,
    /// Sweden.
    Sweden,
    /// Norway.
    Norway,
    /// Poland.
    Poland,
    /// Portugal.
    Portugal,
    /// New Zealand.
    NewZealand,
    /// South Africa.
    SouthAfrica,
    /// Mexico.
    Mexico,
    /// Israel.
    Israel,
}

impl ToneZone {
    /// Every zone, in the order the GUI lists them.
    pub const ALL: [ToneZone; 26] = [
        ToneZone::Us,
        ToneZone::Uk,
        ToneZone::China,
        ToneZone::Germany,
        ToneZone::France,
        ToneZone::Italy,
        ToneZone::Japan,
        ToneZone::Australia,
        ToneZone::Brazil,
        ToneZone::India,
        ToneZone::Russia,
        ToneZone::Spain,
        ToneZone::Netherlands,
        ToneZone::Austria,
        ToneZone::Belgium,
        ToneZone::Switzerland,
        ToneZone::Denmark,
        ToneZone::Finland,
        ToneZone::Sweden,
        ToneZone::Norway,
        ToneZone::Poland,
        ToneZone::Portugal,
        ToneZone::NewZealand,
        ToneZone::SouthAfrica,
        ToneZone::Mexico,
        ToneZone::Israel,
    ];

    /// Finds a zone by its code (`us`, `uk`, `cn`, `de`, …), ISO country code (`gb`,
    /// `ca`) or English name (`germany`, `united kingdom`), case-insensitively.
    #[must_use]
    pub fn from_name(name: &str) -> Option<ToneZone> {
        let n = name.trim().to_ascii_lowercase().replace(['_', '-'], " ");
        if let Some(z) = ToneZone::ALL
            .iter()
            .find(|z| z.code() == n || z.country().to_ascii_lowercase() == n)
        {
            return Some(*z);
        }
        Some(match n.as_str() {
            "gb" | "great britain" | "england" | "britain" => ToneZone::Uk,
            "ca" | "canada" | "usa" | "united states of america" | "north america" => ToneZone::Us,
            "china" | "prc" => ToneZone::China,
            "holland" => ToneZone::Netherlands,
            "russian federation" => ToneZone::Russia,
            _ => return None,
        })
    }

    /// The zone's short code, as stored in configuration (ISO 3166 country code,
    /// except `uk`).
    #[must_use]
    pub fn code(self) -> &'static str {
        self.table().code
    }

    /// The country's English name.
    #[must_use]
    pub fn country(self) -> &'static str {
        self.table().country
    }

    /// The zone's tone of `kind`.
    #[must_use]
    pub fn spec(self, kind: ToneKind) -> ToneSpec {
        let t = self.table();
        let (segments, repeat): (&'static [ToneSegment], bool) = match kind {
            ToneKind::Dial => (t.dial, true),
            ToneKind::Ringback => (t.ringback, true),
            ToneKind::Busy => (t.busy, true),
            ToneKind::Congestion => (t.congestion, true),
            ToneKind::CallWaiting => (t.call_waiting, true),
            ToneKind::Confirmation => (t.confirmation, false),
        };
        ToneSpec {
            segments: Cow::Borrowed(segments),
            repeat,
        }
    }

    fn table(self) -> &'static Table {
        match self {
            ToneZone::Us => &US,
            ToneZone::Uk => &UK,
            ToneZone::China => &CN,
            ToneZone::Germany => &DE,
            ToneZone::France => &FR,
            ToneZone::Italy => &IT,
            ToneZone::Japan => &JP,
            ToneZone::Australia => &AU,
            ToneZone::Brazil => &BR,
            ToneZone::India => &IN,
            ToneZone::Russia => &RU,
            ToneZone::Spain => &ES,
            ToneZone::Netherlands => &NL,
            ToneZone::Austria => &AT,
            ToneZone::Belgium => &BE,
            ToneZone::Switzerland => &CH,
            ToneZone::Denmark => &DK,
            ToneZone::Finland => &FI,
            ToneZone::Sweden => &SE,
            ToneZone::Norway => &NO,
            ToneZone::Poland => &PL,
            ToneZone::Portugal => &PT,
            ToneZone::NewZealand => &NZ,
            ToneZone::SouthAfrica => &ZA,
            ToneZone::Mexico => &MX,
            ToneZone::Israel => &IL,
        }
    }
}

impl std::fmt::Display for ToneZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// One zone's tones.
struct Table {
    code: &'static str,
    country: &'static str,
    dial: &'static [ToneSegment],
    ringback: &'static [ToneSegment],
    busy: &'static [ToneSegment],
    congestion: &'static [ToneSegment],
    call_waiting: &'static [ToneSegment],
    confirmation: &'static [ToneSegment],
}

/// Level of a single-frequency tone where the zone names none.
const L1: f32 = -10.0;
/// Level per frequency of a tone pair where the zone names none.
const L2: f32 = -13.0;

const fn on(freqs: ToneFreqs, level: f32, ms: u32) -> ToneSegment {
    ToneSegment::tone(freqs, level, ms)
}

const fn off(ms: u32) -> ToneSegment {
    ToneSegment::silence(ms)
}

/// A continuous tone.
const fn hold(freqs: ToneFreqs, level: f32) -> [ToneSegment; 1] {
    [on(freqs, level, 0)]
}

/// A tone `on` ms, silence `off` ms.
const fn beat(freqs: ToneFreqs, level: f32, on_ms: u32, off_ms: u32) -> [ToneSegment; 2] {
    [on(freqs, level, on_ms), off(off_ms)]
}

/// Two bursts and a long pause (UK-style double ring, double call-waiting beeps).
const fn double(
    freqs: ToneFreqs,
    level: f32,
    on1: u32,
    gap: u32,
    on2: u32,
    pause: u32,
) -> [ToneSegment; 4] {
    [
        on(freqs, level, on1),
        off(gap),
        on(freqs, level, on2),
        off(pause),
    ]
}

/// Confirmation: three 100 ms bursts 100 ms apart (played once).
const fn confirm(freqs: ToneFreqs, level: f32) -> [ToneSegment; 6] {
    [
        on(freqs, level, 100),
        off(100),
        on(freqs, level, 100),
        off(100),
        on(freqs, level, 100),
        off(100),
    ]
}

/// Declares one zone's [`Table`].
macro_rules! zone {
    ($name:ident, $code:literal, $country:literal,
     dial: $dial:expr, ringback: $ring:expr, busy: $busy:expr,
     congestion: $cong:expr, call_waiting: $cw:expr, confirmation: $conf:expr $(,)?) => {
        static $name: Table = Table {
            code: $code,
            country: $country,
            dial: &$dial,
            ringback: &$ring,
            busy: &$busy,
            congestion: &$cong,
            call_waiting: &$cw,
            confirmation: &$conf,
        };
    };
}

zone!(US, "us", "United States",
    dial: hold(Dual(350.0, 440.0), -13.0),
    ringback: beat(Dual(440.0, 480.0), -19.0, 2000, 4000),
    busy: beat(Dual(480.0, 620.0), -24.0, 500, 500),
    congestion: beat(Dual(480.0, 620.0), -24.0, 250, 250),
    call_waiting: beat(Single(440.0), -13.0, 300, 9700),
    confirmation: confirm(Dual(350.0, 440.0), -13.0),
);

zone!(UK, "uk", "United Kingdom",
    dial: hold(Dual(350.0, 440.0), L2),
    ringback: double(Dual(400.0, 450.0), L2, 400, 200, 400, 2000),
    busy: beat(Single(400.0), L1, 375, 375),
    congestion: double(Single(400.0), L1, 400, 350, 225, 525),
    call_waiting: beat(Single(400.0), L1, 100, 4000),
    confirmation: confirm(Dual(350.0, 440.0), L2),
);

zone!(CN, "cn", "China",
    dial: hold(Single(450.0), L1),
    ringback: beat(Single(450.0), L1, 1000, 4000),
    busy: beat(Single(450.0), L1, 350, 350),
    congestion: beat(Single(450.0), L1, 700, 700),
    call_waiting: beat(Single(450.0), L1, 400, 4000),
    confirmation: confirm(Single(450.0), L1),
);

zone!(DE, "de", "Germany",
    dial: hold(Single(425.0), L1),
    ringback: beat(Single(425.0), L1, 1000, 4000),
    busy: beat(Single(425.0), L1, 480, 480),
    congestion: beat(Single(425.0), L1, 240, 240),
    call_waiting: double(Single(425.0), L1, 200, 200, 200, 5000),
    confirmation: confirm(Single(425.0), L1),
);

zone!(FR, "fr", "France",
    dial: hold(Single(440.0), L1),
    ringback: beat(Single(440.0), L1, 1500, 3500),
    busy: beat(Single(440.0), L1, 500, 500),
    congestion: beat(Single(440.0), L1, 250, 250),
    call_waiting: beat(Single(440.0), L1, 300, 10000),
    confirmation: confirm(Single(440.0), L1),
);

zone!(IT, "it", "Italy",
    dial: double(Single(425.0), L1, 200, 200, 600, 1000),
    ringback: beat(Single(425.0), L1, 1000, 4000),
    busy: beat(Single(425.0), L1, 500, 500),
    congestion: beat(Single(425.0), L1, 200, 200),
    call_waiting: [
        on(Single(425.0), L1, 400),
        off(100),
        on(Single(425.0), L1, 250),
        off(100),
        on(Single(425.0), L1, 150),
        off(14000),
    ],
    confirmation: confirm(Single(425.0), L1),
);

zone!(JP, "jp", "Japan",
    dial: hold(Single(400.0), L1),
    ringback: beat(Modulated { carrier: 400.0, modulator: 16.0 }, L1, 1000, 2000),
    busy: beat(Single(400.0), L1, 500, 500),
    congestion: beat(Single(400.0), L1, 500, 500),
    call_waiting: beat(Modulated { carrier: 400.0, modulator: 16.0 }, L1, 500, 8000),
    confirmation: confirm(Single(400.0), L1),
);

zone!(AU, "au", "Australia",
    dial: hold(Dual(413.0, 438.0), L2),
    ringback: double(Dual(413.0, 438.0), L2, 400, 200, 400, 2000),
    busy: beat(Single(425.0), L1, 375, 375),
    // Congestion alternates loud and soft bursts, which tells it from busy.
    congestion: [
        on(Single(425.0), L1, 375),
        off(375),
        on(Single(425.0), L1 - 10.0, 375),
        off(375),
    ],
    call_waiting: double(Single(425.0), L1, 200, 200, 200, 4400),
    confirmation: confirm(Dual(413.0, 438.0), L2),
);

zone!(BR, "br", "Brazil",
    dial: hold(Single(425.0), L1),
    ringback: beat(Single(425.0), L1, 1000, 4000),
    busy: beat(Single(425.0), L1, 250, 250),
    congestion: double(Single(425.0), L1, 250, 250, 750, 250),
    call_waiting: beat(Single(425.0), L1, 50, 1000),
    confirmation: confirm(Single(425.0), L1),
);

zone!(IN, "in", "India",
    dial: hold(Modulated { carrier: 400.0, modulator: 25.0 }, L1),
    ringback: double(Modulated { carrier: 400.0, modulator: 25.0 }, L1, 400, 200, 400, 2000),
    busy: beat(Single(400.0), L1, 750, 750),
    congestion: beat(Single(400.0), L1, 250, 250),
    call_waiting: double(Single(400.0), L1, 200, 100, 200, 7500),
    confirmation: confirm(Single(400.0), L1),
);

zone!(RU, "ru", "Russia",
    dial: hold(Single(425.0), L1),
    ringback: beat(Single(425.0), L1, 800, 3200),
    busy: beat(Single(425.0), L1, 350, 350),
    congestion: beat(Single(425.0), L1, 175, 175),
    call_waiting: beat(Single(425.0), L1, 200, 5000),
    confirmation: confirm(Single(425.0), L1),
);

zone!(ES, "es", "Spain",
    dial: hold(Single(425.0), L1),
    ringback: beat(Single(425.0), L1, 1500, 3000),
    busy: beat(Single(425.0), L1, 200, 200),
    congestion: [
        on(Single(425.0), L1, 200),
        off(200),
        on(Single(425.0), L1, 200),
        off(200),
        on(Single(425.0), L1, 200),
        off(600),
    ],
    call_waiting: double(Single(425.0), L1, 175, 175, 175, 3500),
    confirmation: confirm(Single(425.0), L1),
);

zone!(NL, "nl", "Netherlands",
    dial: hold(Single(425.0), L1),
    ringback: beat(Single(425.0), L1, 1000, 4000),
    busy: beat(Single(425.0), L1, 500, 500),
    congestion: beat(Single(425.0), L1, 250, 250),
    call_waiting: beat(Single(425.0), L1, 500, 9500),
    confirmation: confirm(Single(425.0), L1),
);

zone!(AT, "at", "Austria",
    dial: hold(Single(420.0), L1),
    ringback: beat(Single(420.0), L1, 1000, 5000),
    busy: beat(Single(420.0), L1, 400, 400),
    congestion: beat(Single(420.0), L1, 200, 200),
    call_waiting: beat(Single(420.0), L1, 40, 1960),
    confirmation: confirm(Single(420.0), L1),
);

zone!(BE, "be", "Belgium",
    dial: hold(Single(425.0), L1),
    ringback: beat(Single(425.0), L1, 1000, 3000),
    busy: beat(Single(425.0), L1, 500, 500),
    congestion: beat(Single(425.0), L1, 167, 167),
    call_waiting: double(Single(1400.0), L1, 175, 175, 175, 3500),
    confirmation: confirm(Single(425.0), L1),
);

zone!(CH, "ch", "Switzerland",
    dial: hold(Single(425.0), L1),
    ringback: beat(Single(425.0), L1, 1000, 4000),
    busy: beat(Single(425.0), L1, 500, 500),
    congestion: beat(Single(425.0), L1, 200, 200),
    call_waiting: double(Single(425.0), L1, 200, 200, 200, 4000),
    confirmation: confirm(Single(425.0), L1),
);

zone!(DK, "dk", "Denmark",
    dial: hold(Single(425.0), L1),
    ringback: beat(Single(425.0), L1, 1000, 4000),
    busy: beat(Single(425.0), L1, 500, 500),
    congestion: beat(Single(425.0), L1, 200, 200),
    call_waiting: double(Single(425.0), L1, 200, 600, 200, 3000),
    confirmation: confirm(Single(425.0), L1),
);

zone!(FI, "fi", "Finland",
    dial: hold(Single(425.0), L1),
    ringback: beat(Single(425.0), L1, 1000, 4000),
    busy: beat(Single(425.0), L1, 300, 300),
    congestion: beat(Single(425.0), L1, 200, 200),
    call_waiting: double(Single(425.0), L1, 150, 150, 150, 8000),
    confirmation: confirm(Single(425.0), L1),
);

zone!(SE, "se", "Sweden",
    dial: hold(Single(425.0), L1),
    ringback: beat(Single(425.0), L1, 1000, 5000),
    busy: beat(Single(425.0), L1, 250, 250),
    congestion: beat(Single(425.0), L1, 250, 750),
    call_waiting: double(Single(425.0), L1, 200, 500, 200, 5000),
    confirmation: confirm(Single(425.0), L1),
);

zone!(NO, "no", "Norway",
    dial: hold(Single(425.0), L1),
    ringback: beat(Single(425.0), L1, 1000, 4000),
    busy: beat(Single(425.0), L1, 500, 500),
    congestion: beat(Single(425.0), L1, 200, 200),
    call_waiting: double(Single(425.0), L1, 200, 600, 200, 10000),
    confirmation: confirm(Single(425.0), L1),
);

zone!(PL, "pl", "Poland",
    dial: hold(Single(425.0), L1),
    ringback: beat(Single(425.0), L1, 1000, 4000),
    busy: beat(Single(425.0), L1, 500, 500),
    congestion: beat(Single(425.0), L1, 500, 500),
    call_waiting: double(Single(425.0), L1, 150, 150, 150, 4000),
    confirmation: confirm(Single(425.0), L1),
);

zone!(PT, "pt", "Portugal",
    dial: hold(Single(425.0), L1),
    ringback: beat(Single(425.0), L1, 1000, 5000),
    busy: beat(Single(425.0), L1, 500, 500),
    congestion: beat(Single(425.0), L1, 200, 200),
    call_waiting: double(Single(425.0), L1, 200, 200, 200, 5000),
    confirmation: confirm(Single(425.0), L1),
);

zone!(NZ, "nz", "New Zealand",
    dial: hold(Single(400.0), L1),
    ringback: double(Dual(400.0, 450.0), L2, 400, 200, 400, 2000),
    busy: beat(Single(400.0), L1, 500, 500),
    congestion: beat(Single(400.0), L1, 250, 250),
    call_waiting: double(Single(400.0), L1, 250, 250, 250, 3250),
    confirmation: confirm(Single(400.0), L1),
);

zone!(ZA, "za", "South Africa",
    dial: hold(Modulated { carrier: 400.0, modulator: 33.0 }, L1),
    ringback: double(Modulated { carrier: 400.0, modulator: 33.0 }, L1, 400, 200, 400, 2000),
    busy: beat(Single(400.0), L1, 500, 500),
    congestion: beat(Single(400.0), L1, 250, 250),
    call_waiting: double(Modulated { carrier: 400.0, modulator: 33.0 }, L1, 250, 250, 250, 3250),
    confirmation: confirm(Single(400.0), L1),
);

zone!(MX, "mx", "Mexico",
    dial: hold(Single(425.0), L1),
    ringback: beat(Single(425.0), L1, 1000, 4000),
    busy: beat(Single(425.0), L1, 250, 250),
    congestion: beat(Single(425.0), L1, 250, 250),
    call_waiting: double(Single(425.0), L1, 200, 600, 200, 10000),
    confirmation: confirm(Single(425.0), L1),
);

zone!(IL, "il", "Israel",
    dial: hold(Single(414.0), L1),
    ringback: beat(Single(414.0), L1, 1000, 3000),
    busy: beat(Single(414.0), L1, 500, 500),
    congestion: beat(Single(414.0), L1, 250, 250),
    call_waiting: double(Single(414.0), L1, 100, 100, 100, 9700),
    confirmation: confirm(Single(414.0), L1),
);
