//! RFC 4733 telephone-event payload parsing.

use rotary_rtp::{dtmf_event, DtmfEvent, EventCode};

#[test]
fn parses_digit_with_end_bit_volume_and_duration() {
    // Event 5, E=1, R=0, volume 10, duration 800 (100 ms at 8 kHz).
    let e = dtmf_event(&[5, 0x80 | 10, 0x03, 0x20]).unwrap();
    assert_eq!(
        e,
        DtmfEvent {
            code: EventCode(5),
            end: true,
            volume: 10,
            duration: 800
        }
    );
    assert_eq!(e.digit(), Some('5'));
}

#[test]
fn reserved_bit_is_ignored_and_star_hash_letters_map() {
    let e = dtmf_event(&[11, 0x40 | 63, 0, 160]).unwrap();
    assert_eq!((e.end, e.volume, e.duration), (false, 63, 160));
    assert_eq!(e.digit(), Some('#'));
    assert_eq!(EventCode(10).digit(), Some('*'));
    assert_eq!(EventCode(12).digit(), Some('A'));
    assert_eq!(EventCode(15).digit(), Some('D'));
    assert_eq!(EventCode::FLASH.digit(), None);
    assert_eq!(EventCode(200).digit(), None);
}

#[test]
fn short_payload_is_none_and_extra_bytes_are_ignored() {
    assert_eq!(dtmf_event(&[]), None);
    assert_eq!(dtmf_event(&[1, 2, 3]), None);
    assert_eq!(
        dtmf_event(&[1, 0, 0, 1, 9, 9, 9, 9]).map(|e| e.code),
        Some(EventCode(1))
    );
}
