//! Shared helpers for rotary-rtp scenario tests: packet builders and addresses.
#![allow(dead_code, unreachable_pub)] // each test file uses a different subset

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
