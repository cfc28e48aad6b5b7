//! DTMF (ITU-T Q.23 signalling, Q.24 reception): the 16 keys, an in-band detector for
//! calls that carry digits as audio, and a generator for turning RFC 4733 events or
//! SIP INFO digits back into audio.

mod detect;
mod generate;
mod run;
mod spectrum;

pub use detect::{DetectedDigit, DtmfConfig, DtmfDetector};
pub use generate::DtmfGenerator;

/// One of the 16 DTMF keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DtmfDigit {
    /// Key 0.
    D0,
    /// Key 1.
    D1,
    /// Key 2.
    D2,
    /// Key 3.
    D3,
    /// Key 4.
    D4,
    /// Key 5.
    D5,
    /// Key 6.
    D6,
    /// Key 7.
    D7,
    /// Key 8.
    D8,
    /// Key 9.
    D9,
    /// Key `*`.
    Star,
    /// Key `#`.
    Pound,
    /// Key A (fourth column, rarely on phones).
    A,
    /// Key B.
    B,
    /// Key C.
    C,
    /// Key D.
    D,
}

impl DtmfDigit {
    /// All 16 keys in RFC 4733 event order (0–9, `*`, `#`, A–D).
    pub const ALL: [DtmfDigit; 16] = [
        DtmfDigit::D0,
        DtmfDigit::D1,
        DtmfDigit::D2,
        DtmfDigit::D3,
        DtmfDigit::D4,
        DtmfDigit::D5,
        DtmfDigit::D6,
        DtmfDigit::D7,
        DtmfDigit::D8,
        DtmfDigit::D9,
        DtmfDigit::Star,
        DtmfDigit::Pound,
        DtmfDigit::A,
        DtmfDigit::B,
        DtmfDigit::C,
        DtmfDigit::D,
    ];

    /// The key for a dial-string character: `0`–`9`, `*`, `#`, `A`–`D` (either case).
    #[must_use]
    pub fn from_char(c: char) -> Option<DtmfDigit> {
        let code = match c {
            '0'..='9' => c as u8 - b'0',
            '*' => 10,
            '#' => 11,
            'A'..='D' => c as u8 - b'A' + 12,
            'a'..='d' => c as u8 - b'a' + 12,
            _ => return None,
        };
        DtmfDigit::from_event(code)
    }

    /// The key for an RFC 4733 §3.2 event code (0–15); other events are not keys.
    #[must_use]
    pub fn from_event(code: u8) -> Option<DtmfDigit> {
        DtmfDigit::ALL.get(usize::from(code)).copied()
    }

    /// The dial-string character (`A`–`D` upper case).
    #[must_use]
    pub fn to_char(self) -> char {
        b"0123456789*#ABCD"[self.event() as usize] as char
    }

    /// The RFC 4733 §3.2 event code.
    #[must_use]
    pub fn event(self) -> u8 {
        self as u8
    }

    /// The (low group, high group) frequencies in Hz (Q.23).
    #[must_use]
    pub fn frequencies(self) -> (f32, f32) {
        let (row, col) = self.row_col();
        (ROW_HZ[row], COL_HZ[col])
    }

    /// Row (low group) and column (high group) index on the 4×4 keypad.
    pub(crate) fn row_col(self) -> (usize, usize) {
        for (r, keys) in KEYPAD.iter().enumerate() {
            for (c, &k) in keys.iter().enumerate() {
                if k == self {
                    return (r, c);
                }
            }
        }
        // Every key is on the keypad; this line is never reached.
        (0, 0)
    }

    /// The key at `row`, `col` of the keypad (indices taken modulo 4).
    pub(crate) fn from_row_col(row: usize, col: usize) -> DtmfDigit {
        KEYPAD[row % 4][col % 4]
    }
}

impl std::fmt::Display for DtmfDigit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_char())
    }
}

/// Low-group (row) frequencies, Q.23.
pub(crate) const ROW_HZ: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
/// High-group (column) frequencies, Q.23.
pub(crate) const COL_HZ: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];

/// The keypad: rows are the low group, columns the high group.
const KEYPAD: [[DtmfDigit; 4]; 4] = {
    use DtmfDigit::*;
    [
        [D1, D2, D3, A],
        [D4, D5, D6, B],
        [D7, D8, D9, C],
        [Star, D0, Pound, D],
    ]
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chars_events_and_frequencies() {
        for (i, d) in DtmfDigit::ALL.iter().enumerate() {
            assert_eq!(d.event() as usize, i);
            assert_eq!(DtmfDigit::from_char(d.to_char()), Some(*d));
            let (r, c) = d.row_col();
            assert_eq!(DtmfDigit::from_row_col(r, c), *d);
        }
        assert_eq!(DtmfDigit::from_char('b'), Some(DtmfDigit::B));
        assert_eq!(DtmfDigit::from_char('E'), None);
        assert_eq!(DtmfDigit::from_event(16), None);
        assert_eq!(DtmfDigit::Pound.frequencies(), (941.0, 1477.0));
        assert_eq!(DtmfDigit::D1.frequencies(), (697.0, 1209.0));
        assert_eq!(DtmfDigit::D.to_string(), "D");
    }
}
