//! Criterion bench for the per-call hot path: parse a typical phone offer,
//! answer it, and anchor it toward the other leg.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use criterion::{criterion_main, Criterion};
use rotary_sdp::{anchor, answer, LocalOrigin, MediaAddr, SessionDescription};

const OFFER: &[u8] = include_bytes!("../tests/fixtures/baresip_offer.sdp");
const ALLOWED: [&str; 4] = ["PCMU", "PCMA", "G722", "opus"];
const OUR_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1));

fn bench(c: &mut Criterion) {
    c.bench_function("parse", |b| {
        b.iter(|| SessionDescription::parse(black_box(OFFER)))
    });
    let offer = match SessionDescription::parse(OFFER) {
        Ok(o) => o,
        Err(e) => panic!("fixture must parse: {e}"),
    };
    let local = MediaAddr {
        ip: OUR_IP,
        audio_port: 10_000,
    };
    c.bench_function("answer", |b| {
        let mut origin = LocalOrigin::new(1, 1);
        b.iter(|| answer(black_box(&offer), &ALLOWED, &local, &mut origin))
    });
    c.bench_function("anchor", |b| {
        let mut origin = LocalOrigin::new(1, 1);
        b.iter(|| anchor(black_box(&offer), OUR_IP, &[10_002], &mut origin))
    });
    c.bench_function("parse_answer_anchor_serialize", |b| {
        let mut a = LocalOrigin::new(1, 1);
        let mut o = LocalOrigin::new(2, 1);
        b.iter(|| {
            let offer = SessionDescription::parse(black_box(OFFER)).ok()?;
            let ans = answer(&offer, &ALLOWED, &local, &mut a).ok()?;
            let fwd = anchor(&offer, OUR_IP, &[10_002], &mut o);
            Some((ans.sdp.to_bytes(), fwd.to_bytes()))
        })
    });
}

// `criterion_group!` expands to an undocumented `pub fn`.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(group::benches);
