//! Speech for the media benchmarks (shared by `relay_server`, `rtp_load` and
//! `media_cost` through `#[path]`; not an example of its own): the espeak-ng system
//! prompts of `sounds/en/` at 8 kHz, and that audio pre-encoded in 20 ms frames.

use std::path::{Path, PathBuf};

use rotary_codecs::{new_encoder, resample_once, CodecId, CodecParams, Resampler};

/// Samples per 20 ms frame at 8 kHz.
pub(crate) const FRAME_8K: usize = 160;

/// Where the English prompts live (`sounds/en` of the workspace).
pub(crate) fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sounds/en")
}

/// Up to `seconds` of speech at 8 kHz: every `*.wav` of `dir` in name order, joined and
/// resampled. Falls back to a generated voice-band signal (a 120 Hz glottal pulse train
/// through three moving formants, syllable envelope, pauses) when `dir` has no WAV, and
/// says which on stderr.
pub(crate) fn speech_8k(dir: &Path, seconds: u32) -> Vec<i16> {
    let want = 8000 * seconds as usize;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "wav"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = Vec::with_capacity(want);
    for f in files {
        if out.len() >= want {
            break;
        }
        let Ok(mut r) = hound::WavReader::open(&f) else {
            continue;
        };
        let spec = r.spec();
        if spec.channels != 1 || spec.bits_per_sample != 16 {
            continue;
        }
        let pcm: Vec<i16> = r.samples::<i16>().map_while(Result::ok).collect();
        out.extend(resample_once(&pcm, spec.sample_rate, 8000));
    }
    if out.len() < 8000 {
        eprintln!(
            "speech: no WAV in {}; using a generated voice-band signal",
            dir.display()
        );
        out = synthetic(want);
    }
    out.truncate(want);
    let whole = out.len() - out.len() % FRAME_8K;
    out.truncate(whole);
    out
}

/// A speech-like signal: a pulse train at a wandering pitch through three resonators
/// whose centre frequencies move per syllable, 4 syllables per second, 30 % pauses.
fn synthetic(n: usize) -> Vec<i16> {
    let mut out = Vec::with_capacity(n);
    let mut state = [[0.0f64; 2]; 3];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut formants = [500.0, 1500.0, 2500.0];
    let mut phase = 0.0f64;
    for i in 0..n {
        let syllable = i % 2000;
        if syllable == 0 {
            formants = [
                300.0 + 600.0 * rnd(),
                900.0 + 1300.0 * rnd(),
                2200.0 + 900.0 * rnd(),
            ];
        }
        let voiced = (i / 2000) % 10 < 7;
        let env = (std::f64::consts::PI * syllable as f64 / 2000.0).sin();
        let pitch = 110.0 + 30.0 * (i as f64 / 8000.0 * 2.0).sin();
        phase += pitch / 8000.0;
        let mut x = if phase >= 1.0 {
            phase -= 1.0;
            1.0
        } else {
            0.0
        };
        x += 0.02 * (rnd() - 0.5);
        let mut y = 0.0;
        for (k, f) in formants.iter().enumerate() {
            let r = 0.97f64;
            let w = std::f64::consts::TAU * f / 8000.0;
            let s = x + 2.0 * r * w.cos() * state[k][0] - r * r * state[k][1];
            state[k][1] = state[k][0];
            state[k][0] = s;
            y += s / (k as f64 + 1.0);
        }
        let v = if voiced { 400.0 * env * y } else { 0.0 };
        out.push(v.clamp(-32_000.0, 32_000.0) as i16);
    }
    out
}

/// `pcm8` (8 kHz) in 20 ms frames at `rate`: streamed through one [`Resampler`] as a
/// transcoding leg would, so frames join without clicks.
pub(crate) fn frames_at(pcm8: &[i16], rate: u32) -> Vec<Vec<i16>> {
    let mut rs = Resampler::new(8000, rate).ok();
    pcm8.chunks_exact(FRAME_8K)
        .map(|c| match rs.as_mut() {
            Some(r) => {
                let mut v = Vec::with_capacity(rate as usize / 50);
                r.process(c, &mut v);
                v
            }
            None => c.to_vec(),
        })
        .collect()
}

/// `pcm8` encoded with `codec` (the relay's parameters, [`CodecParams::new`]) in 20 ms
/// frames: what a phone of that codec sends.
pub(crate) fn encode_frames(
    pcm8: &[i16],
    codec: CodecId,
) -> Result<Vec<Vec<u8>>, rotary_codecs::CodecError> {
    let params = CodecParams::new(codec);
    let mut enc = new_encoder(&params)?;
    let mut out = Vec::new();
    for frame in frames_at(pcm8, enc.sample_rate()) {
        let mut payload = Vec::new();
        enc.encode(&frame, &mut payload)?;
        out.push(payload);
    }
    Ok(out)
}
