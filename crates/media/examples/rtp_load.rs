//! Load generator for `cargo xtask bench relay`: plays N calls of 20 ms G.711 RTP
//! (172-byte packets) through a relay, both ways, and measures what arrives.
//!
//! ```text
//! rtp_load [--seconds S] [--warmup W] [--phone-sockets K] [--ip 127.0.0.1]
//!          [--codecs pcmu,opus|pcmu,g722 [--sounds DIR]]
//!          < call lines from relay_server
//! ```
//!
//! Reads `{"call":i,"a":PORT,"b":PORT}` lines on stdin up to `{"event":"ready"}`. Call
//! `c` has phone A sending to port `a` and phone B sending to port `b`; each receives
//! the other's stream. Sending is spread evenly over the 20 ms packet interval. Every
//! payload carries its send time (latency) and packet number; the SSRC names the
//! stream (2c for A→B, 2c + 1 for B→A).
//!
//! Phones share K socket pairs (default 64): call `c` sends from pair `c mod K`. The
//! relay does not care (each relay leg still sees exactly one source), and the
//! generator receives many packets per wake-up instead of one, which is what lets one
//! core drive 1,000 calls. `--phone-sockets N` gives every phone its own socket.
//!
//! Prints `{"event":"measure_start"}` after the warm-up (latching done) and
//! `{"event":"measure_end"}` when sending stops (the bench samples server CPU at
//! those two lines), then one JSON result line.
//!
//! With `--codecs A,B` (for a transcoding relay, `cargo xtask bench media`) the phones
//! send real audio instead: phone A codec A, phone B codec B (PCMU PT 0, Opus PT 96,
//! G.722 PT 9), 20 ms frames pre-encoded from the speech of `sounds/en` (the espeak-ng
//! prompts, `--sounds` to change) and cycled, each call starting at another frame.
//! The relay re-encodes with its own SSRC and sequence numbers, so streams are told
//! apart by the relay port they come from; latency is not measured (the payload cannot
//! carry a stamp through a codec), and `loss_pct` is the sequence gaps of the relay's
//! output during the window. `delivered_pct` compares packets arriving during the
//! window with packets sent during it (off by up to one packet per stream at each edge).
//!
//! One thread, tokio current-thread runtime: one receive task per socket, one sender
//! task, `try_send_to` (no await per send), no allocation per packet.
#![allow(clippy::print_stdout)] // printing results is this program's job

use std::io::{BufRead, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rotary_codecs::CodecId;
use rotary_rtp::{ClockRate, RtpPacket, StreamStats};
use tokio::net::UdpSocket;
use tokio::time::MissedTickBehavior;

/// Packets per second per stream (20 ms ptime).
const PPS: u64 = 50;
const PTIME: Duration = Duration::from_millis(20);
/// Calls are spread over 20 one-millisecond send slots.
const SLOTS: u64 = 20;
/// Seconds of speech pre-encoded for `--codecs` (cycled).
const SPEECH_SECONDS: u32 = 20;

#[allow(dead_code)] // each example uses its own part of the shared module
#[path = "common/speech.rs"]
mod speech;

/// What the phones of one direction send in `--codecs` mode.
struct Codec {
    payload_type: u8,
    /// RTP timestamp advance per 20 ms packet.
    ts_step: u32,
    /// The pre-encoded 20 ms payloads, cycled.
    frames: Vec<Vec<u8>>,
}

fn codec_by_name(name: &str) -> AnyResult<CodecId> {
    Ok(match name {
        "pcmu" => CodecId::Pcmu,
        "opus" => CodecId::Opus,
        "g722" => CodecId::G722,
        other => return Err(format!("unknown codec {other} (pcmu, opus, g722)").into()),
    })
}

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> AnyResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut seconds, mut warmup, mut sockets) = (10u64, 2u64, 64usize);
    let mut ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut codecs: Option<[CodecId; 2]> = None;
    let mut sounds = speech::default_dir();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or("flag needs a value")?;
        match flag.as_str() {
            "--codecs" => {
                let (a, b) = value.split_once(',').ok_or("--codecs A,B")?;
                codecs = Some([codec_by_name(a)?, codec_by_name(b)?]);
            }
            "--sounds" => sounds = value.into(),
            "--seconds" => seconds = value.parse()?,
            "--warmup" => warmup = value.parse()?,
            "--phone-sockets" => sockets = value.parse()?,
            "--ip" => ip = value.parse()?,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let mut targets = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        if line.contains("\"ready\"") {
            break;
        }
        let v: serde_json::Value = serde_json::from_str(&line)?;
        if let (Some(a), Some(b)) = (v["a"].as_u64(), v["b"].as_u64()) {
            let port = |p: u64| u16::try_from(p).map(|p| SocketAddr::new(ip, p));
            targets.push([port(a)?, port(b)?]);
        }
    }
    let sockets = sockets.clamp(1, targets.len().max(1));
    let media = match codecs {
        None => None,
        Some(ids) => {
            let pcm = speech::speech_8k(&sounds, SPEECH_SECONDS);
            let mut legs = Vec::with_capacity(2);
            for id in ids {
                legs.push(Codec {
                    payload_type: id.static_payload_type().unwrap_or(96),
                    ts_step: id.rtp_clock() / 50,
                    frames: speech::encode_frames(&pcm, id)?,
                });
            }
            Some((ids, legs))
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(run(
        targets,
        ip,
        sockets,
        warmup * PPS..(warmup + seconds) * PPS,
        media,
    ))?;
    println!("{result}");
    Ok(())
}

/// Everything the receivers measure, shared by all receive tasks (one thread, so the
/// lock is never contended).
struct Rx {
    /// Per stream (index = SSRC): RFC 3550 statistics and in-window counts.
    streams: Vec<Stream>,
    lat: Hist,
    /// `--codecs` mode: stream index by the relay port a packet comes from.
    by_port: Option<Vec<u32>>,
    /// `--codecs` mode: between `measure_start` and `measure_end` (arrival time).
    measuring: bool,
}

struct Stream {
    stats: StreamStats,
    in_window: u64,
    jitter_ms_sum: f64,
    reordered: u64,
    duplicates: u64,
    /// `--codecs` mode: sequence gaps seen while measuring.
    lost_in_window: u64,
}

async fn run(
    targets: Vec<[SocketAddr; 2]>,
    ip: IpAddr,
    k: usize,
    window: Range<u64>,
    media: Option<([CodecId; 2], Vec<Codec>)>,
) -> AnyResult<String> {
    let epoch = Instant::now();
    // socks[i][0] is phone A of every call c with c % k == i, socks[i][1] its phone B.
    let mut socks = Vec::with_capacity(k);
    for _ in 0..k {
        let pair = [
            UdpSocket::bind((ip, 0)).await?,
            UdpSocket::bind((ip, 0)).await?,
        ];
        // try_send_to needs the reactor to have seen each socket writable once.
        for s in &pair {
            s.writable().await?;
        }
        socks.push(pair.map(Arc::new));
    }
    // Stream 2c is A→B (arrives at phone B in leg B's codec), 2c + 1 is B→A.
    let clock = |stream: usize| match &media {
        Some((ids, _)) => ClockRate(ids[1 - stream % 2].rtp_clock()),
        None => ClockRate::NARROWBAND,
    };
    let by_port = media.as_ref().map(|_| {
        let mut table = vec![u32::MAX; 65_536];
        for (c, [a, b]) in targets.iter().enumerate() {
            table[usize::from(b.port())] = (2 * c) as u32;
            table[usize::from(a.port())] = (2 * c + 1) as u32;
        }
        table
    });
    let streams = (0..targets.len() * 2)
        .map(|i| Stream {
            stats: StreamStats::new(clock(i)),
            in_window: 0,
            jitter_ms_sum: 0.0,
            reordered: 0,
            duplicates: 0,
            lost_in_window: 0,
        })
        .collect();
    let rx = Arc::new(Mutex::new(Rx {
        streams,
        lat: Hist::default(),
        by_port,
        measuring: false,
    }));
    let mut receivers = Vec::new();
    for sock in socks.iter().flatten() {
        let (sock, rx, window) = (Arc::clone(sock), Arc::clone(&rx), window.clone());
        receivers.push(tokio::spawn(async move {
            receive(&sock, epoch, window, &rx).await
        }));
    }

    // The sender: tick every 1 ms; in tick t, calls with c % 20 == t % 20 send packet t / 20.
    let mut ticker = tokio::time::interval(Duration::from_millis(1));
    ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut pkt = [0xd5u8; 172];
    let mut coded = [0u8; 1500];
    let (mut sent_in_window, mut send_failed) = (0u64, 0u64);
    let mut out = std::io::stdout().lock();
    let mut lag_max = Duration::ZERO;
    for tick in 0..window.end * SLOTS {
        let due = ticker.tick().await.into_std();
        let n = tick / SLOTS;
        let measured = window.contains(&n);
        if measured {
            // How far behind schedule the sender runs: a loaded generator core shows here.
            lag_max = lag_max.max(due.elapsed());
        }
        if n == window.start && tick % SLOTS == 0 {
            writeln!(out, "{{\"event\":\"measure_start\"}}")?;
            out.flush()?;
            rx.lock().map_err(|_| "a receiver panicked")?.measuring = true;
        }
        let slot = usize::try_from(tick % SLOTS)?;
        for (call, legs) in targets
            .iter()
            .enumerate()
            .skip(slot)
            .step_by(usize::try_from(SLOTS)?)
        {
            for (dir, to) in legs.iter().enumerate() {
                let ssrc = u32::try_from(call * 2 + dir)?;
                let data: &[u8] = match &media {
                    Some((_, codecs)) => {
                        let len = fill_codec(&mut coded, n, ssrc, &codecs[dir], call);
                        &coded[..len]
                    }
                    None => {
                        fill(&mut pkt, n, ssrc, epoch);
                        &pkt
                    }
                };
                match socks[call % k][dir].try_send_to(data, *to) {
                    Ok(_) if measured => sent_in_window += 1,
                    Ok(_) => {}
                    Err(_) => send_failed += 1,
                }
            }
        }
    }
    writeln!(out, "{{\"event\":\"measure_end\"}}")?;
    out.flush()?;
    drop(out);
    rx.lock().map_err(|_| "a receiver panicked")?.measuring = false;

    // Let stragglers arrive, then stop the receivers and read what they gathered.
    tokio::time::sleep(PTIME * 10).await;
    for r in &receivers {
        r.abort();
    }
    for r in receivers {
        let _ = r.await; // Err(cancelled), by design
    }
    let rx = rx.lock().map_err(|_| "a receiver panicked")?;
    let (mut received, mut reordered, mut duplicates) = (0u64, 0u64, 0u64);
    let (mut jitter_sum, mut jitter_max, mut streams) = (0.0f64, 0.0f64, 0u64);
    for s in &rx.streams {
        if s.in_window > 0 {
            let j = s.jitter_ms_sum / s.in_window as f64;
            jitter_max = jitter_max.max(j);
            jitter_sum += j;
            streams += 1;
        }
        received += s.in_window.saturating_sub(s.duplicates);
        reordered += s.reordered;
        duplicates += s.duplicates;
    }
    if rx.by_port.is_some() {
        // Transcoded: loss is the gaps in the relay's own sequence numbers.
        let (mut gaps, mut arrived) = (0u64, 0u64);
        for s in &rx.streams {
            gaps += s.lost_in_window;
            arrived += s.in_window;
        }
        let pct = |x: u64, of: u64| {
            if of > 0 {
                100.0 * x as f64 / of as f64
            } else {
                0.0
            }
        };
        return Ok(serde_json::json!({
            "calls": targets.len(),
            "phone_sockets": 2 * k,
            "sent": sent_in_window,
            "received": arrived,
            "delivered_pct": pct(arrived, sent_in_window),
            "lost": gaps,
            "loss_pct": pct(gaps, arrived + gaps),
            "send_failed": send_failed,
            "sender_lag_ms_max": lag_max.as_secs_f64() * 1000.0,
            "reordered": reordered,
            "duplicates": duplicates,
            "jitter_ms_mean": if streams > 0 { jitter_sum / streams as f64 } else { 0.0 },
            "jitter_ms_max": jitter_max,
        })
        .to_string());
    }
    let lost = sent_in_window.saturating_sub(received);
    Ok(serde_json::json!({
        "calls": targets.len(),
        "phone_sockets": 2 * k,
        "sent": sent_in_window,
        "received": received,
        "lost": lost,
        "loss_pct": if sent_in_window > 0 { 100.0 * lost as f64 / sent_in_window as f64 } else { 0.0 },
        "send_failed": send_failed,
        "sender_lag_ms_max": lag_max.as_secs_f64() * 1000.0,
        "reordered": reordered,
        "duplicates": duplicates,
        "jitter_ms_mean": if streams > 0 { jitter_sum / streams as f64 } else { 0.0 },
        "jitter_ms_max": jitter_max,
        "latency_us_mean": rx.lat.mean(),
        "latency_us_p50": rx.lat.quantile(0.50),
        "latency_us_p99": rx.lat.quantile(0.99),
        "latency_us_max": rx.lat.max,
    })
    .to_string())
}

/// Writes the RTP header (PT 0, seq n, ts 160·n, SSRC), the send time and n into `pkt`.
fn fill(pkt: &mut [u8; 172], n: u64, ssrc: u32, epoch: Instant) {
    pkt[0] = 0x80;
    pkt[1] = 0;
    pkt[2..4].copy_from_slice(&n.to_be_bytes()[6..8]);
    pkt[4..8].copy_from_slice(&n.wrapping_mul(160).to_be_bytes()[4..8]);
    pkt[8..12].copy_from_slice(&ssrc.to_be_bytes());
    let sent = u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
    pkt[12..20].copy_from_slice(&sent.to_be_bytes());
    pkt[20..28].copy_from_slice(&n.to_be_bytes());
}

/// Writes an RTP packet of call `call`'s next frame of `codec` (seq n, timestamp
/// n × step) into `buf`; returns its length.
fn fill_codec(buf: &mut [u8; 1500], n: u64, ssrc: u32, codec: &Codec, call: usize) -> usize {
    buf[0] = 0x80;
    buf[1] = codec.payload_type;
    buf[2..4].copy_from_slice(&n.to_be_bytes()[6..8]);
    let ts = n.wrapping_mul(u64::from(codec.ts_step));
    buf[4..8].copy_from_slice(&ts.to_be_bytes()[4..8]);
    buf[8..12].copy_from_slice(&ssrc.to_be_bytes());
    let frames = codec.frames.len().max(1);
    let i = (n as usize).wrapping_add(call.wrapping_mul(37)) % frames;
    let payload = codec.frames.get(i).map_or(&[][..], Vec::as_slice);
    let len = (12 + payload.len()).min(buf.len());
    buf[12..len].copy_from_slice(&payload[..len - 12]);
    len
}

/// Receives on one phone socket until aborted.
async fn receive(sock: &UdpSocket, epoch: Instant, window: Range<u64>, shared: &Mutex<Rx>) {
    let mut buf = [0u8; 2048];
    loop {
        let Ok((len, from)) = sock.recv_from(&mut buf).await else {
            continue;
        };
        let now = Instant::now();
        let Ok(p) = RtpPacket::parse(&buf[..len]) else {
            continue;
        };
        if let Ok(mut rx) = shared.lock() {
            if rx.by_port.is_some() {
                receive_coded(&mut rx, now, from.port(), &p);
                continue;
            }
        }
        let payload = p.payload();
        let (Some(sent), Some(num)) = (payload.get(0..8), payload.get(8..16)) else {
            continue;
        };
        let mut word = [0u8; 8];
        word.copy_from_slice(sent);
        let sent_ns = u64::from_be_bytes(word);
        word.copy_from_slice(num);
        let n = u64::from_be_bytes(word);
        let Ok(mut rx) = shared.lock() else { return };
        let Some(s) = usize::try_from(p.ssrc().0)
            .ok()
            .and_then(|i| rx.streams.get_mut(i))
        else {
            continue;
        };
        let before = s.stats.report();
        s.stats.handle_rtp(now, &p);
        if !window.contains(&n) {
            continue;
        }
        let after = s.stats.report();
        s.in_window += 1;
        s.reordered += after.reordered - before.reordered;
        s.duplicates += after.duplicates - before.duplicates;
        s.jitter_ms_sum += after.jitter_ms;
        let now_ns = u64::try_from(now.duration_since(epoch).as_nanos()).unwrap_or(u64::MAX);
        rx.lat.record(now_ns.saturating_sub(sent_ns) / 1000);
    }
}

/// `--codecs` mode: one transcoded packet, told apart by the relay port it came from.
fn receive_coded(rx: &mut Rx, now: Instant, port: u16, p: &RtpPacket<'_>) {
    let measuring = rx.measuring;
    let Some(i) = rx
        .by_port
        .as_ref()
        .and_then(|t| t.get(usize::from(port)))
        .and_then(|&i| usize::try_from(i).ok())
    else {
        return;
    };
    let Some(s) = rx.streams.get_mut(i) else {
        return;
    };
    let before = s.stats.report();
    s.stats.handle_rtp(now, p);
    if !measuring {
        return;
    }
    let after = s.stats.report();
    s.in_window += 1;
    s.reordered += after.reordered - before.reordered;
    s.duplicates += after.duplicates - before.duplicates;
    s.lost_in_window += after.lost.saturating_sub(before.lost);
    s.jitter_ms_sum += after.jitter_ms;
}

/// Log-linear latency histogram in µs: exact below 64 µs, then 16 buckets per octave
/// (≤ 6 % error), up to 2^31 µs.
struct Hist {
    buckets: Vec<u64>,
    count: u64,
    sum: u64,
    max: u64,
}

impl Default for Hist {
    fn default() -> Self {
        Hist {
            buckets: vec![0; 64 + 16 * 26],
            count: 0,
            sum: 0,
            max: 0,
        }
    }
}

impl Hist {
    fn index(v: u64) -> usize {
        if v < 64 {
            return usize::try_from(v).unwrap_or(0);
        }
        let octave = u64::from(63 - v.leading_zeros()); // ≥ 6
        let sub = (v >> (octave - 4)) & 15;
        usize::try_from(64 + 16 * (octave - 6) + sub).unwrap_or(usize::MAX)
    }

    /// Lower edge of bucket `i`.
    fn value(i: usize) -> u64 {
        let i = i as u64;
        if i < 64 {
            return i;
        }
        let octave = (i - 64) / 16 + 6;
        let sub = (i - 64) % 16;
        (16 + sub) << (octave - 4)
    }

    fn record(&mut self, us: u64) {
        let i = Self::index(us).min(self.buckets.len() - 1);
        self.buckets[i] += 1;
        self.count += 1;
        self.sum += us;
        self.max = self.max.max(us);
    }

    fn mean(&self) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        self.sum as f64 / self.count as f64
    }

    /// Upper edge of the bucket holding quantile `q`, capped at the maximum seen.
    fn quantile(&self, q: f64) -> u64 {
        let target = ((q * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &c) in self.buckets.iter().enumerate() {
            seen += c;
            if seen >= target {
                return Self::value(i + 1).min(self.max);
            }
        }
        self.max
    }
}
