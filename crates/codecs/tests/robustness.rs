//! Network input never panics: every decoder gets thousands of random payloads (empty,
//! short, truncated, oversized), every encoder random frame lengths. Each call either
//! works or returns a `CodecError`; output stays bounded.

mod codec_support;

use codec_support::Rng;
use rotary_codecs::codec::MAX_FRAME_MS;
use rotary_codecs::{new_decoder, new_encoder, CodecError, CodecId, CodecParams};

/// Every codec, Opus at each of its PCM rates.
fn all_params() -> Vec<CodecParams> {
    let mut v: Vec<CodecParams> = CodecId::ALL
        .iter()
        .filter(|&&id| id != CodecId::Opus)
        .map(|&id| CodecParams::new(id))
        .collect();
    for rate in [8000, 12000, 16000, 24000, 48000] {
        let mut p = CodecParams::new(CodecId::Opus);
        p.sample_rate = rate;
        v.push(p);
    }
    v
}

/// Random bytes of a random length; one in ten is oversized (one repeated byte).
fn random_payload(rng: &mut Rng) -> Vec<u8> {
    let len = match rng.below(10) {
        0 => 0,
        1..=3 => rng.below(4),
        4..=7 => rng.below(400),
        8 => rng.below(3000),
        _ => return vec![rng.next_u64() as u8; 5000 + rng.below(100_000)],
    };
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

/// A real payload damaged: bytes flipped, truncated, or extended with junk. Reaches
/// the code behind the format checks that pure noise rarely passes (GSM's signature).
fn damaged(valid: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut p = valid.to_vec();
    for _ in 0..1 + rng.below(8) {
        let i = rng.below(p.len());
        p[i] ^= 1 << rng.below(8);
    }
    match rng.below(4) {
        0 => p.truncate(rng.below(p.len() + 1)),
        1 => p.extend((0..rng.below(200)).map(|_| rng.next_u64() as u8)),
        _ => {}
    }
    p
}

#[test]
fn random_payloads_never_panic_any_decoder() {
    let mut rng = Rng::new(0x5eed);
    for p in all_params() {
        let mut dec = new_decoder(&p).unwrap();
        let max_out = (dec.sample_rate() * MAX_FRAME_MS / 1000) as usize;
        let (mut ok, mut err) = (0, 0);
        for i in 0..3000 {
            let payload = random_payload(&mut rng);
            let mut out = Vec::new();
            match dec.decode(&payload, &mut out) {
                Ok(()) => {
                    ok += 1;
                    assert!(
                        !out.is_empty(),
                        "{} decoded {} bytes to nothing",
                        p.id,
                        payload.len()
                    );
                    assert!(out.len() <= max_out, "{}: {} samples", p.id, out.len());
                }
                Err(e) => {
                    err += 1;
                    assert!(
                        matches!(e, CodecError::BadPayload { .. }),
                        "{}: {e:?}",
                        p.id
                    );
                    assert!(out.is_empty(), "{}: output on error", p.id);
                }
            }
            // Interleave losses of odd sizes, with and without a following packet.
            if i % 7 == 0 {
                let n = rng.below(2000);
                let mut out = Vec::new();
                dec.conceal(n, &mut out);
                assert_eq!(out.len(), n, "{} conceal", p.id);
                let next = random_payload(&mut rng);
                let mut out = Vec::new();
                dec.conceal_with_next(&next, n, &mut out);
                assert_eq!(out.len(), n, "{} conceal_with_next", p.id);
            }
        }
        // Damaged real packets (of noise, so every code path carries signal).
        let mut enc = new_encoder(&p).unwrap();
        let frame = p.id.frame_samples(p.sample_rate, 20);
        for _ in 0..1000 {
            let pcm: Vec<i16> = (0..frame).map(|_| (rng.next_u64() as i16) / 4).collect();
            let mut valid = Vec::new();
            enc.encode(&pcm, &mut valid).unwrap();
            let mut out = Vec::new();
            match dec.decode(&damaged(&valid, &mut rng), &mut out) {
                Ok(()) => {
                    ok += 1;
                    assert!(!out.is_empty() && out.len() <= max_out, "{}", p.id);
                }
                Err(e) => {
                    err += 1;
                    assert!(
                        matches!(e, CodecError::BadPayload { .. }),
                        "{}: {e:?}",
                        p.id
                    );
                }
            }
        }
        eprintln!(
            "{:>8} @{:>5}: {ok} decoded, {err} refused",
            p.id.name(),
            p.sample_rate
        );
        // Empty and huge payloads are always refused.
        let mut out = Vec::new();
        assert!(dec.decode(&[], &mut out).is_err());
        assert!(dec.decode(&vec![0x55; 200_000], &mut out).is_err());
    }
}

#[test]
fn random_frame_lengths_never_panic_any_encoder() {
    let mut rng = Rng::new(42);
    for p in all_params() {
        let mut enc = new_encoder(&p).unwrap();
        let mut accepted = 0;
        for _ in 0..400 {
            let n = if rng.below(4) == 0 {
                rng.below(100_000)
            } else {
                rng.below(4000)
            };
            let pcm: Vec<i16> = (0..n).map(|_| rng.next_u64() as i16).collect();
            let mut out = Vec::new();
            match enc.encode(&pcm, &mut out) {
                Ok(()) => {
                    accepted += 1;
                    assert!(!out.is_empty());
                }
                Err(CodecError::BadFrameLength { samples, .. }) => {
                    assert_eq!(samples, n);
                    assert!(out.is_empty());
                }
                Err(e) => panic!("{}: {e:?}", p.id),
            }
        }
        // A 20 ms frame always encodes.
        let mut out = Vec::new();
        enc.encode(&vec![0; p.id.frame_samples(p.sample_rate, 20)], &mut out)
            .unwrap_or_else(|e| panic!("{}: {e}", p.id));
        eprintln!(
            "{:>8} @{:>5}: {accepted} of 400 random lengths accepted",
            p.id.name(),
            p.sample_rate
        );
    }
}
