//! What a transaction state machine may do while handling one input: send on
//! its flow and tell the transaction user. The layer owns the queues; a
//! machine borrows them for one step.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::{TimerConfig, TxEvent, TxHandle};
use crate::flow::{Flow, Transmit};

/// The borrowed surroundings of one state-machine step.
pub(crate) struct Ctx<'a> {
    /// The time of the input being handled.
    pub(crate) now: Instant,
    /// The transaction being stepped.
    pub(crate) tx: TxHandle,
    /// The flow the transaction sends on.
    pub(crate) flow: Flow,
    /// Timer values.
    pub(crate) config: &'a TimerConfig,
    /// Outgoing messages.
    pub(crate) transmits: &'a mut VecDeque<Transmit>,
    /// Events for the transaction user.
    pub(crate) events: &'a mut VecDeque<TxEvent>,
}

impl Ctx<'_> {
    /// Queue bytes for the transaction's flow.
    pub(crate) fn send(&mut self, bytes: &[u8]) {
        self.transmits.push_back(Transmit {
            flow: self.flow,
            bytes: bytes.to_vec(),
        });
    }

    /// Queue an event for the TU.
    pub(crate) fn emit(&mut self, event: TxEvent) {
        self.events.push_back(event);
    }

    /// True on TCP/TLS/WS: no retransmission timers, zero wait timers.
    pub(crate) fn reliable(&self) -> bool {
        self.flow.transport.is_reliable()
    }

    /// `d` from now.
    pub(crate) fn after(&self, d: Duration) -> Instant {
        self.now + d
    }

    /// Timers D, I, J, K: their value on unreliable transports, zero on reliable.
    pub(crate) fn wait(&self, unreliable: Duration) -> Duration {
        if self.reliable() {
            Duration::ZERO
        } else {
            unreliable
        }
    }
}
