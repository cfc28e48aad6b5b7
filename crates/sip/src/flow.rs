//! Where a message came from or goes to: the transport flow. Responses and
//! requests toward a phone reuse the flow its request arrived on (RFC 3261
//! §18.2.2, RFC 3581, RFC 5626 flow reuse), so the flow is plain data that
//! every core carries around.

use std::fmt;
use std::net::SocketAddr;

/// The kind of transport a flow runs over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlowTransport {
    /// Datagrams: the transaction layer retransmits.
    Udp,
    /// A TCP connection: reliable, no retransmissions.
    Tcp,
    /// TLS over TCP.
    Tls,
    /// WebSocket (RFC 7118).
    Ws,
}

/// Identifies one connection of a connection-oriented transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// A transport flow: local socket, remote address and, for TCP/TLS/WS, the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Flow {
    /// Transport kind.
    pub transport: FlowTransport,
    /// Our address the message arrived on / leaves from.
    pub local: SocketAddr,
    /// The peer's address as seen on the wire (after any NAT).
    pub remote: SocketAddr,
    /// The connection, for connection-oriented transports.
    pub conn: Option<ConnId>,
}

impl FlowTransport {
    /// True when the transport itself guarantees delivery (RFC 3261 §17: no retransmit timers).
    pub fn is_reliable(self) -> bool {
        !matches!(self, FlowTransport::Udp)
    }

    /// The Via transport token for this kind.
    pub fn via_token(self) -> &'static str {
        match self {
            FlowTransport::Udp => "UDP",
            FlowTransport::Tcp => "TCP",
            FlowTransport::Tls => "TLS",
            FlowTransport::Ws => "WS",
        }
    }

    /// Lower-case name used in the API and the store (`udp`, `tcp`...).
    pub fn as_str(self) -> &'static str {
        match self {
            FlowTransport::Udp => "udp",
            FlowTransport::Tcp => "tcp",
            FlowTransport::Tls => "tls",
            FlowTransport::Ws => "ws",
        }
    }

    /// Inverse of [`FlowTransport::as_str`], case-insensitive.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "udp" => Some(FlowTransport::Udp),
            "tcp" => Some(FlowTransport::Tcp),
            "tls" => Some(FlowTransport::Tls),
            "ws" => Some(FlowTransport::Ws),
            _ => None,
        }
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}->{}",
            self.transport.as_str(),
            self.local,
            self.remote
        )
    }
}

/// Bytes to put on a flow; the output of every core that talks SIP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// Where to send.
    pub flow: Flow,
    /// The serialized message.
    pub bytes: Vec<u8>,
}
