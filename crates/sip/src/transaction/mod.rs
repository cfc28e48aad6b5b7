//! The RFC 3261 §17 transaction layer: the four transaction state machines
//! with Timers A–M, and [`TransactionLayer`], which matches messages to them by
//! key and drives them by handle (quinn's endpoint/connection split).
//!
//! Sans-IO: feed it requests, responses, transport errors and `now`; drain
//! [`TransactionLayer::poll_transmit`], [`TransactionLayer::poll_event`] and
//! [`TransactionLayer::poll_timeout`] after every call.
//!
//! ```
//! use std::time::Instant;
//! use rotary_sip::transaction::{TimerConfig, TransactionLayer, TxEvent};
//!
//! let mut layer = TransactionLayer::new(TimerConfig::default());
//! let now = Instant::now();
//! // ... layer.handle_request(now, flow, request) for each parsed request ...
//! layer.handle_timeout(now);
//! while let Some(_transmit) = layer.poll_transmit() { /* socket send */ }
//! while let Some(event) = layer.poll_event() {
//!     if let TxEvent::Request { .. } = event { /* answer with layer.respond(..) */ }
//! }
//! let _next_wakeup = layer.poll_timeout();
//! ```
//!
//! Behaviour beyond RFC 3261 §17:
//! - RFC 6026: INVITE transactions have an "Accepted" state after a 2xx
//!   (Timers L and M). The server absorbs INVITE retransmissions and passes
//!   ACKs up; the client passes 2xx retransmissions and forked 2xx up.
//! - The INVITE server transaction sends `100 Trying` itself when the TU has
//!   not responded within [`TimerConfig::trying_delay`] (§17.2.1).
//! - Requests whose branch lacks the magic cookie (RFC 2543 peers) are
//!   matched on Call-ID, From tag, CSeq number, top Via sent-by and branch,
//!   and method; the Request-URI and To tag are not compared.
//! - Transport failover (RFC 3263 §4.3 for clients, §18.2.2 for server
//!   responses) is left to the caller: a transport error terminates the
//!   transaction with [`TxEvent::TransportError`].

mod build;
mod client_invite;
mod client_non_invite;
mod ctx;
mod key;
mod machine;
mod server_invite;
mod server_non_invite;
mod timers;
mod view;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant};

use self::client_invite::ClientInvite;
use self::client_non_invite::ClientNonInvite;
use self::ctx::Ctx;
use self::key::{ClientKey, ServerKey};
use self::machine::Machine;
use self::server_invite::ServerInvite;
use self::server_non_invite::ServerNonInvite;
use crate::flow::{Flow, Transmit};
use crate::message::{Method, Request, Response};

pub use self::build::{make_cancel, make_response, set_to_tag, stamp_received};
pub use self::key::{new_branch, Branch, TxHandle, MAGIC_COOKIE};
pub use self::timers::{TimerConfig, TimerKind};

/// Something the transaction user (dialog layer, registrar, engine) must know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxEvent {
    /// A new request (not ACK, not CANCEL) created server transaction `tx`;
    /// answer it with [`TransactionLayer::respond`].
    Request {
        /// The new server transaction.
        tx: TxHandle,
        /// Where the request came from; responses go back on it.
        flow: Flow,
        /// The request.
        request: Request,
    },
    /// An ACK that belongs to no transaction: the ACK for a 2xx, which the
    /// dialog layer consumes (RFC 3261 §17.2.3, §13.3.1.4).
    Ack {
        /// Where it came from.
        flow: Flow,
        /// The ACK.
        request: Request,
    },
    /// A CANCEL created its own server transaction `tx` (answer it with 200 or
    /// 481); `invite` is the INVITE server transaction it targets, if any
    /// (RFC 3261 §9.2).
    Cancel {
        /// The CANCEL's server transaction.
        tx: TxHandle,
        /// Where it came from.
        flow: Flow,
        /// The CANCEL.
        request: Request,
        /// The matched INVITE server transaction.
        invite: Option<TxHandle>,
    },
    /// A response for client transaction `tx` (provisional, final, and in the
    /// Accepted state every further 2xx, including forks).
    Response {
        /// The client transaction.
        tx: TxHandle,
        /// The flow it arrived on.
        flow: Flow,
        /// The response.
        response: Response,
    },
    /// A 2xx to an INVITE matching no client transaction (a retransmission
    /// after the transaction ended): the dialog layer re-sends its ACK.
    StrayResponse {
        /// The flow it arrived on.
        flow: Flow,
        /// The response.
        response: Response,
    },
    /// Timer B or F (no final response) or H (no ACK) fired.
    Timeout {
        /// The transaction that timed out.
        tx: TxHandle,
    },
    /// The transport reported a failure for this transaction.
    TransportError {
        /// The failed transaction.
        tx: TxHandle,
    },
    /// The transaction is gone; its handle matches nothing from now on.
    Terminated {
        /// The removed transaction.
        tx: TxHandle,
    },
}

/// Transaction states of RFC 3261 Figures 5–8 plus RFC 6026's Accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TxState {
    /// INVITE client: request sent, nothing heard yet.
    Calling,
    /// Non-INVITE client or server: request sent / received, no response yet.
    Trying,
    /// A provisional response was received / sent (INVITE server: initial state).
    Proceeding,
    /// A non-2xx final response (or any final for non-INVITE) was received / sent.
    Completed,
    /// INVITE server: ACK received for a non-2xx final response.
    Confirmed,
    /// INVITE: a 2xx was received / sent (RFC 6026).
    Accepted,
    /// Done; about to be removed.
    Terminated,
}

/// Misuse of the [`TransactionLayer`] API (protocol outcomes are [`TxEvent`]s).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TxError {
    /// `send_request` needs a top Via with a `branch` parameter.
    #[error("request has no top Via branch")]
    MissingBranch,
    /// ACK is not sent through a client transaction (RFC 3261 §17.1.1.3, §13.2.2.4).
    #[error("ACK does not create a client transaction")]
    AckIsNotATransaction,
    /// A client transaction with this branch and method already exists.
    #[error("a client transaction with this branch and method exists")]
    DuplicateTransaction,
    /// The handle names no live transaction (it may have terminated).
    #[error("no transaction {tx}")]
    UnknownTransaction {
        /// The handle given.
        tx: TxHandle,
    },
    /// `respond` was called with a client transaction.
    #[error("{tx} is not a server transaction")]
    NotAServerTransaction {
        /// The handle given.
        tx: TxHandle,
    },
    /// The status code is outside 100–699.
    #[error("invalid status code {status}")]
    InvalidStatus {
        /// The code given.
        status: u16,
    },
    /// The transaction cannot send this response now (e.g. a second final).
    #[error("cannot send {status} in state {state:?}")]
    WrongState {
        /// The transaction's state.
        state: TxState,
        /// The code given.
        status: u16,
    },
}

/// All transactions of one SIP endpoint, matched by key, driven by handle.
///
/// Costs per message are O(1) hash lookups plus an O(log n) deadline update,
/// so tens of thousands of concurrent transactions are cheap.
#[derive(Debug)]
pub struct TransactionLayer {
    config: TimerConfig,
    next_handle: u64,
    txs: HashMap<TxHandle, Transaction>,
    server_index: HashMap<ServerKey, TxHandle>,
    client_index: HashMap<ClientKey, TxHandle>,
    /// One entry per transaction with a timer armed: its earliest deadline.
    deadlines: BTreeSet<(Instant, TxHandle)>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<TxEvent>,
    dropped: u64,
}

impl TransactionLayer {
    /// An empty layer. T1 is raised to at least 1 ms and T2 to at least T1 so
    /// that retransmission timers always move forward.
    pub fn new(mut config: TimerConfig) -> Self {
        config.t1 = config.t1.max(Duration::from_millis(1));
        config.t2 = config.t2.max(config.t1);
        TransactionLayer {
            config,
            next_handle: 0,
            txs: HashMap::new(),
            server_index: HashMap::new(),
            client_index: HashMap::new(),
            deadlines: BTreeSet::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            dropped: 0,
        }
    }

    /// Feed one incoming request (already stamped with [`stamp_received`]).
    ///
    /// Retransmissions are absorbed (and the last response re-sent), an ACK
    /// completes its INVITE transaction or surfaces as [`TxEvent::Ack`], and a
    /// new request becomes [`TxEvent::Request`] or [`TxEvent::Cancel`]. A
    /// request without a usable top Via or CSeq is dropped and counted.
    pub fn handle_request(&mut self, now: Instant, flow: Flow, request: Request) {
        let Some(key) = ServerKey::of(&request, None) else {
            self.dropped += 1;
            return;
        };
        if let Some(&handle) = self.server_index.get(&key) {
            let is_ack = request.method == Method::Ack;
            self.step(now, handle, move |m, ctx| match m {
                Machine::InviteServer(s) if is_ack => {
                    s.handle(ctx, server_invite::Input::Ack(flow, request))
                }
                Machine::InviteServer(s) => s.handle(ctx, server_invite::Input::Retransmission),
                Machine::NonInviteServer(s) => {
                    s.handle(ctx, server_non_invite::Input::Retransmission)
                }
                _ => {}
            });
            return;
        }
        if request.method == Method::Ack {
            self.events.push_back(TxEvent::Ack { flow, request });
            return;
        }
        let invite = match request.method {
            Method::Cancel => ServerKey::of(&request, Some(Method::Invite))
                .and_then(|k| self.server_index.get(&k).copied()),
            _ => None,
        };
        let handle = self.new_handle();
        let machine = if request.method == Method::Invite {
            let mut ctx = self.ctx(now, handle, flow);
            Machine::InviteServer(ServerInvite::start(&mut ctx, &request))
        } else {
            Machine::NonInviteServer(ServerNonInvite::start())
        };
        self.server_index.insert(key.clone(), handle);
        self.insert(handle, flow, TxKey::Server(key), machine);
        self.events.push_back(match request.method {
            Method::Cancel => TxEvent::Cancel {
                tx: handle,
                flow,
                request,
                invite,
            },
            _ => TxEvent::Request {
                tx: handle,
                flow,
                request,
            },
        });
        self.settle(handle);
    }

    /// Feed one incoming response. It goes to its client transaction by top
    /// Via branch and CSeq method (RFC 3261 §17.1.3); an unmatched 2xx to
    /// INVITE becomes [`TxEvent::StrayResponse`], anything else unmatched is
    /// dropped and counted (§18.1.2).
    pub fn handle_response(&mut self, now: Instant, flow: Flow, response: Response) {
        let Some(key) = ClientKey::of_response(&response) else {
            self.dropped += 1;
            return;
        };
        if let Some(&handle) = self.client_index.get(&key) {
            self.step(now, handle, move |m, ctx| match m {
                Machine::InviteClient(c) => c.handle(ctx, client_invite::Input::Response(response)),
                Machine::NonInviteClient(c) => {
                    c.handle(ctx, client_non_invite::Input::Response(response))
                }
                _ => {}
            });
            return;
        }
        let invite = view::cseq(&response.headers).is_some_and(|(_, m)| m == "INVITE");
        if invite && (200..300).contains(&response.status) {
            self.events
                .push_back(TxEvent::StrayResponse { flow, response });
        } else {
            self.dropped += 1;
        }
    }

    /// Start a client transaction: sends `request` on `flow` now and
    /// retransmits it per Timer A/E. The caller has put a top Via with a fresh
    /// branch on it (see [`new_branch`]); CANCEL reuses its INVITE's branch
    /// ([`make_cancel`]).
    pub fn send_request(
        &mut self,
        now: Instant,
        flow: Flow,
        request: Request,
    ) -> Result<TxHandle, TxError> {
        if request.method == Method::Ack {
            return Err(TxError::AckIsNotATransaction);
        }
        let key = ClientKey::of_request(&request).ok_or(TxError::MissingBranch)?;
        if self.client_index.contains_key(&key) {
            return Err(TxError::DuplicateTransaction);
        }
        let handle = self.new_handle();
        let mut ctx = self.ctx(now, handle, flow);
        let machine = if request.method == Method::Invite {
            Machine::InviteClient(ClientInvite::start(&mut ctx, request))
        } else {
            Machine::NonInviteClient(ClientNonInvite::start(&mut ctx, &request))
        };
        self.client_index.insert(key.clone(), handle);
        self.insert(handle, flow, TxKey::Client(key), machine);
        self.settle(handle);
        Ok(handle)
    }

    /// Send a response through server transaction `tx`, on the flow its
    /// request arrived on (for UDP that is the source address, as RFC 3581
    /// wants when `rport` is present). Build it with [`make_response`].
    pub fn respond(
        &mut self,
        now: Instant,
        tx: TxHandle,
        response: Response,
    ) -> Result<(), TxError> {
        let result = self.step(now, tx, |m, ctx| match m {
            Machine::InviteServer(s) => s.respond(ctx, &response),
            Machine::NonInviteServer(s) => s.respond(ctx, &response),
            _ => Err(TxError::NotAServerTransaction { tx }),
        });
        result.unwrap_or(Err(TxError::UnknownTransaction { tx }))
    }

    /// Queue a request outside any transaction: the ACK for a 2xx, which the
    /// dialog layer sends and re-sends itself (RFC 3261 §13.2.2.4).
    pub fn send_stateless_request(&mut self, flow: Flow, request: &Request) {
        self.transmits.push_back(Transmit {
            flow,
            bytes: request.to_bytes(),
        });
    }

    /// Queue a response outside any transaction: a stateless reply, or a 2xx
    /// retransmission after the INVITE server transaction ended.
    pub fn send_stateless_response(&mut self, flow: Flow, response: &Response) {
        self.transmits.push_back(Transmit {
            flow,
            bytes: response.to_bytes(),
        });
    }

    /// The transport failed to send for `tx` (RFC 3261 §17.1.4, §17.2.4): the
    /// transaction reports [`TxEvent::TransportError`] and terminates.
    pub fn handle_transport_error(&mut self, now: Instant, tx: TxHandle) {
        self.step(now, tx, Machine::on_transport_error);
    }

    /// A connection closed: every transaction on `flow` fails as in
    /// [`TransactionLayer::handle_transport_error`]. This scans all
    /// transactions (O(n)); call it for connection-oriented flows only.
    pub fn handle_flow_closed(&mut self, now: Instant, flow: Flow) {
        let mut hit: Vec<TxHandle> = self
            .txs
            .iter()
            .filter(|(_, t)| t.flow == flow)
            .map(|(h, _)| *h)
            .collect();
        hit.sort_unstable();
        for tx in hit {
            self.handle_transport_error(now, tx);
        }
    }

    /// Fire every timer due at `now`. Idempotent; call when
    /// [`TransactionLayer::poll_timeout`] has passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&(at, handle)) = self.deadlines.first() {
            if at > now {
                break;
            }
            self.deadlines.pop_first();
            if let Some(tx) = self.txs.get_mut(&handle) {
                tx.scheduled = None;
            }
            self.step(now, handle, |m, ctx| {
                while let Some(kind) = m.timers_mut().pop_due(ctx.now) {
                    m.on_timer(ctx, kind);
                    if m.state() == TxState::Terminated {
                        break;
                    }
                }
            });
        }
    }

    /// Next message to send. Call until `None` after every `handle_*`,
    /// `send_*` and `respond` call.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// Next event for the transaction user. Changed by every `handle_*` call.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<TxEvent> {
        self.events.pop_front()
    }

    /// Earliest instant at which [`TransactionLayer::handle_timeout`] must be
    /// called; `None` when no timer is armed. Changed by every input.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadlines.first().map(|&(at, _)| at)
    }

    /// The state of a live transaction; `None` once it has terminated.
    pub fn state(&self, tx: TxHandle) -> Option<TxState> {
        self.txs.get(&tx).map(|t| t.machine.state())
    }

    /// The flow a live transaction sends on.
    pub fn flow(&self, tx: TxHandle) -> Option<Flow> {
        self.txs.get(&tx).map(|t| t.flow)
    }

    /// Number of live transactions.
    pub fn len(&self) -> usize {
        self.txs.len()
    }

    /// True when no transaction is live.
    pub fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }

    /// Messages discarded since creation: unusable requests/responses and
    /// responses matching no transaction (other than stray 2xx to INVITE).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The timer settings in use.
    pub fn config(&self) -> &TimerConfig {
        &self.config
    }

    fn new_handle(&mut self) -> TxHandle {
        self.next_handle += 1;
        TxHandle(self.next_handle)
    }

    fn ctx(&mut self, now: Instant, tx: TxHandle, flow: Flow) -> Ctx<'_> {
        Ctx {
            now,
            tx,
            flow,
            config: &self.config,
            transmits: &mut self.transmits,
            events: &mut self.events,
        }
    }

    fn insert(&mut self, handle: TxHandle, flow: Flow, key: TxKey, machine: Machine) {
        self.txs.insert(
            handle,
            Transaction {
                flow,
                key,
                machine,
                scheduled: None,
            },
        );
    }

    /// Run `f` on a live transaction's machine, then update its deadline or
    /// remove it. `None` if the handle is unknown.
    fn step<R>(
        &mut self,
        now: Instant,
        handle: TxHandle,
        f: impl FnOnce(&mut Machine, &mut Ctx<'_>) -> R,
    ) -> Option<R> {
        let tx = self.txs.get_mut(&handle)?;
        let mut ctx = Ctx {
            now,
            tx: handle,
            flow: tx.flow,
            config: &self.config,
            transmits: &mut self.transmits,
            events: &mut self.events,
        };
        let result = f(&mut tx.machine, &mut ctx);
        self.settle(handle);
        Some(result)
    }

    /// After a step: reschedule the transaction's earliest deadline, or
    /// remove a terminated transaction and announce it.
    fn settle(&mut self, handle: TxHandle) {
        let Some(tx) = self.txs.get_mut(&handle) else {
            return;
        };
        let next = match tx.machine.state() {
            TxState::Terminated => None,
            _ => tx.machine.timers_mut().next(),
        };
        if next != tx.scheduled {
            if let Some(old) = tx.scheduled {
                self.deadlines.remove(&(old, handle));
            }
            if let Some(at) = next {
                self.deadlines.insert((at, handle));
            }
            tx.scheduled = next;
        }
        if tx.machine.state() != TxState::Terminated {
            return;
        }
        if let Some(tx) = self.txs.remove(&handle) {
            match tx.key {
                TxKey::Server(k) => self.server_index.remove(&k),
                TxKey::Client(k) => self.client_index.remove(&k),
            };
        }
        self.events.push_back(TxEvent::Terminated { tx: handle });
    }
}

/// One live transaction.
#[derive(Debug)]
struct Transaction {
    flow: Flow,
    key: TxKey,
    machine: Machine,
    /// The deadline currently in `TransactionLayer::deadlines`.
    scheduled: Option<Instant>,
}

/// Which index a transaction is in.
#[derive(Debug)]
enum TxKey {
    Server(ServerKey),
    Client(ClientKey),
}
