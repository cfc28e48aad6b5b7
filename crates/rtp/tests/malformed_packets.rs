//! Malformed datagrams are errors, never panics; RTP and RTCP are told apart by the
//! RFC 5761 §4 rule.

mod common;

use common::{rtp, rtp_with};
use rotary_rtp::{is_rtcp, Packet, PayloadType, RtcpPacket, RtpError, RtpPacket, Ssrc};

#[test]
fn well_formed_rtp_fields() {
    let b = rtp_with(0x1234, 0xdead_beef, 0x0102_0304, 8, &[1, 2, 3]);
    let p = RtpPacket::parse(&b).unwrap();
    assert_eq!(p.sequence(), 0x1234);
    assert_eq!(p.timestamp(), 0xdead_beef);
    assert_eq!(p.ssrc(), Ssrc(0x0102_0304));
    assert_eq!(p.payload_type(), PayloadType(8));
    assert!(!p.marker());
    assert_eq!(p.payload(), &[1, 2, 3]);
    assert_eq!(p.as_bytes(), &b[..]);
}

#[test]
fn csrc_extension_and_padding_are_skipped() {
    let mut b = vec![0x80 | 0x20 | 0x10 | 2, 0x80]; // P, X, CC=2; marker, PT 0
    b.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0, 0, 9]); // seq, ts, ssrc
    b.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 2]); // two CSRCs
    b.extend_from_slice(&[0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0]); // one-word extension
    b.extend_from_slice(&[7, 7, 7]); // payload
    b.extend_from_slice(&[0, 0, 3]); // three bytes padding
    let p = RtpPacket::parse(&b).unwrap();
    assert!(p.marker());
    assert!(p.has_extension());
    assert_eq!(p.csrc_count(), 2);
    assert_eq!(p.header_len(), 12 + 8 + 8);
    assert_eq!(p.padding_len(), 3);
    assert_eq!(p.payload(), &[7, 7, 7]);
}

#[test]
fn rejects_each_kind_of_malformation() {
    let good = rtp(1, 0, 1);
    assert_eq!(
        RtpPacket::parse(&good[..11]),
        Err(RtpError::TooShort { len: 11, need: 12 })
    );
    assert_eq!(
        RtpPacket::parse(&[]),
        Err(RtpError::TooShort { len: 0, need: 12 })
    );
    for version in [0u8, 1, 3] {
        let mut b = good.clone();
        b[0] = (b[0] & 0x3f) | (version << 6);
        assert_eq!(RtpPacket::parse(&b), Err(RtpError::BadVersion { version }));
    }
    let mut cc = good[..20].to_vec();
    cc[0] |= 0x0f; // 15 CSRCs need 72 bytes
    assert_eq!(
        RtpPacket::parse(&cc),
        Err(RtpError::HeaderOverrun {
            header_len: 72,
            len: 20
        })
    );
    let mut ext = good[..14].to_vec();
    ext[0] |= 0x10; // extension header cut short
    assert_eq!(
        RtpPacket::parse(&ext),
        Err(RtpError::HeaderOverrun {
            header_len: 16,
            len: 14
        })
    );
    let mut ext_len = good[..20].to_vec();
    ext_len[0] |= 0x10;
    ext_len[14..16].copy_from_slice(&100u16.to_be_bytes());
    assert_eq!(
        RtpPacket::parse(&ext_len),
        Err(RtpError::HeaderOverrun {
            header_len: 416,
            len: 20
        })
    );
    let mut pad0 = good.clone();
    pad0[0] |= 0x20;
    *pad0.last_mut().unwrap() = 0;
    assert_eq!(
        RtpPacket::parse(&pad0),
        Err(RtpError::BadPadding {
            pad: 0,
            available: 160
        })
    );
    let mut pad_big = good.clone();
    pad_big[0] |= 0x20;
    *pad_big.last_mut().unwrap() = 161;
    assert_eq!(
        RtpPacket::parse(&pad_big),
        Err(RtpError::BadPadding {
            pad: 161,
            available: 160
        })
    );
}

#[test]
fn rtcp_types_are_not_rtp() {
    for pt in [192u8, 200, 201, 211, 223] {
        let mut b = rtp(1, 0, 1);
        b[1] = pt;
        assert!(is_rtcp(&b));
        assert_eq!(RtpPacket::parse(&b), Err(RtpError::NotRtp { pt }));
    }
    for second in [0u8, 8, 101, 127, 128, 128 | 63, 128 | 96] {
        let mut b = rtp(1, 0, 1);
        b[1] = second;
        assert!(!is_rtcp(&b), "{second}");
        assert!(matches!(Packet::parse(&b), Ok(Packet::Rtp(_))));
    }
}

/// An RTCP receiver report with no report blocks, then an SDES with no chunks.
fn compound() -> Vec<u8> {
    let mut b = vec![0x80, 201, 0, 1, 0xca, 0xfe, 0xba, 0xbe];
    b.extend_from_slice(&[0x80, 202, 0, 0]);
    b
}

#[test]
fn compound_rtcp_validates_every_header() {
    let b = compound();
    let Ok(Packet::Rtcp(p)) = Packet::parse(&b) else {
        panic!("not RTCP")
    };
    assert_eq!((p.packet_type(), p.count()), (201, 2));
    assert_eq!(p.sender_ssrc(), Some(Ssrc(0xcafe_babe)));
    let mut long = b.clone();
    long[3] = 9;
    assert_eq!(
        RtcpPacket::parse(&long),
        Err(RtpError::RtcpLength {
            offset: 0,
            claimed: 40,
            len: 12
        })
    );
    let mut bad_second = b.clone();
    bad_second[9] = 96;
    assert_eq!(
        RtcpPacket::parse(&bad_second),
        Err(RtpError::NotRtcp { pt: 96 })
    );
    let mut bad_version = b.clone();
    bad_version[8] = 0x40;
    assert_eq!(
        RtcpPacket::parse(&bad_version),
        Err(RtpError::BadVersion { version: 1 })
    );
    assert_eq!(
        RtcpPacket::parse(&b[..10]),
        Err(RtpError::TooShort { len: 2, need: 4 })
    );
    assert_eq!(
        RtcpPacket::parse(&b[..3]),
        Err(RtpError::TooShort { len: 3, need: 4 })
    );
    let short_first = [0x80u8, 203, 0, 0];
    assert_eq!(RtcpPacket::parse(&short_first).unwrap().sender_ssrc(), None);
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A small deterministic generator: every prefix of many pseudo-random buffers,
    // biased towards version 2 so that deeper checks are reached.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..5_000 {
        let len = usize::try_from(next() % 64).unwrap();
        let mut b: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
        if let Some(first) = b.first_mut() {
            *first = (*first & 0x3f) | 0x80;
        }
        for end in 0..=b.len() {
            let _ = Packet::parse(&b[..end]);
            let _ = RtpPacket::parse(&b[..end]);
            let _ = RtcpPacket::parse(&b[..end]);
            let _ = rotary_rtp::dtmf_event(&b[..end]);
        }
    }
}
