//! The INVITE server transaction (RFC 3261 §17.2.1, Figure 7, with the
//! "Accepted" state of RFC 6026 §7.1), including the automatic `100 Trying`.

use std::time::Duration;

use super::build::make_response;
use super::ctx::Ctx;
use super::timers::{TimerKind, Timers};
use super::{TxError, TxEvent, TxState};
use crate::flow::Flow;
use crate::message::{Request, Response};

/// What can happen to an INVITE server transaction from the network or the clock.
// Lives on the stack for one call; boxing the ACK would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Input {
    /// The INVITE arrived again.
    Retransmission,
    /// An ACK matched it (with the flow it came on).
    Ack(Flow, Request),
    /// One of its timers fired.
    Timer(TimerKind),
    /// The transport could not send for it.
    TransportError,
}

/// An INVITE server transaction.
#[derive(Debug)]
pub(crate) struct ServerInvite {
    state: TxState,
    pub(crate) timers: Timers,
    /// The most recent response sent, re-sent on request retransmissions and Timer G.
    last: Option<Vec<u8>>,
    /// The `100 Trying` to send when the Trying timer fires first.
    trying: Option<Response>,
    /// Current Timer G interval.
    interval_g: Duration,
}

impl ServerInvite {
    /// Enter Proceeding and arrange the `100 Trying` (§17.2.1: send it if the
    /// TU will not respond within 200 ms).
    pub(crate) fn start(ctx: &mut Ctx<'_>, request: &Request) -> Self {
        let mut tx = ServerInvite {
            state: TxState::Proceeding,
            timers: Timers::default(),
            last: None,
            trying: None,
            interval_g: ctx.config.t1,
        };
        match ctx.config.trying_delay {
            None => {}
            Some(d) if d.is_zero() => {
                let bytes = make_response(request, 100, "Trying").to_bytes();
                ctx.send(&bytes);
                tx.last = Some(bytes);
            }
            Some(d) => {
                tx.trying = Some(make_response(request, 100, "Trying"));
                tx.timers.set(TimerKind::Trying, ctx.after(d));
            }
        }
        tx
    }

    /// The current state.
    pub(crate) fn state(&self) -> TxState {
        self.state
    }

    /// Apply one network or timer input (the Figure 7 table).
    pub(crate) fn handle(&mut self, ctx: &mut Ctx<'_>, input: Input) {
        use TxState::*;
        match (self.state, input) {
            (Terminated, _) => {}
            (Proceeding, Input::Timer(TimerKind::Trying)) => {
                if let Some(trying) = self.trying.take() {
                    let bytes = trying.to_bytes();
                    ctx.send(&bytes);
                    self.last = Some(bytes);
                }
            }
            // §17.2.1: a retransmitted INVITE gets the latest response again.
            (Proceeding | Completed, Input::Retransmission) => {
                if let Some(last) = &self.last {
                    ctx.send(last);
                }
            }
            // Timer G retransmits the final response, doubling up to T2.
            (Completed, Input::Timer(TimerKind::G)) => {
                if let Some(last) = &self.last {
                    ctx.send(last);
                }
                self.interval_g = self.interval_g.saturating_mul(2).min(ctx.config.t2);
                self.timers.set(TimerKind::G, ctx.after(self.interval_g));
            }
            // Timer H: the ACK never came.
            (Completed, Input::Timer(TimerKind::H)) => {
                ctx.emit(TxEvent::Timeout { tx: ctx.tx });
                self.terminate();
            }
            (Completed, Input::Ack(..)) => {
                self.state = Confirmed;
                self.timers.clear_all();
                // Timer I absorbs ACK retransmissions: T4, zero on reliable transports.
                let i = ctx.wait(ctx.config.t4);
                self.wait(ctx, TimerKind::I, i);
            }
            (Confirmed, Input::Timer(TimerKind::I)) => self.terminate(),
            // RFC 6026 §7.1: in Accepted, ACKs go to the TU and INVITEs are absorbed.
            (Accepted, Input::Ack(flow, request)) => ctx.emit(TxEvent::Ack { flow, request }),
            (Accepted, Input::Timer(TimerKind::L)) => self.terminate(),
            (_, Input::TransportError) => {
                ctx.emit(TxEvent::TransportError { tx: ctx.tx });
                self.terminate();
            }
            // ACK retransmissions in Confirmed, INVITEs in Accepted, stale timers.
            _ => {}
        }
    }

    /// Send a response from the TU.
    pub(crate) fn respond(
        &mut self,
        ctx: &mut Ctx<'_>,
        response: &Response,
    ) -> Result<(), TxError> {
        use TxState::*;
        let status = response.status;
        match (self.state, status) {
            (Proceeding, 100..=199) => {
                let bytes = response.to_bytes();
                ctx.send(&bytes);
                self.last = Some(bytes);
                self.trying = None;
                self.timers.clear(TimerKind::Trying);
            }
            // RFC 6026 §7.1: a 2xx moves to Accepted for Timer L; the TU retransmits it.
            (Proceeding, 200..=299) => {
                ctx.send(&response.to_bytes());
                self.last = None;
                self.state = Accepted;
                self.timers.clear_all();
                self.timers
                    .set(TimerKind::L, ctx.after(ctx.config.timeout()));
            }
            (Proceeding, 300..=699) => {
                let bytes = response.to_bytes();
                ctx.send(&bytes);
                self.last = Some(bytes);
                self.state = Completed;
                self.timers.clear_all();
                if !ctx.reliable() {
                    self.timers.set(TimerKind::G, ctx.after(ctx.config.t1));
                }
                self.timers
                    .set(TimerKind::H, ctx.after(ctx.config.timeout()));
            }
            // The TU's own 2xx retransmissions (RFC 3261 §13.3.1.4) pass through.
            (Accepted, 200..=299) => ctx.send(&response.to_bytes()),
            (_, 100..=699) => {
                return Err(TxError::WrongState {
                    state: self.state,
                    status,
                })
            }
            _ => return Err(TxError::InvalidStatus { status }),
        }
        Ok(())
    }

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
        self.last = None;
        self.trying = None;
    }
}
