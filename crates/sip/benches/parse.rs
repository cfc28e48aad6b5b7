//! Parser and serializer hot paths: a typical INVITE with SDP and a typical
//! REGISTER with digest Authorization, as the registrar sees them.

use std::hint::black_box;

use criterion::{criterion_main, Criterion, Throughput};
use rotary_sip::parse::{frame_length, parse_message};

const INVITE: &[u8] = include_bytes!("../tests/fixtures/invite_sdp.sip");
const REGISTER: &[u8] = include_bytes!("../tests/fixtures/register.sip");

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    for (name, bytes) in [("invite_sdp", INVITE), ("register_auth", REGISTER)] {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| parse_message(black_box(bytes)).unwrap())
        });
    }
    g.finish();
}

/// What the registrar does per REGISTER: parse, then read the typed views it needs.
fn register_views(c: &mut Criterion) {
    c.bench_function("register_parse_and_views", |b| {
        b.iter(|| {
            let m = parse_message(black_box(REGISTER)).unwrap();
            let h = m.headers();
            let via = h.top_via().unwrap();
            let to = h.to().unwrap();
            let from = h.from().unwrap();
            let cseq = h.cseq().unwrap();
            let contacts = h.contacts().unwrap();
            black_box((
                via,
                to,
                from,
                cseq,
                contacts,
                h.expires(),
                h.call_id().is_some(),
            ))
        })
    });
}

fn serialize(c: &mut Criterion) {
    let mut g = c.benchmark_group("serialize");
    for (name, bytes) in [("invite_sdp", INVITE), ("register_auth", REGISTER)] {
        let m = parse_message(bytes).unwrap();
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(name, |b| b.iter(|| black_box(&m).to_bytes()));
    }
    g.finish();
}

fn framing(c: &mut Criterion) {
    c.bench_function("frame_length_invite", |b| {
        b.iter(|| frame_length(black_box(INVITE), 65_536).unwrap())
    });
}

/// The generated group function carries no docs of its own.
mod group {
    #![allow(missing_docs, unreachable_pub)]
    use super::{framing, parse, register_views, serialize};
    criterion::criterion_group!(benches, parse, register_views, serialize, framing);
}

criterion_main!(group::benches);
