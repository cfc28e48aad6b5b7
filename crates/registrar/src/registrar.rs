//! The [`Registrar`] core: the binding table indexed by id and by address of
//! record, the deadline queue for expiry and qualify, and the event and action
//! queues the engine drains. REGISTER processing itself lives in `register.rs`.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rotary_sip::auth::{DigestConfig, DigestServer};
use rotary_sip::{Flow, Request, Uri};

use crate::binding::{Binding, BindingId, BindingSnapshot, Reachability};
use crate::config::{Account, RegistrarConfig};
use crate::qualify;

/// Server-side registrar and location service (RFC 3261 §10): bindings, expiry,
/// contact limits, permit lists, digest challenges and qualify keep-alives.
///
/// Sans-IO: every input carries `now`; after each `handle_*` (or [`restore`],
/// [`remove_aor`], [`update_account`]) drain [`poll_event`] and [`poll_action`],
/// and call [`handle_timeout`] at [`poll_timeout`].
///
/// [`restore`]: Registrar::restore
/// [`remove_aor`]: Registrar::remove_aor
/// [`update_account`]: Registrar::update_account
/// [`poll_event`]: Registrar::poll_event
/// [`poll_action`]: Registrar::poll_action
/// [`handle_timeout`]: Registrar::handle_timeout
/// [`poll_timeout`]: Registrar::poll_timeout
pub struct Registrar {
    pub(crate) config: RegistrarConfig,
    pub(crate) digest: DigestServer,
    /// Anchor of the digest nonce clock, kept to rebuild the digest server.
    t0: Instant,
    pub(crate) rng: StdRng,
    pub(crate) bindings: HashMap<BindingId, Binding>,
    pub(crate) by_aor: HashMap<String, Vec<BindingId>>,
    timers: BTreeSet<(Instant, BindingId, TimerKind)>,
    events: VecDeque<RegistrarEvent>,
    actions: VecDeque<RegistrarAction>,
    next_id: u64,
    /// Checked against credentials for unknown users so that they fail exactly
    /// like a wrong password (no user enumeration).
    pub(crate) decoy_password: String,
}

/// Something the engine should know about a binding: persist it, publish it.
/// Every variant carries a snapshot; `(aor, contact)` identifies the binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrarEvent {
    /// A new contact was bound (also a contact that replaced another).
    Registered {
        /// The binding as it now is.
        binding: BindingSnapshot,
    },
    /// An existing contact re-registered: new expiry, Call-ID/CSeq or flow.
    Refreshed {
        /// The binding as it now is.
        binding: BindingSnapshot,
    },
    /// The contact was removed by the phone (expires=0, `*`), replaced by another
    /// contact, or dropped with its extension.
    Unregistered {
        /// The binding as it was.
        binding: BindingSnapshot,
    },
    /// The binding's expiry passed without a refresh.
    Expired {
        /// The binding as it was.
        binding: BindingSnapshot,
    },
    /// Qualify found the contact reachable or unreachable (only on a change).
    Reachability {
        /// The binding concerned.
        binding: BindingSnapshot,
        /// The new state.
        reachable: bool,
    },
}

/// A command for the engine to carry out on the registrar's behalf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrarAction {
    /// Send this OPTIONS in a client transaction over `flow`, then report any
    /// final response (reachable) or timeout/transport error (unreachable) with
    /// [`Registrar::handle_qualify_result`].
    Qualify {
        /// The binding being checked.
        binding: BindingId,
        /// The binding's flow (NAT: the REGISTER's source, not the Contact host).
        flow: Flow,
        /// A complete OPTIONS request with a fresh Via branch, tags and Call-ID.
        request: Request,
    },
}

/// The three deadlines a binding can have; ordered so that at one instant a
/// timeout is judged before the next OPTIONS goes out and expiry comes last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum TimerKind {
    QualifyTimeout,
    Qualify,
    Expire,
}

impl Registrar {
    /// A registrar with no bindings; `t0` anchors the digest nonce clock.
    pub fn new(config: RegistrarConfig, t0: Instant) -> Self {
        let digest_config = DigestConfig {
            nonce_lifetime: config.nonce_lifetime,
            algorithms: config.digest_algorithms.clone(),
            ..DigestConfig::new(config.realm.clone())
        };
        let digest = DigestServer::with_config(&config.secret, digest_config, t0);
        let mut rng = StdRng::seed_from_u64(config.rng_seed);
        let decoy_password = format!("{:032x}", rng.gen::<u128>());
        Registrar {
            config,
            digest,
            t0,
            rng,
            bindings: HashMap::new(),
            by_aor: HashMap::new(),
            timers: BTreeSet::new(),
            events: VecDeque::new(),
            actions: VecDeque::new(),
            next_id: 1,
            decoy_password,
        }
    }

    /// Change the digest realm or the challenged algorithms (a settings change). Nonces
    /// already handed out stay valid only if the realm is unchanged; phones simply get a
    /// fresh challenge otherwise.
    pub fn set_digest(&mut self, realm: &str, algorithms: Vec<rotary_sip::auth::Algorithm>) {
        if realm == self.config.realm && algorithms == self.config.digest_algorithms {
            return;
        }
        self.config.realm = realm.to_string();
        self.config.digest_algorithms = algorithms;
        let digest_config = DigestConfig {
            nonce_lifetime: self.config.nonce_lifetime,
            algorithms: self.config.digest_algorithms.clone(),
            ..DigestConfig::new(self.config.realm.clone())
        };
        self.digest = DigestServer::with_config(&self.config.secret, digest_config, self.t0);
    }

    /// Advance timers up to `now`: expire bindings ([`RegistrarEvent::Expired`]),
    /// send due qualify OPTIONS ([`RegistrarAction::Qualify`]) and mark contacts
    /// whose OPTIONS went unanswered for `qualify_timeout` unreachable. Idempotent.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&(at, id, kind)) = self.timers.first() {
            if at > now {
                break;
            }
            self.timers.remove(&(at, id, kind));
            match kind {
                TimerKind::Expire => {
                    if let Some(b) = self.remove_binding(id) {
                        self.events.push_back(RegistrarEvent::Expired {
                            binding: b.snapshot(),
                        });
                    }
                }
                TimerKind::Qualify => self.send_qualify(now, id),
                TimerKind::QualifyTimeout => {
                    if let Some(b) = self.bindings.get_mut(&id) {
                        b.qualify_deadline = None;
                    }
                    self.set_reachability(id, Reachability::Unreachable);
                }
            }
        }
    }

    /// Report the outcome of a qualify OPTIONS: `reachable` is true for any final
    /// response, false for a transaction timeout or transport error. Results for
    /// bindings that are gone are ignored; late answers still count.
    pub fn handle_qualify_result(&mut self, _now: Instant, binding: BindingId, reachable: bool) {
        let Some(b) = self.bindings.get_mut(&binding) else {
            return;
        };
        let deadline = b.qualify_deadline.take();
        if let Some(at) = deadline {
            self.timers
                .remove(&(at, binding, TimerKind::QualifyTimeout));
        }
        let state = if reachable {
            Reachability::Reachable
        } else {
            Reachability::Unreachable
        };
        self.set_reachability(binding, state);
    }

    /// Load a persisted binding at start-up. The remaining lifetime is
    /// `expires_at_unix − wall_unix`; an already expired snapshot is not loaded but
    /// reported as [`RegistrarEvent::Expired`] so the engine deletes it. The flow's
    /// connection id is cleared: connections do not survive a restart. Qualify
    /// stays off until the next REGISTER or [`Registrar::update_account`].
    /// Returns the new binding's id, or `None` if it was expired or unusable.
    pub fn restore(
        &mut self,
        now: Instant,
        wall_unix: i64,
        snapshot: BindingSnapshot,
    ) -> Option<BindingId> {
        let left = snapshot.expires_at_unix.saturating_sub(wall_unix);
        let uri = snapshot.contact.parse::<Uri>().ok();
        let (Some(uri), true) = (uri, left > 0) else {
            self.events
                .push_back(RegistrarEvent::Expired { binding: snapshot });
            return None;
        };
        let left = u64::try_from(left)
            .unwrap_or(0)
            .min(u64::from(self.config.max_expires));
        let existing = self.by_aor.get(&snapshot.aor).and_then(|ids| {
            ids.iter().copied().find(|id| {
                self.bindings
                    .get(id)
                    .is_some_and(|b| b.contact == snapshot.contact)
            })
        });
        if let Some(old) = existing {
            self.remove_binding(old);
        }
        let mut flow = snapshot.flow;
        flow.conn = None;
        let binding = Binding {
            id: BindingId(0),
            aor: snapshot.aor,
            contact: snapshot.contact,
            uri,
            flow,
            user_agent: snapshot.user_agent,
            call_id: snapshot.call_id,
            cseq: snapshot.cseq,
            expires_at: now + Duration::from_secs(left),
            expires_at_unix: wall_unix.saturating_add(i64::try_from(left).unwrap_or(0)),
            q: snapshot.q,
            instance: snapshot.instance,
            reg_id: snapshot.reg_id,
            reachability: Reachability::Unknown,
            qualify_interval: 0,
            next_qualify: None,
            qualify_deadline: None,
        };
        Some(self.insert_binding(binding))
    }

    /// Drop every binding of an extension (it was deleted), each reported as
    /// [`RegistrarEvent::Unregistered`].
    pub fn remove_aor(&mut self, aor: &str) {
        let ids = self.by_aor.get(aor).cloned().unwrap_or_default();
        for id in ids {
            if let Some(b) = self.remove_binding(id) {
                self.events.push_back(RegistrarEvent::Unregistered {
                    binding: b.snapshot(),
                });
            }
        }
    }

    /// Apply an edited account to existing bindings at once: the qualify interval
    /// (restored bindings start qualifying here) and the permit list (bindings
    /// from sources no longer permitted are unregistered). Expiry and contact
    /// limits apply from the next REGISTER.
    pub fn update_account(&mut self, now: Instant, account: &Account) {
        let ids = self.by_aor.get(&account.aor).cloned().unwrap_or_default();
        for id in ids {
            let Some(b) = self.bindings.get(&id) else {
                continue;
            };
            if !account.permits(b.flow.remote.ip()) {
                if let Some(b) = self.remove_binding(id) {
                    self.events.push_back(RegistrarEvent::Unregistered {
                        binding: b.snapshot(),
                    });
                }
                continue;
            }
            if b.qualify_interval != account.qualify_interval {
                self.set_qualify_interval(now, id, account.qualify_interval, true);
            }
        }
    }

    /// The digest server, shared so the engine challenges INVITEs with the same
    /// nonce state (and nonce-count replay protection) as REGISTERs.
    pub fn digest_mut(&mut self) -> &mut DigestServer {
        &mut self.digest
    }

    /// Next thing the engine should persist or publish. Changed by every
    /// `handle_*`, [`Registrar::restore`], [`Registrar::remove_aor`] and
    /// [`Registrar::update_account`]. Call until `None`.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<RegistrarEvent> {
        self.events.pop_front()
    }

    /// Next qualify OPTIONS to send. Changed by [`Registrar::handle_timeout`].
    /// Call until `None`.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<RegistrarAction> {
        self.actions.pop_front()
    }

    /// Earliest instant [`Registrar::handle_timeout`] must run (binding expiry,
    /// qualify due, qualify timeout); `None` when there are no bindings. Changed by
    /// every `handle_*`, [`Registrar::restore`], [`Registrar::remove_aor`] and
    /// [`Registrar::update_account`].
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|&(at, _, _)| at)
    }

    /// All bindings of an extension, in registration order, unreachable ones
    /// included (see [`Binding::is_reachable`]). O(1) in the number of extensions.
    pub fn lookup<'a>(&'a self, aor: &str) -> impl Iterator<Item = &'a Binding> + 'a {
        self.by_aor
            .get(aor)
            .into_iter()
            .flatten()
            .filter_map(|id| self.bindings.get(id))
    }

    /// One binding by id.
    pub fn binding(&self, id: BindingId) -> Option<&Binding> {
        self.bindings.get(&id)
    }

    /// Every binding, in no particular order (API listings, metrics).
    pub fn bindings(&self) -> impl Iterator<Item = &Binding> + '_ {
        self.bindings.values()
    }

    /// Number of live bindings.
    pub fn binding_count(&self) -> usize {
        self.bindings.len()
    }

    /// The settings this registrar runs with.
    pub fn config(&self) -> &RegistrarConfig {
        &self.config
    }

    /// Add a binding under a fresh id and schedule its timers.
    pub(crate) fn insert_binding(&mut self, mut binding: Binding) -> BindingId {
        let id = BindingId(self.next_id);
        self.next_id += 1;
        binding.id = id;
        self.timers
            .insert((binding.expires_at, id, TimerKind::Expire));
        if let Some(at) = binding.next_qualify {
            self.timers.insert((at, id, TimerKind::Qualify));
        }
        self.by_aor.entry(binding.aor.clone()).or_default().push(id);
        self.bindings.insert(id, binding);
        id
    }

    /// Remove a binding with all its timers; the caller reports it.
    pub(crate) fn remove_binding(&mut self, id: BindingId) -> Option<Binding> {
        let b = self.bindings.remove(&id)?;
        self.timers.remove(&(b.expires_at, id, TimerKind::Expire));
        if let Some(at) = b.next_qualify {
            self.timers.remove(&(at, id, TimerKind::Qualify));
        }
        if let Some(at) = b.qualify_deadline {
            self.timers.remove(&(at, id, TimerKind::QualifyTimeout));
        }
        if let Some(ids) = self.by_aor.get_mut(&b.aor) {
            ids.retain(|x| *x != id);
            if ids.is_empty() {
                self.by_aor.remove(&b.aor);
            }
        }
        Some(b)
    }

    /// Move a binding's expiry deadline.
    pub(crate) fn set_expiry(&mut self, id: BindingId, expires_at: Instant, expires_at_unix: i64) {
        let Some(b) = self.bindings.get_mut(&id) else {
            return;
        };
        self.timers.remove(&(b.expires_at, id, TimerKind::Expire));
        b.expires_at = expires_at;
        b.expires_at_unix = expires_at_unix;
        self.timers.insert((expires_at, id, TimerKind::Expire));
    }

    /// Change how often a binding is qualified. `spread` staggers the first OPTIONS
    /// randomly over one interval (restored or re-configured contacts all at once
    /// would otherwise burst); otherwise it goes out one interval from `now`.
    pub(crate) fn set_qualify_interval(
        &mut self,
        now: Instant,
        id: BindingId,
        secs: u32,
        spread: bool,
    ) {
        let first = if secs == 0 {
            None
        } else if spread {
            Some(now + Duration::from_millis(self.rng.gen_range(0..u64::from(secs) * 1000)))
        } else {
            Some(now + Duration::from_secs(u64::from(secs)))
        };
        let Some(b) = self.bindings.get_mut(&id) else {
            return;
        };
        b.qualify_interval = secs;
        if let Some(at) = b.next_qualify.take() {
            self.timers.remove(&(at, id, TimerKind::Qualify));
        }
        if secs == 0 {
            if let Some(at) = b.qualify_deadline.take() {
                self.timers.remove(&(at, id, TimerKind::QualifyTimeout));
            }
            return;
        }
        b.next_qualify = first;
        if let Some(at) = first {
            self.timers.insert((at, id, TimerKind::Qualify));
        }
    }

    /// Queue an event for the engine.
    pub(crate) fn push_event(&mut self, event: RegistrarEvent) {
        self.events.push_back(event);
    }

    /// A qualify timer fired: build the OPTIONS, arm its timeout and the next one.
    fn send_qualify(&mut self, now: Instant, id: BindingId) {
        let timeout = now + self.config.qualify_timeout;
        let Some(b) = self.bindings.get_mut(&id) else {
            return;
        };
        b.next_qualify = None;
        if b.qualify_interval == 0 {
            return;
        }
        let request = qualify::options_request(&mut self.rng, &self.config.realm, b);
        let flow = b.flow;
        let next = now + Duration::from_secs(u64::from(b.qualify_interval));
        b.next_qualify = Some(next);
        self.timers.insert((next, id, TimerKind::Qualify));
        if b.qualify_deadline.is_none() {
            b.qualify_deadline = Some(timeout);
            self.timers.insert((timeout, id, TimerKind::QualifyTimeout));
        }
        self.actions.push_back(RegistrarAction::Qualify {
            binding: id,
            flow,
            request,
        });
    }

    /// Record a qualify outcome; report it if it changed.
    fn set_reachability(&mut self, id: BindingId, state: Reachability) {
        let Some(b) = self.bindings.get_mut(&id) else {
            return;
        };
        if b.reachability == state {
            return;
        }
        b.reachability = state;
        let reachable = state == Reachability::Reachable;
        let binding = b.snapshot();
        self.events
            .push_back(RegistrarEvent::Reachability { binding, reachable });
    }
}

#[cfg(test)]
mod tests {
    use std::mem::size_of;
    use std::net::SocketAddr;

    use rotary_sip::{FlowTransport, Host, Param, Scheme};

    use super::*;

    fn typical_binding(now: Instant) -> Binding {
        let remote: SocketAddr = "203.0.113.7:38152"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        let local: SocketAddr = "192.0.2.1:5060".parse().unwrap_or_else(|_| unreachable!());
        Binding {
            id: BindingId(0),
            aor: "101".to_string(),
            contact: "sip:101@192.168.1.23:5062;transport=udp".to_string(),
            uri: Uri {
                scheme: Scheme::Sip,
                user: Some("101".to_string()),
                password: None,
                host: Host::V4("192.168.1.23".parse().unwrap_or_else(|_| unreachable!())),
                port: Some(5062),
                params: vec![Param::new("transport", "udp")],
                headers: Vec::new(),
                opaque: None,
            },
            flow: Flow {
                transport: FlowTransport::Udp,
                local,
                remote,
                conn: None,
            },
            user_agent: Some("Yealink SIP-T46S 66.86.0.15".to_string()),
            call_id: "0_2633742421@192.168.1.23-4a3c9d1e77e0".to_string(),
            cseq: 2,
            expires_at: now + Duration::from_secs(1800),
            expires_at_unix: 1_700_001_800,
            q: Some(1000),
            instance: Some("<urn:uuid:00000000-0000-1000-8000-001565a1b2c3>".to_string()),
            reg_id: Some(1),
            reachability: Reachability::Unknown,
            qualify_interval: 60,
            next_qualify: Some(now + Duration::from_secs(60)),
            qualify_deadline: None,
        }
    }

    /// Bytes a binding costs: the struct, its strings and URI on the heap, and
    /// its share of the indexes (hash map slot, by-AOR list, three timer entries),
    /// with generous allowances for allocator and table overhead.
    fn estimate(b: &Binding) -> usize {
        let strings = [
            Some(&b.aor),
            Some(&b.contact),
            b.user_agent.as_ref(),
            Some(&b.call_id),
            b.instance.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(|s| s.len() + ALLOC_OVERHEAD)
        .sum::<usize>();
        let uri = b
            .uri
            .user
            .as_deref()
            .map_or(0, |u| u.len() + ALLOC_OVERHEAD)
            + b.uri.params.len() * size_of::<Param>()
            + ALLOC_OVERHEAD
            + b.uri
                .params
                .iter()
                .map(|p| {
                    p.name.len() + p.value.as_ref().map_or(0, String::len) + 2 * ALLOC_OVERHEAD
                })
                .sum::<usize>();
        // Hash tables run at most 7/8 full: count every slot twice to be safe.
        let map_slot = 2 * (size_of::<BindingId>() + size_of::<Binding>() + 1);
        // by_aor: one id in a Vec, plus the AOR key and Vec header per extension.
        let by_aor = size_of::<BindingId>()
            + 2 * (size_of::<String>() + size_of::<Vec<BindingId>>())
            + b.aor.len()
            + 2 * ALLOC_OVERHEAD;
        // BTreeSet nodes hold up to 11 keys; count each key at three times its size.
        let timers = 3 * 3 * size_of::<(Instant, BindingId, TimerKind)>();
        map_slot + strings + uri + by_aor + timers
    }

    #[test]
    fn binding_memory_stays_under_two_kilobytes() {
        let t0 = Instant::now();
        let b = typical_binding(t0);
        let bytes = estimate(&b);
        assert!(
            size_of::<Binding>() < 600,
            "Binding struct is {} bytes",
            size_of::<Binding>()
        );
        assert!(bytes < 2048, "a typical binding costs about {bytes} bytes");
        // And it really goes into a registrar that way.
        let mut reg = Registrar::new(RegistrarConfig::new([1; 32]), t0);
        let id = reg.insert_binding(b);
        assert_eq!(reg.binding_count(), 1);
        assert_eq!(reg.lookup("101").map(|b| b.id).collect::<Vec<_>>(), [id]);
        assert_eq!(reg.poll_timeout(), Some(t0 + Duration::from_secs(60)));
    }

    /// What malloc adds to every allocation (size class rounding and header).
    const ALLOC_OVERHEAD: usize = 16;
}
