//! Fuzz `rotary_sip::parse::parse_message`: no input may panic, and every input
//! that parses must serialize and re-parse to the same message (and the same
//! bytes on a second serialization). `frame_length` and `reply` run too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rotary_sip::parse::fuzz_roundtrip(data);
});
