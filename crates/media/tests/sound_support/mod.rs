//! Helpers for the `sound*` tests: scratch folders, test tones, WAV/MP3 makers (hound,
//! sox, ffmpeg) and frequency measurements.

#![allow(dead_code, unreachable_pub)] // each test file uses a different part

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A scratch folder under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "rotary-sound-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// File names in the folder, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `secs` of a sine at `freq` Hz, amplitude `amp`, sampled at `rate`.
pub fn sine(freq: f64, rate: u32, secs: f64, amp: f64) -> Vec<i16> {
    let n = (secs * f64::from(rate)).round() as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            (amp * (2.0 * std::f64::consts::PI * freq * t).sin()).round() as i16
        })
        .collect()
}

/// A WAV file in memory: `channels` interleaved channels of 16-bit PCM.
pub fn wav16(samples: &[i16], rate: u32, channels: u16) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut buf = Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut buf, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
    buf.into_inner()
}

/// A mono WAV in another sample format, written by hound from 16-bit samples.
pub fn wav_format(samples: &[i16], rate: u32, bits: u16, float: bool) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut buf = Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut buf, spec).unwrap();
    for &s in samples {
        match (bits, float) {
            (32, true) => w.write_sample(f32::from(s) / 32768.0).unwrap(),
            (8, false) => w.write_sample((s >> 8) as i8).unwrap(),
            (24, false) => w.write_sample(i32::from(s) << 8).unwrap(),
            (32, false) => w.write_sample(i32::from(s) << 16).unwrap(),
            _ => w.write_sample(s).unwrap(),
        }
    }
    w.finalize().unwrap();
    buf.into_inner()
}

/// Runs `tool args…` and panics with its stderr if it fails.
pub fn run(tool: &str, args: &[&str]) {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} must be installed: {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Converts a WAV with sox: `-e u-law`, `-e a-law`, … (`extra` goes before the output).
pub fn sox_convert(input: &[u8], extra: &[&str], dir: &TempDir, out_name: &str) -> Vec<u8> {
    let src = dir.join("sox-in.wav");
    std::fs::write(&src, input).unwrap();
    let dst = dir.join(out_name);
    let mut args = vec![src.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(dst.to_str().unwrap());
    run("sox", &args);
    std::fs::read(dst).unwrap()
}

/// A 2 s 440 Hz MP3 at `rate`, made by ffmpeg.
pub fn mp3_sine(dir: &TempDir, rate: u32) -> Vec<u8> {
    let dst = dir.join(&format!("sine-{rate}.mp3"));
    run(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=2",
            "-ar",
            &rate.to_string(),
            dst.to_str().unwrap(),
        ],
    );
    std::fs::read(dst).unwrap()
}

/// Goertzel power of `freq` in `samples` (relative; compare between frequencies).
pub fn goertzel(samples: &[i16], rate: u32, freq: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / f64::from(rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    s1 * s1 + s2 * s2 - coeff * s1 * s2
}

/// Frequency estimated from sign changes (a clean tone crosses zero twice a period).
pub fn zero_crossing_hz(samples: &[i16], rate: u32) -> f64 {
    let crossings = samples
        .windows(2)
        .filter(|w| (w[0] < 0) != (w[1] < 0))
        .count();
    crossings as f64 / 2.0 / (samples.len() as f64 / f64::from(rate))
}

/// Asserts that `samples` is a tone at 440 Hz: Goertzel at 440 dominates neighbours,
/// and the zero-crossing estimate is within 2 %.
pub fn assert_440(samples: &[i16], rate: u32) {
    let p440 = goertzel(samples, rate, 440.0);
    for other in [220.0, 400.0, 480.0, 880.0, 1000.0] {
        let p = goertzel(samples, rate, other);
        assert!(
            p440 > 20.0 * p,
            "440 Hz {p440:e} vs {other} Hz {p:e} at {rate} Hz"
        );
    }
    let zc = zero_crossing_hz(samples, rate);
    assert!(
        (zc - 440.0).abs() < 8.8,
        "zero crossings say {zc} Hz at {rate} Hz"
    );
}

/// Deterministic pseudo-random bytes (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}
