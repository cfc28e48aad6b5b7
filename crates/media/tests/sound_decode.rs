//! `sound::decode`: every WAV flavour and MP3 decodes to mono `i16` at the file's rate;
//! text, truncation, oversize, overlong and noise give typed errors and never a panic.

mod sound_support;

use std::time::Duration;

use rotary_media::sound::{decode, DecodeLimits, SoundError};
use sound_support::{assert_440, mp3_sine, sine, sox_convert, wav16, wav_format, Rng, TempDir};

fn limits() -> DecodeLimits {
    DecodeLimits::default()
}

#[test]
fn pcm16_mono_decodes_exactly_at_every_rate() {
    for rate in [8_000, 16_000, 22_050, 44_100, 48_000] {
        let tone = sine(440.0, rate, 0.5, 12_000.0);
        let d = decode(&wav16(&tone, rate, 1), &limits()).unwrap();
        assert_eq!(d.sample_rate, rate);
        assert_eq!(d.source_channels, 1);
        assert!(!d.truncated);
        assert_eq!(d.samples, tone, "at {rate} Hz");
        assert_eq!(d.duration(), Duration::from_millis(500));
    }
}

#[test]
fn other_pcm_widths_and_float_decode_close_to_the_source() {
    let tone = sine(440.0, 16_000, 0.5, 12_000.0);
    for (bits, float, tolerance) in [
        (8, false, 256),
        (24, false, 1),
        (32, false, 1),
        (32, true, 1),
    ] {
        let d = decode(&wav_format(&tone, 16_000, bits, float), &limits()).unwrap();
        assert_eq!(d.sample_rate, 16_000);
        assert_eq!(d.samples.len(), tone.len(), "{bits}-bit float={float}");
        let worst = d
            .samples
            .iter()
            .zip(&tone)
            .map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs())
            .max()
            .unwrap();
        assert!(
            worst <= tolerance,
            "{bits}-bit float={float}: off by {worst}"
        );
    }
}

#[test]
fn stereo_is_averaged_to_mono() {
    let left = sine(440.0, 48_000, 0.25, 10_000.0);
    let same: Vec<i16> = left.iter().flat_map(|&s| [s, s]).collect();
    let d = decode(&wav16(&same, 48_000, 2), &limits()).unwrap();
    assert_eq!(d.source_channels, 2);
    assert_eq!(d.samples, left);
    let opposite: Vec<i16> = left.iter().flat_map(|&s| [s, -s]).collect();
    let d = decode(&wav16(&opposite, 48_000, 2), &limits()).unwrap();
    assert!(d.samples.iter().all(|&s| s == 0));
}

#[test]
fn mulaw_and_alaw_wavs_decode_to_the_tone() {
    let dir = TempDir::new("g711");
    let src = wav16(&sine(440.0, 8_000, 1.0, 12_000.0), 8_000, 1);
    for law in ["u-law", "a-law"] {
        let bytes = sox_convert(&src, &["-e", law], &dir, &format!("{law}.wav"));
        assert_eq!(
            bytes.len(),
            8_000 + 58,
            "sox wrote 8-bit {law} with a fact chunk"
        );
        let d = decode(&bytes, &limits()).unwrap();
        assert_eq!((d.sample_rate, d.samples.len()), (8_000, 8_000), "{law}");
        assert_440(&d.samples, 8_000);
    }
}

#[test]
fn mp3_decodes_to_the_tone() {
    let dir = TempDir::new("mp3");
    for rate in [16_000, 44_100] {
        let d = decode(&mp3_sine(&dir, rate), &limits()).unwrap();
        assert_eq!(d.sample_rate, rate);
        let secs = d.duration().as_secs_f64();
        assert!((secs - 2.0).abs() < 0.1, "{secs} s at {rate} Hz");
        // Skip the encoder's ramp-in before measuring.
        assert_440(&d.samples[rate as usize / 10..], rate);
    }
}

#[test]
fn text_and_empty_inputs_are_refused() {
    let text = b"Dear admin,\nthis is the greeting script, not a recording.\n".repeat(20);
    assert!(matches!(
        decode(&text, &limits()),
        Err(SoundError::NotAudio)
    ));
    assert!(matches!(decode(b"", &limits()), Err(SoundError::Empty)));
    let silence_only_header = wav16(&[], 8_000, 1);
    assert!(matches!(
        decode(&silence_only_header, &limits()),
        Err(SoundError::Empty)
    ));
}

#[test]
fn size_and_duration_limits() {
    let wav = wav16(&sine(440.0, 8_000, 3.0, 8_000.0), 8_000, 1);
    let small = DecodeLimits {
        max_bytes: 1_000,
        ..limits()
    };
    assert!(matches!(
        decode(&wav, &small),
        Err(SoundError::TooLarge { len, max: 1_000 }) if len == wav.len()
    ));
    let short = DecodeLimits {
        max_duration: Duration::from_secs(2),
        ..limits()
    };
    assert!(matches!(
        decode(&wav, &short),
        Err(SoundError::TooLong { .. })
    ));
    // MP3 declares no length up front: the limit stops the decoder as it goes.
    let dir = TempDir::new("long-mp3");
    let mp3 = mp3_sine(&dir, 16_000);
    let one_sec = DecodeLimits {
        max_duration: Duration::from_secs(1),
        ..limits()
    };
    assert!(matches!(
        decode(&mp3, &one_sec),
        Err(SoundError::TooLong { .. })
    ));
}

#[test]
fn truncated_files_keep_what_is_there_or_fail_cleanly() {
    let tone = sine(440.0, 16_000, 1.0, 12_000.0);
    let wav = wav16(&tone, 16_000, 1);
    let half = decode(&wav[..wav.len() / 2], &limits()).unwrap();
    assert!(half.samples.len() < tone.len());
    assert_eq!(half.samples[..], tone[..half.samples.len()]);
    // Cut inside the header: nothing usable.
    for cut in [4, 12, 20, 30, 40] {
        match decode(&wav[..cut], &limits()) {
            Err(SoundError::Corrupt { .. } | SoundError::NotAudio | SoundError::Empty) => {}
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
    let dir = TempDir::new("cut-mp3");
    let mp3 = mp3_sine(&dir, 16_000);
    for frac in [2, 3, 5, 10] {
        let cut = &mp3[..mp3.len() * (frac - 1) / frac];
        let d = decode(cut, &limits()).unwrap();
        assert!(d.duration() < Duration::from_secs(2));
    }
    for cut in (0..mp3.len()).step_by(97) {
        let _ = decode(&mp3[..cut], &limits());
    }
}

#[test]
fn random_and_mutated_bytes_never_panic() {
    let mut rng = Rng(0x5EED_F00D);
    let mut outcomes = [0usize; 2];
    let dir = TempDir::new("fuzz");
    let seeds = [
        wav16(&sine(440.0, 8_000, 0.2, 9_000.0), 8_000, 1),
        wav_format(&sine(440.0, 16_000, 0.1, 9_000.0), 16_000, 32, true),
        mp3_sine(&dir, 16_000),
    ];
    for i in 0..1_500 {
        let bytes = match i % 3 {
            // Pure noise, sometimes behind a believable magic number.
            0 => {
                let len = rng.below(4_096);
                let mut b = rng.bytes(len);
                let magic: &[u8] =
                    [&b"RIFF\0\0\0\0WAVEfmt "[..], b"ID3\x03\0", b"\xFF\xFB\x90"][rng.below(3)];
                if rng.below(2) == 0 && b.len() > magic.len() {
                    b[..magic.len()].copy_from_slice(magic);
                }
                b
            }
            // A real file with bytes flipped.
            _ => {
                let mut b = seeds[rng.below(seeds.len())].clone();
                for _ in 0..1 + rng.below(16) {
                    let at = rng.below(b.len());
                    b[at] = rng.next_u64() as u8;
                }
                let keep = b.len() - rng.below(b.len() / 4);
                b.truncate(keep);
                b
            }
        };
        outcomes[usize::from(decode(&bytes, &limits()).is_ok())] += 1;
    }
    // Both outcomes happen: mutated files mostly still play, noise mostly does not.
    // (symphonia 0.6.1 does panic on some malformed WAV headers, which `decode` catches.)
    assert!(outcomes[0] > 100 && outcomes[1] > 100, "{outcomes:?}");
}
