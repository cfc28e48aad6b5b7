//! The SDP data model (RFC 8866 §5): one session section and its media
//! sections, with typed fields for the lines pbxd reads and raw storage for
//! everything else so that forwarding a body keeps what we do not understand.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use crate::attribute::{Attribute, Direction, Rtcp};
use crate::codec::{split_pt, Fmtp, PayloadType, RtpMap};

/// A whole SDP body: the session-level lines and the `m=` sections in order.
///
/// Build one with [`SessionDescription::parse`]; write it with `Display` or
/// [`SessionDescription::to_bytes`]. Lines are written in RFC 8866 order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=`: who made this description and its version (RFC 3264 §8 bumps it).
    pub origin: Origin,
    /// `s=`; `"-"` when the peer left it out.
    pub session_name: String,
    /// `i=` at session level.
    pub info: Option<String>,
    /// `u=`.
    pub uri: Option<String>,
    /// `e=` lines.
    pub emails: Vec<String>,
    /// `p=` lines.
    pub phones: Vec<String>,
    /// Session-level `c=`; media-level `c=` overrides it.
    pub connection: Option<Connection>,
    /// Session-level `b=` lines.
    pub bandwidths: Vec<Bandwidth>,
    /// `t=` lines with their `r=` lines; `t=0 0` is written when empty.
    pub timings: Vec<Timing>,
    /// `z=`, kept opaque.
    pub time_zones: Option<String>,
    /// Session-level `k=`, kept opaque (obsolete, RFC 8866 §5.12).
    pub key: Option<String>,
    /// Session-level `a=` lines, in order.
    pub attributes: Vec<Attribute>,
    /// Session-level lines of unknown type, in order (written after `a=`).
    pub other_lines: Vec<OtherLine>,
    /// The `m=` sections, in order.
    pub media: Vec<Media>,
}

/// The `o=` line (RFC 8866 §5.2). Numbers are kept as text because peers do
/// not always respect the 64-bit range and we never do arithmetic on theirs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The user name, `-` when none.
    pub username: String,
    /// Session id (numeric string).
    pub session_id: String,
    /// Session version (numeric string); changes when the description changes.
    pub session_version: String,
    /// Network type, `IN`.
    pub net_type: String,
    /// Address type, `IP4` or `IP6`.
    pub addr_type: String,
    /// Address or host name of the originator.
    pub address: String,
}

/// A `c=` line (RFC 8866 §5.7), always `IN IP4` or `IN IP6` with an IP literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Connection {
    /// The address media goes to; `0.0.0.0` is the RFC 2543 hold form.
    pub address: IpAddr,
    /// IPv4 multicast TTL (`/ttl`).
    pub ttl: Option<u8>,
    /// Multicast address count (`/n`).
    pub count: Option<u32>,
}

impl Connection {
    /// A unicast connection to `address` (what pbxd writes).
    #[must_use]
    pub fn new(address: IpAddr) -> Connection {
        Connection {
            address,
            ttl: None,
            count: None,
        }
    }

    /// Whether the address is `0.0.0.0` or `::`, the RFC 2543 hold form.
    #[must_use]
    pub fn is_unspecified(&self) -> bool {
        self.address.is_unspecified()
    }
}

/// A `b=<type>:<kbps>` line (RFC 8866 §5.8).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Bandwidth {
    /// The modifier, e.g. `AS`, `CT`, `TIAS`.
    pub kind: String,
    /// The value in the unit the modifier defines.
    pub value: u64,
}

/// A `t=` line and the `r=` lines after it (RFC 8866 §5.9, §5.10).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Timing {
    /// Start time (NTP seconds), 0 for unbounded.
    pub start: u64,
    /// Stop time (NTP seconds), 0 for unbounded.
    pub stop: u64,
    /// `r=` lines, opaque.
    pub repeats: Vec<String>,
}

/// A line whose type letter this crate does not know (e.g. the `y=` some
/// cameras send), kept so it can be forwarded.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OtherLine {
    /// The type letter before `=`.
    pub kind: char,
    /// Everything after `=`.
    pub value: String,
}

/// One `m=` section (RFC 8866 §5.14) with its media-level lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Media {
    /// Media type: audio, video, …
    pub kind: MediaKind,
    /// Transport port; 0 means the stream is rejected or disabled (RFC 3264 §5.1).
    pub port: u16,
    /// The `/<n>` port count after the port, if written.
    pub port_count: Option<u16>,
    /// Transport protocol, e.g. `RTP/AVP`, `RTP/SAVP`, `udptl`.
    pub protocol: String,
    /// The formats: payload types for RTP profiles, opaque tokens otherwise.
    pub formats: Formats,
    /// `i=` at media level.
    pub info: Option<String>,
    /// Media-level `c=`, which beats the session-level one.
    pub connection: Option<Connection>,
    /// Media-level `b=` lines.
    pub bandwidths: Vec<Bandwidth>,
    /// Media-level `k=`, opaque.
    pub key: Option<String>,
    /// Media-level `a=` lines, in order.
    pub attributes: Vec<Attribute>,
    /// Media-level lines of unknown type, in order (written after `a=`).
    pub other_lines: Vec<OtherLine>,
}

/// The media type of an `m=` line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// `audio`, the only kind pbxd carries.
    Audio,
    /// `video`.
    Video,
    /// `text` (RFC 4103).
    Text,
    /// `application`.
    Application,
    /// `message` (MSRP).
    Message,
    /// `image` (T.38 fax).
    Image,
    /// Anything else, as written.
    Other(String),
}

impl MediaKind {
    /// Reads the media token of an `m=` line (case-insensitively).
    #[must_use]
    pub fn from_token(token: &str) -> MediaKind {
        const KNOWN: [(&str, MediaKind); 6] = [
            ("audio", MediaKind::Audio),
            ("video", MediaKind::Video),
            ("text", MediaKind::Text),
            ("application", MediaKind::Application),
            ("message", MediaKind::Message),
            ("image", MediaKind::Image),
        ];
        KNOWN
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(token))
            .map_or_else(|| MediaKind::Other(token.to_owned()), |(_, k)| k)
    }

    /// The token written on the `m=` line.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
            MediaKind::Text => "text",
            MediaKind::Application => "application",
            MediaKind::Message => "message",
            MediaKind::Image => "image",
            MediaKind::Other(s) => s,
        }
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The format list of an `m=` line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Formats {
    /// An RTP profile (`RTP/AVP`, `RTP/SAVP`, …): payload types, 0–127.
    Rtp(Vec<PayloadType>),
    /// A non-RTP protocol (`udptl t38`, …): tokens as written.
    Other(Vec<String>),
}

impl Formats {
    /// Number of formats listed.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Formats::Rtp(v) => v.len(),
            Formats::Other(v) => v.len(),
        }
    }

    /// Whether no format is listed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SessionDescription {
    /// Session-level direction attribute, if any.
    #[must_use]
    pub fn direction(&self) -> Option<Direction> {
        self.attributes.iter().find_map(Direction::from_attribute)
    }

    /// The direction in force for `media`: media level beats session level,
    /// and the default is `sendrecv` (RFC 8866 §6.7).
    #[must_use]
    pub fn media_direction(&self, media: &Media) -> Direction {
        media
            .direction()
            .or_else(|| self.direction())
            .unwrap_or_default()
    }

    /// The connection in force for `media`: media `c=` beats session `c=`.
    #[must_use]
    pub fn media_connection<'a>(&'a self, media: &'a Media) -> Option<&'a Connection> {
        media.connection.as_ref().or(self.connection.as_ref())
    }

    /// Where the author wants RTP for `media`, `None` if it has no address.
    #[must_use]
    pub fn rtp_addr(&self, media: &Media) -> Option<SocketAddr> {
        let conn = self.media_connection(media)?;
        Some(SocketAddr::new(conn.address, media.port))
    }

    /// Where the author wants RTCP for `media`: RTP address with `rtcp-mux`,
    /// else `a=rtcp` (RFC 3605), else RTP port + 1 (RFC 3550 §11).
    #[must_use]
    pub fn rtcp_addr(&self, media: &Media) -> Option<SocketAddr> {
        let rtp = self.rtp_addr(media)?;
        if media.rtcp_mux() {
            return Some(rtp);
        }
        if let Some(rtcp) = media.rtcp() {
            return Some(SocketAddr::new(rtcp.address.unwrap_or(rtp.ip()), rtcp.port));
        }
        Some(SocketAddr::new(rtp.ip(), media.port.checked_add(1)?))
    }

    /// The first audio section with a non-zero port, with its index.
    #[must_use]
    pub fn first_active_audio(&self) -> Option<(usize, &Media)> {
        self.media
            .iter()
            .enumerate()
            .find(|(_, m)| m.kind == MediaKind::Audio && m.port != 0)
    }
}

impl Media {
    /// A media section with no attributes, for building answers and tests.
    #[must_use]
    pub fn new(kind: MediaKind, port: u16, protocol: &str, formats: Formats) -> Media {
        Media {
            kind,
            port,
            port_count: None,
            protocol: protocol.to_owned(),
            formats,
            info: None,
            connection: None,
            bandwidths: Vec::new(),
            key: None,
            attributes: Vec::new(),
            other_lines: Vec::new(),
        }
    }

    /// Replaces every direction attribute with `dir`.
    pub fn set_direction(&mut self, dir: Direction) {
        self.attributes
            .retain(|a| Direction::from_attribute(a).is_none());
        self.attributes.push(dir.to_attribute());
    }

    /// Removes every attribute called `name`.
    pub fn remove_attributes(&mut self, name: &str) {
        self.attributes.retain(|a| !a.is(name));
    }

    /// The payload types on the `m=` line (empty for non-RTP protocols).
    #[must_use]
    pub fn payload_types(&self) -> &[PayloadType] {
        match &self.formats {
            Formats::Rtp(v) => v,
            Formats::Other(_) => &[],
        }
    }

    /// Whether the protocol is an RTP profile (`RTP/AVP`, `RTP/SAVPF`, …).
    #[must_use]
    pub fn is_rtp(&self) -> bool {
        is_rtp_protocol(&self.protocol)
    }

    /// The value of the first attribute called `name`; `Some("")` for a flag.
    #[must_use]
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.is(name))
            .map(|a| a.value.as_deref().unwrap_or(""))
    }

    /// Media-level direction attribute, if any.
    #[must_use]
    pub fn direction(&self) -> Option<Direction> {
        self.attributes.iter().find_map(Direction::from_attribute)
    }

    /// Every parseable `a=rtpmap`, in order.
    pub fn rtpmaps(&self) -> impl Iterator<Item = RtpMap> + '_ {
        self.values("rtpmap").filter_map(RtpMap::parse)
    }

    /// The mapping for `pt`: its `rtpmap`, else the RFC 3551 static one.
    #[must_use]
    pub fn rtpmap(&self, pt: PayloadType) -> Option<RtpMap> {
        self.rtpmaps()
            .find(|m| m.payload_type == pt)
            .or_else(|| RtpMap::for_static(pt))
    }

    /// The `fmtp` for `pt`, if any.
    #[must_use]
    pub fn fmtp(&self, pt: PayloadType) -> Option<Fmtp> {
        self.values("fmtp")
            .filter_map(Fmtp::parse)
            .find(|f| f.payload_type == pt)
    }

    /// `a=ptime` in milliseconds.
    #[must_use]
    pub fn ptime(&self) -> Option<u32> {
        self.attribute("ptime")
            .and_then(|v| v.trim().parse::<u32>().ok())
    }

    /// `a=rtcp` (RFC 3605), if present and parseable.
    #[must_use]
    pub fn rtcp(&self) -> Option<Rtcp> {
        self.values("rtcp").find_map(Rtcp::parse)
    }

    /// Whether `a=rtcp-mux` (RFC 5761) is present.
    #[must_use]
    pub fn rtcp_mux(&self) -> bool {
        self.attributes.iter().any(|a| a.is("rtcp-mux"))
    }

    /// The `a=crypto` values (RFC 4568), kept opaque, in order.
    pub fn crypto(&self) -> impl Iterator<Item = &str> + '_ {
        self.values("crypto")
    }

    /// Values of every attribute called `name`.
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.attributes
            .iter()
            .filter(move |a| a.is(name))
            .filter_map(|a| a.value.as_deref())
    }

    /// Drops `rtpmap`/`fmtp`/`rtcp-fb` attributes of payload types not kept.
    pub(crate) fn retain_payload_attributes(&mut self, keep: &[PayloadType]) {
        self.attributes.retain(|a| {
            let per_pt = a.is("rtpmap") || a.is("fmtp") || a.is("rtcp-fb");
            if !per_pt {
                return true;
            }
            match a.value.as_deref().and_then(split_pt) {
                Some((pt, _)) => keep.contains(&pt),
                // `a=rtcp-fb:* nack` applies to all; keep unparseable ones too.
                None => true,
            }
        });
    }
}

/// Whether an `m=` protocol is an RTP profile, so formats are payload types.
pub(crate) fn is_rtp_protocol(protocol: &str) -> bool {
    protocol.split('/').any(|p| p.eq_ignore_ascii_case("RTP"))
}
