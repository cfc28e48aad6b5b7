//! Shared helpers for the parser tests: fixture and RFC 4475 loading, and the
//! round-trip property every parsed message must satisfy.
#![allow(dead_code)]

use std::path::PathBuf;

use rotary_sip::parse::parse_message;
use rotary_sip::Message;

/// Our own hand-written messages.
pub(crate) fn fixture_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

/// The RFC 4475 torture messages, read in place from the shared conformance data.
pub(crate) fn torture_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance/rfc4475"
    ))
}

/// Every `.sip` fixture as (file name, bytes), sorted by name.
pub(crate) fn fixtures() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(fixture_dir()).expect("fixtures directory") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "sip") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name, crlf(std::fs::read(&path).expect("fixture"))));
        }
    }
    out.sort();
    assert!(out.len() >= 6, "fixtures missing");
    out
}

/// One fixture by name.
pub(crate) fn fixture(name: &str) -> Vec<u8> {
    crlf(std::fs::read(fixture_dir().join(name)).expect("fixture"))
}

/// Fixtures are stored with CRLF; should a checkout have turned them into LF, undo it.
fn crlf(bytes: Vec<u8>) -> Vec<u8> {
    if bytes.contains(&b'\r') {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len() + 64);
    for b in bytes {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// The judgment RFC 4475 implies for a torture message (see index.tsv).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Policy {
    /// Must parse.
    Valid,
    /// Must be rejected: 400 (or the given code) or no answer.
    InvalidStrict(Option<u16>),
    /// Either outcome.
    InvalidLiberal,
    /// Sections 3.2–3.4: survive.
    Semantic,
}

/// One torture message.
#[derive(Clone, Debug)]
pub(crate) struct Case {
    /// RFC 4475 section number.
    pub(crate) section: String,
    /// File name.
    pub(crate) file: String,
    /// Expected judgment.
    pub(crate) policy: Policy,
    /// The raw bytes.
    pub(crate) bytes: Vec<u8>,
}

/// All cases of index.tsv with their bytes.
pub(crate) fn torture_cases() -> Vec<Case> {
    let dir = torture_dir();
    let index = std::fs::read_to_string(dir.join("index.tsv"))
        .unwrap_or_else(|e| panic!("RFC 4475 index at {}: {e}", dir.display()));
    let mut out = Vec::new();
    for line in index.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 3, "bad index line {line:?}");
        let policy = match cols[2].split_once(':') {
            None if cols[2] == "valid" => Policy::Valid,
            None if cols[2] == "invalid-strict" => Policy::InvalidStrict(None),
            Some(("invalid-strict", code)) => Policy::InvalidStrict(Some(code.parse().unwrap())),
            None if cols[2] == "invalid-liberal" => Policy::InvalidLiberal,
            None if cols[2] == "semantic" => Policy::Semantic,
            _ => panic!("unknown policy {line:?}"),
        };
        let bytes = std::fs::read(dir.join(cols[1])).expect("torture file");
        out.push(Case {
            section: cols[0].into(),
            file: cols[1].into(),
            policy,
            bytes,
        });
    }
    out
}

/// The message without its Content-Length fields (the serializer recomputes them).
pub(crate) fn without_content_length(m: &Message) -> Message {
    let mut m = m.clone();
    m.headers_mut().remove("Content-Length");
    m
}

/// Serialize, re-parse and serialize again: the model (less Content-Length) and the
/// bytes must be stable.
pub(crate) fn assert_roundtrip(m: &Message) {
    let bytes = m.to_bytes();
    let again = parse_message(&bytes)
        .unwrap_or_else(|e| panic!("re-parse failed: {e}\n{}", String::from_utf8_lossy(&bytes)));
    assert_eq!(without_content_length(m), without_content_length(&again));
    assert_eq!(bytes, again.to_bytes(), "second serialization differs");
}
