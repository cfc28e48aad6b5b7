//! `cargo xtask deps`: checks the dependency direction of architecture.md. The sans-IO
//! crates must not pull in an I/O crate (tokio, axum, hyper, mio, rusqlite, nix) through
//! any normal dependency, and must not read a clock outside tests.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

/// The crates that must stay free of I/O.
const SANS_IO: [&str; 8] = [
    "rotary-sip",
    "rotary-sdp",
    "rotary-rtp",
    "rotary-codecs",
    "rotary-registrar",
    "rotary-dialplan",
    "rotary-trunks",
    "rotary-config",
];

/// Crates that mean I/O.
const IO_CRATES: [&str; 6] = ["tokio", "axum", "hyper", "mio", "rusqlite", "nix"];

pub(crate) fn run() -> Result<()> {
    let mut problems = Vec::new();
    for krate in SANS_IO {
        let out = Command::new(env!("CARGO"))
            .args(["tree", "-e", "normal", "--prefix", "none", "-p", krate])
            .output()
            .context("cargo tree")?;
        let tree = String::from_utf8_lossy(&out.stdout);
        for line in tree.lines() {
            let name = line.split_whitespace().next().unwrap_or("");
            if IO_CRATES.contains(&name) {
                problems.push(format!("{krate} depends on {name}"));
            }
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("crates")
            .join(krate.trim_start_matches("rotary-"))
            .join("src");
        scan_clock_reads(&dir, krate, &mut problems)?;
    }
    if problems.is_empty() {
        println!(
            "deps: {} sans-IO crates are free of I/O crates and clock reads",
            SANS_IO.len()
        );
        Ok(())
    } else {
        for p in &problems {
            println!("deps: {p}");
        }
        bail!("{} dependency-direction problem(s)", problems.len())
    }
}

/// Flag `Instant::now`/`SystemTime::now` in non-test code (anything before a
/// `#[cfg(test)]` line of a file counts as non-test code).
fn scan_clock_reads(dir: &Path, krate: &str, problems: &mut Vec<String>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("{}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            scan_clock_reads(&path, krate, problems)?;
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("#[cfg(test)]") {
                break;
            }
            let code = line.split("//").next().unwrap_or("");
            if code.contains("Instant::now()") || code.contains("SystemTime::now()") {
                problems.push(format!(
                    "{krate}: clock read at {}:{}",
                    path.display(),
                    i + 1
                ));
            }
        }
    }
    Ok(())
}
