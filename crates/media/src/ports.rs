//! The RTP port pool: even ports for RTP, the next odd port for RTCP (RFC 3550 §11),
//! from the inclusive `--rtp-ports` range. Leases are RAII: dropping a [`PortPair`]
//! (or the relay that owns it) returns the pair. O(1) allocate and free.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::MediaError;

/// A shared pool of RTP/RTCP port pairs. Cheap to clone; all clones share the pool.
///
/// Freed pairs go to the back of the queue, so a port just released by one call is the
/// last to be reused (late packets of the old call do not land in a new one).
#[derive(Debug, Clone)]
pub struct PortPool {
    inner: Arc<PoolInner>,
}

/// A leased, bound RTP socket (even port) and RTCP socket (port + 1). Dropping it
/// closes both sockets and returns the pair to its [`PortPool`].
#[derive(Debug)]
pub struct PortPair {
    // Field order matters: sockets close before the lease returns the port.
    pub(crate) rtp: UdpSocket,
    pub(crate) rtcp: UdpSocket,
    pub(crate) lease: PortLease,
}

/// The right to a port pair; returns it to the pool when dropped.
#[derive(Debug)]
pub(crate) struct PortLease {
    pool: Arc<PoolInner>,
    port: u16,
}

#[derive(Debug)]
struct PoolInner {
    low: u16,
    high: u16,
    capacity: usize,
    free: Mutex<VecDeque<u16>>,
}

impl PortPool {
    /// A pool over the inclusive range `low..=high` (`--rtp-ports LOW-HIGH`). Fails if
    /// the range holds no even port `p` with `p + 1 <= high`, or `low` is 0.
    pub fn new(low: u16, high: u16) -> Result<Self, MediaError> {
        let first = u32::from(low) + u32::from(low % 2);
        let ports: VecDeque<u16> = (first..u32::from(high))
            .step_by(2)
            .filter_map(|p| u16::try_from(p).ok())
            .collect();
        if low == 0 || ports.is_empty() {
            return Err(MediaError::InvalidRange { low, high });
        }
        let inner = PoolInner {
            low,
            high,
            capacity: ports.len(),
            free: Mutex::new(ports),
        };
        Ok(PortPool {
            inner: Arc::new(inner),
        })
    }

    /// Leases a pair and binds both UDP sockets (non-blocking) on `ip`. Ports that
    /// someone else holds are skipped and retried last.
    pub fn allocate(&self, ip: IpAddr) -> Result<PortPair, MediaError> {
        let attempts = self.available();
        for _ in 0..attempts {
            let Some(port) = self.inner.lock().pop_front() else {
                break;
            };
            let lease = PortLease {
                pool: Arc::clone(&self.inner),
                port,
            };
            match bind_pair(ip, port) {
                Ok((rtp, rtcp)) => return Ok(PortPair { rtp, rtcp, lease }),
                // Dropping the lease puts the port at the back of the queue.
                Err(e)
                    if matches!(e.kind(), ErrorKind::AddrInUse | ErrorKind::PermissionDenied) =>
                {
                    drop(lease);
                }
                Err(e) => return Err(MediaError::Io(e)),
            }
        }
        Err(MediaError::PortsExhausted {
            low: self.inner.low,
            high: self.inner.high,
        })
    }

    /// Pairs not leased right now.
    #[must_use]
    pub fn available(&self) -> usize {
        self.inner.lock().len()
    }

    /// Pairs in the range.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.inner.capacity
    }
}

impl PortPair {
    /// The RTP port (even); put it in the SDP `m=` line of this leg.
    #[must_use]
    pub fn rtp_port(&self) -> u16 {
        self.lease.port
    }

    /// The RTCP port (RTP + 1).
    #[must_use]
    pub fn rtcp_port(&self) -> u16 {
        self.lease.port + 1
    }

    /// Local address of the RTP socket.
    pub fn rtp_addr(&self) -> Result<SocketAddr, MediaError> {
        Ok(self.rtp.local_addr()?)
    }
}

impl Drop for PortLease {
    fn drop(&mut self) {
        self.pool.lock().push_back(self.port);
    }
}

impl PoolInner {
    fn lock(&self) -> MutexGuard<'_, VecDeque<u16>> {
        // A panic while holding this lock cannot leave the queue inconsistent
        // (push/pop are single operations), so a poisoned lock is still usable.
        self.free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn bind_pair(ip: IpAddr, port: u16) -> std::io::Result<(UdpSocket, UdpSocket)> {
    let rtp = UdpSocket::bind((ip, port))?;
    let rtcp = UdpSocket::bind((ip, port + 1))?;
    rtp.set_nonblocking(true)?;
    rtcp.set_nonblocking(true)?;
    Ok((rtp, rtcp))
}
