//! SIP transports for pbxd: one UDP socket and one TCP listener on the same
//! address (`--sip-bind`), turned into a stream of parsed messages stamped
//! with their [`Flow`], and a sender that routes outgoing bytes back over
//! the flow a peer used (RFC 3261 §18, RFC 3581, RFC 5626 flow reuse).
//!
//! This crate is a thin shell: it parses (so garbage never reaches the
//! engine), answers unparseable requests with the parser's error reply, and
//! frames TCP streams by Content-Length. It holds no SIP logic beyond that.
//!
//! Invariant: no transaction, dialog or registrar state lives here.

mod tcp;

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rotary_sip::parse::{parse_message, ParseError};
use rotary_sip::{Flow, FlowTransport, Message, Transmit};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::mpsc;

/// Largest SIP message accepted on any transport (issue: 64 KiB, larger → refused).
pub const MAX_MESSAGE: usize = 64 * 1024;

/// UDP receive buffer asked for on the SIP socket.
const RECV_BUFFER: usize = 4 * 1024 * 1024;

/// UDP send buffer asked for on the SIP socket.
const SEND_BUFFER: usize = 1024 * 1024;

/// Why the transports could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The address is taken by another process (or not ours to bind).
    #[error("cannot bind SIP {proto} on {addr}: {source}")]
    Bind {
        /// `udp` or `tcp`.
        proto: &'static str,
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error (address in use, permission denied...).
        source: io::Error,
    },
}

/// One parsed message and the flow it arrived on.
#[derive(Debug)]
pub struct Inbound {
    /// Transport flow (source address as seen on the wire, connection id).
    pub flow: Flow,
    /// The message.
    pub message: Message,
}

/// Counters the transports keep for `/metrics`.
#[derive(Debug, Default)]
pub struct TransportStats {
    /// Messages parsed and delivered.
    pub received: AtomicU64,
    /// Messages that failed to parse (answered with 4xx/5xx or dropped).
    pub malformed: AtomicU64,
    /// Send failures (socket errors, unknown connection).
    pub send_errors: AtomicU64,
}

/// The bound SIP sockets. The engine owns it and calls [`SipSockets::recv`] in its loop;
/// UDP is read directly (no channel hop on the hot path), TCP arrives through a channel
/// fed by one task per connection.
pub struct SipSockets {
    udp: Arc<UdpSocket>,
    local: SocketAddr,
    tcp_rx: mpsc::Receiver<Inbound>,
    sender: SipSender,
    buf: Vec<u8>,
}

/// Cheap, cloneable handle for sending on any flow.
#[derive(Clone)]
pub struct SipSender {
    udp: Arc<UdpSocket>,
    stats: Arc<TransportStats>,
    shared: Arc<tcp::Shared>,
}

impl SipSockets {
    /// Bind UDP and TCP on `addr` (port 0 picks one port free for both when possible).
    pub async fn bind(addr: SocketAddr) -> Result<SipSockets, TransportError> {
        let (udp, listener) = bind_pair(addr).await?;
        let local = udp.local_addr().map_err(|source| TransportError::Bind {
            proto: "udp",
            addr,
            source,
        })?;
        // A REGISTER storm or a burst of retransmissions must not overflow the default
        // ~200 KB receive queue while the engine is busy: ask for 4 MiB (the kernel caps
        // it at net.core.rmem_max). Best effort; the default still works.
        let sock = socket2::SockRef::from(&udp);
        let _ = sock.set_recv_buffer_size(RECV_BUFFER);
        let _ = sock.set_send_buffer_size(SEND_BUFFER);
        let udp = Arc::new(udp);
        let (tcp_tx, tcp_rx) = mpsc::channel(4096);
        let stats = Arc::new(TransportStats::default());
        let shared = Arc::new(tcp::Shared {
            local,
            next_conn: AtomicU64::new(1),
            conns: Mutex::new(HashMap::new()),
            inbound: tcp_tx,
        });
        let sender = SipSender {
            udp: udp.clone(),
            stats,
            shared,
        };
        tokio::spawn(tcp::accept_loop(listener, sender.clone()));
        Ok(SipSockets {
            udp,
            local,
            tcp_rx,
            sender,
            buf: vec![0; MAX_MESSAGE + 1],
        })
    }

    /// The address both listeners are bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// A handle for sending; clone it freely.
    pub fn sender(&self) -> SipSender {
        self.sender.clone()
    }

    /// Next well-formed message from any transport. Malformed requests are answered
    /// here and never returned. Cancel-safe.
    pub async fn recv(&mut self) -> Inbound {
        loop {
            tokio::select! {
                r = self.udp.recv_from(&mut self.buf) => {
                    let Ok((len, remote)) = r else { continue };
                    let flow = Flow { transport: FlowTransport::Udp, local: self.local, remote, conn: None };
                    if len > MAX_MESSAGE {
                        self.sender.stats.malformed.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    if let Some(m) = self.sender.accept_bytes(flow, &self.buf[..len]) {
                        return m;
                    }
                }
                Some(m) = self.tcp_rx.recv() => return m,
            }
        }
    }

    /// Non-blocking variant of [`SipSockets::recv`] for draining bursts.
    pub fn try_recv(&mut self) -> Option<Inbound> {
        loop {
            match self.udp.try_recv_from(&mut self.buf) {
                Ok((len, remote)) => {
                    let flow = Flow {
                        transport: FlowTransport::Udp,
                        local: self.local,
                        remote,
                        conn: None,
                    };
                    if len > MAX_MESSAGE {
                        continue;
                    }
                    if let Some(m) = self.sender.accept_bytes(flow, &self.buf[..len]) {
                        return Some(m);
                    }
                }
                Err(_) => return self.tcp_rx.try_recv().ok(),
            }
        }
    }
}

impl SipSender {
    /// Send bytes over a flow: UDP to the remote address, TCP over the connection the
    /// peer opened (or a new connection when it is gone). Errors are counted, not returned:
    /// the transaction layer learns of loss through its timers.
    pub fn send(&self, t: Transmit) {
        match t.flow.transport {
            FlowTransport::Udp => {
                if self.udp.try_send_to(&t.bytes, t.flow.remote).is_err() {
                    self.stats.send_errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ => self.send_stream(t),
        }
    }

    /// Transport counters.
    pub fn stats(&self) -> &TransportStats {
        &self.stats
    }

    fn send_stream(&self, t: Transmit) {
        let tx = {
            let conns = lock(&self.shared.conns);
            let by_id = t.flow.conn.and_then(|c| conns.get(&c));
            // After a restart the connection id in a stored binding is stale:
            // fall back to any open connection from the same remote address.
            by_id
                .or_else(|| conns.values().find(|c| c.remote == t.flow.remote))
                .map(|c| c.tx.clone())
        };
        let bytes = match tx {
            Some(tx) => match tx.send(t.bytes) {
                Ok(()) => return,
                Err(mpsc::error::SendError(bytes)) => bytes,
            },
            None => t.bytes,
        };
        tcp::connect_and_send(self.clone(), t.flow.remote, bytes);
    }

    /// Parse bytes from a flow; answer what cannot be parsed. Shared by UDP and TCP.
    pub(crate) fn accept_bytes(&self, flow: Flow, bytes: &[u8]) -> Option<Inbound> {
        match parse_message(bytes) {
            Ok(message) => {
                self.stats.received.fetch_add(1, Ordering::Relaxed);
                Some(Inbound { flow, message })
            }
            Err(e) => {
                if !is_keepalive(&e) {
                    self.stats.malformed.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%flow, error = %e, "malformed SIP message");
                    if let Some(reply) = e.reply() {
                        self.send(Transmit {
                            flow,
                            bytes: reply.to_bytes(),
                        });
                    }
                }
                None
            }
        }
    }
}

fn is_keepalive(e: &ParseError) -> bool {
    matches!(e, ParseError::KeepAlive)
}

/// Bind UDP then TCP on the same address; with port 0, retry until both get one port.
async fn bind_pair(addr: SocketAddr) -> Result<(UdpSocket, TcpListener), TransportError> {
    let mut last = None;
    for _ in 0..16 {
        let udp = UdpSocket::bind(addr)
            .await
            .map_err(|source| TransportError::Bind {
                proto: "udp",
                addr,
                source,
            })?;
        let bound = udp.local_addr().map_err(|source| TransportError::Bind {
            proto: "udp",
            addr,
            source,
        })?;
        match TcpListener::bind(bound).await {
            Ok(l) => return Ok((udp, l)),
            Err(source) if addr.port() == 0 => last = Some(source),
            Err(source) => {
                return Err(TransportError::Bind {
                    proto: "tcp",
                    addr,
                    source,
                })
            }
        }
    }
    Err(TransportError::Bind {
        proto: "tcp",
        addr,
        source: last.unwrap_or_else(|| io::Error::from(io::ErrorKind::AddrInUse)),
    })
}

/// Lock a mutex, recovering from poisoning (a panicked sender must not stop all sends).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
