//! In-process CPU costs for `cargo xtask bench media`: the floors the transcoding relay
//! is measured against, and the mixer's and DTMF detector's cost beside their own
//! floors.
//!
//! ```text
//! media_cost [--seconds S] [--rounds R] [--sounds DIR] [--items opus,g722,mixer,dtmf]
//!            [--calls N]
//! ```
//!
//! Every figure is thread CPU time (`/proc/thread-self/schedstat`, nanoseconds) per
//! unit of work on real speech (the espeak-ng prompts of `sounds/en`, at 8 kHz, in
//! 20 ms frames). Each measured thing and its floor run in alternating rounds (R of
//! each, S seconds in all per item) and the median round counts, so load from other
//! processes on the core hits both alike. Prints one JSON line per item:
//!
//! - `opus`, `g722`: µs per call-second of the codec work one transcoded call needs
//!   (both directions, 50 frames each): PCMU decode + B encode + B decode + PCMU
//!   encode with `CodecParams::new` (Opus 48 kHz, complexity 5), inputs pre-encoded
//!   and pre-resampled; `resample_us` is the 8↔B-rate resampling beside it. With
//!   `--calls N`, N calls' codec states take turns frame by frame, as in the relay
//!   running N calls, and the figure is per call.
//! - `mixer`: µs per participant-second of a 64-party [`Mixer`] (64 frames in, mix,
//!   64 frames out per 20 ms tick) and of the floor, a plain `i32` sum of 64 frames.
//! - `dtmf`: µs per channel-second of [`DtmfDetector`] on speech, beside the floor of
//!   its own filter bank alone (16 Goertzel recurrences: the 8 DTMF frequencies and
//!   their second harmonics, [`Goertzel`]) and, for scale, the PCMU decode of the
//!   same audio.
#![allow(clippy::print_stdout)] // printing results is this program's job

use std::hint::black_box;
use std::time::Duration;

use rotary_codecs::dsp::goertzel::Goertzel;
use rotary_codecs::dsp::{DtmfDetector, Mixer};
use rotary_codecs::{new_decoder, new_encoder, CodecId, CodecParams, Decoder, Encoder, Resampler};

#[allow(dead_code)] // each example uses its own part of the shared module
#[path = "common/speech.rs"]
mod speech;

use speech::FRAME_8K;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Seconds of speech the measurements cycle through.
const SPEECH_SECONDS: u32 = 30;
/// Mixer room size (issue 5: "for 64 parties").
const PARTIES: usize = 64;
/// DTMF channels measured side by side (each its own detector and audio offset).
const CHANNELS: usize = 16;

fn main() -> AnyResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut seconds, mut rounds) = (4.0f64, 5u32);
    let mut sounds = speech::default_dir();
    let mut items = String::from("opus,g722,mixer,dtmf");
    let mut calls = 1usize;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or("flag needs a value")?;
        match flag.as_str() {
            "--seconds" => seconds = value.parse()?,
            "--rounds" => rounds = value.parse()?,
            "--sounds" => sounds = value.into(),
            "--items" => items.clone_from(value),
            "--calls" => calls = value.parse::<usize>()?.max(1),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let rounds = rounds.max(1);
    let round = Duration::from_secs_f64(seconds / f64::from(2 * rounds));
    let pcm8 = speech::speech_8k(&sounds, SPEECH_SECONDS);
    eprintln!(
        "media_cost: {:.1} s of speech, {rounds} rounds of {round:?} per variant",
        pcm8.len() as f64 / 8000.0
    );

    let want = |item: &str| items.split(',').any(|i| i == item);
    for (name, codec) in [("opus", CodecId::Opus), ("g722", CodecId::G722)] {
        if !want(name) {
            continue;
        }
        let mut floor = CodecFloor::new(&pcm8, codec, calls)?;
        let mut resample = ResampleWork::new(&pcm8, codec)?;
        let [codec_ns, resample_ns] = alternate(
            rounds,
            round,
            &mut [&mut || floor.call_second(), &mut || resample.call_second()],
        );
        println!(
            "{}",
            serde_json::json!({
                "item": name,
                "calls": calls,
                "codec_us_per_call_s": codec_ns / 1e3 / calls as f64,
                "resample_us_per_call_s": resample_ns / 1e3,
            })
        );
    }

    if want("mixer") {
        mixer_item(&pcm8, rounds, round);
    }
    if want("dtmf") {
        dtmf_item(&pcm8, rounds, round)?;
    }
    Ok(())
}

fn mixer_item(pcm8: &[i16], rounds: u32, round: Duration) {
    let mut mixer = MixerWork::new(pcm8);
    let mut sum = SumWork::new(pcm8);
    let [mix_ns, sum_ns] = alternate(
        rounds,
        round,
        &mut [&mut || mixer.tick(), &mut || sum.tick()],
    );
    // One tick is 20 ms for all 64 parties: × 50 ticks per second, ÷ 64 parties.
    let per_party_s = |tick_ns: f64| tick_ns * 50.0 / PARTIES as f64 / 1e3;
    println!(
        "{}",
        serde_json::json!({
            "item": "mixer",
            "parties": PARTIES,
            "mixer_us_per_party_s": per_party_s(mix_ns),
            "sum_us_per_party_s": per_party_s(sum_ns),
        })
    );
}

fn dtmf_item(pcm8: &[i16], rounds: u32, round: Duration) -> AnyResult<()> {
    let mut dtmf = DtmfWork::new(pcm8)?;
    let mut bank = GoertzelWork::new(pcm8);
    let mut ulaw = UlawWork::new(pcm8);
    let [det_ns, bank_ns, ulaw_ns] = alternate(
        rounds,
        round,
        &mut [
            &mut || dtmf.channel_second(),
            &mut || bank.channel_second(),
            &mut || ulaw.channel_second(),
        ],
    );
    println!(
        "{}",
        serde_json::json!({
            "item": "dtmf",
            "detector_us_per_channel_s": det_ns / 1e3,
            "goertzel_bank_us_per_channel_s": bank_ns / 1e3,
            "pcmu_decode_us_per_channel_s": ulaw_ns / 1e3,
        })
    );
    Ok(())
}

/// Runs each of `work` (one unit per call) for `rounds` rounds of about `round` CPU
/// time, in turn, after one warm-up round each; returns each one's median CPU
/// nanoseconds per unit.
fn alternate<const N: usize>(
    rounds: u32,
    round: Duration,
    work: &mut [&mut dyn FnMut(); N],
) -> [f64; N] {
    // Warm-up, and a first estimate of each unit's cost to size the rounds.
    let mut per_unit = [0.0f64; N];
    for (w, est) in work.iter_mut().zip(per_unit.iter_mut()) {
        let mut units = 1u64;
        loop {
            let t0 = cpu_ns();
            for _ in 0..units {
                w();
            }
            let spent = cpu_ns().saturating_sub(t0);
            if spent >= 50_000_000 {
                *est = spent as f64 / units as f64;
                break;
            }
            units *= 2;
        }
    }
    let mut samples: [Vec<f64>; N] = std::array::from_fn(|_| Vec::new());
    for _ in 0..rounds {
        for i in 0..N {
            let units = ((round.as_nanos() as f64 / per_unit[i].max(1.0)) as u64).max(1);
            let t0 = cpu_ns();
            for _ in 0..units {
                work[i]();
            }
            samples[i].push(cpu_ns().saturating_sub(t0) as f64 / units as f64);
        }
    }
    samples.map(|mut s| {
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    })
}

/// CPU time this thread has run, in nanoseconds (the scheduler's own account, so
/// time waiting for the core while other processes run is not counted).
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// The inputs every call of a [`CodecFloor`] reads (each at its own offset).
struct FloorInput {
    /// PCMU payloads phone A sends, PCM at 8 kHz the PCMU encoder gets back.
    ulaw: Vec<Vec<u8>>,
    pcm8: Vec<Vec<i16>>,
    /// PCM at the codec's rate its encoder gets, payloads phone B sends.
    pcm_b: Vec<Vec<i16>>,
    coded_b: Vec<Vec<u8>>,
}

/// One call's codec states.
struct FloorCall {
    dec_a: Box<dyn Decoder>,
    enc_b: Box<dyn Encoder>,
    dec_b: Box<dyn Decoder>,
    enc_a: Box<dyn Encoder>,
    at: usize,
}

/// The codec work of `calls` transcoded PCMU↔`codec` calls, frame by frame in turn as
/// the relay interleaves them: with many calls the codec states no longer all fit in
/// the caches, which is a cost of the codec, not of the relay around it.
struct CodecFloor {
    input: FloorInput,
    calls: Vec<FloorCall>,
    pcm_out: Vec<i16>,
    payload: Vec<u8>,
}

impl CodecFloor {
    fn new(pcm8: &[i16], codec: CodecId, calls: usize) -> AnyResult<Self> {
        // Exactly what the relay builds for a PCMU↔`codec` bridge.
        let pa = CodecParams::bridged(CodecId::Pcmu, codec);
        let pb = CodecParams::bridged(codec, CodecId::Pcmu);
        let rate_b = new_encoder(&pb)?.sample_rate();
        let input = FloorInput {
            ulaw: speech::encode_frames(pcm8, CodecId::Pcmu)?,
            pcm8: pcm8.chunks_exact(FRAME_8K).map(<[i16]>::to_vec).collect(),
            pcm_b: speech::frames_at(pcm8, rate_b),
            coded_b: speech::encode_frames(pcm8, codec)?,
        };
        let calls = (0..calls.max(1))
            .map(|i| {
                Ok(FloorCall {
                    dec_a: new_decoder(&pa)?,
                    enc_b: new_encoder(&pb)?,
                    dec_b: new_decoder(&pb)?,
                    enc_a: new_encoder(&pa)?,
                    // Calls talk at different places in the speech, as real ones do.
                    at: i * 37,
                })
            })
            .collect::<AnyResult<Vec<_>>>()?;
        Ok(CodecFloor {
            input,
            calls,
            pcm_out: Vec::with_capacity(1920),
            payload: Vec::with_capacity(1500),
        })
    }

    /// One second of both directions of every call: 50 × (PCMU decode, B encode,
    /// B decode, PCMU encode).
    fn call_second(&mut self) {
        let input = &self.input;
        for _ in 0..50 {
            for call in &mut self.calls {
                let i = call.at % input.ulaw.len();
                call.at += 1;
                self.pcm_out.clear();
                let _ = call.dec_a.decode(&input.ulaw[i], &mut self.pcm_out);
                black_box(&self.pcm_out);
                self.payload.clear();
                let _ = call.enc_b.encode(&input.pcm_b[i], &mut self.payload);
                black_box(&self.payload);
                self.pcm_out.clear();
                let _ = call.dec_b.decode(&input.coded_b[i], &mut self.pcm_out);
                black_box(&self.pcm_out);
                self.payload.clear();
                let _ = call.enc_a.encode(&input.pcm8[i], &mut self.payload);
                black_box(&self.payload);
            }
        }
    }
}

/// The resampling one transcoded call adds: 8 kHz → the codec's rate and back.
struct ResampleWork {
    pcm8: Vec<Vec<i16>>,
    pcm_b: Vec<Vec<i16>>,
    up: Resampler,
    down: Resampler,
    out: Vec<i16>,
    at: usize,
}

impl ResampleWork {
    fn new(pcm8: &[i16], codec: CodecId) -> AnyResult<Self> {
        let rate = CodecParams::bridged(codec, CodecId::Pcmu).sample_rate;
        Ok(ResampleWork {
            pcm8: pcm8.chunks_exact(FRAME_8K).map(<[i16]>::to_vec).collect(),
            pcm_b: speech::frames_at(pcm8, rate),
            up: Resampler::new(8000, rate)?,
            down: Resampler::new(rate, 8000)?,
            out: Vec::with_capacity(1920),
            at: 0,
        })
    }

    fn call_second(&mut self) {
        for _ in 0..50 {
            let i = self.at % self.pcm8.len();
            self.at += 1;
            self.out.clear();
            self.up.process(&self.pcm8[i], &mut self.out);
            self.down.process(&self.pcm_b[i], &mut self.out);
            black_box(&self.out);
        }
    }
}

/// 64 parties' frames, each party at its own offset in the speech.
fn party_frames(pcm8: &[i16]) -> Vec<Vec<i16>> {
    pcm8.chunks_exact(FRAME_8K).map(<[i16]>::to_vec).collect()
}

/// One 20 ms tick of a 64-party room.
struct MixerWork {
    frames: Vec<Vec<i16>>,
    mixer: Mixer,
    ids: Vec<rotary_codecs::dsp::PartyId>,
    at: usize,
}

impl MixerWork {
    fn new(pcm8: &[i16]) -> Self {
        let mut mixer = Mixer::new(FRAME_8K);
        let ids = (0..PARTIES).map(|_| mixer.add_party()).collect();
        MixerWork {
            frames: party_frames(pcm8),
            mixer,
            ids,
            at: 0,
        }
    }

    fn tick(&mut self) {
        let n = self.frames.len();
        for (p, &id) in self.ids.iter().enumerate() {
            let _ = self
                .mixer
                .put_frame(id, &self.frames[(self.at + p * 97) % n]);
        }
        self.at += 1;
        self.mixer.mix();
        for &id in &self.ids {
            black_box(self.mixer.output(id));
        }
    }
}

/// The mixer's floor: summing the same 64 frames into an `i32` accumulator.
struct SumWork {
    frames: Vec<Vec<i16>>,
    acc: [i32; FRAME_8K],
    at: usize,
}

impl SumWork {
    fn new(pcm8: &[i16]) -> Self {
        SumWork {
            frames: party_frames(pcm8),
            acc: [0; FRAME_8K],
            at: 0,
        }
    }

    fn tick(&mut self) {
        let n = self.frames.len();
        self.acc = [0; FRAME_8K];
        for p in 0..PARTIES {
            let frame = black_box(&self.frames[(self.at + p * 97) % n]);
            for (a, &s) in self.acc.iter_mut().zip(frame.iter()) {
                *a += i32::from(s);
            }
        }
        self.at += 1;
        black_box(&self.acc);
    }
}

/// `CHANNELS` detectors, each on its own part of the speech, one frame each per round.
struct DtmfWork {
    frames: Vec<Vec<i16>>,
    detectors: Vec<DtmfDetector>,
    at: usize,
}

impl DtmfWork {
    fn new(pcm8: &[i16]) -> AnyResult<Self> {
        Ok(DtmfWork {
            frames: party_frames(pcm8),
            detectors: (0..CHANNELS)
                .map(|_| DtmfDetector::new(8000))
                .collect::<Result<_, _>>()?,
            at: 0,
        })
    }

    /// One channel-second: 50 frames, spread over the channels.
    fn channel_second(&mut self) {
        let n = self.frames.len();
        for _ in 0..50 {
            let ch = self.at % CHANNELS;
            let det = &mut self.detectors[ch];
            det.process(&self.frames[(self.at / CHANNELS + ch * 97) % n]);
            while let Some(d) = det.poll_digit() {
                black_box(d);
            }
            self.at += 1;
        }
    }
}

/// The detector's floor: its filter bank alone (8 DTMF frequencies and their second
/// harmonics), the 16 Goertzel recurrences fused in one pass per sample as the detector
/// runs them, power read per frame (coefficients from [`Goertzel`]'s tuning formula).
struct GoertzelWork {
    frames: Vec<Vec<i16>>,
    coef: [f32; 16],
    state: Vec<[[f32; 16]; 2]>,
    at: usize,
}

impl GoertzelWork {
    fn new(pcm8: &[i16]) -> Self {
        let hz = [
            697.0f32, 770.0, 852.0, 941.0, 1209.0, 1336.0, 1477.0, 1633.0,
        ];
        let coef = std::array::from_fn(|i| {
            2.0 * (std::f32::consts::TAU * hz[i % 8] * (1 + i / 8) as f32 / 8000.0).cos()
        });
        // Keep the public filter in the build as the reference for the formula.
        black_box(Goertzel::new(hz[0], 8000));
        GoertzelWork {
            frames: party_frames(pcm8),
            coef,
            state: vec![[[0.0; 16]; 2]; CHANNELS],
            at: 0,
        }
    }

    fn channel_second(&mut self) {
        let n = self.frames.len();
        for _ in 0..50 {
            let ch = self.at % CHANNELS;
            let frame = &self.frames[(self.at / CHANNELS + ch * 97) % n];
            let [s1, s2] = &mut self.state[ch];
            for &x in frame {
                let x = f32::from(x);
                for k in 0..16 {
                    let s = x + self.coef[k] * s1[k] - s2[k];
                    s2[k] = s1[k];
                    s1[k] = s;
                }
            }
            let power: f32 = (0..16)
                .map(|k| s1[k] * s1[k] + s2[k] * s2[k] - self.coef[k] * s1[k] * s2[k])
                .sum();
            black_box(power);
            *s1 = [0.0; 16];
            *s2 = [0.0; 16];
            self.at += 1;
        }
    }
}

/// For scale: decoding the same audio from PCMU.
struct UlawWork {
    ulaw: Vec<Vec<u8>>,
    dec: Box<dyn Decoder>,
    out: Vec<i16>,
    at: usize,
}

impl UlawWork {
    fn new(pcm8: &[i16]) -> Self {
        UlawWork {
            ulaw: speech::encode_frames(pcm8, CodecId::Pcmu).unwrap_or_default(),
            dec: Box::new(rotary_codecs::codec::PcmuDecoder::new()),
            out: Vec::with_capacity(FRAME_8K),
            at: 0,
        }
    }

    fn channel_second(&mut self) {
        if self.ulaw.is_empty() {
            return;
        }
        for _ in 0..50 {
            let i = self.at % self.ulaw.len();
            self.at += 1;
            self.out.clear();
            let _ = self.dec.decode(&self.ulaw[i], &mut self.out);
            black_box(&self.out);
        }
    }
}
