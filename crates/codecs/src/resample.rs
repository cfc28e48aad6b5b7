//! Sample-rate conversion between the PBX's PCM rates: 8 kHz (G.711, G.726, GSM),
//! 16 kHz (G.722), 48 kHz (Opus) and Opus's 12/24 kHz, plus any other rate a sound
//! file comes in.
//!
//! Built on rubato's synchronous FFT resampler: for fixed rational ratios it is exact
//! (no drift), band-limited (anti-aliasing and anti-imaging filter), and cheap. The
//! streaming [`Resampler`] works in 10 ms blocks, so a 20 ms RTP frame passes through
//! without waiting for more input; its only latency is the filter's, 5 ms.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _, WindowFunction};

use crate::CodecError;

/// Block length of the streaming resampler, in milliseconds of input.
const BLOCK_MS: u32 = 10;

/// Per-stream sample-rate converter (one per direction of a call leg that bridges codecs
/// of different rates). Keeps filter history between calls, so consecutive frames join
/// without clicks.
pub struct Resampler {
    from_hz: u32,
    to_hz: u32,
    /// `None` when the rates are equal: samples are copied.
    inner: Option<Box<Fft<f32>>>,
    /// Input waiting for a whole block.
    pending: Vec<f32>,
    /// Scratch output of one block.
    scratch: Vec<f32>,
}

impl std::fmt::Debug for Resampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resampler")
            .field("from_hz", &self.from_hz)
            .field("to_hz", &self.to_hz)
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl Resampler {
    /// A converter from `from_hz` to `to_hz`. Both must be multiples of 25 Hz between
    /// 1 kHz and 384 kHz, which every telephony and audio-file rate is (8000, 11025,
    /// 22050, 44100, 48000, ...): that keeps the rates' common divisor, and with it the
    /// filter's block, small.
    pub fn new(from_hz: u32, to_hz: u32) -> Result<Self, CodecError> {
        let valid = |hz: u32| (1000..=384_000).contains(&hz) && hz.is_multiple_of(25);
        if !valid(from_hz) || !valid(to_hz) {
            return Err(CodecError::Unsupported {
                codec: "resampler",
                reason: format!("cannot convert {from_hz} Hz to {to_hz} Hz"),
            });
        }
        let inner = if from_hz == to_hz {
            None
        } else {
            let block = (from_hz * BLOCK_MS).div_ceil(1000) as usize;
            let fft = Fft::<f32>::new_custom(
                from_hz as usize,
                to_hz as usize,
                block,
                1,
                1,
                WindowFunction::BlackmanHarris,
                FixedSync::Input,
            )
            .map_err(|e| CodecError::Unsupported {
                codec: "resampler",
                reason: e.to_string(),
            })?;
            Some(Box::new(fft))
        };
        Ok(Resampler {
            from_hz,
            to_hz,
            inner,
            pending: Vec::new(),
            scratch: Vec::new(),
        })
    }

    /// Input rate.
    #[must_use]
    pub fn from_hz(&self) -> u32 {
        self.from_hz
    }

    /// Output rate.
    #[must_use]
    pub fn to_hz(&self) -> u32 {
        self.to_hz
    }

    /// Filter delay in output samples: how far the output lags the input (0 for a copy).
    #[must_use]
    pub fn delay(&self) -> usize {
        self.inner.as_ref().map_or(0, |r| r.output_delay())
    }

    /// Converts `input` and appends the result to `out`. Works on any input length;
    /// input that does not fill a whole 10 ms block waits for the next call, so feeding
    /// 10 or 20 ms frames gives out exactly the matching number of output samples.
    pub fn process(&mut self, input: &[i16], out: &mut Vec<i16>) {
        let Some(inner) = self.inner.as_mut() else {
            out.extend_from_slice(input);
            return;
        };
        self.pending.extend(input.iter().map(|&s| f32::from(s)));
        let mut used = 0;
        loop {
            let need = inner.input_frames_next();
            if self.pending.len() - used < need {
                break;
            }
            let frames_out = inner.output_frames_next();
            self.scratch.clear();
            self.scratch.resize(frames_out, 0.0);
            let block = &self.pending[used..used + need];
            let produced = match (
                InterleavedSlice::new(block, 1, need),
                InterleavedSlice::new_mut(&mut self.scratch[..], 1, frames_out),
            ) {
                (Ok(src), Ok(mut dst)) => inner
                    .process_into_buffer(&src, &mut dst, None)
                    .map_or(0, |(_, n)| n),
                _ => 0,
            };
            out.extend(self.scratch[..produced].iter().map(|&v| to_i16(v)));
            used += need;
        }
        self.pending.drain(..used);
    }

    /// Forgets all history (a new talk spurt after a long gap, a re-INVITE).
    pub fn reset(&mut self) {
        self.pending.clear();
        if let Some(inner) = self.inner.as_mut() {
            inner.reset();
        }
    }
}

/// Rounds and saturates a float sample back to 16 bits.
fn to_i16(v: f32) -> i16 {
    // `as` saturates float-to-int conversions (NaN becomes 0).
    v.round() as i16
}

/// Converts a whole clip (a prompt file, a recording) from `from_hz` to `to_hz`, with the
/// filter delay trimmed so the output lines up with the input. Equal rates copy; rates the
/// [`Resampler`] refuses give back an empty vector.
#[must_use]
pub fn resample_once(input: &[i16], from_hz: u32, to_hz: u32) -> Vec<i16> {
    if from_hz == to_hz || input.is_empty() {
        return input.to_vec();
    }
    let Ok(mut rs) = Resampler::new(from_hz, to_hz) else {
        return Vec::new();
    };
    let Some(inner) = rs.inner.as_mut() else {
        return input.to_vec();
    };
    let samples: Vec<f32> = input.iter().map(|&s| f32::from(s)).collect();
    let Ok(src) = InterleavedSlice::new(&samples[..], 1, samples.len()) else {
        return Vec::new();
    };
    match inner.process_all(&src, samples.len(), None) {
        Ok(buf) => buf.take_data().into_iter().map(to_i16).collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(hz: f64, rate: u32, n: usize, amp: f64) -> Vec<i16> {
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                (amp * (2.0 * std::f64::consts::PI * hz * t).sin()).round() as i16
            })
            .collect()
    }

    /// Amplitude of the `hz` component of `x` (single-bin DFT, Goertzel-style).
    fn level_at(x: &[i16], rate: u32, hz: f64) -> f64 {
        let (mut re, mut im) = (0.0, 0.0);
        for (i, &s) in x.iter().enumerate() {
            let ph = 2.0 * std::f64::consts::PI * hz * i as f64 / f64::from(rate);
            re += f64::from(s) * ph.cos();
            im += f64::from(s) * ph.sin();
        }
        2.0 * (re * re + im * im).sqrt() / x.len() as f64
    }

    fn rms(x: &[i16]) -> f64 {
        (x.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    #[test]
    fn equal_rates_copy() {
        let x = tone(1000.0, 8000, 160, 8000.0);
        assert_eq!(resample_once(&x, 8000, 8000), x);
        let mut r = Resampler::new(16000, 16000).unwrap();
        let mut out = Vec::new();
        r.process(&x, &mut out);
        assert_eq!(out, x);
        assert_eq!(r.delay(), 0);
    }

    #[test]
    fn bad_rates_are_refused() {
        assert!(Resampler::new(0, 8000).is_err());
        assert!(Resampler::new(8000, 8001).is_err());
        assert!(Resampler::new(500, 8000).is_err());
        assert!(Resampler::new(8000, 1_000_000).is_err());
        assert!(resample_once(&[1, 2, 3], 0, 8000).is_empty());
    }

    #[test]
    fn tone_keeps_frequency_and_level_across_all_pairs() {
        let rates = [8000, 12000, 16000, 22050, 24000, 48000, 44100];
        for &from in &rates {
            for &to in &rates {
                let x = tone(1000.0, from, from as usize, 10000.0);
                let y = resample_once(&x, from, to);
                let expected = x.len() * to as usize / from as usize;
                assert!(
                    y.len().abs_diff(expected) <= 1,
                    "{from}->{to}: {} samples, expected {expected}",
                    y.len()
                );
                // Skip the edges, where the filter sees the clip's start and end.
                let mid = &y[y.len() / 10..y.len() * 9 / 10];
                let lvl = level_at(mid, to, 1000.0);
                assert!((lvl - 10000.0).abs() < 150.0, "{from}->{to}: level {lvl}");
                // Nothing but the tone: the residual is > 40 dB down.
                let resid = rms(mid) - lvl / std::f64::consts::SQRT_2;
                assert!(resid.abs() < 70.0, "{from}->{to}: residual {resid}");
            }
        }
    }

    #[test]
    fn resample_once_is_time_aligned() {
        // A click at sample 800 of 8 kHz must land near sample 1600 of 16 kHz and 4800 of
        // 48 kHz: the filter delay is trimmed.
        let mut x = vec![0i16; 1600];
        x[800] = 20000;
        for to in [16000u32, 48000] {
            let y = resample_once(&x, 8000, to);
            let peak = y
                .iter()
                .enumerate()
                .max_by_key(|(_, s)| s.unsigned_abs())
                .map(|(i, _)| i)
                .unwrap();
            let want = 800 * to as usize / 8000;
            assert!(
                peak.abs_diff(want) <= 1,
                "to {to}: peak at {peak}, want {want}"
            );
        }
    }

    #[test]
    fn downsampling_attenuates_what_would_alias() {
        // 6 kHz at 16 kHz is above the 4 kHz Nyquist of 8 kHz: it would fold to 2 kHz.
        let x = tone(6000.0, 16000, 16000, 16000.0);
        let y = resample_once(&x, 16000, 8000);
        let mid = &y[y.len() / 10..y.len() * 9 / 10];
        let folded = level_at(mid, 8000, 2000.0);
        assert!(folded < 16.0, "alias at 2 kHz: {folded}");
        assert!(rms(mid) < 16.0, "rms {}", rms(mid));
        // 5 kHz at 48 kHz would fold to 3 kHz at 8 kHz.
        let x = tone(5000.0, 48000, 48000, 16000.0);
        let y = resample_once(&x, 48000, 8000);
        let mid = &y[y.len() / 10..y.len() * 9 / 10];
        assert!(level_at(mid, 8000, 3000.0) < 16.0);
    }

    #[test]
    fn streaming_in_20ms_frames_matches_in_length_and_content() {
        for (from, to) in [
            (8000u32, 16000u32),
            (16000, 8000),
            (8000, 48000),
            (48000, 16000),
        ] {
            let x = tone(1000.0, from, from as usize, 10000.0);
            let mut r = Resampler::new(from, to).unwrap();
            let frame_in = (from / 50) as usize;
            let frame_out = (to / 50) as usize;
            let mut y = Vec::new();
            for chunk in x.chunks(frame_in) {
                let before = y.len();
                r.process(chunk, &mut y);
                // Low latency: every 20 ms in gives 20 ms out, right away.
                assert_eq!(y.len() - before, frame_out, "{from}->{to}");
            }
            // After the filter delay, the stream is the tone at full level.
            let d = r.delay();
            assert!(d <= (to / 200) as usize, "{from}->{to}: delay {d}");
            let tail = &y[d + frame_out..];
            let lvl = level_at(tail, to, 1000.0);
            assert!((lvl - 10000.0).abs() < 200.0, "{from}->{to}: level {lvl}");
        }
    }

    #[test]
    fn odd_chunks_are_buffered() {
        let x = tone(440.0, 8000, 8000, 10000.0);
        let mut r = Resampler::new(8000, 16000).unwrap();
        let mut y = Vec::new();
        for chunk in x.chunks(37) {
            r.process(chunk, &mut y);
        }
        // Only whole 10 ms blocks come out.
        assert_eq!(y.len(), 8000 / 80 * 160);
        r.reset();
        let mut z = Vec::new();
        r.process(&x[..80], &mut z);
        assert_eq!(z.len(), 160);
    }

    #[test]
    fn passband_is_flat_to_the_telephone_band_edge() {
        // 300-3400 Hz through the 8 kHz conversions, and to 7 kHz between 16 and 48 kHz,
        // within 0.5 dB.
        let cases = [
            (16000, 8000, 3400.0),
            (8000, 16000, 3400.0),
            (48000, 8000, 3400.0),
            (8000, 48000, 3400.0),
            (48000, 16000, 7000.0),
            (16000, 48000, 7000.0),
        ];
        for (from, to, edge) in cases {
            for hz in [300.0, 1000.0, edge] {
                let x = tone(hz, from, from as usize, 10000.0);
                let y = resample_once(&x, from, to);
                let mid = &y[y.len() / 10..y.len() * 9 / 10];
                let db = 20.0 * (rms(mid) / (10000.0 / std::f64::consts::SQRT_2)).log10();
                assert!(db.abs() < 0.5, "{from}->{to} at {hz} Hz: {db:.2} dB");
            }
        }
    }
}
