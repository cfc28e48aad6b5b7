//! The RTP timeout event: fires after `rtp_timeout` without RTP from either phone, not
//! while streaming and not on hold. Simulated time where no packets are involved; a
//! short real timeout where they are.

mod common;

use std::time::Duration;

use common::{leg_addr, next_event, pool, Phone, LOCALHOST, WAIT};
use rotary_media::{Relay, RelayConfig, RelayEvent, RelayLeg, Remote};
use tokio::time::Instant;

const TIMEOUT: Duration = Duration::from_secs(60);

fn config(timeout: Duration) -> RelayConfig {
    RelayConfig {
        rtp_timeout: Some(timeout),
        ..RelayConfig::default()
    }
}

#[tokio::test(start_paused = true)]
async fn timeout_fires_at_the_simulated_deadline() {
    let pool = pool(42_600, 42_699);
    let (a, b) = (
        pool.allocate(LOCALHOST).unwrap(),
        pool.allocate(LOCALHOST).unwrap(),
    );
    let t0 = Instant::now();
    let (relay, mut events) = Relay::spawn(a, b, [None, None], config(TIMEOUT)).unwrap();
    let ev = next_event(&mut events, TIMEOUT * 10).await;
    assert_eq!(
        ev,
        RelayEvent::Timeout {
            last_activity: t0.into_std()
        }
    );
    let elapsed = Instant::now() - t0;
    // tokio timers have millisecond resolution.
    assert!(
        elapsed >= TIMEOUT && elapsed <= TIMEOUT + Duration::from_millis(2),
        "{elapsed:?}"
    );
    // Once per silence.
    assert!(tokio::time::timeout(TIMEOUT * 10, events.recv())
        .await
        .is_err());
    relay.close().await;
}

#[tokio::test(start_paused = true)]
async fn hold_suspends_timeout_and_unhold_restarts_it() {
    let pool = pool(42_700, 42_799);
    let (a, b) = (
        pool.allocate(LOCALHOST).unwrap(),
        pool.allocate(LOCALHOST).unwrap(),
    );
    let (relay, mut events) = Relay::spawn(a, b, [None, None], config(TIMEOUT)).unwrap();
    relay.set_hold(true).unwrap();
    assert!(relay.stats().await.unwrap().held);
    let hour = Duration::from_secs(3600);
    assert!(
        tokio::time::timeout(hour, events.recv()).await.is_err(),
        "no timeout during an hour on hold"
    );

    let resumed = Instant::now();
    relay.set_hold(false).unwrap();
    let ev = next_event(&mut events, TIMEOUT * 10).await;
    assert!(matches!(ev, RelayEvent::Timeout { .. }));
    let elapsed = Instant::now() - resumed;
    assert!(
        elapsed >= TIMEOUT && elapsed <= TIMEOUT + Duration::from_millis(2),
        "{elapsed:?}"
    );
    relay.close().await;
}

#[tokio::test]
async fn timeout_counts_from_the_last_rtp() {
    let timeout = Duration::from_millis(300);
    let pool = pool(42_800, 42_899);
    let mut alice = Phone::new(0xa).await;
    let bob = Phone::new(0xb).await;
    let (a, b) = (
        pool.allocate(LOCALHOST).unwrap(),
        pool.allocate(LOCALHOST).unwrap(),
    );
    let (relay, mut events) = Relay::spawn(
        a,
        b,
        [None, Some(Remote::from_rtp(bob.addr()))],
        config(timeout),
    )
    .unwrap();
    let leg_a = leg_addr(relay.local_ports(RelayLeg::A));
    let leg_b = leg_addr(relay.local_ports(RelayLeg::B));

    // Both phones stream for three timeouts' worth; every packet must arrive and no
    // timeout fire (each phone has its own inactivity timer).
    let mut bob = bob;
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    for _ in 0..45 {
        ticker.tick().await;
        alice.send_rtp(leg_a).await;
        bob.recv().await;
        bob.send_rtp(leg_b).await;
        alice.recv().await;
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
            },
        ]
    );
    assert!(events.try_recv().is_err(), "no timeout while RTP flows");
    // Silence: now it fires, relative to the last packet.
    let RelayEvent::Timeout { last_activity } = next_event(&mut events, WAIT).await else {
        panic!("expected a timeout");
    };
    let stats = relay.stats().await.unwrap();
    let lasts = [
        stats.a_to_b.received.last_packet,
        stats.b_to_a.received.last_packet,
    ];
    assert!(
        lasts.contains(&Some(last_activity)),
        "{last_activity:?} not in {lasts:?}"
    );
    relay.close().await;
}
