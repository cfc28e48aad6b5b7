//! The one event bus of the PBX (architecture principle 4): every state change of interest
//! (registrations, call states) is published here once, with a sequence number, and every
//! consumer (the WebSocket event API, later the AMI-style socket, push events) subscribes.
//!
//! Events are plain data: a kind, a wall-clock stamp and `(name, value)` text fields. The bus
//! knows nothing of JSON; the API renders them.
//!
//! Delivery guarantees of a [`Subscription`]:
//! - events arrive in sequence order, each at most once;
//! - a subscriber that resumes with `since` gets the kept history after it, then live events,
//!   with nothing missed or duplicated in between;
//! - nothing is dropped silently: events that can no longer be delivered (older than the
//!   bounded history, or overrun while the subscriber was too slow and already gone from the
//!   history) are announced by one [`Delivery::Gap`] naming the missing sequence numbers.
//!
//! The bus is a shell-side type: it reads the wall clock and uses tokio's broadcast channel.
//! Sans-IO cores never see it; the engine shell publishes what the cores report.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::broadcast;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

/// What happened. The wire name ([`EventKind::as_str`]) is part of the outside contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// A contact registered (a new binding; refreshes are not events).
    Registered,
    /// A contact unregistered itself (REGISTER with expiry 0) or was removed.
    Unregistered,
    /// A binding ran out without a refresh.
    RegistrationExpired,
    /// A contact's qualify (OPTIONS keep-alive) result changed: reachable or not.
    ContactReachability,
    /// A call is ringing the callee.
    CallRinging,
    /// The callee answered.
    CallAnswered,
    /// One side put the call on hold.
    CallHeld,
    /// The call was taken off hold.
    CallResumed,
    /// The call ended (answered or not); a `cause` field says why.
    CallHungUp,
    /// A trunk's state changed (`trunk`, `kind`, `state`, and `reason`/`last_code` when it
    /// failed).
    TrunkStatus,
}

impl EventKind {
    /// Every kind, in declaration order (for documentation and filters).
    pub const ALL: [EventKind; 10] = [
        EventKind::Registered,
        EventKind::Unregistered,
        EventKind::RegistrationExpired,
        EventKind::ContactReachability,
        EventKind::CallRinging,
        EventKind::CallAnswered,
        EventKind::CallHeld,
        EventKind::CallResumed,
        EventKind::CallHungUp,
        EventKind::TrunkStatus,
    ];

    /// The event's `type` as clients see it, e.g. `"call.answered"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Registered => "registration.added",
            EventKind::Unregistered => "registration.removed",
            EventKind::RegistrationExpired => "registration.expired",
            EventKind::ContactReachability => "registration.reachability",
            EventKind::CallRinging => "call.ringing",
            EventKind::CallAnswered => "call.answered",
            EventKind::CallHeld => "call.held",
            EventKind::CallResumed => "call.resumed",
            EventKind::CallHungUp => "call.hangup",
            EventKind::TrunkStatus => "trunk.status",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One published event. Shared (`Arc`) between the history and every subscriber.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Position on the bus: 1 for the first event, then strictly increasing by one.
    pub seq: u64,
    /// Wall-clock time of publication, milliseconds since the Unix epoch.
    pub time_unix_ms: i64,
    /// What happened.
    pub kind: EventKind,
    /// Details as `(name, value)` pairs, e.g. `("extension", "101")`, in publication order.
    pub fields: Vec<(&'static str, String)>,
}

impl Event {
    /// The value of field `name`, if present (the first one when repeated).
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a [`Subscription`] hands out: an event, or notice that some could not be delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The next event.
    Event(Arc<Event>),
    /// Events `from..=to` were lost to this subscriber (older than the kept history, or
    /// overrun while it lagged); the next delivery is event `to + 1` or later.
    Gap {
        /// First missing sequence number.
        from: u64,
        /// Last missing sequence number.
        to: u64,
    },
}

/// The bus: publish from the engine, subscribe from consumers. Share it as `Arc<EventBus>`.
pub struct EventBus {
    shared: Arc<Shared>,
}

impl EventBus {
    /// Events kept for `since` resumption unless configured otherwise.
    pub const DEFAULT_HISTORY: usize = 10_000;
    /// Events buffered per live subscriber before it counts as lagging.
    pub const DEFAULT_LIVE_BUFFER: usize = 1024;

    /// A bus with the default history (10,000 events) and live buffer (1,024).
    #[must_use]
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_HISTORY, Self::DEFAULT_LIVE_BUFFER)
    }

    /// A bus keeping the last `history` events for resumption and buffering `live` events per
    /// subscriber. Both are at least 1.
    #[must_use]
    pub fn with_capacity(history: usize, live: usize) -> Self {
        let history = history.max(1);
        let (tx, _) = broadcast::channel(live.max(1));
        EventBus {
            shared: Arc::new(Shared {
                history: Mutex::new(History {
                    last_seq: 0,
                    ring: VecDeque::with_capacity(history.min(1024)),
                    capacity: history,
                }),
                tx,
            }),
        }
    }

    /// Publish one event stamped with the wall clock now; returns its sequence number.
    /// Never blocks on subscribers: a slow one lags and later gets a gap.
    pub fn publish(&self, kind: EventKind, fields: Vec<(&'static str, String)>) -> u64 {
        self.publish_at(wall_unix_ms(), kind, fields)
    }

    /// Publish with an explicit timestamp (tests; replaying a stamped source).
    pub fn publish_at(
        &self,
        time_unix_ms: i64,
        kind: EventKind,
        fields: Vec<(&'static str, String)>,
    ) -> u64 {
        let mut history = self.shared.lock();
        history.last_seq += 1;
        let event = Arc::new(Event {
            seq: history.last_seq,
            time_unix_ms,
            kind,
            fields,
        });
        if history.ring.len() == history.capacity {
            history.ring.pop_front();
        }
        history.ring.push_back(Arc::clone(&event));
        // Sent under the lock, so the channel order is the sequence order and a subscriber
        // created under the same lock sees each event either in its backlog or live, never
        // both. An error only means nobody listens right now.
        let _ = self.shared.tx.send(event);
        history.last_seq
    }

    /// Follow the bus. With `since: None` only events published from now on are delivered.
    /// With `Some(n)` the kept events after `n` come first (preceded by a
    /// [`Delivery::Gap`] if some of them are no longer kept), then live ones. A `since` beyond
    /// the newest event (a client of a previous run of the daemon) counts as `0`.
    #[must_use]
    pub fn subscribe(&self, since: Option<u64>) -> Subscription {
        let history = self.shared.lock();
        let rx = self.shared.tx.subscribe();
        let mut backlog = VecDeque::new();
        let last_delivered = match since {
            None => history.last_seq,
            Some(n) => {
                let n = if n > history.last_seq { 0 } else { n };
                history.backlog_after(n, &mut backlog);
                n
            }
        };
        drop(history);
        Subscription {
            backlog,
            rx,
            last_delivered,
            bus: Arc::downgrade(&self.shared),
        }
    }

    /// The sequence number of the newest event (0 before the first).
    #[must_use]
    pub fn last_seq(&self) -> u64 {
        self.shared.lock().last_seq
    }

    /// The oldest sequence number still kept for resumption (`None` before the first event).
    #[must_use]
    pub fn oldest_kept(&self) -> Option<u64> {
        self.shared.lock().ring.front().map(|e| e.seq)
    }
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for EventBus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let history = self.shared.lock();
        f.debug_struct("EventBus")
            .field("last_seq", &history.last_seq)
            .field("kept", &history.ring.len())
            .field("capacity", &history.capacity)
            .finish()
    }
}

/// One consumer's view of the bus, from [`EventBus::subscribe`]. Ends (`None`) when the bus
/// is dropped.
pub struct Subscription {
    /// Deliveries taken from the history, handed out before anything live.
    backlog: VecDeque<Delivery>,
    rx: broadcast::Receiver<Arc<Event>>,
    /// Sequence number of the last event handed out or announced as missing.
    last_delivered: u64,
    /// For resynchronising after a lag; weak so the bus can be dropped.
    bus: Weak<Shared>,
}

impl Subscription {
    /// The next delivery; waits for one. `None` once the bus is gone.
    ///
    /// Cancel-safe: if the future is dropped before it completes (e.g. in `tokio::select!`),
    /// nothing is lost.
    pub async fn recv(&mut self) -> Option<Delivery> {
        loop {
            if let Some(d) = self.pop_backlog() {
                return Some(d);
            }
            match self.rx.recv().await {
                Ok(event) => {
                    if let Some(d) = self.accept(event) {
                        return Some(d);
                    }
                }
                Err(RecvError::Lagged(_)) => self.resync(),
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// The next delivery if one is ready now, without waiting. `None` also when the bus is
    /// gone; [`Subscription::recv`] tells the two apart.
    pub fn try_recv(&mut self) -> Option<Delivery> {
        loop {
            if let Some(d) = self.pop_backlog() {
                return Some(d);
            }
            match self.rx.try_recv() {
                Ok(event) => {
                    if let Some(d) = self.accept(event) {
                        return Some(d);
                    }
                }
                Err(TryRecvError::Lagged(_)) => self.resync(),
                Err(TryRecvError::Empty | TryRecvError::Closed) => return None,
            }
        }
    }

    /// Sequence number of the last event delivered or announced missing (the `since` to
    /// resume with after a reconnect).
    #[must_use]
    pub fn last_seq(&self) -> u64 {
        self.last_delivered
    }

    fn pop_backlog(&mut self) -> Option<Delivery> {
        let d = self.backlog.pop_front()?;
        self.last_delivered = match &d {
            Delivery::Event(e) => e.seq,
            Delivery::Gap { to, .. } => *to,
        };
        Some(d)
    }

    /// A live event: skip what was already delivered; announce a hole if one appears.
    fn accept(&mut self, event: Arc<Event>) -> Option<Delivery> {
        if event.seq <= self.last_delivered {
            return None;
        }
        if event.seq > self.last_delivered + 1 {
            // Not expected (the channel lags with an error first), but never skip silently.
            let gap = Delivery::Gap {
                from: self.last_delivered + 1,
                to: event.seq - 1,
            };
            self.last_delivered = event.seq - 1;
            self.backlog.push_back(Delivery::Event(event));
            return Some(gap);
        }
        self.last_delivered = event.seq;
        Some(Delivery::Event(event))
    }

    /// The live channel overran this subscriber: refill from the history what is still kept,
    /// with a gap for the rest, and re-subscribe under the history lock so live delivery
    /// resumes exactly after it.
    fn resync(&mut self) {
        let Some(shared) = self.bus.upgrade() else {
            // The bus is gone; the receiver reports Closed next.
            return;
        };
        let history = shared.lock();
        history.backlog_after(self.last_delivered, &mut self.backlog);
        self.rx = shared.tx.subscribe();
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("last_seq", &self.last_delivered)
            .field("backlog", &self.backlog.len())
            .finish_non_exhaustive()
    }
}

/// State shared by the bus and (weakly) its subscriptions.
struct Shared {
    history: Mutex<History>,
    tx: broadcast::Sender<Arc<Event>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, History> {
        // A panic while holding the lock cannot leave the ring inconsistent (each change is
        // a single push/pop), so a poisoned lock is still usable.
        self.history.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The bounded ring of recent events.
struct History {
    /// Sequence number of the newest event (0 before the first).
    last_seq: u64,
    ring: VecDeque<Arc<Event>>,
    capacity: usize,
}

impl History {
    /// Append to `out` everything after `after`: a gap for what is no longer kept, then the
    /// kept events.
    fn backlog_after(&self, after: u64, out: &mut VecDeque<Delivery>) {
        if after >= self.last_seq {
            return;
        }
        let oldest = self.ring.front().map_or(self.last_seq + 1, |e| e.seq);
        if after + 1 < oldest {
            out.push_back(Delivery::Gap {
                from: after + 1,
                to: oldest - 1,
            });
        }
        // The ring is in sequence order and contiguous: skip straight to `after + 1`.
        let skip = usize::try_from(after.saturating_sub(oldest - 1)).unwrap_or(usize::MAX);
        out.extend(self.ring.iter().skip(skip).cloned().map(Delivery::Event));
    }
}

/// Wall-clock milliseconds since the Unix epoch (0 if the clock is before it).
fn wall_unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(n: &str) -> Vec<(&'static str, String)> {
        vec![("extension", n.to_owned())]
    }

    fn seqs(sub: &mut Subscription) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(d) = sub.try_recv() {
            out.push(match d {
                Delivery::Event(e) => e.seq.to_string(),
                Delivery::Gap { from, to } => format!("gap {from}-{to}"),
            });
        }
        out
    }

    #[test]
    fn kinds_have_their_wire_names() {
        let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "registration.added",
                "registration.removed",
                "registration.expired",
                "registration.reachability",
                "call.ringing",
                "call.answered",
                "call.held",
                "call.resumed",
                "call.hangup",
                "trunk.status"
            ]
        );
        assert_eq!(EventKind::CallHungUp.to_string(), "call.hangup");
    }

    #[test]
    fn sequence_starts_at_one_and_increases() {
        let bus = EventBus::new();
        assert_eq!(bus.last_seq(), 0);
        assert_eq!(bus.oldest_kept(), None);
        let mut sub = bus.subscribe(None);
        assert_eq!(bus.publish(EventKind::Registered, ext("101")), 1);
        assert_eq!(bus.publish(EventKind::CallRinging, ext("102")), 2);
        assert_eq!(bus.publish(EventKind::CallAnswered, ext("102")), 3);
        let Some(Delivery::Event(e)) = sub.try_recv() else {
            panic!("expected an event")
        };
        assert_eq!((e.seq, e.kind), (1, EventKind::Registered));
        assert_eq!(e.field("extension"), Some("101"));
        assert_eq!(e.field("nope"), None);
        assert!(e.time_unix_ms > 1_600_000_000_000, "{}", e.time_unix_ms);
        assert_eq!(seqs(&mut sub), ["2", "3"]);
        assert_eq!(sub.last_seq(), 3);
    }

    #[test]
    fn live_subscription_skips_the_past() {
        let bus = EventBus::new();
        bus.publish(EventKind::Registered, ext("101"));
        let mut sub = bus.subscribe(None);
        assert_eq!(seqs(&mut sub), Vec::<String>::new());
        bus.publish(EventKind::Unregistered, ext("101"));
        assert_eq!(seqs(&mut sub), ["2"]);
    }

    #[test]
    fn since_replays_then_continues_live_without_duplicates() {
        let bus = EventBus::new();
        for _ in 0..5 {
            bus.publish(EventKind::CallRinging, ext("101"));
        }
        let mut sub = bus.subscribe(Some(2));
        bus.publish(EventKind::CallHungUp, ext("101"));
        assert_eq!(seqs(&mut sub), ["3", "4", "5", "6"]);
        let mut caught_up = bus.subscribe(Some(6));
        assert_eq!(seqs(&mut caught_up), Vec::<String>::new());
        let mut all = bus.subscribe(Some(0));
        assert_eq!(seqs(&mut all), ["1", "2", "3", "4", "5", "6"]);
    }

    #[test]
    fn since_older_than_history_gets_a_gap_first() {
        let bus = EventBus::with_capacity(3, 16);
        for _ in 0..10 {
            bus.publish(EventKind::Registered, ext("101"));
        }
        assert_eq!(bus.oldest_kept(), Some(8));
        let mut sub = bus.subscribe(Some(2));
        assert_eq!(seqs(&mut sub), ["gap 3-7", "8", "9", "10"]);
        let mut from_zero = bus.subscribe(Some(0));
        assert_eq!(seqs(&mut from_zero), ["gap 1-7", "8", "9", "10"]);
        let mut exact = bus.subscribe(Some(7));
        assert_eq!(seqs(&mut exact), ["8", "9", "10"]);
    }

    #[test]
    fn since_from_a_previous_run_replays_everything() {
        let bus = EventBus::new();
        bus.publish(EventKind::Registered, ext("101"));
        bus.publish(EventKind::Registered, ext("102"));
        let mut sub = bus.subscribe(Some(9_999));
        assert_eq!(seqs(&mut sub), ["1", "2"]);
    }

    #[test]
    fn lag_covered_by_history_loses_nothing() {
        let bus = EventBus::with_capacity(100, 4);
        let mut sub = bus.subscribe(None);
        for _ in 0..20 {
            bus.publish(EventKind::CallRinging, ext("101"));
        }
        let want: Vec<String> = (1..=20).map(|n| n.to_string()).collect();
        assert_eq!(seqs(&mut sub), want);
        bus.publish(EventKind::CallHungUp, ext("101"));
        assert_eq!(seqs(&mut sub), ["21"]);
    }

    #[test]
    fn lag_beyond_history_gets_a_gap_then_resyncs() {
        let bus = EventBus::with_capacity(5, 4);
        let mut sub = bus.subscribe(None);
        for _ in 0..20 {
            bus.publish(EventKind::CallRinging, ext("101"));
        }
        assert_eq!(seqs(&mut sub), ["gap 1-15", "16", "17", "18", "19", "20"]);
        bus.publish(EventKind::CallHungUp, ext("101"));
        assert_eq!(seqs(&mut sub), ["21"]);
        assert_eq!(sub.last_seq(), 21);
    }

    #[test]
    fn lag_after_partial_reading_gaps_only_the_lost_part() {
        let bus = EventBus::with_capacity(6, 2);
        let mut sub = bus.subscribe(None);
        for _ in 0..3 {
            bus.publish(EventKind::Registered, ext("101"));
        }
        // Lagged at once (3 > 2), but history covers 1..=3.
        assert_eq!(seqs(&mut sub), ["1", "2", "3"]);
        for _ in 0..10 {
            bus.publish(EventKind::Registered, ext("101"));
        }
        assert_eq!(
            seqs(&mut sub),
            ["gap 4-7", "8", "9", "10", "11", "12", "13"]
        );
    }

    #[tokio::test]
    async fn async_recv_waits_for_live_events_and_ends_with_the_bus() {
        let bus = Arc::new(EventBus::new());
        let mut sub = bus.subscribe(Some(0));
        let publisher = Arc::clone(&bus);
        let task = tokio::spawn(async move {
            for n in ["101", "102", "103"] {
                publisher.publish(EventKind::Registered, ext(n));
                tokio::task::yield_now().await;
            }
        });
        let mut got = Vec::new();
        for _ in 0..3 {
            match sub.recv().await {
                Some(Delivery::Event(e)) => got.push(e.field("extension").map(str::to_owned)),
                other => panic!("unexpected {other:?}"),
            }
        }
        task.await.unwrap();
        assert_eq!(
            got,
            [Some("101".into()), Some("102".into()), Some("103".into())]
        );
        drop(bus);
        assert_eq!(sub.recv().await, None);
    }

    #[tokio::test]
    async fn async_recv_reports_lag_as_gap() {
        let bus = EventBus::with_capacity(2, 2);
        let mut sub = bus.subscribe(None);
        for _ in 0..6 {
            bus.publish(EventKind::CallAnswered, ext("101"));
        }
        assert_eq!(sub.recv().await, Some(Delivery::Gap { from: 1, to: 4 }));
        let Some(Delivery::Event(e)) = sub.recv().await else {
            panic!("expected an event")
        };
        assert_eq!(e.seq, 5);
    }

    #[test]
    fn concurrent_publishers_and_a_subscriber_see_one_total_order() {
        let bus = Arc::new(EventBus::with_capacity(10_000, 10_000));
        let mut sub = bus.subscribe(Some(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let bus = Arc::clone(&bus);
                std::thread::spawn(move || {
                    for _ in 0..500 {
                        bus.publish(EventKind::CallRinging, ext("101"));
                    }
                })
            })
            .collect();
        let mut next = 1;
        while next <= 2000 {
            match sub.try_recv() {
                Some(Delivery::Event(e)) => {
                    assert_eq!(e.seq, next);
                    next += 1;
                }
                Some(gap) => panic!("unexpected {gap:?}"),
                None => std::thread::yield_now(),
            }
        }
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(bus.last_seq(), 2000);
    }
}
