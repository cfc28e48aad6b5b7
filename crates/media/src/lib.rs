//! Rotary's media engine, the tokio shell around `rotary-rtp`. Today: the RTP port pool
//! and the anchored-media relay of the B2BUA, where every call has a caller leg (A) and
//! a callee leg (B), each with its own RTP/RTCP port pair from `--rtp-ports`, and
//! packets are relayed between the two phones unchanged (no transcoding, SSRC and
//! sequence numbers untouched).
//!
//! Phones behind NAT work without settings: each leg latches onto the real source of
//! its phone's RTP (symmetric RTP; the rules are in `rotary_rtp`'s `Latch`).
//!
//! ```no_run
//! use std::net::{IpAddr, Ipv4Addr};
//! use rotary_media::{PortPool, Relay, RelayConfig, RelayEvent, RelayLeg, Remote};
//! # async fn call() -> Result<(), rotary_media::MediaError> {
//! let pool = PortPool::new(10_000, 20_000)?;
//! let ip = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
//! let (a, b) = (pool.allocate(ip)?, pool.allocate(ip)?);
//! // Offer b.rtp_port() to the callee and answer the caller with a.rtp_port().
//! let caller = Remote::from_rtp("192.0.2.10:4000".parse().unwrap());
//! let (relay, mut events) = Relay::spawn(a, b, [Some(caller), None], RelayConfig::default())?;
//! // The callee answered:
//! relay.set_remote(RelayLeg::B, Remote::from_rtp("192.0.2.20:5000".parse().unwrap()))?;
//! while let Some(ev) = events.recv().await {
//!     if let RelayEvent::Timeout { .. } = ev {
//!         break; // hang up
//!     }
//! }
//! let _stats = relay.stats().await?;
//! relay.close().await; // both port pairs are back in the pool
//! # Ok(()) }
//! ```
//!
//! Not here yet: bridges with transcoding, the mixer, players and recorders
//! (architecture.md lists them under `media`).

mod core;
mod error;
mod format;
mod pipeline;
mod playback;
mod ports;
mod processor;
mod relay;
pub mod sound;

pub use error::MediaError;
pub use format::{DtmfTransport, MediaPlan, StreamFormat};
pub use ports::{PortPair, PortPool};
pub use relay::{
    DirectionStats, LocalPorts, Relay, RelayConfig, RelayEvent, RelayEvents, RelayHandle, RelayLeg,
    RelayStats, Remote,
};
