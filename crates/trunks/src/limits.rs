//! Concurrent calls per trunk (DUC "Simultaneous Calls"): a call takes a [`TrunkSlot`]
//! before it uses a trunk (in or out) and gives it back when it ends. A trunk at its limit
//! is skipped for outbound calls and refuses inbound ones.

use std::collections::HashMap;

use rotary_config::routing::{Trunk, TrunkId};

/// Proof that a call holds one of a trunk's call slots. Not `Clone`: give it back exactly
/// once with [`CallLimits::release`].
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a slot that is dropped instead of released keeps the trunk busy"]
pub struct TrunkSlot {
    trunk: TrunkId,
}

impl TrunkSlot {
    /// The trunk the slot belongs to.
    #[must_use]
    pub fn trunk(&self) -> &TrunkId {
        &self.trunk
    }
}

/// Calls in use per trunk against each trunk's `max_calls`.
#[derive(Clone, Debug, Default)]
pub struct CallLimits {
    trunks: HashMap<TrunkId, Usage>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Usage {
    in_use: u32,
    /// `None`: no limit.
    max: Option<u32>,
    /// Still configured and enabled.
    active: bool,
}

impl CallLimits {
    /// Limits for `trunks` with nothing in use.
    #[must_use]
    pub fn new(trunks: &[Trunk]) -> Self {
        let mut limits = CallLimits::default();
        limits.set_trunks(trunks);
        limits
    }

    /// Apply a new configuration: new limits at once, counts of calls in progress kept
    /// (also for deleted or disabled trunks, until their calls release).
    pub fn set_trunks(&mut self, trunks: &[Trunk]) {
        for usage in self.trunks.values_mut() {
            usage.active = false;
        }
        for t in trunks {
            let u = self.trunks.entry(t.id.clone()).or_default();
            u.max = t.max_calls;
            u.active = t.enabled;
        }
        self.trunks.retain(|_, u| u.active || u.in_use > 0);
    }

    /// Take a call slot on `trunk`: `None` when the trunk is unknown, disabled or full.
    pub fn try_acquire(&mut self, trunk: &TrunkId) -> Option<TrunkSlot> {
        let u = self.trunks.get_mut(trunk)?;
        if !u.active || u.max.is_some_and(|max| u.in_use >= max) {
            return None;
        }
        u.in_use += 1;
        Some(TrunkSlot {
            trunk: trunk.clone(),
        })
    }

    /// Give a slot back when its call ends.
    pub fn release(&mut self, slot: TrunkSlot) {
        if let Some(u) = self.trunks.get_mut(&slot.trunk) {
            u.in_use = u.in_use.saturating_sub(1);
            if !u.active && u.in_use == 0 {
                self.trunks.remove(&slot.trunk);
            }
        }
    }

    /// Calls currently using `trunk`.
    #[must_use]
    pub fn in_use(&self, trunk: &TrunkId) -> u32 {
        self.trunks.get(trunk).map_or(0, |u| u.in_use)
    }

    /// Whether [`CallLimits::try_acquire`] would succeed now.
    #[must_use]
    pub fn has_room(&self, trunk: &TrunkId) -> bool {
        self.trunks
            .get(trunk)
            .is_some_and(|u| u.active && u.max.is_none_or(|max| u.in_use < max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trunks(json: &str) -> Vec<Trunk> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn acquire_up_to_the_limit_and_release() {
        let config = trunks(
            r#"[{"id":"a","max_calls":2,"mode":{"kind":"peer","host":"192.0.2.1"}},
                {"id":"b","mode":{"kind":"peer","host":"192.0.2.2"}}]"#,
        );
        let mut l = CallLimits::new(&config);
        let a = TrunkId::new("a").unwrap();
        let s1 = l.try_acquire(&a).unwrap();
        let s2 = l.try_acquire(&a).unwrap();
        assert!(!l.has_room(&a));
        assert!(l.try_acquire(&a).is_none());
        assert_eq!(l.in_use(&a), 2);
        l.release(s1);
        assert!(l.has_room(&a));
        let s3 = l.try_acquire(&a).unwrap();
        l.release(s2);
        l.release(s3);
        assert_eq!(l.in_use(&a), 0);
        // No limit: always room.
        let b = TrunkId::new("b").unwrap();
        let slots: Vec<_> = (0..50).map(|_| l.try_acquire(&b).unwrap()).collect();
        assert_eq!(l.in_use(&b), 50);
        slots.into_iter().for_each(|s| l.release(s));
        assert!(l.try_acquire(&TrunkId::new("zz").unwrap()).is_none());
    }

    #[test]
    fn config_changes_keep_counts_and_removed_trunks_drain() {
        let mut l = CallLimits::new(&trunks(
            r#"[{"id":"a","max_calls":3,"mode":{"kind":"peer","host":"192.0.2.1"}}]"#,
        ));
        let a = TrunkId::new("a").unwrap();
        let s1 = l.try_acquire(&a).unwrap();
        let s2 = l.try_acquire(&a).unwrap();
        // Limit lowered below the calls in progress: they stay, new ones wait.
        l.set_trunks(&trunks(
            r#"[{"id":"a","max_calls":1,"mode":{"kind":"peer","host":"192.0.2.1"}}]"#,
        ));
        assert_eq!(l.in_use(&a), 2);
        assert!(l.try_acquire(&a).is_none());
        // Deleted: no new calls, the old ones release cleanly.
        l.set_trunks(&[]);
        assert!(l.try_acquire(&a).is_none());
        l.release(s1);
        assert_eq!(l.in_use(&a), 1);
        l.release(s2);
        assert_eq!(l.in_use(&a), 0);
        // Disabled trunks take no calls.
        l.set_trunks(&trunks(
            r#"[{"id":"a","enabled":false,"mode":{"kind":"peer","host":"192.0.2.1"}}]"#,
        ));
        assert!(l.try_acquire(&a).is_none());
    }
}
