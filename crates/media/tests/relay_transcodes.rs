//! A transcoding relay between a PCMU phone and a PCMA phone: each phone gets a steady
//! stream in its own codec from the relay's port, with pbxd's own SSRC, consecutive
//! sequence numbers and timestamps one frame apart, carrying the other phone's audio.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{leg_addr, pool, Phone, LOCALHOST};
use rotary_codecs::{new_decoder, new_encoder, CodecId, CodecParams};
use rotary_media::{DtmfTransport, MediaPlan, Relay, RelayConfig, RelayLeg, Remote, StreamFormat};

fn format(codec: CodecId, payload_type: u8) -> StreamFormat {
    StreamFormat {
        codec: Some(codec),
        payload_type,
        event_payload_type: Some(101),
        ptime_ms: 20,
        dtmf: DtmfTransport::Rfc4733,
    }
}

/// `byte` as PCMU, decoded and encoded again as `to`: what the relay should make of
/// a constant PCMU payload.
fn pcmu_as(byte: u8, to: CodecId) -> Vec<u8> {
    let mut pcm = Vec::new();
    new_decoder(&CodecParams::new(CodecId::Pcmu))
        .unwrap()
        .decode(&[byte; 160], &mut pcm)
        .unwrap();
    let mut out = Vec::new();
    new_encoder(&CodecParams::new(to))
        .unwrap()
        .encode(&pcm, &mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn each_phone_gets_a_steady_stream_in_its_own_codec() {
    let pool = pool(42_400, 42_499);
    // Alice speaks PCMU (the common phone sends PT 0), Bob PCMA.
    let mut alice = Phone::new(0xa11ce).await;
    let bob = Phone::new(0xb0b).await;
    let (a, b) = (
        pool.allocate(LOCALHOST).unwrap(),
        pool.allocate(LOCALHOST).unwrap(),
    );
    let config = RelayConfig {
        plan: MediaPlan {
            legs: [
                Some(format(CodecId::Pcmu, 0)),
                Some(format(CodecId::Pcma, 8)),
            ],
            transcode: true,
        },
        ..RelayConfig::default()
    };
    let remotes = [
        Some(Remote::from_rtp(alice.addr())),
        Some(Remote::from_rtp(bob.addr())),
    ];
    let (relay, _events) = Relay::spawn(a, b, remotes, config).unwrap();
    let (leg_a, leg_b) = (
        leg_addr(relay.local_ports(RelayLeg::A)),
        leg_addr(relay.local_ports(RelayLeg::B)),
    );

    // Alice talks for a second; Bob's side of the relay runs on its own frame clock.
    let mut sent = HashSet::new();
    let mut ticks = tokio::time::interval(Duration::from_millis(20));
    for _ in 0..50 {
        ticks.tick().await;
        let p = alice.send_rtp(leg_a).await;
        sent.insert(p[12]);
    }
    let mut packets = Vec::new();
    while packets.len() < 40 {
        let (p, from) = bob.recv().await;
        assert_eq!(from, leg_b, "sent out of leg B's RTP socket");
        packets.push(p);
    }
    let first = &packets[0];
    for (i, p) in packets.iter().enumerate() {
        assert_eq!(p.len(), 12 + 160, "20 ms of PCMA behind a plain header");
        assert_eq!(p[0], 0x80);
        assert_eq!(p[1] & 0x7f, 8, "PCMA's payload type");
        assert_eq!(p[8..12], first[8..12], "one SSRC");
        assert_ne!(common::ssrc_of(p), alice.ssrc, "pbxd's own SSRC");
        let seq = u16::from_be_bytes([p[2], p[3]]);
        let first_seq = u16::from_be_bytes([first[2], first[3]]);
        assert_eq!(seq, first_seq.wrapping_add(i as u16), "no gaps");
        let ts = u32::from_be_bytes([p[4], p[5], p[6], p[7]]);
        let first_ts = u32::from_be_bytes([first[4], first[5], first[6], first[7]]);
        assert_eq!(ts, first_ts.wrapping_add(160 * i as u32));
    }
    // Alice's audio comes through, converted (a constant PCMU payload stays constant).
    let expected: Vec<Vec<u8>> = sent.iter().map(|&b| pcmu_as(b, CodecId::Pcma)).collect();
    let heard = packets
        .iter()
        .filter(|p| expected.iter().any(|e| p[12..] == e[..]))
        .count();
    assert!(
        heard >= 20,
        "only {heard} of 40 packets carried Alice's audio"
    );
    let stats = relay.stats().await.unwrap();
    assert!(stats.a_to_b.received.packets >= 40);
    assert!(stats.a_to_b.relayed >= 40);
    relay.close().await;
}
