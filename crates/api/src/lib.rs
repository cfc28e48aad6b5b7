//! rotary-api (in progress)
