//! Writing SDP: RFC 8866 §5 line order, CRLF endings. Unknown lines are
//! written at the end of their section, after the `a=` lines.

use std::fmt::{self, Write};

use crate::attribute::addr_type;
use crate::model::{Bandwidth, Connection, Formats, Media, Origin, SessionDescription};

impl SessionDescription {
    /// The body as bytes, ready to put in a SIP message.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }

    /// Writes everything except the `o=` line: what "the content changed"
    /// means for RFC 3264 §8 version bumps.
    pub(crate) fn write_body(&self, f: &mut impl Write) -> fmt::Result {
        if self.session_name.is_empty() {
            f.write_str("s=-\r\n")?;
        } else {
            write!(f, "s={}\r\n", self.session_name)?;
        }
        line(f, 'i', self.info.as_deref())?;
        line(f, 'u', self.uri.as_deref())?;
        for e in &self.emails {
            write!(f, "e={e}\r\n")?;
        }
        for p in &self.phones {
            write!(f, "p={p}\r\n")?;
        }
        if let Some(c) = &self.connection {
            write!(f, "c={c}\r\n")?;
        }
        for b in &self.bandwidths {
            write!(f, "b={b}\r\n")?;
        }
        if self.timings.is_empty() {
            // RFC 8866 §5.9: t= is mandatory; liberal parsing allowed it absent.
            f.write_str("t=0 0\r\n")?;
        }
        for t in &self.timings {
            write!(f, "t={} {}\r\n", t.start, t.stop)?;
            for r in &t.repeats {
                write!(f, "r={r}\r\n")?;
            }
        }
        line(f, 'z', self.time_zones.as_deref())?;
        line(f, 'k', self.key.as_deref())?;
        for a in &self.attributes {
            write!(f, "a={a}\r\n")?;
        }
        for o in &self.other_lines {
            write!(f, "{}={}\r\n", o.kind, o.value)?;
        }
        for m in &self.media {
            write_media(f, m)?;
        }
        Ok(())
    }
}

impl fmt::Display for SessionDescription {
    /// Writes the whole body with CRLF line endings.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v=0\r\no={}\r\n", self.origin)?;
        self.write_body(f)
    }
}

impl fmt::Display for Origin {
    /// Writes the line body without `o=`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {}",
            self.username,
            self.session_id,
            self.session_version,
            self.net_type,
            self.addr_type,
            self.address
        )
    }
}

impl fmt::Display for Connection {
    /// Writes the line body without `c=`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IN {} {}", addr_type(self.address), self.address)?;
        if let Some(ttl) = self.ttl {
            write!(f, "/{ttl}")?;
        }
        if let Some(n) = self.count {
            write!(f, "/{n}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Bandwidth {
    /// Writes the line body without `b=`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.value)
    }
}

impl fmt::Display for Media {
    /// Writes the whole media section, starting with its `m=` line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_media(f, self)
    }
}

fn write_media(f: &mut impl Write, m: &Media) -> fmt::Result {
    write!(f, "m={} {}", m.kind, m.port)?;
    if let Some(n) = m.port_count {
        write!(f, "/{n}")?;
    }
    write!(f, " {}", m.protocol)?;
    match &m.formats {
        Formats::Rtp(pts) => {
            for pt in pts {
                write!(f, " {pt}")?;
            }
        }
        Formats::Other(tokens) => {
            for t in tokens {
                write!(f, " {t}")?;
            }
        }
    }
    f.write_str("\r\n")?;
    line(f, 'i', m.info.as_deref())?;
    if let Some(c) = &m.connection {
        write!(f, "c={c}\r\n")?;
    }
    for b in &m.bandwidths {
        write!(f, "b={b}\r\n")?;
    }
    line(f, 'k', m.key.as_deref())?;
    for a in &m.attributes {
        write!(f, "a={a}\r\n")?;
    }
    for o in &m.other_lines {
        write!(f, "{}={}\r\n", o.kind, o.value)?;
    }
    Ok(())
}

fn line(f: &mut impl Write, kind: char, value: Option<&str>) -> fmt::Result {
    match value {
        Some(v) => write!(f, "{kind}={v}\r\n"),
        None => Ok(()),
    }
}
