//! rotary-store (in progress)
