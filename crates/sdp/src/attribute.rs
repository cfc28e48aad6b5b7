//! `a=` lines: the raw attribute kept verbatim for round-tripping, and the
//! typed views of the ones pbxd acts on (direction, RFC 3605 `rtcp`).

use std::fmt;
use std::net::IpAddr;

use crate::codec::parse_digits;

/// One `a=` line, kept as written so unknown attributes survive a round trip.
///
/// `a=sendrecv` has `value: None`; `a=ptime:20` has name `ptime`, value `20`;
/// `a=foo:` has value `Some("")`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attribute {
    /// The attribute name, before the first `:`.
    pub name: String,
    /// Everything after the first `:`, if there was one.
    pub value: Option<String>,
}

impl Attribute {
    /// A property attribute without a value, e.g. `a=rtcp-mux`.
    #[must_use]
    pub fn flag(name: &str) -> Attribute {
        Attribute {
            name: name.to_owned(),
            value: None,
        }
    }

    /// A value attribute, e.g. `Attribute::new("ptime", "20")`.
    #[must_use]
    pub fn new(name: &str, value: impl Into<String>) -> Attribute {
        Attribute {
            name: name.to_owned(),
            value: Some(value.into()),
        }
    }

    /// Whether this attribute is called `name` (names are case-sensitive in
    /// RFC 8866, but phones vary, so this compares case-insensitively).
    #[must_use]
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// Splits the text after `a=` into name and value.
    pub(crate) fn parse(text: &str) -> Option<Attribute> {
        let (name, value) = match text.split_once(':') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (text, None),
        };
        // Liberal: any non-empty text before `:` is kept as the name.
        if name.is_empty() {
            return None;
        }
        Some(Attribute {
            name: name.to_owned(),
            value,
        })
    }
}

impl fmt::Display for Attribute {
    /// Writes the line body without `a=`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(v) = &self.value {
            write!(f, ":{v}")?;
        }
        Ok(())
    }
}

/// Media direction (RFC 8866 §6.7, RFC 3264 §5.1); absent means `SendRecv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// Send and receive.
    #[default]
    SendRecv,
    /// The author only sends (a holder playing music on hold).
    SendOnly,
    /// The author only receives.
    RecvOnly,
    /// No media either way.
    Inactive,
}

impl Direction {
    /// All four, for iteration.
    pub const ALL: [Direction; 4] = [
        Direction::SendRecv,
        Direction::SendOnly,
        Direction::RecvOnly,
        Direction::Inactive,
    ];

    /// The attribute name that expresses this direction.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The direction an answerer uses for an offered one (RFC 3264 §6.1):
    /// sendonly→recvonly, recvonly→sendonly, inactive→inactive.
    #[must_use]
    pub fn answer(self) -> Direction {
        match self {
            Direction::SendRecv => Direction::SendRecv,
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            Direction::Inactive => Direction::Inactive,
        }
    }

    /// Reads a direction from an attribute, if it is one of the four.
    #[must_use]
    pub fn from_attribute(attr: &Attribute) -> Option<Direction> {
        if attr.value.is_some() {
            return None;
        }
        Direction::ALL.into_iter().find(|d| attr.is(d.name()))
    }

    /// The `a=` attribute for this direction.
    #[must_use]
    pub fn to_attribute(self) -> Attribute {
        Attribute::flag(self.name())
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `a=rtcp:<port> [IN IP4|IP6 <addr>]` (RFC 3605): where the author wants RTCP
/// when it is not on RTP port + 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rtcp {
    /// The RTCP port.
    pub port: u16,
    /// The RTCP address, when it differs from the media's connection address.
    pub address: Option<IpAddr>,
}

impl Rtcp {
    /// Parses the value of an `rtcp` attribute (after `a=rtcp:`).
    #[must_use]
    pub fn parse(value: &str) -> Option<Rtcp> {
        let mut it = value.split_whitespace();
        let port = u16::try_from(parse_digits(it.next()?, 5)?).ok()?;
        let address = match it.next() {
            None => None,
            Some(net) => {
                let kind = it.next()?;
                let addr = it.next()?;
                if !net.eq_ignore_ascii_case("IN") || it.next().is_some() {
                    return None;
                }
                let ip: IpAddr = addr.parse().ok()?;
                let family_ok = match ip {
                    IpAddr::V4(_) => kind.eq_ignore_ascii_case("IP4"),
                    IpAddr::V6(_) => kind.eq_ignore_ascii_case("IP6"),
                };
                if !family_ok {
                    return None;
                }
                Some(ip)
            }
        };
        Some(Rtcp { port, address })
    }
}

impl fmt::Display for Rtcp {
    /// Writes the attribute value (without `a=rtcp:`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.port)?;
        if let Some(ip) = self.address {
            write!(f, " IN {} {ip}", addr_type(ip))?;
        }
        Ok(())
    }
}

/// `IP4` or `IP6` for an address (RFC 8866 §5.7).
pub(crate) fn addr_type(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(_) => "IP4",
        IpAddr::V6(_) => "IP6",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtcp_with_and_without_address() {
        assert_eq!(
            Rtcp::parse("53020"),
            Some(Rtcp {
                port: 53020,
                address: None
            })
        );
        let r = Rtcp::parse("53020 IN IP6 2001:db8::1").expect("rtcp");
        assert_eq!(r.to_string(), "53020 IN IP6 2001:db8::1");
        for bad in [
            "",
            "70000",
            "5 IN IP4",
            "5 IN IP6 192.0.2.1",
            "5 ATM NSAP x",
            "5 IN IP4 1.2.3.4 x",
        ] {
            assert_eq!(Rtcp::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn direction_answers_per_rfc3264() {
        let pairs: Vec<_> = Direction::ALL
            .iter()
            .map(|d| (d.name(), d.answer().name()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("sendrecv", "sendrecv"),
                ("sendonly", "recvonly"),
                ("recvonly", "sendonly"),
                ("inactive", "inactive")
            ]
        );
        assert_eq!(
            Direction::from_attribute(&Attribute::new("sendonly", "x")),
            None
        );
    }

    #[test]
    fn attribute_split_at_first_colon() {
        let a = Attribute::parse("crypto:1 AES inline:abc|2^20|1:4").expect("attr");
        assert_eq!(a.name, "crypto");
        assert_eq!(a.value.as_deref(), Some("1 AES inline:abc|2^20|1:4"));
        assert_eq!(Attribute::parse(":x"), None);
    }
}
