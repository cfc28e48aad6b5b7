//! Port pairs are even/odd, skip ports others hold, run out cleanly, and always come
//! back: closing or dropping relays leaves the pool full again.

mod common;

use std::net::UdpSocket;
use std::time::Duration;

use common::{pool, LOCALHOST, WAIT};
use rotary_media::{MediaError, PortPool, Relay, RelayConfig};

#[test]
fn pairs_are_even_rtp_and_odd_rtcp_within_range() {
    let pool = pool(43_001, 43_010); // odd start: first pair is 43002/43003
    assert_eq!(pool.capacity(), 4); // 43002, 43004, 43006, 43008 (43010 has no 43011)
    let pairs: Vec<_> = (0..4).map(|_| pool.allocate(LOCALHOST).unwrap()).collect();
    let mut rtp: Vec<u16> = pairs.iter().map(|p| p.rtp_port()).collect();
    rtp.sort_unstable();
    assert_eq!(rtp, [43_002, 43_004, 43_006, 43_008]);
    assert!(pairs.iter().all(|p| p.rtcp_port() == p.rtp_port() + 1));
    assert!(matches!(
        pool.allocate(LOCALHOST),
        Err(MediaError::PortsExhausted {
            low: 43_001,
            high: 43_010
        })
    ));
    drop(pairs);
    assert_eq!(pool.available(), 4);
}

#[test]
fn invalid_ranges_are_rejected() {
    assert!(matches!(
        PortPool::new(43_021, 43_021),
        Err(MediaError::InvalidRange { .. })
    ));
    assert!(matches!(
        PortPool::new(43_022, 43_022),
        Err(MediaError::InvalidRange { .. })
    ));
    assert!(matches!(
        PortPool::new(43_030, 43_020),
        Err(MediaError::InvalidRange { .. })
    ));
    assert!(matches!(
        PortPool::new(0, 10),
        Err(MediaError::InvalidRange { .. })
    ));
    assert_eq!(PortPool::new(65_534, 65_535).unwrap().capacity(), 1);
}

#[test]
fn ports_held_by_others_are_skipped() {
    let pool = pool(43_040, 43_045);
    // Someone else holds 43041 (the RTCP port of the first pair).
    let squatter = UdpSocket::bind((LOCALHOST, 43_041)).unwrap();
    let pair = pool.allocate(LOCALHOST).unwrap();
    assert_eq!(pair.rtp_port(), 43_042);
    let other = pool.allocate(LOCALHOST).unwrap();
    assert_eq!(other.rtp_port(), 43_044);
    assert!(matches!(
        pool.allocate(LOCALHOST),
        Err(MediaError::PortsExhausted { .. })
    ));
    drop(squatter);
    assert_eq!(pool.allocate(LOCALHOST).unwrap().rtp_port(), 43_040);
}

#[tokio::test]
async fn many_relays_closed_or_dropped_leak_no_ports() {
    let pool = pool(43_100, 43_119); // 10 pairs = 5 relays
    for round in 0..40 {
        let mut relays = Vec::new();
        for _ in 0..5 {
            let (a, b) = (
                pool.allocate(LOCALHOST).unwrap(),
                pool.allocate(LOCALHOST).unwrap(),
            );
            relays.push(Relay::spawn(a, b, [None, None], RelayConfig::default()).unwrap());
        }
        assert_eq!(pool.available(), 0);
        assert!(matches!(
            pool.allocate(LOCALHOST),
            Err(MediaError::PortsExhausted { .. })
        ));
        for (i, (relay, events)) in relays.into_iter().enumerate() {
            if (i + round) % 2 == 0 {
                relay.close().await;
            } else {
                drop((relay, events));
            }
        }
        // Dropped handles stop their tasks on the next poll; wait for that.
        tokio::time::timeout(WAIT, async {
            while pool.available() < pool.capacity() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await
        .expect("ports came back");
    }
    assert_eq!(pool.available(), 10);
}

#[tokio::test]
async fn close_returns_ports_before_it_resolves() {
    let pool = pool(43_200, 43_203);
    let (a, b) = (
        pool.allocate(LOCALHOST).unwrap(),
        pool.allocate(LOCALHOST).unwrap(),
    );
    let (relay, _events) = Relay::spawn(a, b, [None, None], RelayConfig::default()).unwrap();
    assert!(relay.stats().await.is_ok());
    relay.close().await;
    assert_eq!(pool.available(), 2);
    // And the very same ports bind again at once (sockets closed before the return).
    let (a, b) = (
        pool.allocate(LOCALHOST).unwrap(),
        pool.allocate(LOCALHOST).unwrap(),
    );
    assert_eq!((a.rtp_port(), b.rtp_port()), (43_200, 43_202));
}
