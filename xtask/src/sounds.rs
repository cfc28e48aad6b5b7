//! `cargo xtask sounds [--force]`: generates the English system prompts listed in
//! `sounds/prompts.txt` (`name|text` lines) into `sounds/en/<name>.wav` with espeak-ng,
//! converted by sox to what the media engine plays, 16 kHz mono 16-bit WAV (the 8 kHz
//! version is derived once at load). Also writes a default music-on-hold track,
//! `sounds/moh/default/rotary-chimes.wav`, synthesised by sox, so a fresh PBX does not
//! hold callers in silence.
//!
//! Idempotent: `sounds/en/manifest.json` keeps a hash of each prompt's text and of the
//! voice settings, and a prompt whose hash and file are unchanged is skipped. Prompts
//! removed from the list are deleted (only files the manifest knows, never others).
//! `--force` regenerates everything.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// espeak-ng voice and speed: part of every prompt's hash, so changing them
/// regenerates everything.
const VOICE: &str = "en-us";
const SPEED_WPM: &str = "150";
/// sox after espeak-ng: the output format (16 kHz via sox's high-quality converter,
/// mono, 16-bit) and the effects (peak normalised to -3 dBFS).
const SOX_FORMAT: [&str; 6] = ["-r", "16000", "-c", "1", "-b", "16"];
const SOX_EFFECTS: [&str; 2] = ["norm", "-3"];
/// Bump when the generation pipeline changes in a way the constants above don't show.
const PIPELINE: u32 = 1;

pub(crate) fn run(args: &[&str]) -> Result<()> {
    let force = match args {
        [] => false,
        ["--force"] => true,
        other => bail!("usage: cargo xtask sounds [--force]  (got {other:?})"),
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("xtask sits in the workspace root")?
        .join("sounds");
    for tool in ["espeak-ng", "sox"] {
        which(tool).with_context(|| format!("{tool} is needed: apt-get install espeak-ng sox"))?;
    }
    let list = parse_list(
        &fs::read_to_string(root.join("prompts.txt")).context("reading sounds/prompts.txt")?,
    )?;
    let out_dir = root.join("en");
    fs::create_dir_all(&out_dir)?;
    let manifest_path = out_dir.join("manifest.json");
    let mut manifest = if force {
        BTreeMap::new()
    } else {
        read_manifest(&manifest_path)
    };

    let total = list.len();
    let (mut made, mut kept) = (0, 0);
    for (i, (name, text)) in list.iter().enumerate() {
        let hash = prompt_hash(text);
        let wav = out_dir.join(format!("{name}.wav"));
        let n = i + 1;
        if manifest.get(name) == Some(&hash) && wav.is_file() {
            kept += 1;
            println!("[{n}/{total}] {name}: unchanged");
            continue;
        }
        speak(&out_dir, name, text, &wav).with_context(|| format!("prompt {name}"))?;
        manifest.insert(name.clone(), hash);
        // Saved after each prompt, so an interrupted run resumes where it stopped.
        write_manifest(&manifest_path, &manifest)?;
        made += 1;
        println!("[{n}/{total}] {name}: generated");
    }

    let listed: Vec<&String> = list.iter().map(|(n, _)| n).collect();
    let stale: Vec<String> = manifest
        .keys()
        .filter(|k| !listed.contains(k))
        .cloned()
        .collect();
    for name in &stale {
        let _ = fs::remove_file(out_dir.join(format!("{name}.wav")));
        manifest.remove(name);
        println!("removed {name} (no longer in prompts.txt)");
    }
    write_manifest(&manifest_path, &manifest)?;

    let moh = default_moh(&root.join("moh").join("default"), force)?;
    println!(
        "sounds: {made} generated, {kept} unchanged, {} removed, music on hold {moh}",
        stale.len()
    );
    Ok(())
}

/// `name|text` lines; blank lines and `#` comments skipped. Names must be unique and
/// plain (`[a-z0-9-]`).
fn parse_list(src: &str) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, line) in src.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, text)) = line.split_once('|') else {
            bail!("prompts.txt:{}: expected `name|text`", i + 1);
        };
        let (name, text) = (name.trim(), text.trim());
        let plain = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !plain || text.is_empty() {
            bail!("prompts.txt:{}: bad name {name:?} or empty text", i + 1);
        }
        if out.iter().any(|(n, _)| n == name) {
            bail!("prompts.txt:{}: {name} listed twice", i + 1);
        }
        out.push((name.to_owned(), text.to_owned()));
    }
    Ok(out)
}

/// espeak-ng to a temp WAV, sox to a second temp WAV, rename over the target.
fn speak(dir: &Path, name: &str, text: &str, wav: &Path) -> Result<()> {
    let raw = dir.join(format!(".{name}.espeak.wav"));
    let tmp = dir.join(format!(".{name}.tmp.wav"));
    let result = (|| {
        run_tool(
            Command::new("espeak-ng")
                .args(["-v", VOICE, "-s", SPEED_WPM, "-w"])
                .arg(&raw)
                .arg(text),
        )?;
        run_tool(
            Command::new("sox")
                .arg(&raw)
                .args(SOX_FORMAT)
                .arg(&tmp)
                .args(SOX_EFFECTS),
        )?;
        fs::rename(&tmp, wav).context("rename")
    })();
    let _ = fs::remove_file(&raw);
    let _ = fs::remove_file(&tmp);
    result
}

/// A gentle plucked arpeggio over four chords, about 40 s, for the default class.
/// Skipped when present (unless forced) or when the user put other files there.
fn default_moh(dir: &Path, force: bool) -> Result<&'static str> {
    let target = dir.join("rotary-chimes.wav");
    if target.is_file() && !force {
        return Ok("unchanged");
    }
    fs::create_dir_all(dir)?;
    let own_music = fs::read_dir(dir)?.filter_map(Result::ok).any(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        !name.starts_with('.') && name != "rotary-chimes.wav"
    });
    if own_music {
        return Ok("left alone (the folder has other files)");
    }
    // C, A minor, F, G; each chord's notes up and down, twice.
    let chords = [
        ["C4", "E4", "G4", "C5"],
        ["A3", "C4", "E4", "A4"],
        ["F3", "A3", "C4", "F4"],
        ["G3", "B3", "D4", "G4"],
    ];
    let mut args: Vec<String> = ["-n", "-r", "16000", "-b", "16", "-c", "1"]
        .map(String::from)
        .to_vec();
    let tmp = dir.join(".rotary-chimes.tmp.wav");
    args.push(tmp.to_string_lossy().into_owned());
    let mut first = true;
    for _ in 0..2 {
        for chord in &chords {
            for note in chord.iter().chain(chord.iter().rev()) {
                if !first {
                    args.push(":".into());
                }
                first = false;
                args.extend(["synth", "0.6", "pluck", note].map(String::from));
                args.extend(["gain", "-12"].map(String::from));
            }
        }
    }
    let result = run_tool(Command::new("sox").args(&args))
        .and_then(|()| fs::rename(&tmp, &target).context("rename"));
    let _ = fs::remove_file(&tmp);
    result.map(|()| "generated")
}

fn run_tool(cmd: &mut Command) -> Result<()> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn which(tool: &str) -> Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
        .with_context(|| format!("{tool} not found on PATH"))
}

/// FNV-1a (64-bit) over the voice settings and the text: stable across Rust versions,
/// unlike `DefaultHasher`, and plenty to notice an edit.
fn prompt_hash(text: &str) -> String {
    let input = format!(
        "{PIPELINE}|{VOICE}|{SPEED_WPM}|{}|{}|{text}",
        SOX_FORMAT.join(" "),
        SOX_EFFECTS.join(" ")
    );
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in input.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn read_manifest(path: &Path) -> BTreeMap<String, String> {
    fs::read_to_string(path)
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .and_then(|v| v.get("prompts").cloned())
        .and_then(|p| serde_json::from_value(p).ok())
        .unwrap_or_default()
}

fn write_manifest(path: &Path, prompts: &BTreeMap<String, String>) -> Result<()> {
    let body = serde_json::json!({ "version": 1, "prompts": prompts });
    let tmp = path.with_extension("json.tmp");
    fs::write(&tmp, serde_json::to_string_pretty(&body)? + "\n")?;
    fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_list_parses() {
        let src = include_str!("../../sounds/prompts.txt");
        let list = parse_list(src).unwrap();
        assert!(list.len() > 60);
        for n in [
            "welcome",
            "goodbye",
            "vm-enter-password",
            "num-19",
            "num-hundred",
        ] {
            assert!(list.iter().any(|(name, _)| name == n), "{n}");
        }
    }

    #[test]
    fn bad_lines_are_reported() {
        assert!(parse_list("a|x\na|y").is_err());
        assert!(parse_list("no bar here").is_err());
        assert!(parse_list("Bad Name|x").is_err());
        assert!(parse_list("ok|").is_err());
        assert_eq!(
            parse_list("# c\n\nok | hi \n").unwrap(),
            [("ok".into(), "hi".into())]
        );
    }

    #[test]
    fn hash_follows_the_text() {
        assert_eq!(prompt_hash("hello"), prompt_hash("hello"));
        assert_ne!(prompt_hash("hello"), prompt_hash("hello."));
        assert_eq!(prompt_hash("x").len(), 16);
    }
}
