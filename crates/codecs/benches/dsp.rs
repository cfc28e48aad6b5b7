//! Criterion benches for the DSP hot paths, per 20 ms frame: the DTMF detector on one
//! channel, the mixer with 64 parties (throughput in parties, so criterion prints the
//! cost per participant), and the call-progress tone generator.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rotary_codecs::dsp::{
    DtmfDetector, DtmfDigit, DtmfGenerator, Gain, Mixer, PartyId, ToneGenerator, ToneKind, ToneZone,
};

/// One second of audio at `rate`: DTMF digits over a low noise floor, the kind of
/// signal a detector sees on an IVR leg.
fn signal(rate: u32) -> Vec<i16> {
    let mut gen = DtmfGenerator::new(rate).expect("rate");
    for c in "159#".chars() {
        if let Some(d) = DtmfDigit::from_char(c) {
            let _ = gen.queue_digit(d, Duration::from_millis(100), Duration::from_millis(150));
        }
    }
    let mut pcm = vec![0i16; rate as usize];
    gen.fill(&mut pcm);
    let mut seed = 0x2545_F491_u32;
    for s in &mut pcm {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        *s = s.saturating_add((seed % 201) as i16 - 100);
    }
    pcm
}

fn dtmf_detect(c: &mut Criterion) {
    let mut group = c.benchmark_group("dtmf_detect_20ms");
    for rate in [8000u32, 16000, 48000] {
        let pcm = signal(rate);
        let frame = rate as usize / 50;
        let mut det = DtmfDetector::new(rate).expect("rate");
        let mut at = 0;
        group.throughput(Throughput::Elements(1));
        group.bench_function(BenchmarkId::from_parameter(rate), |b| {
            b.iter(|| {
                det.process(black_box(&pcm[at..at + frame]));
                while det.poll_digit().is_some() {}
                at = (at + frame) % (pcm.len() - frame + 1);
            });
        });
    }
    group.finish();
}

fn mixer(c: &mut Criterion) {
    let mut group = c.benchmark_group("mixer_20ms");
    for (rate, parties) in [(8000u32, 64usize), (16000, 64), (8000, 8)] {
        let frame = rate as usize / 50;
        let pcm = signal(rate);
        let mut m = Mixer::new(frame);
        let ids: Vec<PartyId> = (0..parties).map(|_| m.add_party()).collect();
        for (i, &id) in ids.iter().enumerate() {
            if i % 3 == 0 {
                let _ = m.set_output_gain(id, Gain::from_db(-3.0));
            }
        }
        group.throughput(Throughput::Elements(parties as u64));
        group.bench_function(BenchmarkId::new(format!("{rate}Hz"), parties), |b| {
            b.iter(|| {
                for (i, &id) in ids.iter().enumerate() {
                    let at = (i * 37) % (pcm.len() - frame);
                    let _ = m.put_frame(id, &pcm[at..at + frame]);
                }
                m.mix();
                black_box(m.output(ids[0]));
            });
        });
    }
    group.finish();
}

fn tones(c: &mut Criterion) {
    let mut group = c.benchmark_group("tone_generate_20ms");
    for (name, zone, kind, rate) in [
        ("us_busy_8k", ToneZone::Us, ToneKind::Busy, 8000u32),
        (
            "de_ringback_8k",
            ToneZone::Germany,
            ToneKind::Ringback,
            8000,
        ),
        (
            "jp_ringback_16k",
            ToneZone::Japan,
            ToneKind::Ringback,
            16000,
        ),
        ("us_dial_48k", ToneZone::Us, ToneKind::Dial, 48000),
    ] {
        let mut gen = ToneGenerator::new(&zone.spec(kind), rate).expect("rate");
        let mut buf = vec![0i16; rate as usize / 50];
        group.throughput(Throughput::Elements(1));
        group.bench_function(name, |b| {
            b.iter(|| {
                gen.fill(black_box(&mut buf));
            });
        });
    }
    group.finish();
}

criterion_group!(benches, dtmf_detect, mixer, tones);
criterion_main!(benches);
