//! Test signals and external-tool plumbing shared by the G.726 and GSM interop tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A scratch directory unique to this test process and `tag`, removed on drop.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Scratch {
    pub(crate) fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("rotary-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `tool args`, failing the test with a clear message if the tool is missing or
/// fails.
pub(crate) fn run(tool: &str, args: &[&str]) {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("`{tool}` is needed for this interop test but could not be run ({e}); install it (apt-get install {tool})")
    });
    assert!(
        out.status.success(),
        "`{tool} {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) fn write_pcm(path: &Path, pcm: &[i16]) {
    let bytes: Vec<u8> = pcm.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(path, bytes).expect("write pcm");
}

pub(crate) fn read_pcm(path: &Path) -> Vec<i16> {
    let bytes = std::fs::read(path).expect("read pcm");
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// Deterministic xorshift generator for noise and random payloads.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next_u32(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 32) as u32
    }
}

/// Logarithmic sweep from 100 Hz to 3800 Hz over `secs` seconds at 8 kHz.
pub(crate) fn sweep(secs: f64, amplitude: f64) -> Vec<i16> {
    let n = (secs * 8000.0) as usize;
    let (f0, f1) = (100.0f64, 3800.0f64);
    let k = (f1 / f0).ln() / secs;
    (0..n)
        .map(|i| {
            let t = i as f64 / 8000.0;
            let phase = 2.0 * std::f64::consts::PI * f0 * ((k * t).exp() - 1.0) / k;
            (amplitude * phase.sin()).round() as i16
        })
        .collect()
}

/// White noise, uniform in ±`amplitude`.
pub(crate) fn noise(secs: f64, amplitude: i32, seed: u64) -> Vec<i16> {
    let mut rng = Rng(seed);
    let n = (secs * 8000.0) as usize;
    (0..n)
        .map(|_| ((rng.next_u32() % (2 * amplitude as u32 + 1)) as i32 - amplitude) as i16)
        .collect()
}

/// A sine tone at 8 kHz.
pub(crate) fn tone(hz: f64, secs: f64, amplitude: f64) -> Vec<i16> {
    let n = (secs * 8000.0) as usize;
    (0..n)
        .map(|i| {
            (amplitude * (2.0 * std::f64::consts::PI * hz * i as f64 / 8000.0).sin()).round() as i16
        })
        .collect()
}

/// Synthetic speech from espeak-ng, resampled by sox to 8 kHz 16-bit.
pub(crate) fn speech(dir: &Scratch) -> Vec<i16> {
    let wav = dir.path("speech.wav");
    let raw = dir.path("speech.raw");
    run(
        "espeak-ng",
        &[
            "-w",
            wav.to_str().unwrap(),
            "Thank you for calling. Please hold, the quick brown fox jumps over the lazy dog.",
        ],
    );
    run(
        "sox",
        &[
            wav.to_str().unwrap(),
            "-r",
            "8000",
            "-t",
            "raw",
            "-e",
            "signed",
            "-b",
            "16",
            "-c",
            "1",
            raw.to_str().unwrap(),
        ],
    );
    read_pcm(&raw)
}

/// Signal-to-noise ratio of `got` against `want`, in dB.
pub(crate) fn snr_db(want: &[i16], got: &[i16]) -> f64 {
    let (mut sig, mut err) = (0.0f64, 0.0f64);
    for (&w, &g) in want.iter().zip(got) {
        sig += f64::from(w).powi(2);
        err += (f64::from(w) - f64::from(g)).powi(2);
    }
    10.0 * (sig / err.max(1.0)).log10()
}
