//! Sans-IO location service for Rotary: the registrar of RFC 3261 §10 with the
//! DUC extension options "Number of Simultaneous Register", "Register Expiration",
//! "Permit IP", "Qualify" and "NAT Support".
//!
//! It authenticates REGISTERs with digest (MD5 and SHA-256 challenges, via
//! `rotary_sip::auth`), keeps bindings with the flow they arrived on (RFC 3581 and
//! RFC 5626 flow reuse: requests to a phone go back where its REGISTER came from,
//! not to the private address in its Contact), expires them, enforces contact
//! limits and permit lists, and qualifies contacts with OPTIONS.
//!
//! Drive it like every Rotary core (style.md §1): pass `now` with every input,
//! then drain the queues and sleep until [`Registrar::poll_timeout`].
//!
//! ```
//! use std::time::Instant;
//! use rotary_registrar::{Registrar, RegistrarAction, RegistrarConfig, RegistrarEvent};
//!
//! /// One turn of the engine's loop after an input or a timer at `now`.
//! fn drive(reg: &mut Registrar, now: Instant) -> Option<Instant> {
//!     reg.handle_timeout(now);
//!     while let Some(RegistrarAction::Qualify { binding, flow, request }) = reg.poll_action() {
//!         // Send `request` over `flow` in a client transaction; on its outcome call
//!         // reg.handle_qualify_result(later, binding, answered).
//!         let _ = (binding, flow, request);
//!     }
//!     while let Some(event) = reg.poll_event() {
//!         // Persist / publish: Registered, Refreshed, Unregistered, Expired, Reachability.
//!         let _: RegistrarEvent = event;
//!     }
//!     reg.poll_timeout() // sleep until then
//! }
//!
//! fn start(t0: Instant) {
//!     let mut reg = Registrar::new(RegistrarConfig::new([7; 32]), t0);
//!     // A REGISTER: let response = reg.handle_register(now, wall_unix, flow, &req, account);
//!     assert_eq!(drive(&mut reg, t0), None);
//! }
//! ```
//!
//! It does not: know extensions beyond the [`Account`] handed in per request
//! (the dependency rule is `registrar → sip` only), send anything itself (the
//! engine owns transactions and sockets), or persist (the engine stores the
//! [`BindingSnapshot`]s of the events and hands them back to
//! [`Registrar::restore`]).
#![doc = include_str!("../docs/registrar.md")]

mod binding;
mod config;
mod date;
mod qualify;
mod register;
mod registrar;

pub use binding::{Binding, BindingId, BindingSnapshot, Reachability};
pub use config::{Account, RegistrarConfig};
pub use registrar::{Registrar, RegistrarAction, RegistrarEvent};
