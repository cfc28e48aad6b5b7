//! Listening quality, scored with ITU-T P.862 PESQ (the `pesq` Python package): espeak-ng
//! speech through each codec, and through each transcoding pair Rotary bridges
//! (decode one leg, resample to the other leg's rate in 20 ms chunks as the media
//! engine does, encode for the other leg). Narrowband PESQ (P.862, MOS-LQO) at 8 kHz
//! when either side is narrowband, wideband (P.862.2) at 16 kHz otherwise.
//!
//! Thresholds: the published PESQ figures for natural speech are roughly G.711 4.3-4.4
//! (P.862 MOS-LQO), G.726-32 3.7-4.0, GSM-FR 3.4-3.6, G.722-64 3.8-4.0 wideband, Opus
//! wideband VoIP 4.0-4.5. espeak-ng's synthetic voices score lower through the ADPCM
//! codecs than natural speech does (ffmpeg's and sox's own G.722/G.726/GSM score the
//! within 0.1 of ours on this signal). Each floor was calibrated on this signal (the measured
//! score is in the comment) and set about 0.3 under it.

mod codec_support;

use std::process::Command;

use codec_support::{output, speech_16k, tmp, write_raw};
use rotary_codecs::{new_decoder, new_encoder, resample_once, CodecId, CodecParams, Resampler};

/// PESQ of `deg` against `reference`, both at `rate` (8000: narrowband, 16000: wideband).
fn pesq(reference: &[i16], deg: &[i16], rate: u32) -> f64 {
    let r = tmp("pesq-ref.raw");
    let d = tmp("pesq-deg.raw");
    write_raw(&r, reference);
    write_raw(&d, deg);
    let mode = if rate == 8000 { "nb" } else { "wb" };
    let script = "import sys, numpy as np\n\
                  from pesq import pesq\n\
                  r = np.fromfile(sys.argv[1], dtype='<i2').astype(np.float32)\n\
                  d = np.fromfile(sys.argv[2], dtype='<i2').astype(np.float32)\n\
                  print(pesq(int(sys.argv[3]), r, d, sys.argv[4]))";
    let out = output(
        Command::new("python3")
            .args(["-c", script])
            .arg(&r)
            .arg(&d)
            .args([&rate.to_string(), mode]),
    );
    let _ = std::fs::remove_file(r);
    let _ = std::fs::remove_file(d);
    out.trim()
        .parse()
        .unwrap_or_else(|_| panic!("pesq printed {out:?}"))
}

/// One leg of a call: the codec and the PCM rate its encoder and decoder run at.
fn leg(id: CodecId) -> CodecParams {
    CodecParams::new(id)
}

/// Encodes `pcm` (at the leg's rate) in 20 ms frames and decodes it again.
fn through(p: &CodecParams, pcm: &[i16]) -> Vec<i16> {
    let mut enc = new_encoder(p).unwrap();
    let mut dec = new_decoder(p).unwrap();
    let frame = p.id.frame_samples(p.sample_rate, 20);
    let mut out = Vec::with_capacity(pcm.len());
    let mut payload = Vec::new();
    for f in pcm.chunks_exact(frame) {
        payload.clear();
        enc.encode(f, &mut payload).unwrap();
        dec.decode(&payload, &mut out).unwrap();
    }
    out
}

/// Streams `pcm` through a per-call [`Resampler`] in 20 ms chunks.
fn stream_resample(pcm: &[i16], from: u32, to: u32) -> Vec<i16> {
    let mut r = Resampler::new(from, to).unwrap();
    let mut out = Vec::new();
    for f in pcm.chunks((from / 50) as usize) {
        r.process(f, &mut out);
    }
    out
}

/// A narrowband or wideband leg?
fn is_wide(p: &CodecParams) -> bool {
    p.sample_rate >= 16000
}

struct Speech {
    nb: Vec<i16>,
    wb: Vec<i16>,
}

impl Speech {
    fn new() -> Self {
        let wb = speech_16k();
        let nb = resample_once(&wb, 16000, 8000);
        Speech { nb, wb }
    }

    fn at(&self, rate: u32) -> Vec<i16> {
        match rate {
            8000 => self.nb.clone(),
            16000 => self.wb.clone(),
            r => resample_once(&self.wb, 16000, r),
        }
    }

    /// Scores `deg` (at `rate`) against the reference, at 8 kHz nb or 16 kHz wb.
    fn score(&self, deg: &[i16], rate: u32, wide: bool) -> (f64, &'static str) {
        if wide {
            let d = if rate == 16000 {
                deg.to_vec()
            } else {
                resample_once(deg, rate, 16000)
            };
            (pesq(&self.wb, &d, 16000), "wb")
        } else {
            let d = if rate == 8000 {
                deg.to_vec()
            } else {
                resample_once(deg, rate, 8000)
            };
            (pesq(&self.nb, &d, 8000), "nb")
        }
    }
}

/// One row of the report.
struct Row {
    name: String,
    mode: &'static str,
    score: f64,
    floor: f64,
}

fn report(rows: &[Row]) {
    eprintln!("{:<22} {:>4} {:>6} {:>6}", "path", "mode", "PESQ", "floor");
    for r in rows {
        eprintln!(
            "{:<22} {:>4} {:>6.2} {:>6.2}",
            r.name, r.mode, r.score, r.floor
        );
    }
    let failed: Vec<_> = rows
        .iter()
        .filter(|r| r.score < r.floor)
        .map(|r| &r.name)
        .collect();
    assert!(failed.is_empty(), "below their floor: {failed:?}");
}

#[test]
fn each_codec_alone() {
    let speech = Speech::new();
    // (codec, floor). Measured on this signal: see the report printed by the test.
    let cases = [
        (CodecId::Pcmu, 4.1),  // measured 4.40 (published G.711 ~4.3-4.4)
        (CodecId::Pcma, 4.05), // measured 4.37
        // Measured 3.31 wb. Lower than the ~3.8-4.0 published for natural speech, but
        // ffmpeg's G.722 makes the identical bitstream (tests/interop.rs), so this is the
        // codec on espeak's voice, whose strong 4-8 kHz buzz lands in G.722's 2-bit band.
        (CodecId::G722, 3.0),
        (CodecId::G726_32, 3.2), // measured 3.49 (published ~3.7-4.0; ffmpeg's scores alike)
        (CodecId::Gsm, 3.15),    // measured 3.48 (published GSM-FR ~3.4-3.6)
        (CodecId::Opus, 4.0),    // measured 4.31 wb (48 kHz PCM, default settings)
    ];
    let mut rows = Vec::new();
    for (id, floor) in cases {
        let p = leg(id);
        let input = speech.at(p.sample_rate);
        let out = through(&p, &input);
        let (score, mode) = speech.score(&out, p.sample_rate, is_wide(&p));
        rows.push(Row {
            name: id.name().to_owned(),
            mode,
            score,
            floor,
        });
    }
    report(&rows);
}

#[test]
fn transcoding_pairs() {
    let speech = Speech::new();
    use CodecId::*;
    // (from, to, floor): the caller's codec, the callee's codec.
    let cases = [
        // G.711 with a wideband codec: the G.711 leg sets the quality (nb 4.4 alone).
        (Pcmu, Opus, 3.9),  // measured 4.23 nb
        (Opus, Pcmu, 3.95), // measured 4.27 nb
        (Pcma, G722, 3.9),  // measured 4.22 nb
        (G722, Pcma, 3.7),  // measured 4.03 nb
        (Pcmu, G722, 3.9),  // measured 4.24 nb
        (G722, Pcmu, 3.8),  // measured 4.14 nb
        // Wideband both sides: G.722's own 3.31 (see above) less a little.
        (G722, Opus, 2.95), // measured 3.28 wb
        (Opus, G722, 2.85), // measured 3.17 wb
        // The ADPCM/GSM leg dominates: each within 0.1 of the codec alone.
        (G726_32, Pcmu, 3.15), // measured 3.47 nb
        (Pcmu, G726_32, 3.15), // measured 3.49 nb
        (Gsm, Pcmu, 3.1),      // measured 3.42 nb
        (Pcmu, Gsm, 3.15),     // measured 3.47 nb
        (G726_32, Opus, 3.1),  // measured 3.44 nb
        (Opus, G726_32, 3.2),  // measured 3.53 nb
        (Gsm, Opus, 3.1),      // measured 3.44 nb
        (Opus, Gsm, 3.15),     // measured 3.45 nb
    ];
    let mut rows = Vec::new();
    for (from, to, floor) in cases {
        let (a, b) = (leg(from), leg(to));
        let input = speech.at(a.sample_rate);
        let mid = through(&a, &input);
        let mid = stream_resample(&mid, a.sample_rate, b.sample_rate);
        let out = through(&b, &mid);
        let (score, mode) = speech.score(&out, b.sample_rate, is_wide(&a) && is_wide(&b));
        rows.push(Row {
            name: format!("{} -> {}", from.name(), to.name()),
            mode,
            score,
            floor,
        });
    }
    report(&rows);
}

/// Packet loss: 10% random loss of 20 ms packets. Concealment (waveform repeat for
/// G.711 and G.722, libopus PLC for Opus) must beat zero-filling clearly. Measured:
/// PCMU nb 3.18 vs 2.34, G.722 wb 1.83 vs 1.36 (wb PESQ punishes any gap hard), Opus
/// wb 2.33 vs 1.46.
#[test]
fn concealment_beats_silence_under_loss() {
    let speech = Speech::new();
    let mut rng = codec_support::Rng::new(3);
    let mut rows = Vec::new();
    for id in [CodecId::Pcmu, CodecId::G722, CodecId::Opus] {
        let p = leg(id);
        let input = speech.at(p.sample_rate);
        let frame = id.frame_samples(p.sample_rate, 20);
        let lost: Vec<bool> = (0..input.len() / frame)
            .map(|_| rng.below(10) == 0)
            .collect();
        let mut enc = new_encoder(&p).unwrap();
        let mut dec_plc = new_decoder(&p).unwrap();
        let mut dec_zero = new_decoder(&p).unwrap();
        let (mut plc, mut zero) = (Vec::new(), Vec::new());
        for (f, &gone) in input.chunks_exact(frame).zip(&lost) {
            let mut pkt = Vec::new();
            enc.encode(f, &mut pkt).unwrap();
            if gone {
                dec_plc.conceal(frame, &mut plc);
                zero.resize(zero.len() + frame, 0);
            } else {
                dec_plc.decode(&pkt, &mut plc).unwrap();
                dec_zero.decode(&pkt, &mut zero).unwrap();
            }
        }
        let wide = is_wide(&p);
        let (s_plc, mode) = speech.score(&plc, p.sample_rate, wide);
        let (s_zero, _) = speech.score(&zero, p.sample_rate, wide);
        eprintln!(
            "{:<6} {mode} 10% loss: concealed {s_plc:.2}, zero-filled {s_zero:.2}",
            id.name()
        );
        rows.push((id, s_plc, s_zero));
    }
    for (id, s_plc, s_zero) in rows {
        assert!(
            s_plc > s_zero + 0.3,
            "{id}: concealment {s_plc:.2} vs silence {s_zero:.2}"
        );
    }
}

/// Opus at every PCM rate the engine may pick, scored at the band it can carry.
#[test]
fn opus_at_each_rate() {
    let speech = Speech::new();
    let mut rows = Vec::new();
    // (rate, floor): 8 and 12 kHz scored narrowband, the rest wideband. libopus's
    // automatic bit rate grows with the PCM rate (about rate + 3 kbit/s), hence the climb.
    // Measured: 3.90 nb, 4.02 nb, 4.01 wb, 4.10 wb, 4.31 wb.
    let rates = [
        (8000, 3.6),
        (12000, 3.7),
        (16000, 3.7),
        (24000, 3.8),
        (48000, 4.0),
    ];
    for (rate, floor) in rates {
        let mut p = leg(CodecId::Opus);
        p.sample_rate = rate;
        let out = through(&p, &speech.at(rate));
        let (score, mode) = speech.score(&out, rate, rate >= 16000);
        rows.push(Row {
            name: format!("opus @{rate}"),
            mode,
            score,
            floor,
        });
    }
    report(&rows);
}
