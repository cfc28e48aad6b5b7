//! SIP over TCP: accept connections, frame the byte stream by Content-Length
//! (RFC 3261 §18.3), and keep one writer per connection so that requests to a
//! phone reuse the connection it registered over.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use rotary_sip::parse::frame_length;
use rotary_sip::{ConnId, Flow, FlowTransport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::{lock, Inbound, SipSender, MAX_MESSAGE};

/// A connection closes after this long without a byte in either direction.
const IDLE_TIMEOUT: Duration = Duration::from_secs(3600);

/// State shared by the listener, the connection tasks and every sender.
pub(crate) struct Shared {
    pub(crate) local: SocketAddr,
    pub(crate) next_conn: AtomicU64,
    pub(crate) conns: Mutex<HashMap<ConnId, Conn>>,
    pub(crate) inbound: mpsc::Sender<Inbound>,
}

/// The writing side of one open connection.
pub(crate) struct Conn {
    pub(crate) remote: SocketAddr,
    pub(crate) tx: mpsc::UnboundedSender<Vec<u8>>,
}

pub(crate) async fn accept_loop(listener: TcpListener, sender: SipSender) {
    loop {
        match listener.accept().await {
            Ok((stream, remote)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(run_connection(stream, remote, sender.clone()));
            }
            Err(e) => {
                tracing::warn!(error = %e, "TCP accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Open a connection toward a peer whose own connection is gone, then send.
pub(crate) fn connect_and_send(sender: SipSender, remote: SocketAddr, bytes: Vec<u8>) {
    tokio::spawn(async move {
        match tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(remote)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                let id = register(&sender, remote, Some(bytes), stream).await;
                tracing::debug!(?id, %remote, "opened SIP TCP connection");
            }
            _ => {
                sender.stats.send_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
}

async fn run_connection(stream: TcpStream, remote: SocketAddr, sender: SipSender) {
    register(&sender, remote, None, stream).await;
}

/// Split the stream, start its writer, record it, then read until it closes.
async fn register(
    sender: &SipSender,
    remote: SocketAddr,
    first: Option<Vec<u8>>,
    stream: TcpStream,
) -> ConnId {
    let shared = &sender.shared;
    let id = ConnId(shared.next_conn.fetch_add(1, Ordering::Relaxed));
    let (mut rd, wr) = stream.into_split();
    let (tx, rx) = mpsc::unbounded_channel();
    if let Some(bytes) = first {
        let _ = tx.send(bytes);
    }
    lock(&shared.conns).insert(id, Conn { remote, tx });
    tokio::spawn(write_loop(wr, rx));
    let flow = Flow {
        transport: FlowTransport::Tcp,
        local: shared.local,
        remote,
        conn: Some(id),
    };
    let sender = sender.clone();
    tokio::spawn(async move {
        read_loop(&mut rd, flow, &sender).await;
        lock(&sender.shared.conns).remove(&id);
    });
    id
}

async fn write_loop(mut wr: OwnedWriteHalf, mut rx: mpsc::UnboundedReceiver<Vec<u8>>) {
    while let Some(bytes) = rx.recv().await {
        if wr.write_all(&bytes).await.is_err() {
            return;
        }
    }
}

/// Read, frame and deliver messages; returns when the peer closes, errs, idles out,
/// or sends something that cannot be framed (the connection is then closed).
async fn read_loop(rd: &mut tokio::net::tcp::OwnedReadHalf, flow: Flow, sender: &SipSender) {
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        // Deliver every complete message already buffered.
        loop {
            match frame_length(&buf, MAX_MESSAGE) {
                Ok(None) => break,
                Ok(Some(0)) => break,
                Ok(Some(n)) => {
                    let frame: Vec<u8> = buf.drain(..n).collect();
                    if let Some(m) = sender.accept_bytes(flow, &frame) {
                        if sender.shared.inbound.send(m).await.is_err() {
                            return;
                        }
                    }
                }
                Err(e) => {
                    // Too large or unframeable: answer if possible, then close the stream,
                    // since we can no longer find the next message boundary.
                    sender.stats.malformed.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%flow, error = %e, "closing unframeable SIP TCP stream");
                    if let Some(reply) = e.reply() {
                        sender.send(rotary_sip::Transmit {
                            flow,
                            bytes: reply.to_bytes(),
                        });
                    }
                    return;
                }
            }
        }
        if buf.len() > MAX_MESSAGE {
            return;
        }
        let n = match tokio::time::timeout(IDLE_TIMEOUT, rd.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return,
            Ok(Ok(n)) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
    }
}
