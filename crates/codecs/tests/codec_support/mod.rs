//! Shared helpers for the codec integration tests: deterministic test signals, speech
//! from espeak-ng, raw-file I/O and running the reference tools (sox, ffmpeg, python).

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A small deterministic PRNG (xorshift64*), so every run uses the same signals.
pub(crate) struct Rng(u64);

impl Rng {
    /// Seeded generator (seed 0 is remapped).
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// Next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in [-1, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// A unique path in the temp dir for this test process.
pub(crate) fn tmp(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("rotary-codecs-{}-{n}-{name}", std::process::id()))
}

/// Runs a command and panics with its stderr unless it succeeds.
pub(crate) fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (see scripts/install-peers.sh)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs a command and returns its stdout.
pub(crate) fn output(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (see scripts/install-peers.sh)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Writes little-endian 16-bit PCM.
pub(crate) fn write_raw(path: &PathBuf, pcm: &[i16]) {
    let bytes: Vec<u8> = pcm.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

/// Reads little-endian 16-bit PCM.
pub(crate) fn read_raw(path: &PathBuf) -> Vec<i16> {
    let bytes = std::fs::read(path).unwrap();
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// A logarithmic sine sweep from `f0` to `f1` Hz over `n` samples at `rate`.
pub(crate) fn sweep(rate: u32, n: usize, f0: f64, f1: f64, amp: f64) -> Vec<i16> {
    let dur = n as f64 / f64::from(rate);
    let k = (f1 / f0).ln() / dur;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let phase = 2.0 * std::f64::consts::PI * f0 * ((k * t).exp() - 1.0) / k;
            (amp * phase.sin()).round() as i16
        })
        .collect()
}

/// White noise of peak `amp`.
pub(crate) fn noise(seed: u64, n: usize, amp: f64) -> Vec<i16> {
    let mut r = Rng::new(seed);
    (0..n).map(|_| (amp * r.unit()).round() as i16).collect()
}

/// A few sentences of espeak-ng speech as 16 kHz PCM: two talkers (espeak's Klatt male
/// voice and its f3 female variant, which PESQ rates closer to natural speech than the
/// default voice), peak-normalised to -6 dBFS (active level near -25 dBov), converted
/// from espeak's 22.05 kHz by sox without dither.
pub(crate) fn speech_16k() -> Vec<i16> {
    let talkers = [
        (
            "en-us+klatt",
            "The quick brown fox jumps over the lazy dog. Please hold while we connect \
             your call. Seven, four, one, nine, three.",
        ),
        (
            "en-us+f3",
            "Thank you for calling. All of our agents are busy right now. Your call is \
             important to us, please stay on the line.",
        ),
    ];
    let mut wavs = Vec::new();
    for (voice, text) in talkers {
        let wav = tmp("speech.wav");
        run(Command::new("espeak-ng")
            .args(["-v", voice, "-s", "150", "-w"])
            .arg(&wav)
            .arg(text));
        wavs.push(wav);
    }
    let raw = tmp("speech16k.raw");
    run(Command::new("sox")
        .arg("-D")
        .args(&wavs)
        .args([
            "-t", "raw", "-e", "signed", "-b", "16", "-c", "1", "-r", "16000",
        ])
        .arg(&raw)
        .args(["gain", "-n", "-6"]));
    let pcm = read_raw(&raw);
    for w in wavs {
        let _ = std::fs::remove_file(w);
    }
    let _ = std::fs::remove_file(raw);
    pcm
}

/// Sweep, noise and speech back to back, 16 kHz: the signal the interop tests use.
pub(crate) fn test_signal_16k() -> Vec<i16> {
    let mut x = sweep(16000, 32000, 50.0, 7800.0, 20000.0);
    x.extend(noise(7, 16000, 12000.0));
    x.extend(noise(8, 4000, 32767.0)); // full scale: exercises saturation
    x.extend(speech_16k());
    x
}
