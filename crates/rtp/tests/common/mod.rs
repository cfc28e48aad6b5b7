//! Shared helpers for rotary-rtp scenario tests: packet builders and addresses.
#![allow(dead_code, unreachable_pub)] // each test file uses a different subset

pub mod sim;

use std::net::SocketAddr;

/// A plain RTP packet: version 2, PT 0 (PCMU), 160 bytes of payload.
pub fn rtp(seq: u16, ts: u32, ssrc: u32) -> Vec<u8> {
    rtp_with(seq, ts, ssrc, 0, &[0xd5; 160])
}

/// An RTP packet with a chosen payload type and payload.
pub fn rtp_with(seq: u16, ts: u32, ssrc: u32, pt: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, pt & 0x7f];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ts.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// An address on a documentation network.
pub fn addr(s: &str) -> SocketAddr {
    s.parse().expect("test address")
}

/// A small seeded generator (SplitMix64) so that random tests are reproducible.
pub struct Rng(pub u64);

impl Rng {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// Fills `buf` with random bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = self.next_u64() as u8;
        }
    }
}
