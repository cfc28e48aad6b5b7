//! Call-progress tones: every zone's tables, generated at 8 and 16 kHz, checked for
//! frequencies (Goertzel), levels and cadence timing to the sample.

use std::borrow::Cow;

use rotary_codecs::dsp::gain::dbm0_to_power;
use rotary_codecs::dsp::goertzel::tone_power;
use rotary_codecs::dsp::{ToneFreqs, ToneGenerator, ToneKind, ToneSegment, ToneSpec, ToneZone};

/// Generates `n` samples of `spec` in frames of awkward sizes.
fn generate(spec: &ToneSpec, rate: u32, n: usize) -> Vec<i16> {
    let mut gen = ToneGenerator::new(spec, rate).expect("rate");
    let mut out = vec![0i16; n];
    let sizes = [160usize, 1, 0, 37, 333, 7];
    let mut i = 0;
    let mut k = 0;
    while i < n {
        let m = sizes[k % sizes.len()].min(n - i);
        gen.fill(&mut out[i..i + m]);
        i += m;
        k += 1;
    }
    out
}

fn db(p: f32) -> f32 {
    10.0 * p.log10()
}

fn mean_power(pcm: &[i16]) -> f32 {
    pcm.iter()
        .map(|&s| f32::from(s) * f32::from(s))
        .sum::<f32>()
        / pcm.len() as f32
}

/// The frequencies (Hz), their expected mean powers in a segment, and how close
/// (dB) a Goertzel over the segment must get.
fn components(seg: &ToneSegment) -> Vec<(f32, f32, f32)> {
    let p = dbm0_to_power(seg.level_dbm0);
    match seg.freqs {
        ToneFreqs::Silence => vec![],
        ToneFreqs::Single(f) => vec![(f, p, 0.3)],
        ToneFreqs::Dual(f, g) => vec![(f, p, 0.6), (g, p, 0.6)],
        // 50 % AM: sidebands at a quarter of the carrier's amplitude, a few filter
        // bins from the carrier in short bursts, so its leakage shows.
        ToneFreqs::Modulated { carrier, modulator } => vec![
            (carrier, p, 0.6),
            (carrier - modulator, p / 16.0, 1.5),
            (carrier + modulator, p / 16.0, 1.5),
        ],
    }
}

/// Checks one segment of generated audio against its spec.
fn check_segment(what: &str, seg: &ToneSegment, pcm: &[i16], rate: u32) {
    let comps = components(seg);
    if comps.is_empty() {
        assert!(
            pcm.iter().all(|&s| s == 0),
            "{what}: silence segment is not silent"
        );
        return;
    }
    for &(hz, want, tol) in &comps {
        let got = tone_power(pcm, rate, hz);
        assert!(
            (db(got) - db(want)).abs() < tol,
            "{what}: {hz} Hz at {:.2} dB, want {:.2} dB",
            db(got),
            db(want)
        );
    }
    // Nothing else in it: the total power is what the components add up to.
    let total: f32 = comps.iter().map(|c| c.1).sum();
    let got = mean_power(pcm);
    assert!(
        (db(got) - db(total)).abs() < 0.4,
        "{what}: total {:.2} dB, want {:.2} dB",
        db(got),
        db(total)
    );
}

#[test]
fn every_zone_and_kind_has_the_right_frequencies_levels_and_cadence() {
    for rate in [8000u32, 16000] {
        let per_ms = rate as usize / 1000;
        for zone in ToneZone::ALL {
            for kind in ToneKind::ALL {
                let spec = zone.spec(kind);
                let what = format!("{zone}/{} at {rate} Hz", kind.name());
                assert!(!spec.segments.is_empty(), "{what}: empty");
                let Some(cycle_ms) = spec.cycle_ms() else {
                    // A held tone: one segment, continuous for as long as we listen.
                    assert_eq!(spec.segments.len(), 1, "{what}");
                    let pcm = generate(&spec, rate, rate as usize);
                    check_segment(&what, &spec.segments[0], &pcm, rate);
                    continue;
                };
                // Two full cycles plus a bit: the second must repeat the first (or be
                // silent for a one-shot tone), segment boundaries exact to the sample.
                let cycle = cycle_ms as usize * per_ms;
                let pcm = generate(&spec, rate, 2 * cycle + 100);
                let mut at = 0;
                for seg in spec.segments.iter() {
                    let len = seg.duration_ms as usize * per_ms;
                    check_segment(&what, seg, &pcm[at..at + len], rate);
                    if seg.freqs != ToneFreqs::Silence {
                        // The tone starts right at the boundary and runs to its end.
                        assert!(
                            pcm[at..at + 8].iter().any(|&s| s != 0),
                            "{what}: late start"
                        );
                        assert!(
                            pcm[at + len - 8..at + len].iter().any(|&s| s != 0),
                            "{what}: early end"
                        );
                    }
                    at += len;
                }
                if spec.repeat {
                    for (i, seg) in spec.segments.iter().enumerate() {
                        let start: usize = spec.segments[..i]
                            .iter()
                            .map(|s| s.duration_ms as usize * per_ms)
                            .sum();
                        let len = seg.duration_ms as usize * per_ms;
                        check_segment(&what, seg, &pcm[cycle + start..cycle + start + len], rate);
                    }
                } else {
                    assert!(
                        pcm[cycle..].iter().all(|&s| s == 0),
                        "{what}: one-shot tone repeated"
                    );
                }
            }
        }
    }
}

#[test]
fn generation_is_phase_continuous_across_frames_and_segments() {
    let rate = 8000;
    // A held tone cut into odd frames is the same as one long buffer.
    let dial = ToneZone::Us.spec(ToneKind::Dial);
    let mut whole = vec![0i16; 4000];
    ToneGenerator::new(&dial, rate).unwrap().fill(&mut whole);
    assert_eq!(generate(&dial, rate, 4000), whole);
    // No jumps: a sine pair of peak A at f moves at most 2πfA/fs per sample.
    let steps = |pcm: &[i16]| {
        pcm.windows(2)
            .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
            .max()
    };
    let peak = f32::sqrt(2.0 * dbm0_to_power(-13.0));
    let bound = std::f32::consts::TAU * (350.0 + 440.0) * peak / rate as f32 + 2.0;
    assert!(steps(&whole).unwrap() as f32 <= bound);
    // Italy's dial tone switches between segments of the same frequency: its tone
    // bursts continue the oscillator, and stay within the same bound.
    let it = ToneZone::Italy.spec(ToneKind::Dial);
    let pcm = generate(&it, rate, 32000);
    let peak = f32::sqrt(2.0 * dbm0_to_power(-10.0));
    let bound = std::f32::consts::TAU * 425.0 * peak / rate as f32 + 2.0;
    let mut at = 0;
    for seg in it.segments.iter().cycle().take(8) {
        let len = seg.duration_ms as usize * 8;
        if seg.freqs != ToneFreqs::Silence {
            assert!(steps(&pcm[at..at + len]).unwrap() as f32 <= bound);
        }
        at += len;
    }
}

#[test]
fn confirmation_plays_once_and_finishes() {
    let spec = ToneZone::Us.spec(ToneKind::Confirmation);
    assert!(!spec.repeat);
    assert_eq!(spec.cycle_ms(), Some(600));
    let mut gen = ToneGenerator::new(&spec, 16000).unwrap();
    let mut buf = vec![0i16; 16 * 600];
    gen.fill(&mut buf);
    assert!(gen.is_finished());
    let mut after = vec![1i16; 500];
    gen.fill(&mut after);
    assert!(after.iter().all(|&s| s == 0));
    gen.reset();
    assert!(!gen.is_finished());
    let mut again = vec![0i16; 16 * 600];
    gen.fill(&mut again);
    assert_eq!(again, buf);
}

#[test]
fn custom_specs_and_odd_inputs() {
    let spec = ToneSpec {
        segments: Cow::Owned(vec![
            ToneSegment::tone(ToneFreqs::Single(1000.0), -6.0, 10),
            ToneSegment::silence(5),
        ]),
        repeat: true,
    };
    let pcm = generate(&spec, 48000, 48 * 45);
    assert!(pcm[480..720].iter().all(|&s| s == 0));
    assert!(pcm[720..1200].iter().any(|&s| s != 0));
    // Empty cadence: silence, finished, no hang.
    let empty = ToneSpec {
        segments: Cow::Owned(vec![]),
        repeat: true,
    };
    let mut gen = ToneGenerator::new(&empty, 8000).unwrap();
    let mut buf = [5i16; 100];
    gen.fill(&mut buf);
    assert_eq!(buf, [0; 100]);
    assert!(gen.is_finished());
    gen.fill(&mut []);
    // Nonsense frequencies and levels do not panic.
    let odd = ToneSpec {
        segments: Cow::Owned(vec![ToneSegment::tone(
            ToneFreqs::Dual(f32::NAN, 1e9),
            40.0,
            3,
        )]),
        repeat: true,
    };
    let pcm = generate(&odd, 8000, 1000);
    assert_eq!(pcm.len(), 1000);
    assert!(ToneGenerator::new(&spec, 1000).is_err());
}

#[test]
fn zones_by_name() {
    let required = [
        ("us", ToneZone::Us),
        ("uk", ToneZone::Uk),
        ("cn", ToneZone::China),
        ("de", ToneZone::Germany),
        ("fr", ToneZone::France),
        ("it", ToneZone::Italy),
        ("jp", ToneZone::Japan),
        ("au", ToneZone::Australia),
        ("br", ToneZone::Brazil),
        ("in", ToneZone::India),
        ("ru", ToneZone::Russia),
        ("es", ToneZone::Spain),
        ("nl", ToneZone::Netherlands),
    ];
    for (code, zone) in required {
        assert_eq!(ToneZone::from_name(code), Some(zone));
        assert_eq!(zone.code(), code);
        assert_eq!(ToneZone::from_name(zone.country()), Some(zone));
    }
    assert_eq!(ToneZone::from_name(" US "), Some(ToneZone::Us));
    assert_eq!(ToneZone::from_name("Canada"), Some(ToneZone::Us));
    assert_eq!(ToneZone::from_name("gb"), Some(ToneZone::Uk));
    assert_eq!(ToneZone::from_name("United_Kingdom"), Some(ToneZone::Uk));
    assert_eq!(
        ToneZone::from_name("new-zealand"),
        Some(ToneZone::NewZealand)
    );
    assert_eq!(ToneZone::from_name("atlantis"), None);
    assert_eq!(ToneZone::from_name(""), None);
    let mut codes: Vec<&str> = ToneZone::ALL.iter().map(|z| z.code()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), ToneZone::ALL.len(), "zone codes are unique");
    for kind in ToneKind::ALL {
        assert_eq!(ToneKind::from_name(kind.name()), Some(kind));
    }
    assert_eq!(ToneKind::from_name("Reorder"), Some(ToneKind::Congestion));
    assert_eq!(ToneKind::from_name("hum"), None);
}

#[test]
fn well_known_tones() {
    // North America: busy 480+620 Hz 0.5 s on / 0.5 s off; ringback 440+480 2 s / 4 s.
    let busy = ToneZone::Us.spec(ToneKind::Busy);
    assert_eq!(busy.segments[0].freqs, ToneFreqs::Dual(480.0, 620.0));
    assert_eq!(busy.cycle_ms(), Some(1000));
    assert_eq!(ToneZone::Us.spec(ToneKind::Ringback).cycle_ms(), Some(6000));
    // Europe's 425 Hz, UK's double ring, Japan's modulated ringback.
    assert_eq!(
        ToneZone::Germany.spec(ToneKind::Dial).segments[0].freqs,
        ToneFreqs::Single(425.0)
    );
    assert_eq!(ToneZone::Uk.spec(ToneKind::Ringback).segments.len(), 4);
    assert!(matches!(
        ToneZone::Japan.spec(ToneKind::Ringback).segments[0].freqs,
        ToneFreqs::Modulated {
            carrier: 400.0,
            modulator: 16.0
        }
    ));
    assert_eq!(ToneZone::Germany.spec(ToneKind::Dial).cycle_ms(), None);
}
