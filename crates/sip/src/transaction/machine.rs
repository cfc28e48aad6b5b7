//! The four transaction state machines behind one type, so the layer can
//! step any transaction by handle without knowing which kind it is.

use super::client_invite::{self, ClientInvite};
use super::client_non_invite::{self, ClientNonInvite};
use super::ctx::Ctx;
use super::server_invite::{self, ServerInvite};
use super::server_non_invite::{self, ServerNonInvite};
use super::timers::{TimerKind, Timers};
use super::TxState;

/// The four machines behind one type.
#[derive(Debug)]
pub(crate) enum Machine {
    InviteClient(ClientInvite),
    NonInviteClient(ClientNonInvite),
    InviteServer(ServerInvite),
    NonInviteServer(ServerNonInvite),
}

impl Machine {
    pub(crate) fn state(&self) -> TxState {
        match self {
            Machine::InviteClient(m) => m.state(),
            Machine::NonInviteClient(m) => m.state(),
            Machine::InviteServer(m) => m.state(),
            Machine::NonInviteServer(m) => m.state(),
        }
    }

    pub(crate) fn timers_mut(&mut self) -> &mut Timers {
        match self {
            Machine::InviteClient(m) => &mut m.timers,
            Machine::NonInviteClient(m) => &mut m.timers,
            Machine::InviteServer(m) => &mut m.timers,
            Machine::NonInviteServer(m) => &mut m.timers,
        }
    }

    pub(crate) fn on_timer(&mut self, ctx: &mut Ctx<'_>, kind: TimerKind) {
        match self {
            Machine::InviteClient(m) => m.handle(ctx, client_invite::Input::Timer(kind)),
            Machine::NonInviteClient(m) => m.handle(ctx, client_non_invite::Input::Timer(kind)),
            Machine::InviteServer(m) => m.handle(ctx, server_invite::Input::Timer(kind)),
            Machine::NonInviteServer(m) => m.handle(ctx, server_non_invite::Input::Timer(kind)),
        }
    }

    pub(crate) fn on_transport_error(&mut self, ctx: &mut Ctx<'_>) {
        match self {
            Machine::InviteClient(m) => m.handle(ctx, client_invite::Input::TransportError),
            Machine::NonInviteClient(m) => m.handle(ctx, client_non_invite::Input::TransportError),
            Machine::InviteServer(m) => m.handle(ctx, server_invite::Input::TransportError),
            Machine::NonInviteServer(m) => m.handle(ctx, server_non_invite::Input::TransportError),
        }
    }
}
