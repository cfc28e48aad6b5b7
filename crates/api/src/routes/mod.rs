//! The HTTP handlers, one module per resource.

pub(crate) mod accounts;
pub(crate) mod admin;
pub(crate) mod audit_log;
pub(crate) mod backups;
pub(crate) mod calls;
pub(crate) mod cdr;
pub(crate) mod config_doc;
pub(crate) mod events;
pub(crate) mod extensions;
pub(crate) mod extensions_csv;
pub(crate) mod host;
pub(crate) mod me;
pub(crate) mod recordings;
pub(crate) mod registrations;
pub(crate) mod route_trace;
pub(crate) mod routing;
pub(crate) mod routing_openapi;
pub(crate) mod routing_resources;
pub(crate) mod settings;
pub(crate) mod sounds;
pub(crate) mod system;
pub(crate) mod system_settings;
pub(crate) mod tls;
pub(crate) mod trunk_status;
pub(crate) mod ui;
