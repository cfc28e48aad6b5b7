//! Conformance and interoperability of the self-written codecs: G.711 against the
//! standard's quantization rules and against sox, G.722 against ffmpeg bit for bit.

mod codec_support;

use std::process::Command;

use codec_support::{read_raw, run, test_signal_16k, tmp, write_raw};
use rotary_codecs::codec::{
    alaw_to_linear, linear_to_alaw, linear_to_ulaw, ulaw_to_linear, G722Decoder, G722Encoder,
};
use rotary_codecs::{Decoder, Encoder};

/// The 128 µ-law reconstruction levels (14-bit magnitudes), derived from the layout of
/// G.711 Table 2a rather than the implementation's formula: segment 0 is one interval of
/// width 1 then 15 of width 2; segment s >= 1 is 16 intervals of width 2^(s+1); each
/// level is the middle of its interval (0 for the first).
fn ulaw_levels() -> Vec<i32> {
    let mut levels = vec![0];
    let mut lo = 1;
    for seg in 0..8 {
        let width = 2 << seg;
        let count = if seg == 0 { 15 } else { 16 };
        for _ in 0..count {
            levels.push(lo + width / 2);
            lo += width;
        }
    }
    levels
}

/// The 128 A-law reconstruction levels (13-bit magnitudes) from G.711 Table 1a: segments
/// 0 and 1 are 16 intervals of width 2, segment s >= 2 16 of width 2^s; each level is
/// the middle of its interval.
fn alaw_levels() -> Vec<i32> {
    let mut levels = Vec::new();
    let mut lo = 0;
    for seg in 0..8 {
        let width = if seg < 2 { 2 } else { 1 << seg };
        for _ in 0..16 {
            levels.push(lo + width / 2);
            lo += width;
        }
    }
    levels
}

/// Expected 16-bit value of a µ-law character: bits inverted on the line; after
/// inversion bit 7 is the sign (1 = negative), bits 6..0 the level index.
fn ulaw_expected(code: u8) -> i16 {
    let u = !code;
    let mag = ulaw_levels()[usize::from(u & 0x7F)] * 4;
    (if u & 0x80 != 0 { -mag } else { mag }) as i16
}

/// Expected 16-bit value of an A-law character: even bits inverted on the line; after
/// that bit 7 set means positive, bits 6..0 the level index.
fn alaw_expected(code: u8) -> i16 {
    let u = code ^ 0x55;
    let mag = alaw_levels()[usize::from(u & 0x7F)] * 8;
    (if u & 0x80 != 0 { mag } else { -mag }) as i16
}

#[test]
fn g711_decoding_follows_the_standard_tables() {
    assert_eq!(ulaw_levels().len(), 128);
    assert_eq!(*ulaw_levels().last().unwrap(), 8031);
    assert_eq!(*alaw_levels().last().unwrap(), 4032);
    for c in 0..=255u8 {
        assert_eq!(ulaw_to_linear(c), ulaw_expected(c), "µ-law {c:#04x}");
        assert_eq!(alaw_to_linear(c), alaw_expected(c), "A-law {c:#04x}");
    }
}

/// Index of the interval (from the `levels` layout, lower bounds `bounds`) that holds the
/// magnitude `m` (in native units times `scale`), clipping at the top.
fn interval_of(bounds: &[i32], m: i32, scale: i32) -> usize {
    bounds.iter().rposition(|&lo| m >= lo * scale).unwrap_or(0)
}

/// Lower bounds of the µ-law intervals (14-bit), same layout as [`ulaw_levels`].
fn ulaw_bounds() -> Vec<i32> {
    let mut b = vec![0];
    let mut lo = 1;
    for seg in 0..8 {
        for _ in 0..if seg == 0 { 15 } else { 16 } {
            b.push(lo);
            lo += 2 << seg;
        }
    }
    b
}

/// Lower bounds of the A-law intervals (13-bit), same layout as [`alaw_levels`].
fn alaw_bounds() -> Vec<i32> {
    let mut b = Vec::new();
    let mut lo = 0;
    for seg in 0..8 {
        for _ in 0..16 {
            b.push(lo);
            lo += if seg < 2 { 2 } else { 1 << seg };
        }
    }
    b
}

/// Encoding puts every 16-bit input in the G.711 interval that holds it (µ-law: the
/// magnitude |x| / 4 in 14-bit units; A-law: the one's-complement magnitude / 8 in
/// 13-bit units), and so picks the nearest level everywhere except just above a segment
/// start, where the standard's decision value is the segment edge, not the half-way
/// point between the levels either side. There the error still stays within half the
/// interval.
#[test]
fn g711_encoding_follows_the_decision_values() {
    let (ub, ab) = (ulaw_bounds(), alaw_bounds());
    let (mut u_not_nearest, mut a_not_nearest) = (0, 0);
    for x in i16::MIN..=i16::MAX {
        let x32 = i32::from(x);

        let code = linear_to_ulaw(x);
        let want = interval_of(&ub, x32.abs(), 4);
        assert_eq!(usize::from(!code & 0x7F), want, "µ-law interval of {x}");
        assert_eq!(code & 0x80 == 0, x < 0, "µ-law sign of {x}");
        let err = (i32::from(ulaw_to_linear(code)) - x32).abs();
        let nearest = (0..=255u8)
            .map(|c| (i32::from(ulaw_to_linear(c)) - x32).abs())
            .min()
            .unwrap();
        if err != nearest {
            u_not_nearest += 1;
            // Only in the first interval of a segment (indices 16, 32, ...).
            assert!(
                want.is_multiple_of(16) && want > 0,
                "µ-law {x}: interval {want}"
            );
        }

        let code = linear_to_alaw(x);
        let mag = if x < 0 { -x32 - 1 } else { x32 };
        let want = interval_of(&ab, mag, 8);
        assert_eq!(
            usize::from((code ^ 0x55) & 0x7F),
            want,
            "A-law interval of {x}"
        );
        assert_eq!((code ^ 0x55) & 0x80 != 0, x >= 0, "A-law sign of {x}");
        let err = (i32::from(alaw_to_linear(code)) - x32).abs();
        let nearest = (0..=255u8)
            .map(|c| (i32::from(alaw_to_linear(c)) - x32).abs())
            .min()
            .unwrap();
        if err != nearest {
            a_not_nearest += 1;
            assert!(
                want.is_multiple_of(16) && want > 16,
                "A-law {x}: interval {want}"
            );
        }
    }
    eprintln!(
        "not the nearest level (segment starts): µ-law {u_not_nearest}, A-law {a_not_nearest}"
    );
    // 7 segment starts each side, each a quarter of its first interval or so.
    assert!(u_not_nearest > 0 && u_not_nearest < 1200, "{u_not_nearest}");
    assert!(a_not_nearest > 0 && a_not_nearest < 1200, "{a_not_nearest}");
}

/// Encodes `pcm` with sox to `encoding` ("u-law"/"a-law"). `-D`: without it sox dithers
/// when it narrows 16 bits to the law's 13/14, and its output is random.
fn sox_encode(pcm: &[i16], encoding: &str) -> Vec<u8> {
    let inp = tmp("sox-in.raw");
    let out = tmp("sox-out.raw");
    write_raw(&inp, pcm);
    run(Command::new("sox")
        .arg("-D")
        .args([
            "-t", "raw", "-r", "8000", "-e", "signed", "-b", "16", "-c", "1",
        ])
        .arg(&inp)
        .args(["-t", "raw", "-e", encoding])
        .arg(&out));
    let bytes = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(inp);
    let _ = std::fs::remove_file(out);
    bytes
}

/// Decodes G.711 bytes with sox.
fn sox_decode(bytes: &[u8], encoding: &str) -> Vec<i16> {
    let inp = tmp("sox-in.g711");
    let out = tmp("sox-out.raw");
    std::fs::write(&inp, bytes).unwrap();
    run(Command::new("sox")
        .args(["-t", "raw", "-r", "8000", "-e", encoding, "-c", "1"])
        .arg(&inp)
        .args(["-t", "raw", "-e", "signed", "-b", "16"])
        .arg(&out));
    let pcm = read_raw(&out);
    let _ = std::fs::remove_file(inp);
    let _ = std::fs::remove_file(out);
    pcm
}

/// sox rounds 16-bit input to the law's native precision (14 bits µ-law, 13 bits A-law)
/// before quantizing; we pick the nearest level of the 16-bit value. On the native grid
/// (what G.711 itself specifies) the two must agree byte for byte.
#[test]
fn g711_matches_sox_byte_for_byte() {
    let signal = test_signal_16k();
    let narrow = rotary_codecs::resample_once(&signal, 16000, 8000);
    for (enc, step, ours, back) in [
        (
            "u-law",
            4i32,
            linear_to_ulaw as fn(i16) -> u8,
            ulaw_to_linear as fn(u8) -> i16,
        ),
        ("a-law", 8, linear_to_alaw, alaw_to_linear),
    ] {
        // Snap to the native grid, staying inside i16.
        let grid: Vec<i16> = narrow
            .iter()
            .map(|&s| ((i32::from(s) / step) * step) as i16)
            .collect();
        let theirs = sox_encode(&grid, enc);
        let mine: Vec<u8> = grid.iter().map(|&s| ours(s)).collect();
        assert_eq!(theirs.len(), mine.len());
        let first_diff = mine.iter().zip(&theirs).position(|(a, b)| a != b);
        assert_eq!(
            first_diff, None,
            "{enc}: differs from sox at {first_diff:?}"
        );
        // Decoding: every one of the 256 codes, and the signal.
        let all: Vec<u8> = (0..=255).collect();
        let decoded: Vec<i16> = all.iter().map(|&c| back(c)).collect();
        assert_eq!(sox_decode(&all, enc), decoded, "{enc} decode table");
    }
}

/// Off the grid, sox rounds the input to the law's native precision first (half up,
/// clipping at the top) and then quantizes; we quantize the exact value. Modelled
/// precisely: sox's byte for `x` is ours for `x` rounded to the grid, for all 65536
/// inputs.
#[test]
fn g711_off_grid_sox_is_ours_after_rounding_to_the_grid() {
    let ramp: Vec<i16> = (i16::MIN..=i16::MAX).collect();
    for (enc, step, ours) in [
        ("u-law", 4i32, linear_to_ulaw as fn(i16) -> u8),
        ("a-law", 8, linear_to_alaw),
    ] {
        let theirs = sox_encode(&ramp, enc);
        let mut differing = 0;
        for (i, &x) in ramp.iter().enumerate() {
            let rounded = ((i32::from(x) + step / 2).div_euclid(step) * step).min(32768 - step);
            assert_eq!(theirs[i], ours(rounded as i16), "{enc} {x}");
            differing += usize::from(theirs[i] != ours(x));
        }
        eprintln!("{enc}: {differing} of 65536 inputs round differently from sox");
    }
}

fn ffmpeg_g722_encode(pcm: &[i16]) -> Vec<u8> {
    let inp = tmp("ff-in.raw");
    let out = tmp("ff-out.g722");
    write_raw(&inp, pcm);
    run(Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y"])
        .args(["-f", "s16le", "-ar", "16000", "-ac", "1", "-i"])
        .arg(&inp)
        .args(["-acodec", "g722", "-f", "g722"])
        .arg(&out));
    let bytes = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(inp);
    let _ = std::fs::remove_file(out);
    bytes
}

fn ffmpeg_g722_decode(bytes: &[u8]) -> Vec<i16> {
    let inp = tmp("ff-in.g722");
    let out = tmp("ff-out.raw");
    std::fs::write(&inp, bytes).unwrap();
    run(Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-f", "g722", "-i"])
        .arg(&inp)
        .args(["-f", "s16le"])
        .arg(&out));
    let pcm = read_raw(&out);
    let _ = std::fs::remove_file(inp);
    let _ = std::fs::remove_file(out);
    pcm
}

#[test]
fn g722_encoder_is_bit_exact_with_ffmpeg() {
    let x = test_signal_16k();
    let x = &x[..x.len() / 320 * 320];
    let theirs = ffmpeg_g722_encode(x);
    let mut enc = G722Encoder::new();
    let mut mine = Vec::new();
    for frame in x.chunks(320) {
        enc.encode(frame, &mut mine).unwrap();
    }
    assert_eq!(mine.len(), x.len() / 2);
    assert_eq!(theirs.len(), mine.len());
    let first = mine.iter().zip(&theirs).position(|(a, b)| a != b);
    assert_eq!(
        first,
        None,
        "first differing byte at {first:?} of {}",
        mine.len()
    );
}

#[test]
fn g722_decoder_is_bit_exact_with_ffmpeg() {
    // Decode both a real encoding and arbitrary bytes (every code in every state).
    let x = test_signal_16k();
    let x = &x[..x.len() / 320 * 320];
    let mut enc = G722Encoder::new();
    let mut bytes = Vec::new();
    for frame in x.chunks(320) {
        enc.encode(frame, &mut bytes).unwrap();
    }
    let mut rng = codec_support::Rng::new(99);
    bytes.extend((0..16000).map(|_| rng.next_u64() as u8));
    let theirs = ffmpeg_g722_decode(&bytes);
    let mut dec = G722Decoder::new();
    let mut mine = Vec::new();
    for chunk in bytes.chunks(160) {
        dec.decode(chunk, &mut mine).unwrap();
    }
    assert_eq!(theirs.len(), mine.len());
    let first = mine.iter().zip(&theirs).position(|(a, b)| a != b);
    assert_eq!(
        first,
        None,
        "first differing sample at {first:?} of {}",
        mine.len()
    );
}
