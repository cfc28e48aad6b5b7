//! rotary-sdp (in progress)
