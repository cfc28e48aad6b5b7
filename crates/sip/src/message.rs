//! The SIP message model (RFC 3261 §7): requests, responses, URIs and the typed
//! views of the headers that the transaction layer, registrar and engine need.
//!
//! Headers are kept as raw `(name, value)` pairs in arrival order so that a
//! message round-trips; typed views (`Via`, `NameAddr`, `CSeq`) are parsed on
//! demand by the accessors. Names are stored in their canonical long form
//! (`v` → `Via`), so lookups never need to know about compact forms.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A SIP request method; unknown methods are kept verbatim (RFC 3261 §27.4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// Start a session.
    Invite,
    /// Confirm a final response to INVITE.
    Ack,
    /// End a session.
    Bye,
    /// Cancel a pending INVITE.
    Cancel,
    /// Bind a contact to an address of record.
    Register,
    /// Query capabilities; also used as a keep-alive (qualify).
    Options,
    /// Mid-dialog information (RFC 6086).
    Info,
    /// Session update without a new INVITE (RFC 3311).
    Update,
    /// Provisional response acknowledgement (RFC 3262).
    Prack,
    /// Event subscription (RFC 6665).
    Subscribe,
    /// Event notification (RFC 6665).
    Notify,
    /// Transfer request (RFC 3515).
    Refer,
    /// Instant message (RFC 3428).
    Message,
    /// Event state publication (RFC 3903).
    Publish,
    /// Any other token.
    Other(String),
}

/// The scheme of a URI.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `sip:`
    Sip,
    /// `sips:`
    Sips,
    /// `tel:` (RFC 3966)
    Tel,
    /// Any other scheme; its text after the colon is kept in `Uri::opaque`.
    Other(String),
}

/// The host part of a SIP URI or Via sent-by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    /// A DNS name (kept as written, compared case-insensitively by users).
    Domain(String),
    /// An IPv4 literal.
    V4(Ipv4Addr),
    /// An IPv6 reference (written in brackets).
    V6(Ipv6Addr),
}

/// A `name[=value]` parameter (URI, Via, Contact, To/From...).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    /// Parameter name as written.
    pub name: String,
    /// Value, without surrounding quotes being removed (quoted values keep their quotes).
    pub value: Option<String>,
}

/// A SIP/SIPS URI (RFC 3261 §19.1), or another scheme kept opaque.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Uri {
    /// URI scheme.
    pub scheme: Scheme,
    /// User part, unescaped (`%41` → `A`).
    pub user: Option<String>,
    /// Password part, unescaped.
    pub password: Option<String>,
    /// Host; for non-SIP schemes a `Domain` holding nothing meaningful.
    pub host: Host,
    /// Explicit port.
    pub port: Option<u16>,
    /// `;name=value` parameters in order.
    pub params: Vec<Param>,
    /// `?name=value` headers in order, unescaped.
    pub headers: Vec<(String, String)>,
    /// For `Scheme::Tel`/`Scheme::Other`: everything after the colon, verbatim.
    pub opaque: Option<String>,
}

/// A `display-name <uri>;params` value (From, To, Contact, Route...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameAddr {
    /// Display name, unquoted.
    pub display: Option<String>,
    /// The address.
    pub uri: Uri,
    /// Header parameters (`tag`, `expires`, `q`...).
    pub params: Vec<Param>,
}

/// A Contact header value: either `*` (unregister all) or an address.
// Almost every Contact is an address; boxing it would cost an allocation for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contact {
    /// `Contact: *`
    Star,
    /// A contact address with its parameters.
    Addr(NameAddr),
}

/// Transport token of a Via (RFC 3261 §20.42).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Transport {
    /// UDP
    Udp,
    /// TCP
    Tcp,
    /// TLS
    Tls,
    /// SCTP
    Sctp,
    /// WebSocket (RFC 7118)
    Ws,
    /// Secure WebSocket
    Wss,
    /// Any other token.
    Other(String),
}

/// One Via header field value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Via {
    /// Transport the request was sent over.
    pub transport: Transport,
    /// sent-by host.
    pub host: Host,
    /// sent-by port.
    pub port: Option<u16>,
    /// Parameters (`branch`, `received`, `rport`...).
    pub params: Vec<Param>,
}

/// The CSeq header (RFC 3261 §20.16).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CSeq {
    /// Sequence number (31-bit per RFC 3261 §8.1.1.5).
    pub seq: u32,
    /// Method, which must match the request line.
    pub method: Method,
}

/// One header field as received: canonical name and raw value (no CRLF, unfolded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Canonical long-form name (`Via`, `Call-ID`, or the name as written if unknown).
    pub name: String,
    /// The value with folding replaced by a single space and outer whitespace trimmed.
    pub value: String,
}

/// Ordered header list with case-insensitive lookup.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers {
    /// Fields in order of appearance.
    pub fields: Vec<Header>,
}

/// A SIP request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Request method.
    pub method: Method,
    /// Request-URI.
    pub uri: Uri,
    /// Header fields.
    pub headers: Headers,
    /// Message body (exactly Content-Length bytes).
    pub body: Vec<u8>,
}

/// A SIP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Status code 100–699.
    pub status: u16,
    /// Reason phrase (may be empty).
    pub reason: String,
    /// Header fields.
    pub headers: Headers,
    /// Message body.
    pub body: Vec<u8>,
}

/// Either kind of SIP message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

impl Method {
    /// The method token as it appears on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Register => "REGISTER",
            Method::Options => "OPTIONS",
            Method::Info => "INFO",
            Method::Update => "UPDATE",
            Method::Prack => "PRACK",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Refer => "REFER",
            Method::Message => "MESSAGE",
            Method::Publish => "PUBLISH",
            Method::Other(s) => s,
        }
    }

    /// Map a token to a method (method names are case-sensitive, RFC 3261 §7.1).
    pub fn from_token(token: &str) -> Method {
        match token {
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "BYE" => Method::Bye,
            "CANCEL" => Method::Cancel,
            "REGISTER" => Method::Register,
            "OPTIONS" => Method::Options,
            "INFO" => Method::Info,
            "UPDATE" => Method::Update,
            "PRACK" => Method::Prack,
            "SUBSCRIBE" => Method::Subscribe,
            "NOTIFY" => Method::Notify,
            "REFER" => Method::Refer,
            "MESSAGE" => Method::Message,
            "PUBLISH" => Method::Publish,
            other => Method::Other(other.to_string()),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Transport {
    /// The token as written in a Via (`UDP`, `TCP`...).
    pub fn as_str(&self) -> &str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
            Transport::Sctp => "SCTP",
            Transport::Ws => "WS",
            Transport::Wss => "WSS",
            Transport::Other(s) => s,
        }
    }
}

impl Param {
    /// A parameter with a value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Param {
            name: name.into(),
            value: Some(value.into()),
        }
    }

    /// A flag parameter (no value), such as `lr` or `rport`.
    pub fn flag(name: impl Into<String>) -> Self {
        Param {
            name: name.into(),
            value: None,
        }
    }
}

/// Find a parameter by case-insensitive name; `Some(None)` for a flag.
pub fn find_param<'a>(params: &'a [Param], name: &str) -> Option<Option<&'a str>> {
    params
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
        .map(|p| p.value.as_deref())
}

impl Headers {
    /// First value of the named header (case-insensitive; give the long form).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// All raw field values of the named header, in order (not split on commas).
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// Append a field at the end.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.fields.push(Header {
            name: name.into(),
            value: value.into(),
        });
    }

    /// Insert a field before all others (used for a new top Via).
    pub fn push_front(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.fields.insert(
            0,
            Header {
                name: name.into(),
                value: value.into(),
            },
        );
    }

    /// Remove every field with this name.
    pub fn remove(&mut self, name: &str) {
        self.fields.retain(|h| !h.name.eq_ignore_ascii_case(name));
    }

    /// Replace all fields of this name with one value (appended if absent).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self
            .fields
            .iter()
            .position(|h| h.name.eq_ignore_ascii_case(name))
        {
            Some(i) => {
                self.fields[i].value = value;
                let mut seen = false;
                self.fields.retain(|h| {
                    if !h.name.eq_ignore_ascii_case(name) {
                        return true;
                    }
                    // Keep the first field of this name (just updated), drop the rest.
                    let first = !seen;
                    seen = true;
                    first
                });
            }
            None => self.push(name.to_string(), value),
        }
    }
}
