//! Sans-IO SIP for Rotary (RFC 3261): the message model, a parser and
//! serializer, the four transaction state machines of §17 with their timers,
//! and digest authentication (RFC 7616, RFC 8760) for both server and client.
//!
//! Nothing here touches a socket, a clock or a thread: callers hand in bytes
//! and `now`, and drain `poll_transmit`/`poll_event`/`poll_timeout`. The crate
//! knows nothing of extensions, calls or configuration.

pub mod auth;
pub mod flow;
pub mod message;
pub mod parse;
pub mod serialize;
pub mod transaction;

pub use flow::{ConnId, Flow, FlowTransport, Transmit};
pub use message::{
    CSeq, Contact, Header, Headers, Host, Message, Method, NameAddr, Param, Request, Response,
    Scheme, Transport, Uri, Via,
};
