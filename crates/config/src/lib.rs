//! rotary-config (in progress)
