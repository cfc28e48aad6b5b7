//! The non-INVITE client transaction (RFC 3261 §17.1.2, Figure 6).

use std::time::Duration;

use super::ctx::Ctx;
use super::timers::{TimerKind, Timers};
use super::{TxEvent, TxState};
use crate::message::{Request, Response};

/// What can happen to a non-INVITE client transaction.
#[derive(Debug)]
pub(crate) enum Input {
    /// A response matched it.
    Response(Response),
    /// One of its timers fired.
    Timer(TimerKind),
    /// The transport could not send for it.
    TransportError,
}

/// A non-INVITE client transaction (REGISTER, OPTIONS, BYE, CANCEL...).
#[derive(Debug)]
pub(crate) struct ClientNonInvite {
    state: TxState,
    pub(crate) timers: Timers,
    /// The request as sent, for retransmission.
    bytes: Vec<u8>,
    /// Current Timer E interval.
    interval_e: Duration,
}

impl ClientNonInvite {
    /// Send the request and arm Timers E (unreliable only) and F.
    pub(crate) fn start(ctx: &mut Ctx<'_>, request: &Request) -> Self {
        let bytes = request.to_bytes();
        ctx.send(&bytes);
        let mut timers = Timers::default();
        // RFC 3261 §17.1.2.2: Timer E = T1 on unreliable transports only; F = 64*T1.
        if !ctx.reliable() {
            timers.set(TimerKind::E, ctx.after(ctx.config.t1));
        }
        timers.set(TimerKind::F, ctx.after(ctx.config.timeout()));
        ClientNonInvite {
            state: TxState::Trying,
            timers,
            bytes,
            interval_e: ctx.config.t1,
        }
    }

    /// The current state.
    pub(crate) fn state(&self) -> TxState {
        self.state
    }

    /// Apply one input (the Figure 6 table).
    pub(crate) fn handle(&mut self, ctx: &mut Ctx<'_>, input: Input) {
        use TxState::*;
        match (self.state, input) {
            (Terminated, _) => {}
            // §17.1.2.2: in Trying, E doubles up to T2.
            (Trying, Input::Timer(TimerKind::E)) => {
                ctx.send(&self.bytes);
                self.interval_e = self.interval_e.saturating_mul(2).min(ctx.config.t2);
                self.timers.set(TimerKind::E, ctx.after(self.interval_e));
            }
            // ... and once a provisional arrived it fires every T2.
            (Proceeding, Input::Timer(TimerKind::E)) => {
                ctx.send(&self.bytes);
                self.interval_e = ctx.config.t2;
                self.timers.set(TimerKind::E, ctx.after(self.interval_e));
            }
            (Trying | Proceeding, Input::Timer(TimerKind::F)) => {
                ctx.emit(TxEvent::Timeout { tx: ctx.tx });
                self.terminate();
            }
            (Trying | Proceeding, Input::Response(r)) if r.status < 200 => {
                self.state = Proceeding;
                ctx.emit(TxEvent::Response {
                    tx: ctx.tx,
                    flow: ctx.flow,
                    response: r,
                });
            }
            (Trying | Proceeding, Input::Response(r)) => {
                self.state = Completed;
                self.timers.clear_all();
                ctx.emit(TxEvent::Response {
                    tx: ctx.tx,
                    flow: ctx.flow,
                    response: r,
                });
                // Timer K absorbs response retransmissions: T4, zero on reliable transports.
                let k = ctx.wait(ctx.config.t4);
                if k.is_zero() {
                    self.terminate();
                } else {
                    self.timers.set(TimerKind::K, ctx.after(k));
                }
            }
            (Completed, Input::Timer(TimerKind::K)) => self.terminate(),
            (_, Input::TransportError) => {
                ctx.emit(TxEvent::TransportError { tx: ctx.tx });
                self.terminate();
            }
            // Retransmitted responses in Completed and stale timers are absorbed.
            _ => {}
        }
    }

    fn terminate(&mut self) {
        self.state = TxState::Terminated;
        self.timers.clear_all();
    }
}
