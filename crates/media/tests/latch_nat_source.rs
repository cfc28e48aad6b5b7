//! A phone behind NAT: its SDP names one port, its packets come from another. Before
//! latching the relay sends to the SDP address; afterwards to the real source.

mod common;

use common::{leg_addr, next_event, pool, Phone, LOCALHOST, WAIT};
use rotary_media::{Relay, RelayConfig, RelayEvent, RelayLeg, Remote};

#[tokio::test]
async fn latches_to_source_port_that_differs_from_sdp() {
    let pool = pool(42_300, 42_399);
    let sdp_alice = Phone::new(0).await; // what Alice's SDP claims (her private address)
    let mut alice = Phone::new(0xa).await; // where her packets really come from
    let mut bob = Phone::new(0xb).await;
    let (a, b) = (
        pool.allocate(LOCALHOST).unwrap(),
        pool.allocate(LOCALHOST).unwrap(),
    );
    let remotes = [
        Some(Remote::from_rtp(sdp_alice.addr())),
        Some(Remote::from_rtp(bob.addr())),
    ];
    let (relay, mut events) = Relay::spawn(a, b, remotes, RelayConfig::default()).unwrap();
    let (leg_a, leg_b) = (
        leg_addr(relay.local_ports(RelayLeg::A)),
        leg_addr(relay.local_ports(RelayLeg::B)),
    );

    // Bob speaks first: nothing latched on A yet, so it goes to the SDP address.
    let early = bob.send_rtp(leg_b).await;
    assert_eq!(sdp_alice.recv().await.0, early);
    assert_eq!(
        next_event(&mut events, WAIT).await,
        RelayEvent::Latched {
            leg: RelayLeg::B,
            addr: bob.addr()
        }
    );

    alice.send_rtp(leg_a).await;
    bob.recv().await;
    assert_eq!(
        next_event(&mut events, WAIT).await,
        RelayEvent::Latched {
            leg: RelayLeg::A,
            addr: alice.addr()
        }
    );
    let late = bob.send_rtp(leg_b).await;
    assert_eq!(
        alice.recv().await.0,
        late,
        "after latching Bob's audio reaches the NATed port"
    );
    assert_eq!(
        relay.stats().await.unwrap().a_to_b.latched,
        Some(alice.addr())
    );
    relay.close().await;
}

#[tokio::test]
async fn new_sdp_address_unlatches() {
    let pool = pool(42_400, 42_499);
    let mut alice = Phone::new(0xa).await;
    let mut alice2 = Phone::new(0xa2).await; // the call moved to another device
    let mut bob = Phone::new(0xb).await;
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
    bob.recv().await;

    relay
        .set_remote(RelayLeg::A, Remote::from_rtp(alice2.addr()))
        .unwrap();
    let sent = bob.send_rtp(leg_b).await;
    assert_eq!(
        alice2.recv().await.0,
        sent,
        "unlatched: the new SDP address gets the audio"
    );
    let sent = alice2.send_rtp(leg_a).await;
    assert_eq!(bob.recv().await.0, sent);
    assert_eq!(
        relay.stats().await.unwrap().a_to_b.latched,
        Some(alice2.addr())
    );
    relay.close().await;
}

#[tokio::test]
async fn phone_that_moves_mid_call_is_followed_after_silence() {
    let pool = pool(42_900, 42_999);
    let mut alice = Phone::new(0xa).await;
    let mut moved = Phone::new(0xa).await; // same phone, new NAT mapping
    let mut bob = Phone::new(0xb).await;
    let (a, b) = (
        pool.allocate(LOCALHOST).unwrap(),
        pool.allocate(LOCALHOST).unwrap(),
    );
    let config = RelayConfig {
        relatch_after: std::time::Duration::from_millis(100),
        ..RelayConfig::default()
    };
    let remotes = [None, Some(Remote::from_rtp(bob.addr()))];
    let (relay, mut events) = Relay::spawn(a, b, remotes, config).unwrap();
    let (leg_a, leg_b) = (
        leg_addr(relay.local_ports(RelayLeg::A)),
        leg_addr(relay.local_ports(RelayLeg::B)),
    );
    alice.send_rtp(leg_a).await;
    bob.recv().await;
    assert_eq!(
        next_event(&mut events, WAIT).await,
        RelayEvent::Latched {
            leg: RelayLeg::A,
            addr: alice.addr()
        }
    );

    // The moved phone keeps sending every 20 ms until its audio gets through.
    let mut ticker = tokio::time::interval(std::time::Duration::from_millis(20));
    let mut sent = 0;
    let got = tokio::time::timeout(WAIT, async {
        loop {
            ticker.tick().await;
            moved.send_rtp(leg_a).await;
            sent += 1;
            let mut buf = [0u8; 2048];
            if let Ok(Ok((n, _))) = tokio::time::timeout(
                std::time::Duration::from_millis(5),
                bob.sock.recv_from(&mut buf),
            )
            .await
            {
                return buf[..n].to_vec();
            }
        }
    })
    .await
    .expect("relatched");
    assert!(
        sent >= 3,
        "adopted only after three packets and the silence"
    );
    assert_eq!(
        next_event(&mut events, WAIT).await,
        RelayEvent::Latched {
            leg: RelayLeg::A,
            addr: moved.addr()
        }
    );
    assert_eq!(got.len(), 172);
    let back = bob.send_rtp(leg_b).await;
    assert_eq!(moved.recv().await.0, back, "Bob's audio follows the phone");
    let stats = relay.stats().await.unwrap();
    assert_eq!(stats.a_to_b.latched, Some(moved.addr()));
    assert_eq!(stats.a_to_b.refused, sent - 1);
    relay.close().await;
}
