//! Asterisk-style dial patterns (DUC guide 5.3.2 "Dial Patterns"), parsed once when the
//! configuration is read and matched on every call.
//!
//! Syntax (the leading `_` that Asterisk requires is optional here):
//!
//! | symbol | matches |
//! |---|---|
//! | `X` | any digit 0–9 |
//! | `Z` | any digit 1–9 |
//! | `N` | any digit 2–9 |
//! | `[1-5]`, `[137]`, `[*#]` | one symbol from the set (ranges of digits allowed) |
//! | `.` | one or more of anything (last symbol only) |
//! | `!` | zero or more of anything (last symbol only) |
//! | `0`–`9`, `*`, `#`, `+` | itself |
//!
//! Letters are case-insensitive. A pattern matches a whole dialled string, not a prefix.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::RoutingError;

/// A parsed dial pattern such as `_9NXXXXXX` or `00.`.
///
/// Equality is on the text as written. Patterns are ordered for matching by
/// [`DialPattern::cmp_specificity`], not by `Ord`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DialPattern {
    /// The text as the admin wrote it (trimmed), kept for display and storage.
    text: String,
    /// One set of accepted symbols per fixed position.
    elements: Vec<SymbolSet>,
    /// What may follow the fixed positions.
    tail: Tail,
}

/// How a dialled string relates to a pattern; see [`DialPattern::check`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PatternMatch {
    /// The string as it is matches the pattern.
    pub matches: bool,
    /// Some longer string that starts with this one would match: worth waiting for more
    /// digits (overlap dialling, IVR direct dialling).
    pub could_extend: bool,
}

impl DialPattern {
    /// Longest pattern text accepted, in bytes.
    pub const MAX_LEN: usize = 64;

    /// Parses a pattern; errors name the 1-based position of the offending character.
    pub fn parse(text: &str) -> Result<Self, RoutingError> {
        let text = text.trim();
        if text.len() > Self::MAX_LEN {
            return Err(pattern_error(0, "longer than 64 characters"));
        }
        let body = text.strip_prefix('_').unwrap_or(text);
        let offset = text.len() - body.len();
        let bytes = body.as_bytes();
        let mut elements = Vec::with_capacity(bytes.len());
        let mut tail = Tail::None;
        let mut i = 0;
        while i < bytes.len() {
            let pos = offset + i + 1;
            if tail != Tail::None {
                return Err(pattern_error(
                    pos - 1,
                    "'.' and '!' must be the last symbol",
                ));
            }
            match bytes[i] {
                b'.' => tail = Tail::OneOrMore,
                b'!' => tail = Tail::ZeroOrMore,
                b'[' => {
                    let (set, used) = parse_class(&bytes[i..], pos)?;
                    elements.push(set);
                    i += used;
                    continue;
                }
                b => match SymbolSet::for_letter(b) {
                    Some(set) => elements.push(set),
                    None => return Err(pattern_error(pos, "not a digit, X, Z, N, [..], . or !")),
                },
            }
            i += 1;
        }
        if elements.is_empty() && tail != Tail::OneOrMore {
            return Err(pattern_error(
                0,
                "matches nothing useful; give at least one symbol",
            ));
        }
        Ok(Self {
            text: text.to_owned(),
            elements,
            tail,
        })
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `dialled` matches the whole pattern.
    #[must_use]
    pub fn matches(&self, dialled: &str) -> bool {
        self.check(dialled).matches
    }

    /// Whether `dialled` matches now, and whether more digits could still make (or keep) it
    /// a match. `could_extend` without `matches` means "incomplete: wait for more digits".
    #[must_use]
    pub fn check(&self, dialled: &str) -> PatternMatch {
        const NO: PatternMatch = PatternMatch {
            matches: false,
            could_extend: false,
        };
        let bytes = dialled.as_bytes();
        let fixed = self.elements.len();
        let common = bytes.len().min(fixed);
        let prefix_ok = self.elements[..common]
            .iter()
            .zip(&bytes[..common])
            .all(|(set, &b)| set.accepts(b));
        if !prefix_ok {
            return NO;
        }
        if bytes.len() < fixed {
            return PatternMatch {
                matches: false,
                could_extend: true,
            };
        }
        match self.tail {
            Tail::None => PatternMatch {
                matches: bytes.len() == fixed,
                could_extend: false,
            },
            Tail::OneOrMore => PatternMatch {
                matches: bytes.len() > fixed,
                could_extend: true,
            },
            Tail::ZeroOrMore => PatternMatch {
                matches: true,
                could_extend: true,
            },
        }
    }

    /// Fewest symbols a matching string has.
    #[must_use]
    pub fn min_len(&self) -> usize {
        self.elements.len() + usize::from(self.tail == Tail::OneOrMore)
    }

    /// Most symbols a matching string has; `None` when a wildcard makes it unbounded.
    #[must_use]
    pub fn max_len(&self) -> Option<usize> {
        (self.tail == Tail::None).then_some(self.elements.len())
    }

    /// Whether the pattern matches exactly one string (it has no wildcard or class).
    #[must_use]
    pub fn is_literal(&self) -> bool {
        self.tail == Tail::None && self.elements.iter().all(|s| s.count() == 1)
    }

    /// Asterisk's ordering: `Less` means `self` is more specific and should be preferred
    /// when both match. Literal patterns come first; otherwise positions are compared left
    /// to right by how many symbols each accepts (fewer is more specific), with `.` and
    /// `!` after every single-position set. Equal shapes fall back to the text, so the
    /// order is total and stable.
    #[must_use]
    pub fn cmp_specificity(&self, other: &Self) -> Ordering {
        match (self.is_literal(), other.is_literal()) {
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        let len = self.elements.len().max(other.elements.len()) + 1;
        for i in 0..len {
            let ordering = self.weight_at(i).cmp(&other.weight_at(i));
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        self.text.cmp(&other.text)
    }

    /// The specificity weight of position `i`: symbols accepted, wildcards heavier than
    /// any set, the end of the pattern lightest.
    fn weight_at(&self, i: usize) -> u32 {
        match self.elements.get(i) {
            Some(set) => set.count(),
            None if i == self.elements.len() => match self.tail {
                Tail::None => 0,
                Tail::OneOrMore => 1_000,
                Tail::ZeroOrMore => 1_001,
            },
            None => 0,
        }
    }
}

impl FromStr for DialPattern {
    type Err = RoutingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for DialPattern {
    type Error = RoutingError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<DialPattern> for String {
    fn from(p: DialPattern) -> Self {
        p.text
    }
}

impl fmt::Display for DialPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for DialPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DialPattern({})", self.text)
    }
}

/// What may follow the fixed positions of a pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Tail {
    /// Nothing: the string must end there.
    None,
    /// `.`: one or more symbols.
    OneOrMore,
    /// `!`: zero or more symbols.
    ZeroOrMore,
}

/// The symbols one position accepts, as a bit set over `0-9 * # +`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct SymbolSet(u16);

impl SymbolSet {
    /// The set for a single pattern letter or literal, if it is one.
    fn for_letter(b: u8) -> Option<Self> {
        match b.to_ascii_uppercase() {
            b'X' => Some(Self::digits(0, 9)),
            b'Z' => Some(Self::digits(1, 9)),
            b'N' => Some(Self::digits(2, 9)),
            b => symbol_index(b).map(|i| Self(1 << i)),
        }
    }

    /// Digits `low..=high`.
    fn digits(low: u8, high: u8) -> Self {
        Self((low..=high).fold(0, |bits, d| bits | 1 << d))
    }

    /// Whether the dialled byte `b` is in the set.
    fn accepts(self, b: u8) -> bool {
        symbol_index(b).is_some_and(|i| self.0 & (1 << i) != 0)
    }

    /// How many symbols the set accepts.
    fn count(self) -> u32 {
        self.0.count_ones()
    }
}

/// Parses `[...]` at the start of `bytes`; returns the set and the bytes consumed.
/// `pos` is the 1-based position of the `[` in the whole pattern.
fn parse_class(bytes: &[u8], pos: usize) -> Result<(SymbolSet, usize), RoutingError> {
    let close = bytes
        .iter()
        .position(|&b| b == b']')
        .ok_or_else(|| pattern_error(pos, "'[' is never closed with ']'"))?;
    let inner = &bytes[1..close];
    if inner.is_empty() {
        return Err(pattern_error(pos, "empty set '[]'"));
    }
    let mut bits = 0u16;
    let mut j = 0;
    while j < inner.len() {
        let here = pos + 1 + j;
        let b = inner[j];
        let index = symbol_index(b)
            .ok_or_else(|| pattern_error(here, "sets may hold only 0-9, *, # and +"))?;
        if inner.get(j + 1) == Some(&b'-') {
            let high = *inner
                .get(j + 2)
                .ok_or_else(|| pattern_error(here + 1, "range has no upper bound"))?;
            if !b.is_ascii_digit() || !high.is_ascii_digit() {
                return Err(pattern_error(here + 1, "ranges are only for digits"));
            }
            if high < b {
                return Err(pattern_error(here + 1, "range runs backwards"));
            }
            bits |= SymbolSet::digits(b - b'0', high - b'0').0;
            j += 3;
        } else {
            bits |= 1 << index;
            j += 1;
        }
    }
    Ok((SymbolSet(bits), close + 1))
}

/// The bit index of a dialable symbol.
fn symbol_index(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'*' => Some(10),
        b'#' => Some(11),
        b'+' => Some(12),
        _ => None,
    }
}

/// Shorthand for a pattern syntax error.
fn pattern_error(position: usize, reason: &'static str) -> RoutingError {
    RoutingError::InvalidPattern { position, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> DialPattern {
        DialPattern::parse(text).unwrap()
    }

    #[test]
    fn letters_and_sets_match_their_digits() {
        assert!(p("_NXXXXXX").matches("5551234"));
        assert!(!p("_NXXXXXX").matches("1551234"));
        assert!(p("_Z").matches("1") && !p("_Z").matches("0"));
        assert!(p("nxx").matches("200"), "letters are case-insensitive");
        assert!(p("_[1-5]9").matches("39") && !p("_[1-5]9").matches("69"));
        assert!(p("_[137]").matches("7") && !p("_[137]").matches("2"));
        assert!(p("_[1-35-7]").matches("6") && !p("_[1-35-7]").matches("4"));
        assert!(p("_*7X").matches("*75") && !p("_*7X").matches("#75"));
        assert!(p("+49.").matches("+4930123"));
        assert!(p("_[*#]").matches("#"));
    }

    #[test]
    fn dot_needs_one_more_and_bang_zero_or_more() {
        assert!(!p("_9.").matches("9"));
        assert!(p("_9.").matches("91"));
        assert!(p("_9!").matches("9"));
        assert!(p("_9!").matches("9123"));
        assert!(!p("_9!").matches("8"));
        assert!(p(".").matches("anything"));
    }

    #[test]
    fn check_tells_whether_more_digits_could_match() {
        let pat = p("_9NXX");
        assert_eq!(
            pat.check("9"),
            PatternMatch {
                matches: false,
                could_extend: true
            }
        );
        assert_eq!(
            pat.check("9200"),
            PatternMatch {
                matches: true,
                could_extend: false
            }
        );
        assert!(!pat.check("91").could_extend, "N refuses 1");
        assert!(!pat.check("92001").matches && !pat.check("92001").could_extend);
        let open = p("_00.");
        assert_eq!(
            open.check("00"),
            PatternMatch {
                matches: false,
                could_extend: true
            }
        );
        assert_eq!(
            open.check("001"),
            PatternMatch {
                matches: true,
                could_extend: true
            }
        );
    }

    #[test]
    fn parse_errors_name_the_position() {
        let err = |t: &str| match DialPattern::parse(t) {
            Err(RoutingError::InvalidPattern { position, .. }) => position,
            other => panic!("{t}: {other:?}"),
        };
        assert_eq!(err("_9Q1"), 3);
        assert_eq!(err("9Q1"), 2);
        assert_eq!(err("_9[12"), 3);
        assert_eq!(err("_9[]"), 3);
        assert_eq!(err("_9[5-1]"), 5);
        assert_eq!(err("_9[a]"), 4);
        assert_eq!(err("_9.1"), 3);
        assert_eq!(err("_9!X"), 3);
        assert_eq!(err(""), 0);
        assert_eq!(err("_"), 0);
        assert_eq!(err(&"9".repeat(65)), 0);
    }

    #[test]
    fn lengths_and_literals() {
        assert_eq!(p("_9NXX").min_len(), 4);
        assert_eq!(p("_9NXX").max_len(), Some(4));
        assert_eq!(p("_9.").min_len(), 2);
        assert_eq!(p("_9!").min_len(), 1);
        assert_eq!(p("_9!").max_len(), None);
        assert!(p("911").is_literal() && p("_911").is_literal());
        assert!(!p("91X").is_literal());
        assert!(p("_9[1]").is_literal(), "a one-symbol set is a literal");
    }

    #[test]
    fn specificity_follows_asterisk() {
        let mut pats = [
            p("_X."),
            p("_9!"),
            p("_9X."),
            p("_9NXX"),
            p("9123"),
            p("_91XX"),
            p("_9."),
        ];
        pats.sort_by(DialPattern::cmp_specificity);
        let order: Vec<&str> = pats.iter().map(DialPattern::as_str).collect();
        assert_eq!(
            order,
            ["9123", "_91XX", "_9NXX", "_9X.", "_9.", "_9!", "_X."]
        );
    }

    #[test]
    fn serde_round_trips_the_text() {
        let pat: DialPattern = serde_json::from_str("\"_0ZX.\"").unwrap();
        assert_eq!(serde_json::to_string(&pat).unwrap(), "\"_0ZX.\"");
        let err = serde_json::from_str::<DialPattern>("\"_0?\"").unwrap_err();
        assert!(err.to_string().contains("character 3"), "{err}");
    }
}
