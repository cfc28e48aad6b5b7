//! The non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8).

use super::ctx::Ctx;
use super::timers::{TimerKind, Timers};
use super::{TxError, TxEvent, TxState};
use crate::message::Response;

/// What can happen to a non-INVITE server transaction from the network or the clock.
#[derive(Debug)]
pub(crate) enum Input {
    /// The request arrived again.
    Retransmission,
    /// One of its timers fired.
    Timer(TimerKind),
    /// The transport could not send for it.
    TransportError,
}

/// A non-INVITE server transaction.
#[derive(Debug)]
pub(crate) struct ServerNonInvite {
    state: TxState,
    pub(crate) timers: Timers,
    /// The most recent response sent, re-sent on request retransmissions.
    last: Option<Vec<u8>>,
}

impl ServerNonInvite {
    /// A new transaction in Trying; the TU has been told of the request.
    pub(crate) fn start() -> Self {
        ServerNonInvite {
            state: TxState::Trying,
            timers: Timers::default(),
            last: None,
        }
    }

    /// The current state.
    pub(crate) fn state(&self) -> TxState {
        self.state
    }

    /// Apply one network or timer input (the Figure 8 table).
    pub(crate) fn handle(&mut self, ctx: &mut Ctx<'_>, input: Input) {
        use TxState::*;
        match (self.state, input) {
            (Terminated, _) => {}
            // §17.2.2: retransmissions in Trying are discarded...
            (Trying, Input::Retransmission) => {}
            // ... later they get the latest response again.
            (Proceeding | Completed, Input::Retransmission) => {
                if let Some(last) = &self.last {
                    ctx.send(last);
                }
            }
            (Completed, Input::Timer(TimerKind::J)) => self.terminate(),
            (_, Input::TransportError) => {
                ctx.emit(TxEvent::TransportError { tx: ctx.tx });
                self.terminate();
            }
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
            (Trying | Proceeding, 100..=199) => {
                let bytes = response.to_bytes();
                ctx.send(&bytes);
                self.last = Some(bytes);
                self.state = Proceeding;
            }
            (Trying | Proceeding, 200..=699) => {
                let bytes = response.to_bytes();
                ctx.send(&bytes);
                self.state = Completed;
                // Timer J absorbs request retransmissions: 64*T1, zero on reliable transports.
                let j = ctx.wait(ctx.config.timeout());
                if j.is_zero() {
                    self.terminate();
                } else {
                    self.last = Some(bytes);
                    self.timers.set(TimerKind::J, ctx.after(j));
                }
            }
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

    fn terminate(&mut self) {
        self.state = TxState::Terminated;
        self.timers.clear_all();
        self.last = None;
    }
}
