//! rotary-rtp (in progress)
