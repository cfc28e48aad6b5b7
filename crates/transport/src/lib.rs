//! rotary-transport (in progress)
