//! DTMF detector against Q.24-style acceptance and rejection cases, the generator
//! round trip, and talk-off on ten minutes of synthetic speech.

use std::time::Duration;

use rotary_codecs::dsp::gain::dbm0_to_peak;
use rotary_codecs::dsp::{DetectedDigit, DtmfDetector, DtmfDigit, DtmfGenerator};

const ALL: &str = "0123456789*#ABCD";

/// One tone burst of a test signal.
#[derive(Clone, Copy)]
struct Burst {
    digit: char,
    tone_ms: f64,
    gap_ms: f64,
}

/// How the test signal is distorted.
#[derive(Clone, Copy)]
struct Line {
    rate: u32,
    low_dbm0: f64,
    high_dbm0: f64,
    /// Relative frequency error of each group (0.015 = +1.5 %).
    low_offset: f64,
    high_offset: f64,
    /// Tone-pair power over white-noise power, dB; `None` = clean.
    snr_db: Option<f64>,
    /// Silence before the first burst, samples (shifts the block alignment).
    lead: usize,
    seed: u64,
}

impl Line {
    fn new(rate: u32) -> Line {
        Line {
            rate,
            low_dbm0: -8.0,
            high_dbm0: -6.0,
            low_offset: 0.0,
            high_offset: 0.0,
            snr_db: Some(20.0),
            lead: 80,
            seed: 1,
        }
    }
    fn levels(self, low: f64, high: f64) -> Line {
        Line {
            low_dbm0: low,
            high_dbm0: high,
            ..self
        }
    }
    fn offsets(self, low: f64, high: f64) -> Line {
        Line {
            low_offset: low,
            high_offset: high,
            ..self
        }
    }
    fn snr(self, snr_db: Option<f64>) -> Line {
        Line { snr_db, ..self }
    }
    fn lead(self, lead: usize) -> Line {
        Line { lead, ..self }
    }
    fn seed(self, seed: u64) -> Line {
        Line { seed, ..self }
    }
}

/// Small deterministic PRNG (xorshift64*) with Gaussian output.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        ((v >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn gauss(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Synthesises the bursts on `line`: exact tone pairs with independent random
/// phases, plus white noise over the whole signal (gaps included).
fn synth(line: Line, bursts: &[Burst]) -> Vec<i16> {
    let rate = f64::from(line.rate);
    let mut rng = Rng(line.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let a_lo = f64::from(dbm0_to_peak(line.low_dbm0 as f32));
    let a_hi = f64::from(dbm0_to_peak(line.high_dbm0 as f32));
    let mut sig: Vec<f64> = vec![0.0; line.lead];
    for b in bursts {
        let d = DtmfDigit::from_char(b.digit).expect("test digit");
        let (lo, hi) = d.frequencies();
        let (flo, fhi) = (
            f64::from(lo) * (1.0 + line.low_offset),
            f64::from(hi) * (1.0 + line.high_offset),
        );
        let (p1, p2) = (
            rng.uniform() * std::f64::consts::TAU,
            rng.uniform() * std::f64::consts::TAU,
        );
        let n = (b.tone_ms * rate / 1000.0).round() as usize;
        for i in 0..n {
            let t = i as f64 / rate;
            sig.push(
                a_lo * (std::f64::consts::TAU * flo * t + p1).sin()
                    + a_hi * (std::f64::consts::TAU * fhi * t + p2).sin(),
            );
        }
        let gap = (b.gap_ms * rate / 1000.0).round() as usize;
        sig.extend(std::iter::repeat_n(0.0, gap));
    }
    sig.extend(std::iter::repeat_n(0.0, (rate * 0.1) as usize));
    if let Some(snr) = line.snr_db {
        let p_sig = (a_lo * a_lo + a_hi * a_hi) / 2.0;
        let sigma = (p_sig / 10f64.powf(snr / 10.0)).sqrt();
        for s in &mut sig {
            *s += sigma * rng.gauss();
        }
    }
    sig.iter()
        .map(|&v| v.round().clamp(-32768.0, 32767.0) as i16)
        .collect()
}

/// Bursts for every char of `digits`, all of one length and gap.
fn bursts(digits: &str, tone_ms: f64, gap_ms: f64) -> Vec<Burst> {
    digits
        .chars()
        .map(|digit| Burst {
            digit,
            tone_ms,
            gap_ms,
        })
        .collect()
}

/// Runs the detector over `pcm` in chunks of varying (odd) sizes and returns all
/// digits, after `finish`.
fn detect(rate: u32, pcm: &[i16]) -> Vec<DetectedDigit> {
    let mut det = DtmfDetector::new(rate).expect("rate");
    let mut out = Vec::new();
    let sizes = [160usize, 1, 37, 0, 320, 7, 961];
    let mut i = 0;
    let mut k = 0;
    while i < pcm.len() {
        let n = sizes[k % sizes.len()].min(pcm.len() - i);
        det.process(&pcm[i..i + n]);
        while let Some(d) = det.poll_digit() {
            out.push(d);
        }
        i += n;
        k += 1;
    }
    det.finish();
    while let Some(d) = det.poll_digit() {
        out.push(d);
    }
    out
}

fn digits_of(found: &[DetectedDigit]) -> String {
    found.iter().map(|d| d.digit.to_char()).collect()
}

/// Asserts `digits` come out of `line` exactly, and returns what was found.
fn expect_digits(line: Line, seq: &[Burst], want: &str, what: &str) -> Vec<DetectedDigit> {
    let pcm = synth(line, seq);
    let found = detect(line.rate, &pcm);
    assert_eq!(digits_of(&found), want, "{what} at {} Hz", line.rate);
    found
}

#[test]
fn all_digits_at_8k_and_16k_with_noise_levels_twist_and_durations() {
    // (low dBm0, high dBm0, tone ms, gap ms, SNR dB)
    let cases = [
        (-3.0, -3.0, 100.0, 100.0, 20.0),
        (-20.0, -20.0, 100.0, 60.0, 15.0),
        (-6.0, -6.0, 40.0, 40.0, 15.0),
        (-12.0, -9.0, 40.0, 50.0, 18.0), // normal twist 3 dB
        (-5.0, -12.0, 60.0, 40.0, 18.0), // reverse twist 7 dB
        (-20.0, -17.0, 50.0, 45.0, 15.0),
        (-10.0, -10.0, 70.0, 40.0, 16.0),
    ];
    for rate in [8000, 16000] {
        for (i, &(lo, hi, tone, gap, snr)) in cases.iter().enumerate() {
            let line = Line::new(rate)
                .levels(lo, hi)
                .snr(Some(snr))
                .lead(13 * i)
                .seed(i as u64 + 7);
            expect_digits(line, &bursts(ALL, tone, gap), ALL, &format!("case {i}"));
        }
    }
}

#[test]
fn frequency_deviation_of_1_5_percent_is_accepted() {
    for rate in [8000, 16000] {
        for (k, (lo, hi)) in [
            (0.015, 0.015),
            (-0.015, -0.015),
            (0.015, -0.015),
            (-0.015, 0.015),
        ]
        .into_iter()
        .enumerate()
        {
            let line = Line::new(rate)
                .offsets(lo, hi)
                .snr(Some(18.0))
                .seed(k as u64);
            expect_digits(
                line,
                &bursts(ALL, 50.0, 50.0),
                ALL,
                &format!("offset {lo}/{hi}"),
            );
        }
    }
}

#[test]
fn frequency_deviation_of_4_percent_is_rejected() {
    for rate in [8000, 16000] {
        for (lo, hi) in [
            (0.04, 0.0),
            (-0.04, 0.0),
            (0.0, 0.04),
            (0.0, -0.04),
            (0.04, 0.04),
            (-0.04, -0.04),
        ] {
            let line = Line::new(rate).offsets(lo, hi).snr(Some(30.0));
            expect_digits(
                line,
                &bursts(ALL, 100.0, 60.0),
                "",
                &format!("offset {lo}/{hi}"),
            );
        }
    }
}

#[test]
fn twist_beyond_limits_is_rejected() {
    for rate in [8000, 16000] {
        // High group 6 dB above low (normal twist limit 4 dB).
        let line = Line::new(rate).levels(-12.0, -6.0).snr(Some(30.0));
        expect_digits(line, &bursts(ALL, 100.0, 60.0), "", "normal twist 6 dB");
        // Low group 11 dB above high (reverse twist limit 8 dB).
        let line = Line::new(rate).levels(-5.0, -16.0).snr(Some(30.0));
        expect_digits(line, &bursts(ALL, 100.0, 60.0), "", "reverse twist 11 dB");
    }
}

#[test]
fn tones_of_20_ms_are_rejected_at_every_block_alignment() {
    for rate in [8000, 16000] {
        let step = rate as usize / 8000 * 7;
        for lead in (0..(rate as usize * 106 / 8000)).step_by(step) {
            let line = Line::new(rate).lead(lead).snr(Some(20.0)).seed(lead as u64);
            expect_digits(
                line,
                &bursts("1D#5", 20.0, 60.0),
                "",
                &format!("lead {lead}"),
            );
        }
    }
}

#[test]
fn tones_of_40_ms_are_accepted_at_every_block_alignment() {
    for rate in [8000, 16000] {
        let step = rate as usize / 8000 * 5;
        for lead in (0..(rate as usize * 106 / 8000)).step_by(step) {
            let line = Line::new(rate)
                .lead(lead)
                .snr(Some(15.0))
                .seed(lead as u64 + 100);
            expect_digits(
                line,
                &bursts("1D#5", 40.0, 40.0),
                "1D#5",
                &format!("lead {lead}"),
            );
        }
    }
}

#[test]
fn too_weak_tones_are_rejected() {
    let line = Line::new(8000).levels(-36.0, -36.0).snr(None);
    expect_digits(line, &bursts("123", 100.0, 100.0), "", "-36 dBm0");
}

#[test]
fn repeated_digit_with_40_ms_gaps_counts_each_press() {
    for rate in [8000, 16000, 48000] {
        for lead in [0, 30, 77] {
            let line = Line::new(rate).lead(lead).snr(Some(15.0)).seed(lead as u64);
            expect_digits(line, &bursts("5555", 50.0, 40.0), "5555", "5555");
            expect_digits(line, &bursts("##00", 40.0, 40.0), "##00", "##00");
        }
    }
}

#[test]
fn start_and_duration_are_measured() {
    for rate in [8000u32, 16000] {
        let line = Line::new(rate).lead(1234).snr(Some(20.0));
        let seq = [
            Burst {
                digit: '7',
                tone_ms: 45.0,
                gap_ms: 55.0,
            },
            Burst {
                digit: '8',
                tone_ms: 200.0,
                gap_ms: 100.0,
            },
        ];
        let found = expect_digits(line, &seq, "78", "two digits");
        let per_ms = u64::from(rate) / 1000;
        let tol = 6 * per_ms; // 6 ms
        let (s0, d0) = (1234u64, 45 * per_ms);
        let (s1, d1) = (s0 + 100 * per_ms, 200 * per_ms);
        assert!(found[0].start_sample.abs_diff(s0) <= tol, "{:?}", found[0]);
        assert!(
            found[0].duration_samples.abs_diff(d0) <= tol,
            "{:?}",
            found[0]
        );
        assert!(found[1].start_sample.abs_diff(s1) <= tol, "{:?}", found[1]);
        assert!(
            found[1].duration_samples.abs_diff(d1) <= tol,
            "{:?}",
            found[1]
        );
    }
}

#[test]
fn generator_round_trip_at_8_16_and_48k() {
    for rate in [8000, 16000, 48000] {
        let mut gen = DtmfGenerator::new(rate).unwrap();
        for c in ALL.chars() {
            let d = DtmfDigit::from_char(c).unwrap();
            gen.queue_digit(d, Duration::from_millis(50), Duration::from_millis(50))
                .unwrap();
        }
        let frame = rate as usize / 50;
        let mut pcm = Vec::new();
        while !gen.is_idle() {
            let mut buf = vec![1234i16; frame];
            let n = gen.fill(&mut buf);
            // What the generator did not write is the caller's audio, untouched.
            assert!(buf[n..].iter().all(|&s| s == 1234));
            buf[n..].fill(0);
            pcm.extend_from_slice(&buf);
        }
        assert_eq!(pcm.len(), 16 * 100 * rate as usize / 1000 / frame * frame);
        let found = detect(rate, &pcm);
        assert_eq!(digits_of(&found), ALL, "{rate} Hz");
        for d in &found {
            let ms = d.duration_samples * 1000 / u64::from(rate);
            assert!((45..=55).contains(&ms), "{d:?}");
        }
    }
}

#[test]
fn held_key_is_current_while_held_and_lasts_at_least_40_ms() {
    let rate = 8000;
    let mut gen = DtmfGenerator::new(rate).unwrap();
    let mut det = DtmfDetector::new(rate).unwrap();
    let mut frame = [0i16; 160];
    // Held for 15 frames (300 ms).
    gen.start(DtmfDigit::Star);
    let mut seen_current = false;
    for _ in 0..15 {
        assert_eq!(gen.fill(&mut frame), 160);
        det.process(&frame);
        seen_current |= det.current_digit() == Some(DtmfDigit::Star);
        assert_eq!(
            det.poll_digit(),
            None,
            "reported before the key was released"
        );
    }
    assert!(seen_current);
    gen.stop();
    for _ in 0..10 {
        frame.fill(0);
        gen.fill(&mut frame);
        det.process(&frame);
    }
    assert!(gen.is_idle());
    let d = det.poll_digit().expect("digit after release");
    assert_eq!(d.digit, DtmfDigit::Star);
    assert!(d.duration_samples.abs_diff(2400) < 50, "{d:?}");
    assert_eq!(det.current_digit(), None);

    // A start/stop within 5 ms still sends a valid 40 ms tone and a pause.
    gen.start(DtmfDigit::D9);
    let mut short = [0i16; 40];
    assert_eq!(gen.fill(&mut short), 40);
    gen.stop();
    let mut rest = vec![0i16; 8000];
    let n = gen.fill(&mut rest);
    assert_eq!(n, 280 + 320, "40 ms tone in total, then a 40 ms pause");
    let mut pcm = short.to_vec();
    pcm.extend_from_slice(&rest);
    assert_eq!(digits_of(&detect(rate, &pcm)), "9");
}

#[test]
fn generator_queue_is_bounded() {
    let mut gen = DtmfGenerator::new(8000).unwrap();
    let ms = Duration::from_millis(40);
    for _ in 0..32 {
        gen.queue_digit(DtmfDigit::D1, ms, ms).unwrap();
    }
    assert!(gen.queue_digit(DtmfDigit::D1, ms, ms).is_err());
    gen.clear();
    assert!(gen.is_idle());
    assert_eq!(gen.fill(&mut []), 0);
    assert!(DtmfGenerator::new(4000).is_err());
    assert!(DtmfDetector::new(0).is_err());
}

#[test]
fn arbitrary_input_never_panics_or_yields_digits() {
    for rate in [8000, 16000, 48000] {
        let mut det = DtmfDetector::new(rate).unwrap();
        det.process(&[]);
        det.process(&[i16::MIN]);
        det.process(&[i16::MAX; 3]);
        let mut rng = Rng(42);
        let garbage: Vec<i16> = (0..rate as usize * 3)
            .map(|_| ((rng.uniform() - 0.5) * 65535.0) as i16)
            .collect();
        det.process(&garbage);
        let square: Vec<i16> = (0..rate as usize)
            .map(|i| if i % 20 < 10 { i16::MAX } else { i16::MIN })
            .collect();
        det.process(&square);
        det.process(&vec![i16::MIN; rate as usize]);
        det.finish();
        assert_eq!(det.poll_digit(), None);
    }
}

mod talk_off {
    //! Ten minutes of espeak-ng speech (several voices, speeds and pitches) through the
    //! detector: not one digit may come out.

    use std::path::{Path, PathBuf};
    use std::process::Command;

    use super::*;

    const RATE: u32 = 8000;
    const MIN_SECONDS: usize = 600;

    /// Text read by every voice: varied English prose with plenty of numbers, which
    /// are classic talk-off material.
    const TEXT: &str = "\
Good morning, and thank you for calling the support line. Your call is important to us. \
Please listen carefully, because our menu options have changed. For billing questions, \
press one. To report a fault on your line, press two. For all other enquiries, please \
stay on the line and the next available agent will be with you shortly. \
The quarterly report shows revenue of four hundred and twenty seven thousand, nine hundred \
and thirty one dollars, an increase of eleven point five percent over last year. \
Meanwhile, the weather service expects heavy rain over the northern hills, with winds \
gusting to sixty kilometres per hour and temperatures falling to three degrees overnight. \
She sells sea shells by the sea shore; the shells she sells are surely sea shells. \
Peter Piper picked a peck of pickled peppers. How much wood would a woodchuck chuck? \
My telephone number is five five five, eight six seven, five three zero nine, and my \
extension is two hundred and forty one. Call me back after nine o'clock tomorrow. \
In the beginning the universe was created. This has made a lot of people very angry \
and been widely regarded as a bad move. Time is an illusion; lunchtime doubly so. \
Oh, whistling winds and singing birds, the melody of a summer evening, la la la, \
mmm, hmm, ooh, aah, eee, the high notes of a soprano hold on and on. \
Sixty six, seventy seven, eighty eight, ninety nine, one hundred and one, \
zero zero seven, one two three four five six seven eight nine zero, star, pound, hash. \
The quick brown fox jumps over the lazy dog while the five boxing wizards jump quickly. \
Please hold while we transfer your call. Your estimated waiting time is four minutes. \
Thank you for your patience. Goodbye.";

    /// espeak-ng settings: voice, words per minute, pitch (0–99).
    const VOICES: &[(&str, u32, u32)] = &[
        ("en-us", 175, 50),
        ("en", 150, 35),
        ("de", 160, 60),
        ("en-us", 200, 80),
        ("en", 120, 20),
        ("de", 130, 90),
        ("en-us+f3", 165, 70),
        ("en+m3", 145, 40),
        ("fr", 170, 55),
        ("en-us+f2", 185, 99),
        ("es", 155, 45),
        ("en+f4", 140, 85),
        ("it", 160, 65),
        ("en-us+m7", 125, 10),
        ("nl", 150, 50),
        ("en+f5", 190, 75),
    ];

    fn tool_ok(name: &str) -> bool {
        Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn run(cmd: &mut Command) {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
        assert!(
            out.status.success(),
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The speech as raw 8 kHz 16-bit samples, generated once and cached under the
    /// cargo target dir.
    fn speech(dir: &Path) -> Vec<i16> {
        // Bump the version when TEXT or VOICES change, so the cache is rebuilt.
        let cache = dir.join(format!("dtmf_talkoff_v2_{RATE}.raw"));
        if let Ok(bytes) = std::fs::read(&cache) {
            if bytes.len() >= MIN_SECONDS * RATE as usize * 2 {
                return bytes
                    .chunks_exact(2)
                    .map(|b| i16::from_le_bytes([b[0], b[1]]))
                    .collect();
            }
        }
        assert!(
            tool_ok("espeak-ng"),
            "the talk-off test needs espeak-ng on PATH (apt-get install espeak-ng)"
        );
        assert!(
            tool_ok("sox"),
            "the talk-off test needs sox on PATH (apt-get install sox)"
        );
        // Every voice reads one half of the text, alternately: all voices are heard,
        // in about a minute each.
        let mid = TEXT.len() / 2 + TEXT[TEXT.len() / 2..].find(". ").expect("a sentence") + 2;
        let halves = [&TEXT[..mid], &TEXT[mid..]];
        let mut all: Vec<u8> = Vec::new();
        for (i, &(voice, speed, pitch)) in VOICES.iter().enumerate() {
            let wav = dir.join(format!("dtmf_talkoff_{i}.wav"));
            let raw = dir.join(format!("dtmf_talkoff_{i}.raw"));
            run(Command::new("espeak-ng")
                .args([
                    "-v",
                    voice,
                    "-s",
                    &speed.to_string(),
                    "-p",
                    &pitch.to_string(),
                    "-w",
                ])
                .arg(&wav)
                .arg(halves[i % 2]));
            run(Command::new("sox")
                .arg(&wav)
                .args([
                    "-r",
                    &RATE.to_string(),
                    "-c",
                    "1",
                    "-b",
                    "16",
                    "-e",
                    "signed-integer",
                    "-t",
                    "raw",
                ])
                .arg(&raw));
            all.extend(std::fs::read(&raw).expect("sox output"));
            let _ = std::fs::remove_file(&wav);
            let _ = std::fs::remove_file(&raw);
        }
        assert!(
            all.len() >= MIN_SECONDS * RATE as usize * 2,
            "espeak-ng produced only {} s of speech",
            all.len() / 2 / RATE as usize
        );
        std::fs::write(&cache, &all).expect("write speech cache");
        all.chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect()
    }

    #[test]
    fn ten_minutes_of_speech_give_no_digit() {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let pcm = speech(&dir);
        let minutes = pcm.len() as f64 / f64::from(RATE) / 60.0;
        assert!(minutes >= 10.0, "only {minutes:.1} minutes of speech");
        // Speech at its natural level and 10 dB hotter (a loud talker, an AGC'd line).
        for boost in [1.0f64, 3.16] {
            let loud: Vec<i16> = pcm
                .iter()
                .map(|&s| (f64::from(s) * boost).clamp(-32768.0, 32767.0) as i16)
                .collect();
            let found = detect(RATE, &loud);
            assert!(
                found.is_empty(),
                "talk-off: {} digits in {minutes:.1} min of speech (gain {boost}): {:?}",
                found.len(),
                &found[..found.len().min(20)]
            );
        }
    }
}
