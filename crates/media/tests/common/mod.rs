//! Fake phones on 127.0.0.1 and helpers for the relay's shell tests.
#![allow(dead_code, unreachable_pub)] // each test file uses a different subset

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use rotary_media::{LocalPorts, PortPool, RelayEvent, RelayEvents};
use tokio::net::UdpSocket;

/// Upper bound for anything that should happen "at once" on loopback.
pub const WAIT: Duration = Duration::from_secs(5);

pub const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A phone: one UDP socket sending 20 ms G.711 RTP with its own SSRC.
pub struct Phone {
    pub sock: UdpSocket,
    pub ssrc: u32,
    seq: u16,
    ts: u32,
}

impl Phone {
    pub async fn new(ssrc: u32) -> Phone {
        let sock = UdpSocket::bind((LOCALHOST, 0)).await.expect("bind phone");
        Phone {
            sock,
            ssrc,
            seq: 1000,
            ts: 0,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.sock.local_addr().expect("phone addr")
    }

    /// Sends the next packet (PT 0, 160 payload bytes tagged with the sequence number).
    pub async fn send_rtp(&mut self, to: SocketAddr) -> Vec<u8> {
        let mut p = vec![0x80, 0];
        p.extend_from_slice(&self.seq.to_be_bytes());
        p.extend_from_slice(&self.ts.to_be_bytes());
        p.extend_from_slice(&self.ssrc.to_be_bytes());
        p.extend(std::iter::repeat_n(self.seq.to_be_bytes()[1], 160));
        self.sock.send_to(&p, to).await.expect("send");
        self.seq = self.seq.wrapping_add(1);
        self.ts = self.ts.wrapping_add(160);
        p
    }

    /// The next datagram, or a test failure after [`WAIT`].
    pub async fn recv(&self) -> (Vec<u8>, SocketAddr) {
        let mut buf = vec![0; 2048];
        let (n, from) = tokio::time::timeout(WAIT, self.sock.recv_from(&mut buf))
            .await
            .expect("timed out waiting for a packet")
            .expect("recv");
        buf.truncate(n);
        (buf, from)
    }
}

/// SSRC of an RTP packet.
pub fn ssrc_of(p: &[u8]) -> u32 {
    u32::from_be_bytes([p[8], p[9], p[10], p[11]])
}

/// A socket address on localhost.
pub fn local(port: u16) -> SocketAddr {
    SocketAddr::new(LOCALHOST, port)
}

/// The relay's local RTP address for a leg.
pub fn leg_addr(ports: LocalPorts) -> SocketAddr {
    local(ports.rtp)
}

/// A pool over a private range; the pool skips ports others hold.
pub fn pool(low: u16, high: u16) -> PortPool {
    PortPool::new(low, high).expect("pool")
}

/// The next relay event, or a test failure after `within`.
pub async fn next_event(events: &mut RelayEvents, within: Duration) -> RelayEvent {
    tokio::time::timeout(within, events.recv())
        .await
        .expect("timed out waiting for a relay event")
        .expect("event channel closed")
}
