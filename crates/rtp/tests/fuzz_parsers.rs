//! Seeded random and mutated input to every parser and packet-fed core: errors, never
//! panics.

mod common;

use std::time::{Duration, Instant};

use common::{rtp, Rng};
use rotary_rtp::{
    dtmf_event, DtmfReceiver, DtmfReceiverConfig, JitterBuffer, JitterConfig, Packet, RtcpPacket,
    RtpPacket, StreamStats,
};

/// Runs every parser on `buf` and feeds what parses to the cores.
fn exercise(buf: &[u8], now: Instant, cores: &mut Cores) {
    let _ = dtmf_event(buf);
    let _ = RtcpPacket::parse(buf).map(|r| {
        for report in r.reports() {
            let _ = report.ssrc();
            for block in report.blocks() {
                let _ = block.round_trip(rotary_rtp::NtpTime(u64::MAX));
            }
        }
    });
    match Packet::parse(buf) {
        Ok(Packet::Rtp(p)) => {
            cores.stats.handle_rtp(now, &p);
            cores.jitter.handle_rtp(now, &p);
            cores.dtmf.handle_rtp(now, &p);
            let _ = cores.stats.report_block(now);
        }
        Ok(Packet::Rtcp(r)) => {
            for report in r.reports() {
                if let rotary_rtp::RtcpReport::Sender(sr) = report {
                    cores.stats.handle_sender_report(now, &sr.info);
                }
            }
        }
        Err(_) => {}
    }
    let _ = RtpPacket::parse(buf);
    let _ = cores.jitter.pop(now);
    cores.dtmf.handle_timeout(now);
    while cores.dtmf.poll_event().is_some() {}
}

struct Cores {
    stats: StreamStats,
    jitter: JitterBuffer,
    dtmf: DtmfReceiver,
}

fn cores() -> Cores {
    Cores {
        stats: StreamStats::new(rotary_rtp::ClockRate::NARROWBAND),
        jitter: JitterBuffer::new(JitterConfig::default()),
        dtmf: DtmfReceiver::new(DtmfReceiverConfig::default()),
    }
}

#[test]
fn random_bytes_never_panic() {
    let t0 = Instant::now();
    let mut rng = Rng(0x5eed);
    let mut c = cores();
    let mut buf = [0u8; 300];
    for i in 0..100_000u32 {
        let len = rng.below(buf.len() as u64 + 1) as usize;
        rng.fill(&mut buf[..len]);
        // Bias towards version 2 and the RTCP range so deeper code runs.
        if len > 1 && rng.chance(0.7) {
            buf[0] = 0x80 | (buf[0] & 0x3f);
        }
        if len > 1 && rng.chance(0.3) {
            buf[1] = 200 + (buf[1] % 8);
        }
        exercise(
            &buf[..len],
            t0 + Duration::from_micros(u64::from(i) * 700),
            &mut c,
        );
    }
}

#[test]
fn mutated_valid_packets_never_panic() {
    let t0 = Instant::now();
    let mut rng = Rng(77);
    let mut c = cores();
    let mut seeds: Vec<Vec<u8>> = vec![rtp(1, 160, 5), rtp(2, 320, 5)];
    let mut sr = vec![0x81, 200, 0x00, 12, 0, 0, 0, 1];
    sr.extend_from_slice(&[7; 44]);
    seeds.push(sr);
    seeds.push(vec![
        0x80, 201, 0, 1, 0, 0, 0, 2, 0x81, 202, 0, 2, 0, 0, 0, 2, 1, 0, 0, 0,
    ]);
    seeds.push(rtp_with_event());
    for i in 0..50_000u32 {
        let mut p = seeds[rng.below(seeds.len() as u64) as usize].clone();
        for _ in 0..=rng.below(4) {
            if p.is_empty() {
                break;
            }
            let at = rng.below(p.len() as u64) as usize;
            match rng.below(4) {
                0 => p[at] ^= 1 << rng.below(8),
                1 => p[at] = rng.next_u64() as u8,
                2 => p.truncate(at),
                _ => p.push(rng.next_u64() as u8),
            }
        }
        exercise(&p, t0 + Duration::from_micros(u64::from(i) * 3000), &mut c);
    }
}

fn rtp_with_event() -> Vec<u8> {
    common::rtp_with(9, 8000, 5, 101, &[5, 0x8a, 0x03, 0x20])
}
