//! Writing RTP headers and the send state of a stream pbxd originates.

use rotary_rtp::{PayloadType, RtpError, RtpHeader, RtpPacket, RtpSender, Ssrc};

#[test]
fn header_round_trips_through_the_parser() {
    let h =
        RtpHeader::new(PayloadType(8), 0xfffe, 0xdead_beef, Ssrc(0x0102_0304)).with_marker(true);
    let mut buf = [0u8; 64];
    let len = h.write_packet(&[1, 2, 3], &mut buf).unwrap();
    assert_eq!(len, 15);
    assert_eq!(
        &buf[..12],
        &[0x80, 0x88, 0xff, 0xfe, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]
    );
    let p = RtpPacket::parse(&buf[..len]).unwrap();
    assert_eq!(RtpHeader::of(&p), h);
    assert_eq!(p.payload(), &[1, 2, 3]);
}

#[test]
fn write_errors_are_reported_not_panics() {
    let h = RtpHeader::new(PayloadType(0), 1, 2, Ssrc(3));
    let mut small = [0u8; 13];
    assert_eq!(
        h.write_packet(&[0; 2], &mut small),
        Err(RtpError::BufferTooSmall { need: 14, have: 13 })
    );
    assert_eq!(small, [0; 13], "untouched");
    assert_eq!(
        h.write(&mut small[..11]),
        Err(RtpError::BufferTooSmall { need: 12, have: 11 })
    );
    let bad = RtpHeader::new(PayloadType(128), 1, 2, Ssrc(3));
    assert_eq!(
        bad.write(&mut small),
        Err(RtpError::BadPayloadType { pt: 128 })
    );
}

#[test]
fn sender_continues_sequence_and_timestamp_across_payload_types_and_silence() {
    let mut s = RtpSender::new(Ssrc(42), 65_534, u32::MAX - 159);
    let pcmu = PayloadType(0);
    let te = PayloadType(101);
    let cn = PayloadType(13);
    let a = s.next(pcmu, true, 160);
    let b = s.next(pcmu, false, 160);
    // Silence: 1 s of comfort noise then nothing.
    let c = s.next(cn, false, 8000);
    s.skip(1600);
    // A DTMF event: same timestamp on every packet, audio time keeps running.
    let ev = s.timestamp();
    let d1 = s.next_at(te, true, ev);
    let d2 = s.next_at(te, false, ev);
    s.skip(800);
    let e = s.next(pcmu, true, 160);
    let seqs: Vec<u16> = [a, b, c, d1, d2, e].iter().map(|h| h.sequence).collect();
    assert_eq!(seqs, [65_534, 65_535, 0, 1, 2, 3]);
    assert_eq!(a.timestamp, u32::MAX - 159);
    assert_eq!(b.timestamp, 0, "timestamp wraps");
    assert_eq!(c.timestamp, 160);
    assert_eq!(
        (d1.timestamp, d2.timestamp),
        (160 + 8000 + 1600, 160 + 8000 + 1600)
    );
    assert_eq!(e.timestamp, 160 + 8000 + 1600 + 800);
    assert!([a, b, c, d1, d2, e].iter().all(|h| h.ssrc == Ssrc(42)));
    assert_eq!((e.payload_type, e.marker), (pcmu, true));
    assert_eq!(s.packets(), 6);
}

#[test]
fn sender_write_counts_octets_and_does_not_advance_on_error() {
    let mut s = RtpSender::new(Ssrc(1), 10, 1000);
    let mut buf = [0u8; 200];
    let len = s
        .write(PayloadType(0), false, 160, &[0xd5; 160], &mut buf)
        .unwrap();
    assert_eq!(len, 172);
    assert_eq!(RtpPacket::parse(&buf[..len]).unwrap().sequence(), 10);
    assert!(s
        .write(PayloadType(0), false, 160, &[0xd5; 190], &mut buf)
        .is_err());
    assert_eq!((s.sequence(), s.timestamp()), (11, 1160));
    assert_eq!((s.packets(), s.octets()), (1, 160));
    s.add_octets(4);
    assert_eq!(s.octets(), 164);
}
