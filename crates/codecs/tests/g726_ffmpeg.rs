//! G.726-32 against ffmpeg's `g726le` (RFC 3551 packing): our encoder's bytes and our
//! decoder's samples must equal ffmpeg's on sweep, noise and speech.

mod g726_gsm_support;

use g726_gsm_support::{noise, read_pcm, run, speech, sweep, tone, write_pcm, Rng, Scratch};
use rotary_codecs::codec::{G726Decoder, G726Encoder};
use rotary_codecs::{Decoder, Encoder};

fn ffmpeg_encode(dir: &Scratch, pcm: &[i16]) -> Vec<u8> {
    let input = dir.path("in.raw");
    let output = dir.path("ff.g726");
    write_pcm(&input, pcm);
    run(
        "ffmpeg",
        &[
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "s16le",
            "-ar",
            "8000",
            "-ac",
            "1",
            "-i",
            input.to_str().unwrap(),
            "-c:a",
            "g726le",
            "-code_size",
            "4",
            "-f",
            "g726le",
            output.to_str().unwrap(),
        ],
    );
    std::fs::read(&output).expect("read ffmpeg output")
}

fn ffmpeg_decode(dir: &Scratch, bytes: &[u8]) -> Vec<i16> {
    let input = dir.path("in.g726");
    let output = dir.path("ff.raw");
    std::fs::write(&input, bytes).expect("write g726");
    run(
        "ffmpeg",
        &[
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "g726le",
            "-code_size",
            "4",
            "-sample_rate",
            "8000",
            "-i",
            input.to_str().unwrap(),
            "-f",
            "s16le",
            output.to_str().unwrap(),
        ],
    );
    read_pcm(&output)
}

/// Our decoder saturates where ffmpeg wraps the 16-bit output; everywhere else the
/// samples must be identical.
fn assert_same_decode(ours: &[i16], theirs: &[i16]) -> usize {
    assert_eq!(ours.len(), theirs.len(), "decoded lengths differ");
    let mut saturated = 0;
    for (i, (&a, &b)) in ours.iter().zip(theirs).enumerate() {
        if a != b {
            assert!(
                a == i16::MAX || a == i16::MIN,
                "sample {i}: ours {a}, ffmpeg {b} (differ without saturation)"
            );
            saturated += 1;
        }
    }
    saturated
}

fn test_signal(dir: &Scratch) -> Vec<i16> {
    let mut pcm = sweep(3.0, 12000.0);
    pcm.extend(noise(2.0, 8000, 0x1234_5678));
    pcm.extend(std::iter::repeat_n(0, 800));
    pcm.extend(speech(dir));
    pcm.extend(sweep(1.0, 30000.0));
    // Steady tones with abrupt changes exercise the tone and transition detectors.
    for (hz, amp) in [
        (1000.0, 10000.0),
        (350.0, 3000.0),
        (2600.0, 16000.0),
        (440.0, 500.0),
    ] {
        pcm.extend(tone(hz, 0.5, amp));
        pcm.extend(noise(0.05, 20000, hz as u64));
    }
    if pcm.len() % 2 == 1 {
        pcm.push(0);
    }
    pcm
}

#[test]
fn encoder_and_decoder_match_ffmpeg() {
    let dir = Scratch::new("g726-ffmpeg");
    let pcm = test_signal(&dir);
    assert!(
        pcm.len() > 8000 * 6,
        "speech synthesis produced too little audio"
    );

    let mut enc = G726Encoder::new();
    let mut ours = Vec::new();
    // 20 ms packets, the last one whatever is left (any even size works).
    for frame in pcm.chunks(160) {
        enc.encode(frame, &mut ours).unwrap();
    }
    let theirs = ffmpeg_encode(&dir, &pcm);
    assert_eq!(ours.len(), theirs.len());
    if let Some(i) = ours.iter().zip(&theirs).position(|(a, b)| a != b) {
        panic!(
            "first differing byte {i}: ours {:#04x}, ffmpeg {:#04x}",
            ours[i], theirs[i]
        );
    }

    let mut dec = G726Decoder::new();
    let mut decoded = Vec::new();
    for payload in ours.chunks(80) {
        dec.decode(payload, &mut decoded).unwrap();
    }
    let ff = ffmpeg_decode(&dir, &ours);
    assert_same_decode(&decoded, &ff);
}

#[test]
fn decoder_matches_ffmpeg_on_random_codewords() {
    // Random codewords drive the predictor to its limits (large signals, the
    // transition detector, clipping of the coefficients).
    let dir = Scratch::new("g726-random");
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let bytes: Vec<u8> = (0..40_000).map(|_| rng.next_u32() as u8).collect();
    let mut dec = G726Decoder::new();
    let mut ours = Vec::new();
    for payload in bytes.chunks(160) {
        dec.decode(payload, &mut ours).unwrap();
    }
    let ff = ffmpeg_decode(&dir, &bytes);
    let saturated = assert_same_decode(&ours, &ff);
    assert!(saturated < ours.len() / 2);
}
