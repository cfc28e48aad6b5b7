//! rotary-engine (in progress)
