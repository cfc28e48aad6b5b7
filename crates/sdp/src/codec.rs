//! Payload types, codec names and the `rtpmap`/`fmtp` attributes that tie
//! them together (RFC 8866 §6.6, §6.15; RFC 3551 §6 static assignments).

use std::fmt;

/// An RTP payload type, 0–127 (RFC 3550 §5.1: 7 bits).
///
/// Exists so that a number taken from an `m=` line or an `rtpmap` is known to
/// be in range wherever it travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PayloadType(u8);

impl PayloadType {
    /// G.711 µ-law, static (RFC 3551).
    pub const PCMU: PayloadType = PayloadType(0);
    /// GSM full rate, static (RFC 3551).
    pub const GSM: PayloadType = PayloadType(3);
    /// G.711 A-law, static (RFC 3551).
    pub const PCMA: PayloadType = PayloadType(8);
    /// G.722, static (RFC 3551; RTP clock 8000 despite 16 kHz audio).
    pub const G722: PayloadType = PayloadType(9);
    /// Comfort noise, static (RFC 3389).
    pub const CN: PayloadType = PayloadType(13);
    /// G.729, static (RFC 3551).
    pub const G729: PayloadType = PayloadType(18);

    /// Wraps `value` if it is a valid payload type (0–127).
    #[must_use]
    pub fn new(value: u8) -> Option<Self> {
        (value <= 127).then_some(PayloadType(value))
    }

    /// The numeric value, as written on the `m=` line.
    #[must_use]
    pub fn get(self) -> u8 {
        self.0
    }

    /// Whether this is a dynamic payload type (96–127) that needs an `rtpmap`.
    #[must_use]
    pub fn is_dynamic(self) -> bool {
        self.0 >= 96
    }

    /// Parses a payload type strictly: decimal digits only, 0–127.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        parse_digits(s, 3)
            .and_then(|v| u8::try_from(v).ok())
            .and_then(Self::new)
    }
}

impl fmt::Display for PayloadType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The audio codecs Rotary's configuration can allow, named on the wire
/// exactly as the config names them (`PCMU`, `PCMA`, `G722`, `G729`, `GSM`, `opus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Codec {
    /// G.711 µ-law.
    Pcmu,
    /// G.711 A-law.
    Pcma,
    /// G.722 wideband.
    G722,
    /// G.729.
    G729,
    /// GSM full rate.
    Gsm,
    /// Opus (RFC 7587): always `opus/48000/2` on the wire.
    Opus,
    /// G.726 at 32 kbit/s, `G726-32/8000` with a dynamic payload type (RFC 3551 §4.5.4).
    G726,
}

impl Codec {
    /// Every codec this crate knows by name.
    pub const ALL: [Codec; 7] = [
        Codec::Pcmu,
        Codec::Pcma,
        Codec::G722,
        Codec::G729,
        Codec::Gsm,
        Codec::Opus,
        Codec::G726,
    ];

    /// Looks a codec up by its SDP encoding name, case-insensitively (RFC 8866 §6.6).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Codec> {
        Codec::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// The encoding name as our config and our SDP write it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
            Codec::G722 => "G722",
            Codec::G729 => "G729",
            Codec::Gsm => "GSM",
            Codec::Opus => "opus",
            Codec::G726 => "G726-32",
        }
    }

    /// The RFC 3551 static payload type, `None` for codecs with a dynamic one.
    #[must_use]
    pub fn static_payload_type(self) -> Option<PayloadType> {
        match self {
            Codec::Pcmu => Some(PayloadType::PCMU),
            Codec::Pcma => Some(PayloadType::PCMA),
            Codec::G722 => Some(PayloadType::G722),
            Codec::G729 => Some(PayloadType::G729),
            Codec::Gsm => Some(PayloadType::GSM),
            Codec::Opus | Codec::G726 => None,
        }
    }

    /// The RTP clock rate written in `rtpmap` (8000 for G.722, RFC 3551 §4.5.2).
    #[must_use]
    pub fn clock_rate(self) -> u32 {
        match self {
            Codec::Opus => 48_000,
            _ => 8_000,
        }
    }

    /// The channel count written in `rtpmap`, if one is written (only Opus: 2).
    #[must_use]
    pub fn channels(self) -> Option<u16> {
        match self {
            Codec::Opus => Some(2),
            _ => None,
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed `a=rtpmap:<pt> <encoding>/<clock>[/<channels>]` (RFC 8866 §6.6).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RtpMap {
    /// The payload type this mapping describes.
    pub payload_type: PayloadType,
    /// Encoding name as written by the peer (compare case-insensitively).
    pub encoding: String,
    /// RTP clock rate in Hz.
    pub clock_rate: u32,
    /// Audio channel count, when written.
    pub channels: Option<u16>,
}

impl RtpMap {
    /// Parses the value of an `rtpmap` attribute (the part after `a=rtpmap:`).
    ///
    /// Returns `None` when the value is unusable; the raw attribute stays in
    /// the model either way.
    #[must_use]
    pub fn parse(value: &str) -> Option<RtpMap> {
        let (pt, rest) = split_pt(value)?;
        let mut parts = rest.split('/');
        let encoding = parts.next()?.trim();
        if encoding.is_empty() || encoding.contains(char::is_whitespace) {
            return None;
        }
        let clock_rate = parse_digits(parts.next()?.trim(), 10)?;
        let clock_rate = u32::try_from(clock_rate).ok()?;
        let channels = match parts.next() {
            Some(c) => Some(u16::try_from(parse_digits(c.trim(), 5)?).ok()?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(RtpMap {
            payload_type: pt,
            encoding: encoding.to_owned(),
            clock_rate,
            channels,
        })
    }

    /// The implied mapping of an RFC 3551 static audio payload type, used when
    /// an offer lists e.g. `0 8` without `rtpmap` lines.
    #[must_use]
    pub fn for_static(pt: PayloadType) -> Option<RtpMap> {
        let (encoding, clock_rate, channels) = match pt.get() {
            0 => ("PCMU", 8_000, None),
            3 => ("GSM", 8_000, None),
            4 => ("G723", 8_000, None),
            5 => ("DVI4", 8_000, None),
            6 => ("DVI4", 16_000, None),
            7 => ("LPC", 8_000, None),
            8 => ("PCMA", 8_000, None),
            9 => ("G722", 8_000, None),
            10 => ("L16", 44_100, Some(2)),
            11 => ("L16", 44_100, None),
            12 => ("QCELP", 8_000, None),
            13 => ("CN", 8_000, None),
            14 => ("MPA", 90_000, None),
            15 => ("G728", 8_000, None),
            16 => ("DVI4", 11_025, None),
            17 => ("DVI4", 22_050, None),
            18 => ("G729", 8_000, None),
            _ => return None,
        };
        Some(RtpMap {
            payload_type: pt,
            encoding: encoding.to_owned(),
            clock_rate,
            channels,
        })
    }

    /// The mapping we write for `codec` at payload type `pt`.
    #[must_use]
    pub fn for_codec(codec: Codec, pt: PayloadType) -> RtpMap {
        RtpMap {
            payload_type: pt,
            encoding: codec.name().to_owned(),
            clock_rate: codec.clock_rate(),
            channels: codec.channels(),
        }
    }

    /// Whether this is RFC 4733 `telephone-event` (DTMF), which is negotiated
    /// alongside codecs rather than as one.
    #[must_use]
    pub fn is_telephone_event(&self) -> bool {
        self.encoding.eq_ignore_ascii_case(TELEPHONE_EVENT)
    }

    /// Whether the encoding name matches `name` case-insensitively.
    #[must_use]
    pub fn is_named(&self, name: &str) -> bool {
        self.encoding.eq_ignore_ascii_case(name)
    }

    /// The codec this mapping names, if it is one Rotary knows.
    #[must_use]
    pub fn codec(&self) -> Option<Codec> {
        Codec::from_name(&self.encoding)
    }
}

impl fmt::Display for RtpMap {
    /// Writes the attribute value (without `a=rtpmap:`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}/{}",
            self.payload_type, self.encoding, self.clock_rate
        )?;
        if let Some(ch) = self.channels {
            write!(f, "/{ch}")?;
        }
        Ok(())
    }
}

/// A parsed `a=fmtp:<pt> <params>` (RFC 8866 §6.15); parameters stay opaque.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fmtp {
    /// The payload type the parameters apply to.
    pub payload_type: PayloadType,
    /// Format-specific parameters, e.g. `0-16` or `useinbandfec=1`.
    pub params: String,
}

impl Fmtp {
    /// Parses the value of an `fmtp` attribute (the part after `a=fmtp:`).
    #[must_use]
    pub fn parse(value: &str) -> Option<Fmtp> {
        let (payload_type, params) = split_pt(value)?;
        Some(Fmtp {
            payload_type,
            params: params.trim().to_owned(),
        })
    }
}

impl fmt::Display for Fmtp {
    /// Writes the attribute value (without `a=fmtp:`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.payload_type, self.params)
    }
}

/// The RFC 4733 encoding name for DTMF events.
pub(crate) const TELEPHONE_EVENT: &str = "telephone-event";

/// Splits `"<pt> rest"` into a payload type and the rest (rest may be empty).
pub(crate) fn split_pt(value: &str) -> Option<(PayloadType, &str)> {
    let value = value.trim_start();
    let (pt, rest) = match value.find(char::is_whitespace) {
        Some(i) => (&value[..i], &value[i..]),
        None => (value, ""),
    };
    Some((PayloadType::parse(pt)?, rest.trim_start()))
}

/// Parses ASCII decimal digits only (no sign, no spaces), at most `max_len` of them.
pub(crate) fn parse_digits(s: &str, max_len: usize) -> Option<u64> {
    if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtpmap_parses_and_prints_back() {
        for text in [
            "0 PCMU/8000",
            "111 opus/48000/2",
            "101 telephone-event/8000",
        ] {
            let map = RtpMap::parse(text).expect(text);
            assert_eq!(map.to_string(), text);
        }
    }

    #[test]
    fn rtpmap_rejects_bad_values() {
        for text in [
            "",
            "128 PCMU/8000",
            "x PCMU/8000",
            "0",
            "0 PCMU",
            "0 /8000",
            "0 PCMU/8000/1/2",
            "0 PCMU/99999999999",
            "0 PCMU/-1",
            "0 opus/48000/70000",
        ] {
            assert_eq!(RtpMap::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn static_table_covers_config_codecs() {
        for codec in Codec::ALL {
            if let Some(pt) = codec.static_payload_type() {
                let map = RtpMap::for_static(pt).expect("static");
                assert_eq!(map.codec(), Some(codec));
                assert_eq!(map, RtpMap::for_codec(codec, pt));
            }
        }
        assert_eq!(RtpMap::for_static(PayloadType(96)), None);
    }

    #[test]
    fn payload_type_bounds() {
        assert!(PayloadType::new(127).is_some());
        assert!(PayloadType::new(128).is_none());
        assert_eq!(PayloadType::parse("+1"), None);
        assert_eq!(PayloadType::parse("0127"), None);
        assert_eq!(PayloadType::parse("007"), Some(PayloadType(7)));
    }

    #[test]
    fn fmtp_keeps_params_opaque() {
        let f = Fmtp::parse("101 0-16").expect("fmtp");
        assert_eq!((f.payload_type.get(), f.params.as_str()), (101, "0-16"));
        assert_eq!(Fmtp::parse("96").map(|f| f.params), Some(String::new()));
    }
}
