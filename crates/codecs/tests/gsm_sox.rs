//! GSM 06.10 against libgsm (through sox): our encoder's frames and our decoder's
//! samples must be identical to the reference on sweep, noise, speech and clipping.

mod g726_gsm_support;

use g726_gsm_support::{noise, read_pcm, run, speech, sweep, tone, write_pcm, Scratch};
use rotary_codecs::codec::{GsmDecoder, GsmEncoder};
use rotary_codecs::{Decoder, Encoder};

fn sox_encode(dir: &Scratch, pcm: &[i16]) -> Vec<u8> {
    let input = dir.path("in.raw");
    let output = dir.path("sox.gsm");
    write_pcm(&input, pcm);
    run(
        "sox",
        &[
            "-D",
            "-t",
            "raw",
            "-r",
            "8000",
            "-e",
            "signed",
            "-b",
            "16",
            "-c",
            "1",
            input.to_str().unwrap(),
            output.to_str().unwrap(),
        ],
    );
    std::fs::read(&output).expect("read sox output")
}

fn sox_decode(dir: &Scratch, frames: &[u8]) -> Vec<i16> {
    let input = dir.path("in.gsm");
    let output = dir.path("sox.raw");
    std::fs::write(&input, frames).expect("write gsm");
    run(
        "sox",
        &[
            "-D",
            input.to_str().unwrap(),
            "-t",
            "raw",
            "-e",
            "signed",
            "-b",
            "16",
            output.to_str().unwrap(),
        ],
    );
    read_pcm(&output)
}

fn test_signal(dir: &Scratch) -> Vec<i16> {
    let mut pcm = sweep(3.0, 12000.0);
    pcm.extend(noise(2.0, 8000, 0x1234_5678));
    pcm.extend(std::iter::repeat_n(0, 800));
    pcm.extend(speech(dir));
    // Full scale: saturation paths of the fixed-point arithmetic.
    pcm.extend(sweep(1.0, 32767.0));
    pcm.extend(noise(0.5, 32767, 99));
    pcm.extend((0..1600).map(|i| if i / 20 % 2 == 0 { i16::MAX } else { i16::MIN }));
    pcm.extend(tone(440.0, 0.5, 300.0));
    pcm.extend(noise(0.2, 3, 7));
    let pad = (160 - pcm.len() % 160) % 160;
    pcm.extend(std::iter::repeat_n(0, pad));
    pcm
}

#[test]
fn encoder_and_decoder_match_libgsm() {
    let dir = Scratch::new("gsm-sox");
    let pcm = test_signal(&dir);
    assert!(
        pcm.len() > 8000 * 8,
        "speech synthesis produced too little audio"
    );

    let mut enc = GsmEncoder::new();
    let mut ours = Vec::new();
    // Mixed packet sizes: 20, 40 and 60 ms.
    let mut rest = &pcm[..];
    for n in [1usize, 2, 3].iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let take = (n * 160).min(rest.len());
        enc.encode(&rest[..take], &mut ours).unwrap();
        rest = &rest[take..];
    }
    let theirs = sox_encode(&dir, &pcm);
    assert_eq!(ours.len(), pcm.len() / 160 * 33);
    assert_eq!(ours.len(), theirs.len());
    if let Some(i) = ours.iter().zip(&theirs).position(|(a, b)| a != b) {
        panic!(
            "frame {} byte {}: ours {:#04x}, libgsm {:#04x}",
            i / 33,
            i % 33,
            ours[i],
            theirs[i]
        );
    }

    let mut dec = GsmDecoder::new();
    let mut decoded = Vec::new();
    for frame in ours.chunks(33) {
        dec.decode(frame, &mut decoded).unwrap();
    }
    let reference = sox_decode(&dir, &ours);
    assert_eq!(decoded.len(), reference.len());
    if let Some(i) = decoded.iter().zip(&reference).position(|(a, b)| a != b) {
        panic!("sample {i}: ours {}, libgsm {}", decoded[i], reference[i]);
    }
}

#[test]
fn decoder_matches_libgsm_on_random_frames() {
    // Random parameters (including lags outside 40..=120) reach corners speech never
    // does.
    let dir = Scratch::new("gsm-random");
    let mut rng = g726_gsm_support::Rng(0x0123_4567_89ab_cdef);
    let mut frames = Vec::new();
    for _ in 0..2000 {
        let mut f = [0u8; 33];
        for b in &mut f {
            *b = rng.next_u32() as u8;
        }
        f[0] = 0xD0 | (f[0] & 0x0F);
        frames.extend_from_slice(&f);
    }
    let mut dec = GsmDecoder::new();
    let mut ours = Vec::new();
    for payload in frames.chunks(3 * 33) {
        dec.decode(payload, &mut ours).unwrap();
    }
    let reference = sox_decode(&dir, &frames);
    assert_eq!(ours.len(), reference.len());
    if let Some(i) = ours.iter().zip(&reference).position(|(a, b)| a != b) {
        panic!("sample {i}: ours {}, libgsm {}", ours[i], reference[i]);
    }
}
