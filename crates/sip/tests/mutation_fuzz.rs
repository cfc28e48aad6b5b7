//! A bounded, seeded mutation fuzzer that runs under `cargo test`: 10,000 mutants of
//! the fixtures and RFC 4475 messages must never make `parse_message`,
//! `frame_length` or `reply` panic, and every mutant that parses must satisfy the
//! round-trip property and have working typed accessors.

mod common;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rotary_sip::parse::{frame_length, parse_message};
use rotary_sip::Message;

const ITERATIONS: usize = 10_000;

/// Byte strings that tend to hit parser edges.
const INSERTS: &[&[u8]] = &[
    b"\r",
    b"\n",
    b"\r\n",
    b"\r\n ",
    b"\r\n\r\n",
    b"\0",
    b"%",
    b"%0",
    b"%00",
    b"%ZZ",
    b"<",
    b">",
    b"\"",
    b"\\",
    b",",
    b";",
    b":",
    b"=",
    b"@",
    b"[",
    b"]",
    b" ",
    b"\t",
    b"?",
    b"&",
    b"99999999999999999999999",
    b"4294967296",
    b"2147483648",
    b"-1",
    b"65536",
    b"0",
    b"\xff\xfe",
    b"\xc3",
    b"SIP/2.0",
    b"Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n",
    b"l: 5\r\n",
    b"Contact: *\r\n",
    b";;;",
    b"<sip:a@[::1]>",
    b"sip:",
    b"\"unterminated",
];

fn mutate(rng: &mut StdRng, input: &mut Vec<u8>) {
    let len = input.len();
    let at = if len == 0 { 0 } else { rng.gen_range(0..len) };
    match rng.gen_range(0..9) {
        0 if len > 0 => input[at] ^= 1 << rng.gen_range(0..8),
        1 if len > 0 => input[at] = rng.gen(),
        2 => input.truncate(at),
        3 if len > 0 => {
            let end = rng.gen_range(at..=len.min(at + 64));
            let copy = input[at..end].to_vec();
            let to = rng.gen_range(0..=len);
            input.splice(to..to, copy);
        }
        4 if len > 0 => {
            let end = rng.gen_range(at..=len.min(at + 16));
            input.drain(at..end);
        }
        5 => {
            // Replace a run of digits with a huge or odd number.
            if let Some(start) = input.iter().skip(at).position(u8::is_ascii_digit) {
                let start = at + start;
                let end = input[start..]
                    .iter()
                    .position(|b| !b.is_ascii_digit())
                    .map_or(len, |e| start + e);
                let with = INSERTS[rng.gen_range(25..31)].to_vec();
                input.splice(start..end, with);
            }
        }
        6 => {
            // Swap two lines.
            let lines: Vec<usize> = input
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1)
                .collect();
            if lines.len() >= 3 {
                let a = rng.gen_range(0..lines.len() - 2);
                let (s, m, e) = (lines[a], lines[a + 1], lines[a + 2]);
                let mut swapped = input[m..e].to_vec();
                swapped.extend_from_slice(&input[s..m]);
                input.splice(s..e, swapped);
            }
        }
        _ => {
            let ins = INSERTS[rng.gen_range(0..INSERTS.len())];
            let to = rng.gen_range(0..=len);
            input.splice(to..to, ins.iter().copied());
        }
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = common::fixtures().into_iter().map(|(_, b)| b).collect();
    out.extend(common::torture_cases().into_iter().map(|c| c.bytes));
    out
}

/// What every input must survive.
fn exercise(input: &[u8]) -> bool {
    for max in [65_536, 300, 40] {
        if let Err(e) = frame_length(input, max) {
            if let Some(r) = e.reply() {
                assert!(r.to_bytes().ends_with(b"\r\n\r\n"));
            }
        }
    }
    match parse_message(input) {
        Err(e) => {
            let _ = e.to_string();
            if let Some(r) = e.reply() {
                assert!(matches!(r.status, 400 | 505 | 513));
                let _ = r.to_bytes();
            }
            false
        }
        Ok(m) => {
            // Parse, don't validate: the mandatory views of a parsed message work.
            let h = m.headers();
            assert!(!h.vias().unwrap().is_empty());
            h.top_via().unwrap();
            h.from().unwrap();
            h.to().unwrap();
            h.cseq().unwrap();
            h.contacts().unwrap();
            h.routes().unwrap();
            h.record_routes().unwrap();
            assert!(h.call_id().is_some());
            if let Message::Request(r) = &m {
                assert_eq!(r.cseq().unwrap().method, r.method);
            }
            common::assert_roundtrip(&m);
            let bytes = m.to_bytes();
            assert_eq!(frame_length(&bytes, 65_536), Ok(Some(bytes.len())));
            true
        }
    }
}

#[test]
fn ten_thousand_seeded_mutants_never_panic() {
    let seeds = seeds();
    let mut rng = StdRng::seed_from_u64(0x5107_4475);
    let mut parsed = 0;
    for i in 0..ITERATIONS {
        let mut input = seeds[rng.gen_range(0..seeds.len())].clone();
        for _ in 0..rng.gen_range(1..=4) {
            mutate(&mut rng, &mut input);
        }
        let outcome = std::panic::catch_unwind(|| exercise(&input));
        match outcome {
            Ok(true) => parsed += 1,
            Ok(false) => {}
            Err(_) => panic!("mutant {i} panicked: {:?}", String::from_utf8_lossy(&input)),
        }
    }
    eprintln!("{parsed} of {ITERATIONS} mutants parsed");
    // The mutations must leave a fair share parseable, or the round-trip half of the
    // property is not being exercised.
    assert!(parsed > ITERATIONS / 10, "only {parsed} mutants parsed");
}

#[test]
fn seeds_themselves_survive() {
    for s in seeds() {
        exercise(&s);
    }
}
