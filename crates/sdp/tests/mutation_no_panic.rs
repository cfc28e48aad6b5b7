//! 10,000 seeded mutations of the real-world fixtures through the whole
//! public API: nothing panics, and whatever parses re-serializes to text
//! that parses again to the same text (a fixed point).

mod common;

use std::net::{IpAddr, Ipv4Addr};

use common::{fixture, ALL_CODECS};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rotary_sdp::{
    anchor, answer, apply_hold, filter_offer, hold_state, LocalOrigin, MediaAddr,
    SessionDescription,
};

const SEED: u64 = 0x5d9_2026;
const ROUNDS: usize = 10_000;
const FIXTURES: [&str; 8] = [
    "baresip_offer.sdp",
    "linphone_opus_offer.sdp",
    "polycom_g722_offer.sdp",
    "srtp_offer.sdp",
    "ipv6_offer.sdp",
    "hold_sendonly.sdp",
    "hold_zero_address.sdp",
    "ice_offer.sdp",
];
/// Tokens that sit on the edges of what the parser accepts.
const NASTY: [&str; 24] = [
    "65535",
    "65536",
    "0",
    "127",
    "128",
    "-1",
    "+5",
    "0.0.0.0",
    "::",
    "IN IP6",
    "IP4",
    "/",
    "//",
    ":",
    "=",
    "\r",
    "\n",
    "\r\n",
    "m=audio 0 RTP/AVP",
    "c=IN IP4 1.2.3.4",
    "a=rtpmap:",
    "a=sendonly",
    "é",
    "\u{2028}",
];

#[test]
fn ten_thousand_mutations_never_panic() {
    let mut rng = StdRng::seed_from_u64(SEED);
    let seeds: Vec<Vec<u8>> = FIXTURES.iter().map(|n| fixture(n).into_bytes()).collect();
    let ours = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1));
    let mut parsed_ok = 0usize;
    for round in 0..ROUNDS {
        let mut body = seeds[rng.gen_range(0..seeds.len())].clone();
        for _ in 0..rng.gen_range(1..=4) {
            mutate(&mut rng, &mut body);
        }
        let Ok(sdp) = SessionDescription::parse(&body) else {
            continue;
        };
        parsed_ok += 1;
        let text = sdp.to_string();
        let again = SessionDescription::parse(text.as_bytes())
            .unwrap_or_else(|e| panic!("round {round}: own output rejected: {e}\n{text}"));
        assert_eq!(again.to_string(), text, "round {round}: not a fixed point");

        let allowed = &ALL_CODECS[..rng.gen_range(0..=ALL_CODECS.len())];
        let mut origin = LocalOrigin::new(round as u64, 1);
        let local = MediaAddr {
            ip: ours,
            audio_port: 10_000,
        };
        if let Ok(ans) = answer(&sdp, allowed, &local, &mut origin) {
            assert!(!ans.codecs.is_empty());
            SessionDescription::parse(&ans.sdp.to_bytes()).expect("answer parses");
        }
        if let Ok(filtered) = filter_offer(&sdp, allowed) {
            SessionDescription::parse(&filtered.to_bytes()).expect("filtered parses");
        }
        let ports: Vec<u16> = (0..rng.gen_range(0..4)).map(|_| rng.gen()).collect();
        let anchored = anchor(&sdp, ours, &ports, &mut origin);
        assert!(anchored
            .media
            .iter()
            .all(|m| m.connection.is_none_or(|c| c.address == ours)));
        let held = apply_hold(&anchored, hold_state(&sdp));
        SessionDescription::parse(&held.to_bytes()).expect("held parses");
    }
    // The mutator must leave enough inputs parseable for the API checks to mean something.
    assert!(parsed_ok > ROUNDS / 10, "only {parsed_ok} parsed");
}

fn mutate(rng: &mut StdRng, body: &mut Vec<u8>) {
    if body.is_empty() {
        body.extend_from_slice(b"v=0\n");
        return;
    }
    let at = rng.gen_range(0..body.len());
    match rng.gen_range(0..7) {
        0 => body[at] = rng.gen(),
        1 => body[at] ^= 1 << rng.gen_range(0..8),
        2 => {
            let end = (at + rng.gen_range(1..16)).min(body.len());
            body.drain(at..end);
        }
        3 => {
            let tok = NASTY[rng.gen_range(0..NASTY.len())];
            body.splice(at..at, tok.bytes());
        }
        4 => {
            // Duplicate a random line many times (line-count pressure).
            let lines: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
            let line = lines[rng.gen_range(0..lines.len())].to_vec();
            for _ in 0..rng.gen_range(1..64) {
                body.extend_from_slice(&line);
                body.push(b'\n');
            }
        }
        5 => {
            // Swap two lines (ordering rules).
            let mut lines: Vec<Vec<u8>> = body.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
            let (a, b) = (rng.gen_range(0..lines.len()), rng.gen_range(0..lines.len()));
            lines.swap(a, b);
            *body = lines.join(&b'\n');
        }
        _ => {
            // Replace a digit run with a random number (ports, pts, versions).
            if let Some(start) = body[at..]
                .iter()
                .position(u8::is_ascii_digit)
                .map(|p| p + at)
            {
                let end = body[start..]
                    .iter()
                    .position(|b| !b.is_ascii_digit())
                    .map_or(body.len(), |p| p + start);
                let n: u64 = match rng.gen_range(0..3) {
                    0 => rng.gen_range(0..256),
                    1 => rng.gen_range(0..70_000),
                    _ => rng.gen(),
                };
                body.splice(start..end, n.to_string().bytes());
            }
        }
    }
}
