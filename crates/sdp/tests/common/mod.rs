//! Shared helpers for the scenario tests: fixture loading.
#![allow(dead_code)]

use rotary_sdp::SessionDescription;

/// The fixture file `name` (under tests/fixtures) as written on disk (LF endings).
pub(crate) fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The fixture with CRLF endings, i.e. what our serializer writes.
pub(crate) fn fixture_crlf(name: &str) -> String {
    fixture(name).replace('\n', "\r\n")
}

/// The fixture parsed; panics with the error if it does not parse.
pub(crate) fn parse_fixture(name: &str) -> SessionDescription {
    SessionDescription::parse(fixture(name).as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Parses a CRLF-or-LF SDP text; panics on error.
pub(crate) fn sdp(text: &str) -> SessionDescription {
    text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Every codec name our config knows, in GUI order.
pub(crate) const ALL_CODECS: [&str; 6] = ["PCMU", "PCMA", "G722", "G729", "GSM", "opus"];
