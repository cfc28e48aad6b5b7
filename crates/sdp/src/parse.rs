//! The SDP parser: liberal about line endings, trailing spaces, a missing
//! `s=` or `t=` and unknown lines (real phones send all of these); strict
//! about what pbxd acts on: `m=` syntax, ports, payload types, `c=`.
//!
//! Hostile input is bounded: [`MAX_LEN`] bytes, [`MAX_LINES`] lines,
//! [`MAX_MEDIA`] media sections. Nothing here panics on any input.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::attribute::Attribute;
use crate::codec::{parse_digits, PayloadType};
use crate::error::SdpError;
use crate::model::{
    is_rtp_protocol, Bandwidth, Connection, Formats, Media, MediaKind, Origin, OtherLine,
    SessionDescription, Timing,
};

/// Largest SDP body accepted, in bytes.
pub const MAX_LEN: usize = 64 * 1024;
/// Most non-empty lines accepted in one body.
pub const MAX_LINES: usize = 4096;
/// Most `m=` sections accepted in one body.
pub const MAX_MEDIA: usize = 256;

impl SessionDescription {
    /// Parses an SDP body as carried in a SIP message.
    ///
    /// Invalid UTF-8 in free-text fields is replaced, not rejected.
    pub fn parse(input: &[u8]) -> Result<SessionDescription, SdpError> {
        if input.len() > MAX_LEN {
            return Err(SdpError::TooLarge {
                len: input.len(),
                max: MAX_LEN,
            });
        }
        let text = String::from_utf8_lossy(input);
        Parser::default().run(&text)
    }
}

impl FromStr for SessionDescription {
    type Err = SdpError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SessionDescription::parse(s.as_bytes())
    }
}

/// Accumulates the session while lines are read.
#[derive(Default)]
struct Parser {
    seen_version: bool,
    origin: Option<Origin>,
    session_name: Option<String>,
    info: Option<String>,
    uri: Option<String>,
    emails: Vec<String>,
    phones: Vec<String>,
    connection: Option<Connection>,
    bandwidths: Vec<Bandwidth>,
    timings: Vec<Timing>,
    time_zones: Option<String>,
    key: Option<String>,
    attributes: Vec<Attribute>,
    other_lines: Vec<OtherLine>,
    media: Vec<Media>,
}

impl Parser {
    fn run(mut self, text: &str) -> Result<SessionDescription, SdpError> {
        let mut count = 0usize;
        for (idx, raw) in text.split('\n').enumerate() {
            let line_no = idx + 1;
            // Liberal: LF-only endings, trailing blanks and blank lines.
            let line = raw.trim_end();
            if line.is_empty() {
                continue;
            }
            count += 1;
            if count > MAX_LINES {
                return Err(SdpError::TooManyLines { max: MAX_LINES });
            }
            let mut chars = line.chars();
            let (Some(kind), Some('=')) = (chars.next(), chars.next()) else {
                return Err(malformed(line_no, "line is not <type>=<value>"));
            };
            if !kind.is_ascii_alphabetic() {
                return Err(malformed(line_no, "line type is not a letter"));
            }
            let value = chars.as_str();
            if !self.seen_version {
                if kind != 'v' {
                    return Err(malformed(line_no, "SDP must start with v="));
                }
                if value.trim() != "0" {
                    return Err(malformed(line_no, "unsupported SDP version"));
                }
                self.seen_version = true;
                continue;
            }
            if self.media.is_empty() {
                self.session_line(line_no, kind, value)?;
            } else {
                self.media_line(line_no, kind, value)?;
            }
        }
        self.finish()
    }

    fn session_line(&mut self, line_no: usize, kind: char, value: &str) -> Result<(), SdpError> {
        match kind {
            'v' => return Err(malformed(line_no, "duplicate v=")),
            'o' => {
                if self.origin.is_some() {
                    return Err(malformed(line_no, "duplicate o="));
                }
                self.origin = Some(parse_origin(value).ok_or(malformed(line_no, "bad o= line"))?);
            }
            's' => set_once(&mut self.session_name, value, line_no, "duplicate s=")?,
            'i' => set_once(&mut self.info, value, line_no, "duplicate i=")?,
            'u' => set_once(&mut self.uri, value, line_no, "duplicate u=")?,
            'e' => self.emails.push(value.to_owned()),
            'p' => self.phones.push(value.to_owned()),
            'c' => {
                if self.connection.is_some() {
                    return Err(malformed(line_no, "duplicate session c="));
                }
                self.connection = Some(parse_connection(value).map_err(|r| malformed(line_no, r))?);
            }
            'b' => self.bandwidths.push(parse_bandwidth(value, line_no)?),
            't' => self.timings.push(parse_timing(value, line_no)?),
            'r' => match self.timings.last_mut() {
                Some(t) => t.repeats.push(value.to_owned()),
                None => return Err(malformed(line_no, "r= without t=")),
            },
            'z' => set_once(&mut self.time_zones, value, line_no, "duplicate z=")?,
            'k' => set_once(&mut self.key, value, line_no, "duplicate k=")?,
            'a' => self.attributes.push(parse_attribute(value, line_no)?),
            'm' => self.start_media(line_no, value)?,
            other => self.other_lines.push(OtherLine {
                kind: other,
                value: value.to_owned(),
            }),
        }
        Ok(())
    }

    fn media_line(&mut self, line_no: usize, kind: char, value: &str) -> Result<(), SdpError> {
        if kind == 'm' {
            return self.start_media(line_no, value);
        }
        let Some(media) = self.media.last_mut() else {
            return Err(malformed(line_no, "media line outside a media section"));
        };
        match kind {
            'i' => set_once(&mut media.info, value, line_no, "duplicate media i=")?,
            'c' => {
                if media.connection.is_some() {
                    return Err(malformed(line_no, "duplicate media c="));
                }
                media.connection =
                    Some(parse_connection(value).map_err(|r| malformed(line_no, r))?);
            }
            'b' => media.bandwidths.push(parse_bandwidth(value, line_no)?),
            'k' => set_once(&mut media.key, value, line_no, "duplicate media k=")?,
            'a' => media.attributes.push(parse_attribute(value, line_no)?),
            'v' | 'o' | 's' | 'u' | 'e' | 'p' | 't' | 'r' | 'z' => {
                return Err(malformed(
                    line_no,
                    "session-level line inside a media section",
                ));
            }
            other => media.other_lines.push(OtherLine {
                kind: other,
                value: value.to_owned(),
            }),
        }
        Ok(())
    }

    fn start_media(&mut self, line_no: usize, value: &str) -> Result<(), SdpError> {
        if self.media.len() >= MAX_MEDIA {
            return Err(SdpError::TooManyMedia { max: MAX_MEDIA });
        }
        self.media
            .push(parse_media(value).map_err(|r| malformed(line_no, r))?);
        Ok(())
    }

    fn finish(self) -> Result<SessionDescription, SdpError> {
        if !self.seen_version {
            return Err(SdpError::MissingLine { line: 'v' });
        }
        let origin = self.origin.ok_or(SdpError::MissingLine { line: 'o' })?;
        if self.connection.is_none() {
            // RFC 8866 §5.7: c= at session level or in every (active) m= section.
            if let Some(idx) = self
                .media
                .iter()
                .position(|m| m.port != 0 && m.connection.is_none())
            {
                return Err(SdpError::MissingConnection { media_index: idx });
            }
        }
        Ok(SessionDescription {
            origin,
            // Liberal: some phones omit s=; RFC 8866 §5.3 suggests "-".
            session_name: self.session_name.unwrap_or_else(|| "-".to_owned()),
            info: self.info,
            uri: self.uri,
            emails: self.emails,
            phones: self.phones,
            connection: self.connection,
            bandwidths: self.bandwidths,
            timings: self.timings,
            time_zones: self.time_zones,
            key: self.key,
            attributes: self.attributes,
            other_lines: self.other_lines,
            media: self.media,
        })
    }
}

fn malformed(line_no: usize, reason: &'static str) -> SdpError {
    SdpError::Malformed { line_no, reason }
}

fn set_once(
    slot: &mut Option<String>,
    value: &str,
    line_no: usize,
    reason: &'static str,
) -> Result<(), SdpError> {
    if slot.is_some() {
        return Err(malformed(line_no, reason));
    }
    *slot = Some(value.to_owned());
    Ok(())
}

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>`.
fn parse_origin(value: &str) -> Option<Origin> {
    let f: Vec<&str> = value.split_whitespace().collect();
    let [username, session_id, session_version, net_type, addr_type, address] = f[..] else {
        return None;
    };
    Some(Origin {
        username: username.to_owned(),
        session_id: session_id.to_owned(),
        session_version: session_version.to_owned(),
        net_type: net_type.to_owned(),
        addr_type: addr_type.to_owned(),
        address: address.to_owned(),
    })
}

/// `c=IN IP4 <addr>[/ttl[/n]]` or `c=IN IP6 <addr>[/n]` (RFC 8866 §5.7).
pub(crate) fn parse_connection(value: &str) -> Result<Connection, &'static str> {
    let f: Vec<&str> = value.split_whitespace().collect();
    let [net, kind, addr] = f[..] else {
        return Err("c= needs <nettype> <addrtype> <address>");
    };
    if !net.eq_ignore_ascii_case("IN") {
        return Err("c= network type is not IN");
    }
    let mut parts = addr.split('/');
    let host = parts.next().unwrap_or_default();
    let first = parts.next();
    let second = parts.next();
    if parts.next().is_some() {
        return Err("c= address has too many / parts");
    }
    let num =
        |s: &str, max: usize| parse_digits(s, max).ok_or("c= multicast suffix is not a number");
    if kind.eq_ignore_ascii_case("IP4") {
        let ip: Ipv4Addr = host
            .parse()
            .map_err(|_| "c= IP4 address is not an IPv4 literal")?;
        let ttl = match first {
            Some(t) => Some(u8::try_from(num(t, 3)?).map_err(|_| "c= TTL out of range")?),
            None => None,
        };
        let count = match second {
            Some(c) => Some(u32::try_from(num(c, 10)?).map_err(|_| "c= count out of range")?),
            None => None,
        };
        Ok(Connection {
            address: IpAddr::V4(ip),
            ttl,
            count,
        })
    } else if kind.eq_ignore_ascii_case("IP6") {
        let ip: Ipv6Addr = host
            .parse()
            .map_err(|_| "c= IP6 address is not an IPv6 literal")?;
        if second.is_some() {
            return Err("c= IP6 address has a TTL");
        }
        let count = match first {
            Some(c) => Some(u32::try_from(num(c, 10)?).map_err(|_| "c= count out of range")?),
            None => None,
        };
        Ok(Connection {
            address: IpAddr::V6(ip),
            ttl: None,
            count,
        })
    } else {
        Err("c= address type is not IP4 or IP6")
    }
}

/// `m=<media> <port>[/<count>] <proto> <fmt> ...` (RFC 8866 §5.14).
fn parse_media(value: &str) -> Result<Media, &'static str> {
    let mut it = value.split_whitespace();
    let (Some(kind), Some(port_spec), Some(protocol)) = (it.next(), it.next(), it.next()) else {
        return Err("m= needs <media> <port> <proto> <fmt>");
    };
    let (port, port_count) = match port_spec.split_once('/') {
        Some((p, n)) => (p, Some(n)),
        None => (port_spec, None),
    };
    let port = parse_port(port).ok_or("m= port is not 0-65535")?;
    let port_count = match port_count {
        Some(n) => match parse_port(n) {
            Some(n) if n > 0 => Some(n),
            _ => return Err("m= port count is not 1-65535"),
        },
        None => None,
    };
    let formats = if is_rtp_protocol(protocol) {
        let pts = it
            .map(PayloadType::parse)
            .collect::<Option<Vec<_>>>()
            .ok_or("m= payload type is not 0-127")?;
        Formats::Rtp(pts)
    } else {
        Formats::Other(it.map(str::to_owned).collect())
    };
    // RFC 8866 §5.14 requires a format; tolerate none on a rejected stream.
    if formats.is_empty() && port != 0 {
        return Err("m= line lists no formats");
    }
    let mut media = Media::new(MediaKind::from_token(kind), port, protocol, formats);
    media.port_count = port_count;
    Ok(media)
}

fn parse_port(s: &str) -> Option<u16> {
    u16::try_from(parse_digits(s, 5)?).ok()
}

fn parse_bandwidth(value: &str, line_no: usize) -> Result<Bandwidth, SdpError> {
    let (kind, v) = value
        .split_once(':')
        .ok_or(malformed(line_no, "b= needs <type>:<value>"))?;
    let kind = kind.trim();
    let value = parse_digits(v.trim(), 20).ok_or(malformed(line_no, "b= value is not a number"))?;
    if kind.is_empty() || kind.contains(char::is_whitespace) {
        return Err(malformed(line_no, "b= type is empty"));
    }
    Ok(Bandwidth {
        kind: kind.to_owned(),
        value,
    })
}

fn parse_timing(value: &str, line_no: usize) -> Result<Timing, SdpError> {
    let f: Vec<&str> = value.split_whitespace().collect();
    let [start, stop] = f[..] else {
        return Err(malformed(line_no, "t= needs <start> <stop>"));
    };
    let num = |s| parse_digits(s, 20).ok_or(malformed(line_no, "t= time is not a number"));
    Ok(Timing {
        start: num(start)?,
        stop: num(stop)?,
        repeats: Vec::new(),
    })
}

fn parse_attribute(value: &str, line_no: usize) -> Result<Attribute, SdpError> {
    Attribute::parse(value).ok_or(malformed(line_no, "a= has an empty name"))
}
