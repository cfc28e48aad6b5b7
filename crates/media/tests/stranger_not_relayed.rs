//! A stranger sending to a leg's port while the latched phone is active gets nothing
//! through, and cannot redirect the far phone's audio.

mod common;

use common::{leg_addr, pool, ssrc_of, Phone, LOCALHOST};
use rotary_media::{Relay, RelayConfig, RelayLeg, Remote};

#[tokio::test]
async fn stranger_packets_dropped_while_phone_active() {
    let pool = pool(42_500, 42_599);
    let mut alice = Phone::new(0xa).await;
    let mut bob = Phone::new(0xb).await;
    let mut mallory = Phone::new(0x666).await;
    let (a, b) = (
        pool.allocate(LOCALHOST).unwrap(),
        pool.allocate(LOCALHOST).unwrap(),
    );
    let remotes = [
        Some(Remote::from_rtp(alice.addr())),
        Some(Remote::from_rtp(bob.addr())),
    ];
    let (relay, _events) = Relay::spawn(a, b, remotes, RelayConfig::default()).unwrap();
    let (leg_a, leg_b) = (
        leg_addr(relay.local_ports(RelayLeg::A)),
        leg_addr(relay.local_ports(RelayLeg::B)),
    );

    alice.send_rtp(leg_a).await;
    assert_eq!(ssrc_of(&bob.recv().await.0), 0xa);
    for _ in 0..20 {
        for _ in 0..3 {
            mallory.send_rtp(leg_a).await;
        }
        alice.send_rtp(leg_a).await;
        // FIFO socket: Alice's packet arrives after the stranger's were judged.
        assert_eq!(
            ssrc_of(&bob.recv().await.0),
            0xa,
            "only Alice's packets reach Bob"
        );
    }
    // Bob's audio still goes to Alice, not to the stranger.
    let sent = bob.send_rtp(leg_b).await;
    assert_eq!(alice.recv().await.0, sent);

    let stats = relay.stats().await.unwrap();
    assert_eq!(stats.a_to_b.refused, 60);
    assert_eq!(stats.a_to_b.relayed, 21);
    assert_eq!(stats.a_to_b.latched, Some(alice.addr()));
    relay.close().await;
}
