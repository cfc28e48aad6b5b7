//! rotary-media (in progress)
