//! Two phones exchange RTP and RTCP through a relay in both directions; the bytes
//! arrive unchanged, from the relay's ports, and the statistics add up.

mod common;

use common::{leg_addr, local, next_event, pool, Phone, LOCALHOST, WAIT};
use rotary_media::{Relay, RelayConfig, RelayEvent, RelayLeg, Remote};

#[tokio::test]
async fn rtp_flows_both_ways_unchanged() {
    let pool = pool(42_000, 42_099);
    let mut alice = Phone::new(0xa11ce).await;
    let mut bob = Phone::new(0xb0b).await;
    let (a, b) = (
        pool.allocate(LOCALHOST).unwrap(),
        pool.allocate(LOCALHOST).unwrap(),
    );
    let remotes = [
        Some(Remote::from_rtp(alice.addr())),
        Some(Remote::from_rtp(bob.addr())),
    ];
    let (relay, mut events) = Relay::spawn(a, b, remotes, RelayConfig::default()).unwrap();
    let (leg_a, leg_b) = (
        leg_addr(relay.local_ports(RelayLeg::A)),
        leg_addr(relay.local_ports(RelayLeg::B)),
    );

    for _ in 0..50 {
        let sent = alice.send_rtp(leg_a).await;
        let (got, from) = bob.recv().await;
        assert_eq!(got, sent, "payload, SSRC and sequence untouched");
        assert_eq!(from, leg_b, "sent out of leg B's RTP socket");
        let sent = bob.send_rtp(leg_b).await;
        let (got, from) = alice.recv().await;
        assert_eq!(got, sent);
        assert_eq!(from, leg_a);
    }
    let mut latched = vec![
        next_event(&mut events, WAIT).await,
        next_event(&mut events, WAIT).await,
    ];
    latched.sort_by_key(|e| {
        matches!(
            e,
            RelayEvent::Latched {
                leg: RelayLeg::B,
                ..
            }
        )
    });
    assert_eq!(
        latched,
        [
            RelayEvent::Latched {
                leg: RelayLeg::A,
                addr: alice.addr()
            },
            RelayEvent::Latched {
                leg: RelayLeg::B,
                addr: bob.addr()
            }
        ]
    );

    let stats = relay.stats().await.unwrap();
    for dir in [stats.a_to_b, stats.b_to_a] {
        assert_eq!(
            (
                dir.relayed,
                dir.lost(),
                dir.received.packets,
                dir.send_failed
            ),
            (50, 0, 50, 0)
        );
        assert_eq!(dir.received.bytes, 50 * 172);
    }
    assert_eq!(stats.a_to_b.latched, Some(alice.addr()));
    assert_eq!(stats.b_to_a.latched, Some(bob.addr()));
    assert!(!stats.held);
    relay.close().await;
}

#[tokio::test]
async fn rtcp_flows_on_the_plus_one_ports() {
    let pool = pool(42_100, 42_199);
    let alice = Phone::new(1).await;
    let bob_rtp = Phone::new(2).await;
    let bob_rtcp = Phone::new(2).await;
    let (a, b) = (
        pool.allocate(LOCALHOST).unwrap(),
        pool.allocate(LOCALHOST).unwrap(),
    );
    let bob_remote = Remote {
        rtp: bob_rtp.addr(),
        rtcp: bob_rtcp.addr(),
    };
    let (relay, _events) =
        Relay::spawn(a, b, [None, Some(bob_remote)], RelayConfig::default()).unwrap();
    let (a_rtcp, b_rtcp) = (
        relay.local_ports(RelayLeg::A).rtcp,
        relay.local_ports(RelayLeg::B).rtcp,
    );

    // Alice's RTCP (from her RTP socket's IP) goes to Bob's SDP RTCP address.
    let rr = [0x80u8, 201, 0, 1, 0, 0, 0, 1];
    alice.sock.send_to(&rr, local(a_rtcp)).await.unwrap();
    let (got, from) = bob_rtcp.recv().await;
    assert_eq!((got.as_slice(), from), (&rr[..], local(b_rtcp)));
    // Bob's answer goes back to where Alice's RTCP came from (latched).
    bob_rtcp.sock.send_to(&rr, local(b_rtcp)).await.unwrap();
    let (got, from) = alice.recv().await;
    assert_eq!((got.as_slice(), from), (&rr[..], local(a_rtcp)));

    let stats = relay.stats().await.unwrap();
    assert_eq!(
        (stats.a_to_b.rtcp_relayed, stats.b_to_a.rtcp_relayed),
        (1, 1)
    );
    assert_eq!(stats.a_to_b.rtcp_latched, Some(alice.addr()));
    relay.close().await;
}

#[tokio::test]
async fn malformed_datagrams_are_counted_not_relayed() {
    let pool = pool(42_200, 42_299);
    let mut alice = Phone::new(1).await;
    let bob = Phone::new(2).await;
    let (a, b) = (
        pool.allocate(LOCALHOST).unwrap(),
        pool.allocate(LOCALHOST).unwrap(),
    );
    let (relay, _events) = Relay::spawn(
        a,
        b,
        [None, Some(Remote::from_rtp(bob.addr()))],
        RelayConfig::default(),
    )
    .unwrap();
    let leg_a = leg_addr(relay.local_ports(RelayLeg::A));
    for junk in [&b"hello"[..], &[0x40; 20], &[0x80, 0, 0]] {
        alice.sock.send_to(junk, leg_a).await.unwrap();
    }
    // The socket is FIFO: once this valid packet arrives the junk has been judged.
    let sent = alice.send_rtp(leg_a).await;
    assert_eq!(bob.recv().await.0, sent);
    let stats = relay.stats().await.unwrap();
    assert_eq!((stats.a_to_b.malformed, stats.a_to_b.relayed), (3, 1));
    relay.close().await;
}
