//! The HTTP handlers, one module per resource.

pub(crate) mod cdr;
pub(crate) mod events;
pub(crate) mod extensions;
pub(crate) mod recordings;
pub(crate) mod registrations;
pub(crate) mod settings;
pub(crate) mod system;
