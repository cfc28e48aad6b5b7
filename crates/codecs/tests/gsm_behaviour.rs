//! GSM 06.10 behaviour that needs no external tool: frame errors, random payloads,
//! round-trip quality and concealment.

mod g726_gsm_support;

use g726_gsm_support::{snr_db, tone, Rng};
use rotary_codecs::codec::{GsmDecoder, GsmEncoder};
use rotary_codecs::{CodecError, CodecId, Decoder, Encoder};

/// Encodes 20 ms at a time.
fn encode(pcm: &[i16]) -> Vec<u8> {
    let mut enc = GsmEncoder::new();
    let mut out = Vec::new();
    for frame in pcm.chunks(160) {
        enc.encode(frame, &mut out).unwrap();
    }
    out
}

/// Decodes one frame at a time.
fn decode(dec: &mut GsmDecoder, bytes: &[u8], out: &mut Vec<i16>) {
    for frame in bytes.chunks(33) {
        dec.decode(frame, out).unwrap();
    }
}

#[test]
fn identifies_itself() {
    let (enc, dec) = (GsmEncoder::new(), GsmDecoder::new());
    assert_eq!(enc.id(), CodecId::Gsm);
    assert_eq!(dec.id(), CodecId::Gsm);
    assert_eq!((enc.sample_rate(), dec.sample_rate()), (8000, 8000));
}

#[test]
fn frames_are_33_bytes_with_the_signature() {
    let bytes = encode(&tone(300.0, 0.06, 5000.0));
    assert_eq!(bytes.len(), 3 * 33);
    for frame in bytes.chunks(33) {
        assert_eq!(frame[0] >> 4, 0xD);
    }
}

#[test]
fn frames_that_are_not_multiples_of_160_are_refused() {
    let mut enc = GsmEncoder::new();
    let mut out = Vec::new();
    for n in [0usize, 1, 159, 161, 320 + 80, 1760] {
        let err = enc.encode(&vec![0; n], &mut out).unwrap_err();
        assert_eq!(
            err,
            CodecError::BadFrameLength {
                codec: "GSM",
                samples: n
            }
        );
    }
    assert!(out.is_empty());
    // Ten frames (200 ms, MAX_FRAME_MS) is the most one call takes.
    enc.encode(&[0; 1600], &mut out).unwrap();
    assert_eq!(out.len(), 330);
}

#[test]
fn bad_payloads_are_errors() {
    let good = encode(&tone(300.0, 0.04, 5000.0));
    let mut dec = GsmDecoder::new();
    let mut out = Vec::new();
    for bad in [&[][..], &good[..32], &good[..34], &good[..65]] {
        assert!(matches!(
            dec.decode(bad, &mut out),
            Err(CodecError::BadPayload { codec: "GSM", .. })
        ));
    }
    // A wrong signature in any frame refuses the whole payload, decoding nothing.
    let mut wrong = good.clone();
    wrong[33] = 0xC0 | (wrong[33] & 0x0F);
    assert!(dec.decode(&wrong, &mut out).is_err());
    assert!(out.is_empty());
    dec.decode(&good, &mut out).unwrap();
    assert_eq!(out.len(), 320);
    // More than 200 ms in one payload is refused.
    let long = encode(&vec![0; 1760]);
    out.clear();
    assert!(dec.decode(&long, &mut out).is_err());
    assert!(out.is_empty());
}

#[test]
fn random_payloads_never_panic() {
    let mut rng = Rng(4242);
    let mut dec = GsmDecoder::new();
    let mut out = Vec::new();
    let mut decoded = 0;
    for i in 0..3000 {
        // Mostly plausible lengths and signatures, sometimes not.
        let frames = 1 + (rng.next_u32() % 3) as usize;
        let mut len = frames * 33;
        if rng.next_u32().is_multiple_of(8) {
            len = (rng.next_u32() % 120) as usize;
        }
        let mut payload: Vec<u8> = (0..len).map(|_| rng.next_u32() as u8).collect();
        if !rng.next_u32().is_multiple_of(4) {
            for f in payload.chunks_mut(33) {
                f[0] = 0xD0 | (f[0] & 0x0F);
            }
        }
        out.clear();
        if dec.decode(&payload, &mut out).is_ok() {
            assert_eq!(out.len(), len / 33 * 160);
            decoded += 1;
        } else {
            assert!(out.is_empty());
        }
        if i % 5 == 0 {
            dec.conceal((rng.next_u32() % 500) as usize, &mut out);
        }
    }
    assert!(decoded > 1200);
}

#[test]
fn random_and_extreme_pcm_never_panics() {
    let mut rng = Rng(99);
    let mut enc = GsmEncoder::new();
    let mut dec = GsmDecoder::new();
    let mut bytes = Vec::new();
    let mut pcm = Vec::new();
    for i in 0..1000 {
        let frame: Vec<i16> = (0..160)
            .map(|j| match i % 5 {
                0 => rng.next_u32() as i16,
                1 => {
                    if j % 2 == 0 {
                        i16::MAX
                    } else {
                        i16::MIN
                    }
                }
                2 => i16::MIN,
                3 => {
                    if (j / 40) % 2 == 0 {
                        i16::MAX
                    } else {
                        0
                    }
                }
                _ => (rng.next_u32() % 16) as i16 - 8,
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
    let pcm = tone(440.0, 1.0, 8000.0);
    let bytes = encode(&pcm);
    let mut out = Vec::new();
    decode(&mut GsmDecoder::new(), &bytes, &mut out);
    assert_eq!(out.len(), pcm.len());
    // GSM is not waveform-exact, but a steady tone comes back close (no delay: the
    // codec has none at the sample level).
    let snr = snr_db(&pcm[1600..], &out[1600..]);
    assert!(snr > 10.0, "SNR {snr:.1} dB");
}

fn rms(s: &[i16]) -> f64 {
    (s.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / s.len().max(1) as f64).sqrt()
}

#[test]
fn concealment_repeats_then_fades_to_silence() {
    let pcm = tone(300.0, 0.4, 8000.0);
    let bytes = encode(&pcm);
    let mut dec = GsmDecoder::new();
    let mut out = Vec::new();
    decode(&mut dec, &bytes, &mut out);
    let level = rms(&out[out.len() - 160..]);

    let mut concealed = Vec::new();
    // Odd sizes: concealment is continuous whatever the caller asks for.
    for n in [100usize, 60, 160, 7, 153, 320, 1600, 1000] {
        let before = concealed.len();
        dec.conceal(n, &mut concealed);
        assert_eq!(concealed.len() - before, n);
    }
    let frames: Vec<f64> = concealed.chunks(160).map(rms).collect();
    assert!(
        frames[0] > level * 0.5,
        "first lost frame repeats ({} vs {level})",
        frames[0]
    );
    assert!(frames[4] < frames[0] * 0.7, "fades: {frames:?}");
    assert!(frames[10] < frames[0] * 0.2, "fades: {frames:?}");
    assert!(
        frames[16..].iter().all(|&r| r == 0.0),
        "silent after 320 ms: {frames:?}"
    );

    // A good frame afterwards decodes normally.
    let mut again = Vec::new();
    dec.decode(&bytes[..33], &mut again).unwrap();
    assert_eq!(again.len(), 160);
}

#[test]
fn concealment_before_any_frame_is_silence() {
    let mut dec = GsmDecoder::new();
    let mut out = Vec::new();
    dec.conceal(500, &mut out);
    assert_eq!(out, vec![0; 500]);
}
