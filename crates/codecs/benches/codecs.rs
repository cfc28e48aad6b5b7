//! Criterion benches: encode + decode of one 20 ms frame for each codec (the per-packet
//! cost of transcoding one direction of a call), plus 20 ms through the resampler.
//! Run with `cargo bench -p rotary-codecs`.

use std::hint::black_box;

use criterion::{criterion_main, Criterion};
use rotary_codecs::{new_decoder, new_encoder, CodecId, CodecParams, Resampler};

/// 20 ms of a speech-like test signal (two harmonics plus a little noise) at `rate`.
fn frame(rate: u32) -> Vec<i16> {
    let n = (rate / 50) as usize;
    let mut seed = 0x1234_5678u32;
    (0..n)
        .map(|i| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let t = i as f64 / f64::from(rate);
            let v = 6000.0 * (2.0 * std::f64::consts::PI * 220.0 * t).sin()
                + 3000.0 * (2.0 * std::f64::consts::PI * 1330.0 * t).sin()
                + f64::from((seed >> 16) as i16) / 64.0;
            v as i16
        })
        .collect()
}

fn codecs(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode+decode 20ms");
    let mut cases: Vec<(String, CodecParams)> = CodecId::ALL
        .iter()
        .filter(|&&id| id != CodecId::Opus)
        .map(|&id| (id.name().to_owned(), CodecParams::new(id)))
        .collect();
    for rate in [8000, 16000, 48000] {
        let mut p = CodecParams::new(CodecId::Opus);
        p.sample_rate = rate;
        cases.push((format!("opus@{}k", rate / 1000), p));
    }
    for (name, p) in cases {
        let mut enc = new_encoder(&p).expect("encoder");
        let mut dec = new_decoder(&p).expect("decoder");
        let pcm = frame(p.sample_rate);
        let mut payload = Vec::with_capacity(4000);
        let mut out = Vec::with_capacity(pcm.len());
        group.bench_function(name, |b| {
            b.iter(|| {
                payload.clear();
                out.clear();
                enc.encode(black_box(&pcm), &mut payload).expect("encode");
                dec.decode(black_box(&payload), &mut out).expect("decode");
                black_box(out.len())
            })
        });
    }
    group.finish();
}

fn resampling(c: &mut Criterion) {
    let mut group = c.benchmark_group("resample 20ms");
    for (from, to) in [
        (8000, 16000),
        (16000, 8000),
        (8000, 48000),
        (48000, 8000),
        (16000, 48000),
    ] {
        let mut r = Resampler::new(from, to).expect("resampler");
        let pcm = frame(from);
        let mut out = Vec::with_capacity((to / 50) as usize);
        group.bench_function(format!("{}k->{}k", from / 1000, to / 1000), |b| {
            b.iter(|| {
                out.clear();
                r.process(black_box(&pcm), &mut out);
                black_box(out.len())
            })
        });
    }
    group.finish();
}

// `criterion_group!` expands to an undocumented `pub fn`.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::codecs, super::resampling);
}

criterion_main!(group::benches);
