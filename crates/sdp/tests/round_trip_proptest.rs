//! Property: any model the crate can build survives serialize → parse unchanged.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use rotary_sdp::{
    Attribute, Bandwidth, Connection, Formats, Media, MediaKind, Origin, OtherLine, PayloadType,
    SessionDescription, Timing,
};

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9._+-]{0,11}"
}

/// Free text: no line breaks, no leading/trailing whitespace.
fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9 :/=.,;*+-]{0,20}[A-Za-z0-9]"
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<u32>().prop_map(|v| IpAddr::V4(Ipv4Addr::from(v))),
        any::<u128>().prop_map(|v| IpAddr::V6(Ipv6Addr::from(v))),
    ]
}

fn connection() -> impl Strategy<Value = Connection> {
    (ip(), any::<Option<u8>>(), any::<Option<u32>>()).prop_map(
        |(address, ttl, count)| match address {
            IpAddr::V4(_) => Connection {
                address,
                ttl,
                // A count needs a TTL before it on IPv4.
                count: ttl.and(count),
            },
            IpAddr::V6(_) => Connection {
                address,
                ttl: None,
                count,
            },
        },
    )
}

fn attribute() -> impl Strategy<Value = Attribute> {
    (
        token(),
        proptest::option::of(prop_oneof![Just(String::new()), text()]),
    )
        .prop_map(|(name, value)| Attribute { name, value })
}

fn other_line() -> impl Strategy<Value = OtherLine> {
    (
        prop::sample::select(vec!['x', 'y', 'f', 'g', 'h', 'j', 'l']),
        text(),
    )
        .prop_map(|(kind, value)| OtherLine { kind, value })
}

fn bandwidth() -> impl Strategy<Value = Bandwidth> {
    (
        prop::sample::select(vec!["AS", "CT", "TIAS", "RR", "RS"]),
        any::<u64>(),
    )
        .prop_map(|(k, value)| Bandwidth {
            kind: k.to_owned(),
            value,
        })
}

fn media() -> impl Strategy<Value = Media> {
    let rtp = (
        prop::sample::select(vec!["RTP/AVP", "RTP/SAVP", "RTP/AVPF", "UDP/TLS/RTP/SAVPF"]),
        prop::collection::vec(
            (0u8..=127).prop_map(|v| PayloadType::new(v).expect("in range")),
            1..8,
        ),
    )
        .prop_map(|(p, pts)| (p.to_owned(), Formats::Rtp(pts)));
    let other =
        prop::collection::vec(token(), 1..4).prop_map(|t| ("udptl".to_owned(), Formats::Other(t)));
    let kind = prop_oneof![
        Just(MediaKind::Audio),
        Just(MediaKind::Video),
        Just(MediaKind::Image),
        Just(MediaKind::Application),
        "[a-z]{2,8}x".prop_map(MediaKind::Other),
    ];
    (
        kind,
        1u16..,
        proptest::option::of(1u16..),
        prop_oneof![rtp, other],
        proptest::option::of(text()),
        proptest::option::of(connection()),
        prop::collection::vec(bandwidth(), 0..2),
        proptest::option::of(text()),
        prop::collection::vec(attribute(), 0..8),
        prop::collection::vec(other_line(), 0..2),
    )
        .prop_map(
            |(
                kind,
                port,
                port_count,
                (protocol, formats),
                info,
                connection,
                bandwidths,
                key,
                attributes,
                other_lines,
            )| Media {
                kind,
                port,
                port_count,
                protocol,
                formats,
                info,
                connection,
                bandwidths,
                key,
                attributes,
                other_lines,
            },
        )
}

fn session() -> impl Strategy<Value = SessionDescription> {
    let origin =
        (token(), "[0-9]{1,20}", "[0-9]{1,20}", ip()).prop_map(|(username, id, ver, addr)| {
            Origin {
                username,
                session_id: id,
                session_version: ver,
                net_type: "IN".into(),
                addr_type: if addr.is_ipv4() { "IP4" } else { "IP6" }.into(),
                address: addr.to_string(),
            }
        });
    let timing = (
        any::<u64>(),
        any::<u64>(),
        prop::collection::vec(text(), 0..2),
    )
        .prop_map(|(start, stop, repeats)| Timing {
            start,
            stop,
            repeats,
        });
    (
        (
            origin,
            text(),
            proptest::option::of(text()),
            proptest::option::of(text()),
        ),
        (
            prop::collection::vec(text(), 0..2),
            prop::collection::vec(text(), 0..2),
        ),
        connection(),
        prop::collection::vec(bandwidth(), 0..2),
        prop::collection::vec(timing, 1..3),
        (proptest::option::of(text()), proptest::option::of(text())),
        prop::collection::vec(attribute(), 0..6),
        prop::collection::vec(other_line(), 0..2),
        prop::collection::vec(media(), 0..5),
    )
        .prop_map(
            |(
                (origin, session_name, info, uri),
                (emails, phones),
                c,
                bandwidths,
                timings,
                (time_zones, key),
                attributes,
                other_lines,
                media,
            )| {
                SessionDescription {
                    origin,
                    session_name,
                    info,
                    uri,
                    emails,
                    phones,
                    connection: Some(c),
                    bandwidths,
                    timings,
                    time_zones,
                    key,
                    attributes,
                    other_lines,
                    media,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn model_survives_serialize_then_parse(s in session()) {
        let text = s.to_string();
        let back = SessionDescription::parse(text.as_bytes());
        prop_assert_eq!(back.as_ref(), Ok(&s), "text:\n{}", text);
        // And the text is a fixed point.
        prop_assert_eq!(back.map(|b| b.to_string()), Ok(text));
    }
}
