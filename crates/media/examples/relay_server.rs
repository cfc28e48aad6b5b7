//! Benchmark server for `cargo xtask bench relay`: allocates N calls' worth of media
//! ports on one thread and relays between them until stdin closes.
//!
//! ```text
//! relay_server --mode relay|floor|transcode --calls N [--ports LOW-HIGH] [--ip 127.0.0.1]
//!              [--leg-b opus|g722]
//! ```
//!
//! Prints JSON lines on stdout: `{"event":"baseline","rss_kib":..}` before allocating,
//! then `{"call":i,"a":PORT,"b":PORT}` per call (the RTP ports of leg A and leg B), then
//! `{"event":"ready"}`. A line `stats` on stdin answers one JSON line with the relays'
//! own counters summed over all calls (relay and transcode modes); closing stdin ends
//! the server.
//!
//! - `relay`: one [`rotary_media::Relay`] per call, as pbxd runs them (latching,
//!   statistics, RTP timeout, RTCP sockets).
//! - `transcode` (for `cargo xtask bench media`): the same relays with a transcoding
//!   [`rotary_media::MediaPlan`]: leg A speaks PCMU (PT 0), leg B `--leg-b` (Opus on
//!   PT 96, the default, or G.722 on PT 9), 20 ms, telephone-event PT 101 on both.
//! - `floor`: the minimal forwarder the relay is measured against: per call two sockets
//!   in one task, each datagram sent to whoever last sent to the other socket. Nothing
//!   else: no parsing, no statistics, no RTCP, no timers, no commands.
#![allow(clippy::print_stdout)] // printing the port list is this program's job

use std::future::poll_fn;
use std::io::{BufRead, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::task::{Context, Poll};

use rotary_codecs::CodecId;
use rotary_media::{
    DtmfTransport, MediaPlan, PortPool, Relay, RelayConfig, RelayHandle, RelayLeg, StreamFormat,
};
use tokio::io::ReadBuf;
use tokio::net::UdpSocket;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut mode = String::from("relay");
    let (mut calls, mut low, mut high) = (100usize, 20_000u16, 29_999u16);
    let mut ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut leg_b = CodecId::Opus;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or("flag needs a value")?;
        match flag.as_str() {
            "--mode" => mode.clone_from(value),
            "--leg-b" => {
                leg_b = match value.as_str() {
                    "opus" => CodecId::Opus,
                    "g722" => CodecId::G722,
                    other => return Err(format!("--leg-b opus|g722, not {other}").into()),
                }
            }
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
            "relay" => {
                start_relays(&mut out, calls, ip, (low, high), MediaPlan::default()).map(Some)
            }
            "transcode" => {
                start_relays(&mut out, calls, ip, (low, high), transcode_plan(leg_b)).map(Some)
            }
            "floor" => start_floor(&mut out, calls, ip, low, high)
                .await
                .map(|()| None),
            other => Err(format!("unknown mode {other}").into()),
        }
    })?;
    writeln!(out, "{{\"event\":\"ready\"}}")?;
    out.flush()?;
    drop(out);
    // Relay until the bench closes our stdin; answer `stats` lines meanwhile.
    let (line_tx, mut line_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        let mut line = String::new();
        while std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map(|n| n > 0)
            .unwrap_or(false)
        {
            if line_tx.send(line.trim().to_owned()).is_err() {
                break;
            }
            line.clear();
        }
    });
    rt.block_on(async {
        while let Some(line) = line_rx.recv().await {
            if line == "stats" {
                let summary = summed_stats(relays.as_deref().unwrap_or(&[])).await;
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{summary}");
                let _ = out.flush();
            }
        }
    });
    drop(relays);
    Ok(())
}

/// Leg A PCMU on PT 0, leg B `codec` (Opus PT 96, G.722 PT 9), 20 ms, transcoded.
fn transcode_plan(codec: CodecId) -> MediaPlan {
    let leg = |codec: CodecId, payload_type: u8| StreamFormat {
        codec: Some(codec),
        payload_type,
        event_payload_type: Some(101),
        ptime_ms: 20,
        dtmf: DtmfTransport::Rfc4733,
    };
    MediaPlan {
        legs: [
            Some(leg(CodecId::Pcmu, 0)),
            Some(leg(codec, codec.static_payload_type().unwrap_or(96))),
        ],
        transcode: true,
    }
}

/// The relays' own counters, both directions summed over all calls, as one JSON line.
async fn summed_stats(relays: &[(RelayHandle, rotary_media::RelayEvents)]) -> String {
    let mut dirs = [[0u64; 8]; 2];
    for (handle, _) in relays {
        let Ok(st) = handle.stats().await else {
            continue;
        };
        for (acc, d) in dirs.iter_mut().zip([st.a_to_b, st.b_to_a]) {
            let v = [
                d.received.packets,
                d.received.lost,
                d.relayed,
                d.send_failed,
                d.undecodable,
                d.refused,
                d.malformed,
                d.no_destination,
            ];
            for (a, x) in acc.iter_mut().zip(v) {
                *a += x;
            }
        }
    }
    let dir = |d: &[u64; 8]| {
        format!(
            "{{\"received\":{},\"lost\":{},\"relayed\":{},\"send_failed\":{},\"undecodable\":{},\"refused\":{},\"malformed\":{},\"no_destination\":{}}}",
            d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
        )
    };
    format!(
        "{{\"event\":\"stats\",\"relays\":{},\"a_to_b\":{},\"b_to_a\":{}}}",
        relays.len(),
        dir(&dirs[0]),
        dir(&dirs[1])
    )
}

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

fn start_relays(
    out: &mut impl Write,
    calls: usize,
    ip: IpAddr,
    (low, high): (u16, u16),
    plan: MediaPlan,
) -> AnyResult<Vec<(RelayHandle, rotary_media::RelayEvents)>> {
    let pool = PortPool::new(low, high)?;
    let mut relays = Vec::with_capacity(calls);
    let config = RelayConfig {
        plan,
        ..RelayConfig::default()
    };
    for call in 0..calls {
        let (a, b) = (pool.allocate(ip)?, pool.allocate(ip)?);
        let (handle, events) = Relay::spawn(a, b, [None, None], config)?;
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
