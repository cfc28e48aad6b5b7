//! A simulated-time driver for the jitter buffer: packets arrive at given instants, the
//! caller pops every frame period, and the outputs are recorded.
#![allow(dead_code, unreachable_pub)]

use std::time::{Duration, Instant};

use rotary_rtp::jitter::{JitterBuffer, JitterConfig, Playout};
use rotary_rtp::{JitterStats, Ssrc};

/// The 20 ms frame period.
pub const FRAME: Duration = Duration::from_millis(20);

/// One packet to deliver.
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    /// When it arrives, from the start.
    pub at: Duration,
    pub ssrc: u32,
    pub seq: u16,
    pub ts: u32,
    pub marker: bool,
}

impl Arrival {
    /// Packet `i` of a 20 ms stream (seq `i`, ts `160 i`) arriving at `20 i + extra` ms.
    pub fn nth(i: u32, extra: Duration) -> Self {
        Arrival {
            at: FRAME * i + extra,
            ssrc: 1,
            seq: i as u16,
            ts: i * 160,
            marker: i == 0,
        }
    }
}

/// What one pop returned, owned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Out {
    /// A frame: its sequence number, timestamp and samples.
    Frame { seq: u16, ts: u32, samples: u32 },
    /// Concealment.
    Lost(u32),
    /// Nothing.
    Empty,
}

/// A pop at a simulated instant, with the buffer's stats right after it.
#[derive(Debug, Clone, Copy)]
pub struct Popped {
    pub at: Duration,
    pub out: Out,
    pub stats: JitterStats,
}

/// Converts a pop result, checking that the payload carries the packet's sequence
/// number (as `payload_for` writes it).
pub fn own(p: Playout<'_>) -> Out {
    match p {
        Playout::Frame(f) => {
            assert_eq!(
                &f.payload[..2],
                &f.sequence.to_be_bytes(),
                "payload of {f:?}"
            );
            Out::Frame {
                seq: f.sequence,
                ts: f.timestamp,
                samples: f.samples,
            }
        }
        Playout::Lost { samples } => Out::Lost(samples),
        Playout::Empty => Out::Empty,
    }
}

/// The payload of packet `seq`: its sequence number then filler.
pub fn payload_for(seq: u16) -> [u8; 160] {
    let mut p = [0xd5; 160];
    p[..2].copy_from_slice(&seq.to_be_bytes());
    p
}

/// Delivers `arrivals` (any order) and pops every `FRAME` from `pop_phase` until `end`.
/// Pushes at the same instant as a pop go first.
pub fn run(
    config: JitterConfig,
    arrivals: &[Arrival],
    pop_phase: Duration,
    end: Duration,
) -> (JitterBuffer, Vec<Popped>) {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(config);
    let mut sorted = arrivals.to_vec();
    sorted.sort_by_key(|a| a.at);
    let mut next = 0;
    let mut pops = Vec::new();
    let mut at = pop_phase;
    while at <= end {
        while next < sorted.len() && sorted[next].at <= at {
            let a = sorted[next];
            jb.push(
                t0 + a.at,
                Ssrc(a.ssrc),
                a.seq,
                a.ts,
                a.marker,
                &payload_for(a.seq),
            );
            next += 1;
        }
        let out = own(jb.pop(t0 + at));
        pops.push(Popped {
            at,
            out,
            stats: jb.stats(),
        });
        at += FRAME;
    }
    (jb, pops)
}

/// Sequence numbers of the frames played, in order.
pub fn played(pops: &[Popped]) -> Vec<u16> {
    pops.iter()
        .filter_map(|p| match p.out {
            Out::Frame { seq, .. } => Some(seq),
            _ => None,
        })
        .collect()
}

/// Number of `Lost` results.
pub fn lost_results(pops: &[Popped]) -> usize {
    pops.iter()
        .filter(|p| matches!(p.out, Out::Lost(_)))
        .count()
}
