//! The OPTIONS monitors of the peer trunks inside [`super::TrunkSet`]: one
//! `rotary_trunks::PeerMonitor` per enabled peer trunk with a `qualify_interval`, its probes
//! sent as client transactions of the core's transaction layer, restarted when the trunk's
//! settings change and dropped when it goes (nothing to undo at the peer).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use rotary_config::routing::{Trunk, TrunkId, TrunkMode};
use rotary_sip::transaction::{TransactionLayer, TxHandle};
use rotary_sip::Response;
use rotary_trunks::{
    FailureReason, PeerConfig, PeerEvent, PeerMonitor, PeerStatus, TransactionFailure,
};

use super::pick;

/// The peer monitors and their transactions.
pub(super) struct Peers {
    local: SocketAddr,
    user_agent: String,
    seed: [u8; 32],
    generation: u64,
    slots: HashMap<TrunkId, Slot>,
    /// Which monitor (trunk and generation) each OPTIONS transaction belongs to.
    txs: HashMap<TxHandle, (TrunkId, u64)>,
}

struct Slot {
    generation: u64,
    monitor: PeerMonitor,
    /// Where probes go: host name (or literal) and port.
    target: (String, u16),
}

impl Peers {
    pub(super) fn new(local: SocketAddr, user_agent: String, mut seed: [u8; 32]) -> Self {
        // Not the registration clients' seeds.
        seed[2] ^= 0xa5;
        Peers {
            local,
            user_agent,
            seed,
            generation: 0,
            slots: HashMap::new(),
            txs: HashMap::new(),
        }
    }

    /// Follow a configuration: start new monitors, restart changed ones, drop the rest.
    /// Returns the trunks whose monitor started, restarted or stopped.
    pub(super) fn set_config(
        &mut self,
        now: Instant,
        trunks: &[Trunk],
        resolved: &HashMap<String, Vec<IpAddr>>,
    ) -> Vec<TrunkId> {
        let mut wanted: HashMap<TrunkId, (PeerConfig, (String, u16))> = trunks
            .iter()
            .filter_map(|t| {
                let config = PeerConfig::from_trunk(t, &self.user_agent)?;
                let TrunkMode::Peer(p) = &t.mode else {
                    return None;
                };
                let target = match &p.outbound_proxy {
                    Some(proxy) => (
                        proxy.host.as_str().to_owned(),
                        proxy.port.unwrap_or(p.transport.default_port()),
                    ),
                    None => (
                        p.host.as_str().to_owned(),
                        p.port.unwrap_or(p.transport.default_port()),
                    ),
                };
                Some((t.id.clone(), (config, target)))
            })
            .collect();
        let mut touched = Vec::new();
        self.slots.retain(|id, slot| {
            let same = wanted
                .get(id)
                .is_some_and(|(c, target)| slot.monitor.config() == c && &slot.target == target);
            if same {
                wanted.remove(id);
            } else {
                slot.monitor.stop();
                touched.push(id.clone());
            }
            same
        });
        let live: Vec<(TrunkId, u64)> = self
            .slots
            .iter()
            .map(|(id, s)| (id.clone(), s.generation))
            .collect();
        self.txs.retain(|_, owner| live.contains(owner));
        for (id, (config, target)) in wanted {
            self.generation += 1;
            let mut seed = self.seed;
            for (b, g) in seed.iter_mut().zip(self.generation.to_le_bytes()) {
                *b ^= g;
            }
            match PeerMonitor::new(config, self.local, seed) {
                Ok(mut monitor) => {
                    monitor.set_destination(now, pick(resolved, &target, self.local));
                    monitor.start(now);
                    tracing::info!(trunk = %id.as_str(), "peer trunk monitored");
                    if !touched.contains(&id) {
                        touched.push(id.clone());
                    }
                    self.slots.insert(
                        id,
                        Slot {
                            generation: self.generation,
                            monitor,
                            target,
                        },
                    );
                }
                Err(e) => tracing::warn!(trunk = %id.as_str(), error = %e, "peer not monitored"),
            }
        }
        touched
    }

    /// A host name resolved (or not): monitors sending there move.
    pub(super) fn handle_resolved(
        &mut self,
        now: Instant,
        host: &str,
        resolved: &HashMap<String, Vec<IpAddr>>,
    ) {
        for slot in self.slots.values_mut() {
            if slot.target.0 == host {
                let dest = pick(resolved, &slot.target, self.local);
                slot.monitor.set_destination(now, dest);
            }
        }
    }

    pub(super) fn handle_timeout(&mut self, now: Instant) {
        for slot in self.slots.values_mut() {
            slot.monitor.handle_timeout(now);
        }
    }

    /// A response for `tx`; `false` when it is not a probe of ours.
    pub(super) fn handle_response(&mut self, now: Instant, tx: TxHandle, resp: &Response) -> bool {
        let Some(owner) = self.txs.get(&tx).cloned() else {
            return false;
        };
        if resp.status >= 200 {
            self.txs.remove(&tx);
        }
        if let Some(slot) = self.slot_of(&owner) {
            slot.monitor.handle_response(now, resp);
        }
        true
    }

    /// `tx` timed out or could not be sent; `false` when it is not a probe of ours.
    pub(super) fn handle_tx_failure(&mut self, now: Instant, tx: TxHandle, timeout: bool) -> bool {
        let Some(owner) = self.txs.remove(&tx) else {
            return false;
        };
        if let Some(slot) = self.slot_of(&owner) {
            let failure = if timeout {
                TransactionFailure::Timeout
            } else {
                TransactionFailure::Transport
            };
            slot.monitor.handle_failure(now, failure);
        }
        true
    }

    pub(super) fn handle_terminated(&mut self, tx: TxHandle) {
        self.txs.remove(&tx);
    }

    /// Send queued probes; returns the trunks whose status changed and the host names to
    /// resolve.
    pub(super) fn drive(
        &mut self,
        now: Instant,
        txl: &mut TransactionLayer,
    ) -> (Vec<TrunkId>, Vec<String>) {
        let mut changed = Vec::new();
        let mut resolve = Vec::new();
        for (id, slot) in &mut self.slots {
            // A failed send reports at once, which may queue nothing new: one pass each.
            while let Some(out) = slot.monitor.poll_transmit() {
                match txl.send_request(now, out.flow, out.request) {
                    Ok(h) => {
                        self.txs.insert(h, (id.clone(), slot.generation));
                    }
                    Err(e) => {
                        tracing::debug!(trunk = %id.as_str(), error = %e, "OPTIONS not sent");
                        slot.monitor
                            .handle_failure(now, TransactionFailure::Transport);
                    }
                }
            }
            while let Some(ev) = slot.monitor.poll_event() {
                match ev {
                    PeerEvent::StatusChanged(_) => changed.push(id.clone()),
                    PeerEvent::AddressNeeded => resolve.push(slot.target.0.clone()),
                }
            }
        }
        changed.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        changed.dedup();
        (changed, resolve)
    }

    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        self.slots
            .values()
            .filter_map(|s| s.monitor.poll_timeout())
            .min()
    }

    /// The monitor's status; `None` for a peer trunk that is not monitored.
    pub(super) fn status(&self, trunk: &TrunkId) -> Option<PeerStatus> {
        self.slots.get(trunk).map(|s| s.monitor.status())
    }

    fn slot_of(&mut self, (id, generation): &(TrunkId, u64)) -> Option<&mut Slot> {
        self.slots
            .get_mut(id)
            .filter(|s| s.generation == *generation)
    }
}

/// An unreachable peer's failure in words.
pub(super) fn detail(reason: FailureReason) -> String {
    match reason {
        FailureReason::Timeout => "no answer to OPTIONS".to_owned(),
        FailureReason::TransportError => "could not send OPTIONS to the peer".to_owned(),
        FailureReason::Unresolved => "the peer's host name did not resolve".to_owned(),
        other => other.to_string(),
    }
}
