//! The INVITE client transaction (RFC 3261 §17.1.1, Figure 5, with the
//! "Accepted" state of RFC 6026 §7.2).

use std::time::Duration;

use super::build::make_ack;
use super::ctx::Ctx;
use super::timers::{TimerKind, Timers};
use super::{TxEvent, TxState};
use crate::message::{Request, Response};

/// What can happen to an INVITE client transaction.
#[derive(Debug)]
pub(crate) enum Input {
    /// A response matched it.
    Response(Response),
    /// One of its timers fired.
    Timer(TimerKind),
    /// The transport could not send for it.
    TransportError,
}

/// An INVITE client transaction.
#[derive(Debug)]
pub(crate) struct ClientInvite {
    state: TxState,
    pub(crate) timers: Timers,
    /// The INVITE, kept to build the ACK for a non-2xx final response.
    request: Request,
    /// The INVITE as sent, for retransmission.
    bytes: Vec<u8>,
    /// The ACK as sent, re-sent for every retransmitted final response.
    ack: Option<Vec<u8>>,
    /// Current Timer A interval.
    interval_a: Duration,
}

impl ClientInvite {
    /// Send the INVITE and arm Timers A (unreliable only) and B.
    pub(crate) fn start(ctx: &mut Ctx<'_>, request: Request) -> Self {
        let bytes = request.to_bytes();
        ctx.send(&bytes);
        let mut timers = Timers::default();
        // RFC 3261 §17.1.1.2: Timer A = T1 on unreliable transports only; B = 64*T1.
        if !ctx.reliable() {
            timers.set(TimerKind::A, ctx.after(ctx.config.t1));
        }
        timers.set(TimerKind::B, ctx.after(ctx.config.timeout()));
        ClientInvite {
            state: TxState::Calling,
            timers,
            request,
            bytes,
            ack: None,
            interval_a: ctx.config.t1,
        }
    }

    /// The current state.
    pub(crate) fn state(&self) -> TxState {
        self.state
    }

    /// Apply one input (the Figure 5 table).
    pub(crate) fn handle(&mut self, ctx: &mut Ctx<'_>, input: Input) {
        use TxState::*;
        match (self.state, input) {
            (Terminated, _) => {}
            // §17.1.1.2: Timer A retransmits and doubles, without a cap.
            (Calling, Input::Timer(TimerKind::A)) => {
                ctx.send(&self.bytes);
                self.interval_a = self.interval_a.saturating_mul(2);
                self.timers.set(TimerKind::A, ctx.after(self.interval_a));
            }
            (Calling, Input::Timer(TimerKind::B)) => {
                ctx.emit(TxEvent::Timeout { tx: ctx.tx });
                self.terminate();
            }
            (Calling | Proceeding, Input::Response(r)) if r.status < 200 => {
                self.state = Proceeding;
                self.timers.clear(TimerKind::A);
                self.timers.clear(TimerKind::B);
                ctx.emit(TxEvent::Response {
                    tx: ctx.tx,
                    flow: ctx.flow,
                    response: r,
                });
            }
            // RFC 6026 §7.2: a 2xx moves to Accepted; Timer M absorbs forks and retransmissions.
            (Calling | Proceeding, Input::Response(r)) if r.status < 300 => {
                self.state = Accepted;
                self.timers.clear_all();
                self.timers
                    .set(TimerKind::M, ctx.after(ctx.config.timeout()));
                ctx.emit(TxEvent::Response {
                    tx: ctx.tx,
                    flow: ctx.flow,
                    response: r,
                });
            }
            // §17.1.1.3: the transaction ACKs a 300-699 itself and waits Timer D.
            (Calling | Proceeding, Input::Response(r)) => {
                let ack = make_ack(&self.request, &r).to_bytes();
                ctx.send(&ack);
                self.ack = Some(ack);
                self.state = Completed;
                self.timers.clear_all();
                ctx.emit(TxEvent::Response {
                    tx: ctx.tx,
                    flow: ctx.flow,
                    response: r,
                });
                self.wait(ctx, TimerKind::D, ctx.wait(ctx.config.timer_d));
            }
            (Completed, Input::Response(r)) if r.status >= 300 => {
                if let Some(ack) = &self.ack {
                    ctx.send(ack);
                }
            }
            (Completed, Input::Timer(TimerKind::D)) => self.terminate(),
            (Accepted, Input::Response(r)) if (200..300).contains(&r.status) => {
                ctx.emit(TxEvent::Response {
                    tx: ctx.tx,
                    flow: ctx.flow,
                    response: r,
                });
            }
            (Accepted, Input::Timer(TimerKind::M)) => self.terminate(),
            (_, Input::TransportError) => {
                ctx.emit(TxEvent::TransportError { tx: ctx.tx });
                self.terminate();
            }
            // Anything else (a 1xx after a final, a stale timer) is absorbed.
            _ => {}
        }
    }

    /// Arm a wait timer, or terminate at once when it is zero (reliable transports).
    fn wait(&mut self, ctx: &Ctx<'_>, kind: TimerKind, d: Duration) {
        if d.is_zero() {
            self.terminate();
        } else {
            self.timers.set(kind, ctx.after(d));
        }
    }

    fn terminate(&mut self) {
        self.state = TxState::Terminated;
        self.timers.clear_all();
    }
}
