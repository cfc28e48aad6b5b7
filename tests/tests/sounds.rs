//! The audio library through a running pbxd: prompts and music-on-hold files uploaded as
//! WAV and MP3 (the MP3 made by ffmpeg, a decoder we did not write checking nothing of
//! ours), converted once, listed, downloaded and deleted; bad uploads refused with the
//! field named, and the daemon unharmed.

use std::process::Command;

use rotary_e2e::{sine_wav as sine_wav_hz, Pbxd, TempDir};

/// Two seconds of stereo MP3 made by ffmpeg.
fn ffmpeg_mp3(dir: &std::path::Path) -> Vec<u8> {
    let out = dir.join("tune.mp3");
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("sine=frequency=523:duration=2:sample_rate=44100")
        .args(["-ac", "2", "-b:a", "64k"])
        .arg(&out)
        .status()
        .expect("ffmpeg runs (installed by test.sh)");
    assert!(status.success(), "ffmpeg made the mp3");
    std::fs::read(&out).expect("mp3 written")
}

#[test]
fn prompts_are_converted_listed_downloaded_and_deleted() {
    let dir = TempDir::new("sounds-prompts");
    let d = Pbxd::start(&dir.0).expect("pbxd starts");

    // A 22.05 kHz upload becomes a 16 kHz master and an 8 kHz sibling.
    let (st, body) = d.send_bytes(
        "PUT",
        "/api/v1/prompts/welcome",
        "audio/wav",
        &sine_wav_440(22_050, 1500),
    );
    assert_eq!(st, 201, "{body}");
    assert_eq!(body["name"], "welcome");
    assert_eq!(body["source_rate"], 22_050);
    let ms = body["duration_ms"].as_u64().expect("duration");
    assert!((1450..=1550).contains(&ms), "1.5 s, got {ms} ms");
    assert!(dir.0.join("prompts/welcome.wav").is_file());
    assert!(dir.0.join("prompts/welcome.8k.wav").is_file());

    let (st, list) = d.api("GET", "/api/v1/prompts", None);
    assert_eq!(st, 200);
    let names: Vec<&str> = list
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["welcome"], "the 8 kHz half is not listed");

    let (st, wav) = d.get_bytes("/api/v1/prompts/welcome");
    assert_eq!(st, 200);
    assert_eq!(&wav[..4], b"RIFF");
    let rate = u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]);
    assert_eq!(rate, 16_000, "stored in the playback format");

    let (st, _) = d.api("DELETE", "/api/v1/prompts/welcome", None);
    assert_eq!(st, 204);
    let (st, _) = d.api("DELETE", "/api/v1/prompts/welcome", None);
    assert_eq!(st, 404);
    assert!(!dir.0.join("prompts/welcome.8k.wav").exists());
}

#[test]
fn music_on_hold_takes_mp3_into_a_new_class() {
    let dir = TempDir::new("sounds-moh");
    let d = Pbxd::start(&dir.0).expect("pbxd starts");
    let mp3 = ffmpeg_mp3(&dir.0);
    let (st, body) = d.send_bytes("PUT", "/api/v1/moh/jazz/tune", "audio/mpeg", &mp3);
    assert_eq!(st, 201, "{body}");
    assert_eq!(body["source_channels"], 2);
    let ms = body["duration_ms"].as_u64().expect("duration");
    assert!((1900..=2200).contains(&ms), "about 2 s, got {ms} ms");

    let (st, classes) = d.api("GET", "/api/v1/moh", None);
    assert_eq!(st, 200);
    let classes = classes.as_array().expect("a list");
    let jazz = classes
        .iter()
        .find(|c| c["class"] == "jazz")
        .expect("the new class is listed");
    assert_eq!(jazz["files"][0]["name"], "tune");
    assert!(
        classes.iter().any(|c| c["class"] == "default"),
        "default class always listed"
    );
    let (st, _) = d.api("DELETE", "/api/v1/moh/jazz/tune", None);
    assert_eq!(st, 204);
}

#[test]
fn bad_uploads_name_the_field_and_harm_nothing() {
    let dir = TempDir::new("sounds-bad");
    let d = Pbxd::start(&dir.0).expect("pbxd starts");

    let (st, body) = d.send_bytes(
        "PUT",
        "/api/v1/prompts/notes",
        "audio/wav",
        b"this is a text file, not audio at all\n",
    );
    assert_eq!(st, 400, "{body}");
    assert_eq!(body["field"], "file");

    let (st, body) = d.send_bytes("PUT", "/api/v1/prompts/empty", "audio/wav", b"");
    assert_eq!(st, 400, "{body}");
    assert_eq!(body["field"], "file");

    // A WAV header promising far more than it holds: concealed as truncated or refused,
    // never a crash.
    let mut cut = sine_wav_440(8000, 1000);
    cut.truncate(2000);
    let (st, body) = d.send_bytes("PUT", "/api/v1/prompts/cut", "audio/wav", &cut);
    assert!(st == 201 || st == 400, "{st} {body}");

    let huge = vec![0u8; 21 * 1024 * 1024];
    let (st, body) = d.send_bytes("PUT", "/api/v1/moh/default/huge", "audio/wav", &huge);
    assert_eq!(st, 413, "{body}");
    assert_eq!(body["field"], "file");

    let (st, body) = d.send_bytes(
        "PUT",
        "/api/v1/prompts/bad%20name%21",
        "audio/wav",
        &sine_wav_440(8000, 200),
    );
    assert_eq!(st, 400, "{body}");
    assert_eq!(body["field"], "name");

    let (st, body) = d.send_bytes(
        "PUT",
        "/api/v1/moh/..%2Fetc/x",
        "audio/wav",
        &sine_wav_440(8000, 200),
    );
    assert_eq!(st, 400, "{body}");
    assert_eq!(body["field"], "class");

    let (st, _) = d.api("GET", "/healthz", None);
    assert_eq!(st, 200, "pbxd is still up");
    assert!(
        !dir.0.join("prompts/notes.wav").exists() && !dir.0.join("moh/default/huge.wav").exists(),
        "nothing half-stored"
    );
}

/// A 440 Hz sine WAV at `rate`, `ms` long.
fn sine_wav_440(rate: u32, ms: u32) -> Vec<u8> {
    sine_wav_hz(rate, 440.0, ms)
}
