//! G.726-32 behaviour that needs no external tool: frame-length errors, random
//! payloads, round-trip quality and concealment.

mod g726_gsm_support;

use g726_gsm_support::{snr_db, tone, Rng};
use rotary_codecs::codec::{G726Decoder, G726Encoder};
use rotary_codecs::{CodecError, CodecId, Decoder, Encoder};

#[test]
fn identifies_itself() {
    let (enc, dec) = (G726Encoder::new(), G726Decoder::new());
    assert_eq!(enc.id(), CodecId::G726_32);
    assert_eq!(dec.id(), CodecId::G726_32);
    assert_eq!((enc.sample_rate(), dec.sample_rate()), (8000, 8000));
}

#[test]
fn packs_two_samples_per_byte() {
    let mut enc = G726Encoder::new();
    let mut out = vec![0xAA];
    enc.encode(&[0; 160], &mut out).unwrap();
    assert_eq!(out.len(), 81, "appends 80 bytes after what was there");
    assert_eq!(out[0], 0xAA);
    enc.encode(&[100, -100], &mut out).unwrap();
    assert_eq!(out.len(), 82);
}

#[test]
fn odd_or_empty_frames_are_refused() {
    let mut enc = G726Encoder::new();
    let mut out = Vec::new();
    for n in [0usize, 1, 159, 1602] {
        let err = enc.encode(&vec![0; n], &mut out).unwrap_err();
        assert_eq!(
            err,
            CodecError::BadFrameLength {
                codec: "G726-32",
                samples: n
            }
        );
    }
    assert!(out.is_empty());
    let mut dec = G726Decoder::new();
    let mut pcm = Vec::new();
    assert!(matches!(
        dec.decode(&[], &mut pcm),
        Err(CodecError::BadPayload { .. })
    ));
    // Longer than 200 ms (MAX_FRAME_MS) is refused rather than allocated for.
    assert!(matches!(
        dec.decode(&[0; 801], &mut pcm),
        Err(CodecError::BadPayload { .. })
    ));
    assert!(pcm.is_empty());
    enc.encode(&[0; 1600], &mut out).unwrap();
    dec.decode(&out, &mut pcm).unwrap();
    assert_eq!(pcm.len(), 1600);
}

#[test]
fn random_payloads_never_panic() {
    let mut rng = Rng(42);
    let mut dec = G726Decoder::new();
    let mut out = Vec::new();
    for i in 0..3000 {
        let len = (rng.next_u32() % 100) as usize;
        let payload: Vec<u8> = (0..len).map(|_| rng.next_u32() as u8).collect();
        out.clear();
        match dec.decode(&payload, &mut out) {
            Ok(()) => assert_eq!(out.len(), 2 * len),
            Err(_) => assert_eq!(len, 0),
        }
        if i % 7 == 0 {
            dec.conceal(len % 200, &mut out);
        }
    }
}

#[test]
fn random_and_extreme_pcm_never_panics() {
    let mut rng = Rng(7);
    let mut enc = G726Encoder::new();
    let mut dec = G726Decoder::new();
    let mut bytes = Vec::new();
    let mut pcm = Vec::new();
    for i in 0..1000 {
        let frame: Vec<i16> = (0..160)
            .map(|j| match i % 4 {
                0 => rng.next_u32() as i16,
                1 => {
                    if j % 2 == 0 {
                        i16::MAX
                    } else {
                        i16::MIN
                    }
                }
                2 => i16::MIN,
                _ => (rng.next_u32() % 64) as i16 - 32,
            })
            .collect();
        bytes.clear();
        enc.encode(&frame, &mut bytes).unwrap();
        dec.decode(&bytes, &mut pcm).unwrap();
    }
    assert_eq!(pcm.len(), 1000 * 160);
}

#[test]
fn a_tone_survives_the_round_trip() {
    let pcm = tone(1000.0, 1.0, 10000.0);
    let mut enc = G726Encoder::new();
    let mut dec = G726Decoder::new();
    let mut bytes = Vec::new();
    let mut out = Vec::new();
    for frame in pcm.chunks(160) {
        bytes.clear();
        enc.encode(frame, &mut bytes).unwrap();
        dec.decode(&bytes, &mut out).unwrap();
    }
    assert_eq!(out.len(), pcm.len());
    // After the predictor has adapted, ADPCM at 4 bits/sample gives well over 20 dB.
    let snr = snr_db(&pcm[800..], &out[800..]);
    assert!(snr > 20.0, "SNR {snr:.1} dB");
}

#[test]
fn concealment_repeats_then_fades_to_silence() {
    let pcm = tone(400.0, 0.2, 8000.0);
    let mut enc = G726Encoder::new();
    let mut dec = G726Decoder::new();
    let mut bytes = Vec::new();
    let mut out = Vec::new();
    enc.encode(&pcm, &mut bytes).unwrap();
    dec.decode(&bytes, &mut out).unwrap();

    let mut concealed = Vec::new();
    dec.conceal(160, &mut concealed);
    assert_eq!(concealed.len(), 160);
    let peak = |s: &[i16]| s.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0);
    assert!(
        peak(&concealed[..80]) > 4000,
        "the first 10 ms carry the tone on"
    );
    dec.conceal(480, &mut concealed);
    assert!(
        concealed[480..].iter().all(|&s| s == 0),
        "silent after 60 ms"
    );

    // Real audio resumes normally.
    let mut more = Vec::new();
    bytes.clear();
    enc.encode(&pcm[..160], &mut bytes).unwrap();
    dec.decode(&bytes, &mut more).unwrap();
    assert_eq!(more.len(), 160);
    assert!(peak(&more) > 4000);
}

#[test]
fn concealment_before_any_audio_is_silence() {
    let mut dec = G726Decoder::new();
    let mut out = Vec::new();
    dec.conceal(333, &mut out);
    assert_eq!(out, vec![0; 333]);
}
