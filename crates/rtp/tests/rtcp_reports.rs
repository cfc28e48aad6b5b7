//! RTCP SR/RR report blocks from hand-built RFC 3550 §6.4 layouts, the compound writer,
//! report blocks from receive statistics, NTP arithmetic and round-trip time.

mod common;

use std::time::{Duration, Instant};

use common::rtp;
use rotary_rtp::{
    ClockRate, NtpTime, ReportBlock, RtcpPacket, RtcpReport, RtcpWriter, RtpError, RtpPacket,
    SenderInfo, Ssrc, StreamStats,
};

/// SR (2 blocks) + SDES CNAME "pbx@x" + BYE, byte by byte from RFC 3550 §6.4.1, §6.5, §6.6.
fn compound() -> Vec<u8> {
    let mut p = vec![
        0x82, 200, 0x00, 18, // V=2 RC=2, SR, (28 + 48) / 4 − 1
        0x11, 0x22, 0x33, 0x44, // sender SSRC
        0xe4, 0xd2, 0x1b, 0x00, 0x80, 0x00, 0x00, 0x00, // NTP
        0x00, 0x01, 0xe2, 0x40, // RTP timestamp 123,456
        0x00, 0x00, 0x03, 0xe8, // 1,000 packets
        0x00, 0x02, 0x71, 0x00, // 160,000 octets
        // block 1
        0xaa, 0xbb, 0xcc, 0xdd, // SSRC
        0x40, 0x00, 0x00, 0x0a, // 25 % lost, cumulative 10
        0x00, 0x01, 0x00, 0x05, // cycle 1, seq 5
        0x00, 0x00, 0x00, 0x50, // jitter 80
        0xb7, 0x05, 0x20, 0x00, // LSR
        0x00, 0x05, 0x40, 0x00, // DLSR 5.25 s
        // block 2
        0x01, 0x02, 0x03, 0x04, //
        0x00, 0xff, 0xff, 0xff, // 0 lost, cumulative −1
        0x00, 0x00, 0x00, 0x64, //
        0x00, 0x00, 0x00, 0x00, //
        0x00, 0x00, 0x00, 0x00, //
        0x00, 0x00, 0x00, 0x00, //
    ];
    p.extend_from_slice(&[
        0x81, 202, 0x00, 0x03, // SDES, one chunk
        0x11, 0x22, 0x33, 0x44, // SSRC
        1, 5, b'p', b'b', b'x', b'@', b'x', 0, // CNAME, end of items
    ]);
    p.extend_from_slice(&[0x81, 203, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44]);
    p
}

fn block1() -> ReportBlock {
    ReportBlock {
        ssrc: Ssrc(0xaabb_ccdd),
        fraction_lost: 0x40,
        cumulative_lost: 10,
        highest_seq: 0x0001_0005,
        jitter: 80,
        lsr: 0xb705_2000,
        dlsr: 0x0005_4000,
    }
}

fn block2() -> ReportBlock {
    ReportBlock {
        ssrc: Ssrc(0x0102_0304),
        fraction_lost: 0,
        cumulative_lost: -1,
        highest_seq: 100,
        jitter: 0,
        lsr: 0,
        dlsr: 0,
    }
}

fn info() -> SenderInfo {
    SenderInfo {
        ntp: NtpTime(0xe4d2_1b00_8000_0000),
        rtp_timestamp: 123_456,
        packet_count: 1000,
        octet_count: 160_000,
    }
}

#[test]
fn sender_report_blocks_parse_from_compound() {
    let bytes = compound();
    let rtcp = RtcpPacket::parse(&bytes).unwrap();
    assert_eq!(rtcp.count(), 3);
    let reports: Vec<_> = rtcp.reports().collect();
    assert_eq!(reports.len(), 1, "SDES and BYE are skipped");
    let RtcpReport::Sender(sr) = reports[0] else {
        panic!("not an SR: {reports:?}")
    };
    assert_eq!(sr.ssrc, Ssrc(0x1122_3344));
    assert_eq!(sr.info, info());
    assert_eq!(sr.blocks.len(), 2);
    let blocks: Vec<_> = sr.blocks.collect();
    assert_eq!(blocks, [block1(), block2()]);
    assert!((blocks[0].loss() - 0.25).abs() < 1e-12);
    assert_eq!(
        blocks[0].jitter_time(ClockRate::NARROWBAND),
        Duration::from_millis(10)
    );
}

#[test]
fn receiver_report_with_and_without_blocks() {
    let mut rr = vec![0x81, 201, 0x00, 0x07, 0, 0, 0, 9];
    rr.extend_from_slice(&compound()[28..52]); // block 1
    rr.extend_from_slice(&[0x80, 201, 0x00, 0x01, 0, 0, 0, 8]); // empty RR
    let rtcp = RtcpPacket::parse(&rr).unwrap();
    let reports: Vec<_> = rtcp.reports().collect();
    assert_eq!(reports.len(), 2);
    assert!(matches!(reports[0], RtcpReport::Receiver(_)));
    assert_eq!(reports[0].ssrc(), Ssrc(9));
    assert_eq!(reports[0].blocks().collect::<Vec<_>>(), [block1()]);
    assert_eq!(reports[1].ssrc(), Ssrc(8));
    assert!(reports[1].blocks().is_empty());
}

#[test]
fn report_count_overrunning_its_length_is_skipped() {
    // RR claiming 2 blocks with room for 1, then a good empty RR.
    let mut rr = vec![0x82, 201, 0x00, 0x07, 0, 0, 0, 9];
    rr.extend_from_slice(&[0; 24]);
    rr.extend_from_slice(&[0x80, 201, 0x00, 0x01, 0, 0, 0, 8]);
    let rtcp = RtcpPacket::parse(&rr).unwrap();
    let ssrcs: Vec<_> = rtcp.reports().map(|r| r.ssrc()).collect();
    assert_eq!(ssrcs, [Ssrc(8)]);
}

#[test]
fn writer_builds_the_same_bytes() {
    let mut buf = [0u8; 256];
    let mut w = RtcpWriter::new(&mut buf);
    w.sender_report(Ssrc(0x1122_3344), &info(), &[block1(), block2()])
        .unwrap()
        .sdes_cname(Ssrc(0x1122_3344), "pbx@x")
        .unwrap()
        .bye(Ssrc(0x1122_3344))
        .unwrap();
    assert_eq!(w.as_bytes(), &compound()[..]);
    let len = w.len();
    assert!(RtcpPacket::parse(&buf[..len]).is_ok());
}

#[test]
fn writer_rr_and_sdes_padding_parse_back() {
    let mut buf = [0u8; 128];
    let mut w = RtcpWriter::new(&mut buf);
    w.receiver_report(Ssrc(5), &[block2()]).unwrap();
    w.sdes_cname(Ssrc(5), "abcd").unwrap(); // 4+2+4+1 = 11 → padded to 12
    let len = w.len();
    assert_eq!(len, 32 + 16);
    let rtcp = RtcpPacket::parse(&buf[..len]).unwrap();
    assert_eq!(rtcp.count(), 2);
    assert_eq!(
        rtcp.reports().next().unwrap().blocks().next(),
        Some(block2())
    );
}

#[test]
fn writer_errors_leave_earlier_packets_intact() {
    let mut buf = [0u8; 40];
    let mut w = RtcpWriter::new(&mut buf);
    w.receiver_report(Ssrc(1), &[]).unwrap();
    assert_eq!(
        w.receiver_report(Ssrc(1), &[block1(), block2()])
            .unwrap_err(),
        RtpError::BufferTooSmall { need: 56, have: 32 }
    );
    assert!(matches!(
        w.receiver_report(Ssrc(1), &[block1(); 32]),
        Err(RtpError::RtcpFieldOverflow { .. })
    ));
    assert!(matches!(
        w.sdes_cname(Ssrc(1), &"x".repeat(256)),
        Err(RtpError::RtcpFieldOverflow { .. })
    ));
    assert_eq!(w.len(), 8);
}

#[test]
fn round_trip_time_from_the_rfc_example() {
    // RFC 3550 §6.4.1: A 0xb710:8000, LSR 0xb705:2000, DLSR 0x0005:4000 → 6.125 s.
    let arrival = NtpTime(0x0000_b710_8000_0000);
    assert_eq!(arrival.middle32(), 0xb710_8000);
    assert_eq!(
        block1().round_trip(arrival),
        Some(Duration::from_millis(6125))
    );
    assert_eq!(block2().round_trip(arrival), None, "no LSR");
    assert_eq!(block1().round_trip(NtpTime(0)), None, "negative");
}

#[test]
fn ntp_time_from_unix_time() {
    assert_eq!(NtpTime::from_unix(Duration::ZERO).0 >> 32, 2_208_988_800);
    let t = NtpTime::from_unix(Duration::from_millis(1500));
    assert_eq!(t.0 >> 32, 2_208_988_801);
    assert_eq!(t.0 as u32, 0x8000_0000);
}

#[test]
fn report_block_from_receive_statistics() {
    let t0 = Instant::now();
    let mut stats = StreamStats::new(ClockRate::NARROWBAND);
    let ms = Duration::from_millis(1);
    // 1..=10 with 3, 6, 7 lost.
    for seq in (1u16..=10).filter(|s| ![3, 6, 7].contains(s)) {
        let b = rtp(seq, u32::from(seq) * 160, 0x77);
        stats.handle_rtp(
            t0 + ms * 20 * u32::from(seq),
            &RtpPacket::parse(&b).unwrap(),
        );
    }
    stats.handle_sender_report(t0 + ms * 150, &info());
    let b = stats.report_block(t0 + ms * 650).unwrap();
    assert_eq!(b.ssrc, Ssrc(0x77));
    assert_eq!(b.fraction_lost, (3 * 256 / 10) as u8);
    assert_eq!((b.cumulative_lost, b.highest_seq), (3, 10));
    assert_eq!(b.jitter, 0);
    assert_eq!((b.lsr, b.dlsr), (info().ntp.middle32(), 32_768));
    // The next interval: 11..=20 all received.
    for seq in 11u16..=20 {
        let bytes = rtp(seq, u32::from(seq) * 160, 0x77);
        stats.handle_rtp(
            t0 + ms * 20 * u32::from(seq),
            &RtpPacket::parse(&bytes).unwrap(),
        );
    }
    let b = stats.report_block(t0 + ms * 700).unwrap();
    assert_eq!(
        (b.fraction_lost, b.cumulative_lost, b.highest_seq),
        (0, 3, 20)
    );
    assert_eq!(
        StreamStats::new(ClockRate::NARROWBAND).report_block(t0),
        None
    );
}

#[test]
fn extended_highest_sequence_counts_wraps() {
    let t0 = Instant::now();
    let mut stats = StreamStats::new(ClockRate::NARROWBAND);
    for (i, seq) in [65_534u16, 65_535, 0, 1].into_iter().enumerate() {
        let b = rtp(seq, 160 * i as u32, 1);
        stats.handle_rtp(t0, &RtpPacket::parse(&b).unwrap());
    }
    let b = stats.report_block(t0).unwrap();
    assert_eq!(b.highest_seq, 0x0001_0001);
}
