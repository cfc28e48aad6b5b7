//! Benchmark server for `cargo xtask bench relay`: allocates N calls' worth of media
//! ports on one thread and relays between them until stdin closes.
//!
//! ```text
//! relay_server --mode relay|floor --calls N [--ports LOW-HIGH] [--ip 127.0.0.1]
//! ```
//!
//! Prints JSON lines on stdout: `{"event":"baseline","rss_kib":..}` before allocating,
//! then `{"call":i,"a":PORT,"b":PORT}` per call (the RTP ports of leg A and leg B), then
//! `{"event":"ready"}`.
//!
//! - `relay`: one [`rotary_media::Relay`] per call, as pbxd runs them (latching,
//!   statistics, RTP timeout, RTCP sockets).
//! - `floor`: the minimal forwarder the relay is measured against: per call two sockets
//!   in one task, each datagram sent to whoever last sent to the other socket. Nothing
//!   else: no parsing, no statistics, no RTCP, no timers, no commands.
#![allow(clippy::print_stdout)] // printing the port list is this program's job

use std::future::poll_fn;
use std::io::{BufRead, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::task::{Context, Poll};

use rotary_media::{PortPool, Relay, RelayConfig, RelayLeg};
use tokio::io::ReadBuf;
use tokio::net::UdpSocket;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut mode = String::from("relay");
    let (mut calls, mut low, mut high) = (100usize, 20_000u16, 29_999u16);
    let mut ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or("flag needs a value")?;
        match flag.as_str() {
            "--mode" => mode.clone_from(value),
            "--calls" => calls = value.parse()?,
            "--ip" => ip = value.parse()?,
            "--ports" => {
                let (l, h) = value.split_once('-').ok_or("--ports LOW-HIGH")?;
                (low, high) = (l.parse()?, h.parse()?);
            }
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{{\"event\":\"baseline\",\"rss_kib\":{}}}", rss_kib())?;
    // Holds the relays' handles: dropping one would stop that relay.
    let relays = rt.block_on(async {
        match mode.as_str() {
            "relay" => start_relays(&mut out, calls, ip, low, high).map(Some),
            "floor" => start_floor(&mut out, calls, ip, low, high)
                .await
                .map(|()| None),
            other => Err(format!("unknown mode {other}").into()),
        }
    })?;
    writeln!(out, "{{\"event\":\"ready\"}}")?;
    out.flush()?;
    drop(out);
    // Relay until the bench closes our stdin.
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = String::new();
        while std::io::stdin()
            .lock()
            .read_line(&mut sink)
            .map(|n| n > 0)
            .unwrap_or(false)
        {
            sink.clear();
        }
        let _ = done_tx.send(());
    });
    rt.block_on(async {
        let _ = done_rx.await;
    });
    drop(relays);
    Ok(())
}

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

fn start_relays(
    out: &mut impl Write,
    calls: usize,
    ip: IpAddr,
    low: u16,
    high: u16,
) -> AnyResult<Vec<(rotary_media::RelayHandle, rotary_media::RelayEvents)>> {
    let pool = PortPool::new(low, high)?;
    let mut relays = Vec::with_capacity(calls);
    for call in 0..calls {
        let (a, b) = (pool.allocate(ip)?, pool.allocate(ip)?);
        let (handle, events) = Relay::spawn(a, b, [None, None], RelayConfig::default())?;
        let (pa, pb) = (
            handle.local_ports(RelayLeg::A).rtp,
            handle.local_ports(RelayLeg::B).rtp,
        );
        writeln!(out, "{{\"call\":{call},\"a\":{pa},\"b\":{pb}}}")?;
        relays.push((handle, events));
    }
    Ok(relays)
}

async fn start_floor(
    out: &mut impl Write,
    calls: usize,
    ip: IpAddr,
    low: u16,
    high: u16,
) -> AnyResult<()> {
    let mut port = u32::from(low);
    let mut bind = || -> AnyResult<std::net::UdpSocket> {
        while port <= u32::from(high) {
            let p = u16::try_from(port)?;
            port += 2; // same even-port spacing as the pool
            if let Ok(s) = std::net::UdpSocket::bind((ip, p)) {
                s.set_nonblocking(true)?;
                return Ok(s);
            }
        }
        Err("port range exhausted".into())
    };
    for call in 0..calls {
        let (a, b) = (bind()?, bind()?);
        let (pa, pb) = (a.local_addr()?.port(), b.local_addr()?.port());
        writeln!(out, "{{\"call\":{call},\"a\":{pa},\"b\":{pb}}}")?;
        let socks = [UdpSocket::from_std(a)?, UdpSocket::from_std(b)?];
        tokio::spawn(async move {
            let mut peers: [Option<SocketAddr>; 2] = [None, None];
            poll_fn(|cx| forward(cx, &socks, &mut peers)).await;
        });
    }
    Ok(())
}

/// The floor: receive on either socket, remember the sender, send to the other side's
/// last sender. Same readiness pattern and batch limit as the relay.
fn forward(
    cx: &mut Context<'_>,
    socks: &[UdpSocket; 2],
    peers: &mut [Option<SocketAddr>; 2],
) -> Poll<()> {
    let mut buf = [0u8; 2048];
    let mut more = false;
    for side in 0..2 {
        for n in 0..=32 {
            if n == 32 {
                more = true;
                break;
            }
            let mut rb = ReadBuf::new(&mut buf);
            match socks[side].poll_recv_from(cx, &mut rb) {
                Poll::Pending => break,
                Poll::Ready(Err(_)) => continue,
                Poll::Ready(Ok(from)) => {
                    peers[side] = Some(from);
                    if let Some(to) = peers[1 - side] {
                        let _ = socks[1 - side].try_send_to(rb.filled(), to);
                    }
                }
            }
        }
    }
    if more {
        cx.waker().wake_by_ref();
    }
    Poll::Pending
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
