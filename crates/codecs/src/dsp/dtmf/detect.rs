//! Streaming in-band DTMF detector after ITU-T Q.24.
//!
//! # How it decides
//!
//! The signal is cut into blocks of 106 samples at 8 kHz (13.25 ms; 212 at 16 kHz,
//! 636 at 48 kHz: always the same length in time, so the same 75 Hz resolution). For
//! each block, Goertzel filters measure the eight DTMF frequencies and their second
//! harmonics. A block *hits* a key when all of these hold:
//!
//! * **Level**: each of the two tones is at least [`DtmfConfig::min_level_dbm0`].
//! * **Relative peak**: in each group, the strongest frequency beats the other three
//!   by [`DtmfConfig::relative_peak_db`].
//! * **Signal-to-energy ratio**, loose: the two tones carry at least
//!   [`DtmfConfig::min_energy_ratio`] of the block's energy.
//! * **Second harmonics** are [`DtmfConfig::harmonic_db`] below each tone: speech is
//!   rich in harmonics, a DTMF pair has none (talk-off protection).
//! * **Twist**: the high-group tone is at most [`DtmfConfig::normal_twist_db`] above
//!   the low-group tone ("normal" twist, 4 dB) and at most
//!   [`DtmfConfig::reverse_twist_db`] below it ("reverse" twist, 8 dB), measured on a
//!   least-squares fit of both sines to the block.
//!
//! Consecutive hits on the same key form a *run*; one missed block inside a run is
//! bridged (a short dropout), two end it, so a 40 ms pause always separates digits.
//! Each two consecutive hits are judged as a pair, on a least-squares fit of both
//! sines to each block (which, unlike the raw filter outputs, holds no leakage of one
//! tone into the other's filter):
//!
//! * **Frequency**: the exact frequency of both tones comes from the phase advance of
//!   the fitted tones from one block to the next (the phase difference between each
//!   block's two halves resolves the ambiguity). It must be within
//!   [`DtmfConfig::freq_tolerance`], 2.5 %, between Q.24's ±1.5 % must-accept and
//!   ±3.5 % must-reject.
//! * **Strength**: each block of the pair is *strong* when the fitted pair, corrected
//!   for the filter loss at the measured offset, carries 87 % of its energy (a clean
//!   pair reads 100 %, one with noise 15 dB down 97 %; vowels whose formants sit on a
//!   key's frequencies stay below about 90 %).
//!
//! A run is a digit when its pairs are within tolerance, at least one block is
//! strong, only the blocks at its two ends (partly filled with tone) are weak, and
//! each tone's measured frequency held within 0.6 % over the run: a voice's pitch
//! glides, a DTMF tone does not (on ten minutes of synthetic speech this last check
//! is what stops the one vowel that passes everything else).
//!
//! The tone's duration is measured, not counted in blocks: the tones' amplitude in
//! each block relative to a full block tells what fraction of it the tone filled, so
//! partly covered blocks at both ends count for their share. A run shorter than
//! [`DtmfConfig::min_duration`] (30 ms, between Q.24's 40 ms must-accept and ~20 ms
//! must-reject) is dropped.
//!
//! Measured on synthetic tones with noise 20 dB down (`tests/dsp_dtmf.rs`): accepted
//! within ±2.25 % of frequency, rejected from ±3 %; twist accepted up to 4 dB normal
//! and 8 dB reverse, rejected from 5 and 9 dB; tones from 30–32 ms accepted, 28 ms
//! and shorter rejected; -28 dBm0 per tone accepted; 10 dB SNR still fine.
//!
//! # When a digit is reported
//!
//! Once, **when the tone ends** (two blocks after it stopped, about 27 ms), with its
//! start and duration. [`DtmfDetector::current_digit`] tells, while the tone is still
//! on, which key is held once it has lasted the minimum duration: that is what an
//! RFC 4733 converter needs to start sending events early.

use std::collections::VecDeque;
use std::time::Duration;

use super::run::Run;
use super::spectrum::{argmax, filter_gain, Bins, Block, Fit, C};
use super::{DtmfDigit, COL_HZ, ROW_HZ};
use crate::dsp::gain::dbm0_to_power;
use crate::dsp::{check_rate, DspError};

/// Acceptance limits of the [`DtmfDetector`]. The defaults follow Q.24's common
/// values; change them only for a line known to be worse (a "relax DTMF" setting).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DtmfConfig {
    /// Decision level for the weakest tone, per frequency, in dBm0. Default -30:
    /// tones of -28 dBm0 and up are accepted (Q.24 asks for about -25 dBm0).
    pub min_level_dbm0: f32,
    /// How much louder the high-group tone may be than the low-group tone, in dB
    /// ("normal" twist; accepted up to this value, rejected from about 1 dB more).
    /// Default 4.
    pub normal_twist_db: f32,
    /// How much louder the low-group tone may be than the high-group tone, in dB
    /// ("reverse" twist). Default 8.
    pub reverse_twist_db: f32,
    /// Largest relative frequency deviation accepted, e.g. 0.025 = ±2.5 % (Q.24:
    /// accept ±1.5 %, reject ±3.5 %).
    pub freq_tolerance: f32,
    /// Shortest tone reported. Default 30 ms (Q.24: accept 40 ms, reject ~20 ms).
    pub min_duration: Duration,
    /// Smallest share of a block's energy the two tones must carry for the block to
    /// count at all. Default 0.5: loose, because a block only partly filled with
    /// tone must still count towards its duration; the strict check (87 % after
    /// correcting for the frequency offset) applies to the full blocks of a run.
    pub min_energy_ratio: f32,
    /// How far the strongest frequency of each group must beat the others, in dB.
    /// Default 8.
    pub relative_peak_db: f32,
    /// How far below each tone its second harmonic must be, in dB. Default 12.
    pub harmonic_db: f32,
}

impl Default for DtmfConfig {
    fn default() -> Self {
        DtmfConfig {
            min_level_dbm0: -30.0,
            normal_twist_db: 4.0,
            reverse_twist_db: 8.0,
            freq_tolerance: 0.025,
            min_duration: Duration::from_millis(30),
            min_energy_ratio: 0.5,
            relative_peak_db: 8.0,
            harmonic_db: 12.0,
        }
    }
}

/// A key press found in the audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetectedDigit {
    /// The key.
    pub digit: DtmfDigit,
    /// Index of the tone's first sample, counted from the first sample ever fed
    /// (accurate to a few samples).
    pub start_sample: u64,
    /// Length of the tone in samples (accurate to a few samples).
    pub duration_samples: u64,
}

/// In-band DTMF detector for one audio stream (one per call leg that needs it).
///
/// Feed every frame with [`DtmfDetector::process`], then drain
/// [`DtmfDetector::poll_digit`]. Each key press is reported once, after it ends.
///
/// ```
/// use std::time::Duration;
/// use rotary_codecs::dsp::{DtmfDetector, DtmfDigit, DtmfGenerator};
///
/// let mut gen = DtmfGenerator::new(8000)?;
/// let ms = Duration::from_millis(60);
/// gen.queue_digit(DtmfDigit::Pound, ms, ms)?;
/// let mut det = DtmfDetector::new(8000)?;
/// let mut frame = [0i16; 160];
/// for _ in 0..5 {
///     frame.fill(0);
///     gen.fill(&mut frame);
///     det.process(&frame);
/// }
/// assert_eq!(det.poll_digit().map(|d| d.digit), Some(DtmfDigit::Pound));
/// # Ok::<(), rotary_codecs::dsp::DspError>(())
/// ```
#[derive(Debug, Clone)]
pub struct DtmfDetector {
    rate: u32,
    /// Block length N (even) and half of it.
    block: usize,
    half: usize,
    bins: Bins,
    limits: Limits,
    /// Goertzel state: 8 fundamentals then 8 second harmonics.
    s1: [f32; 16],
    s2: [f32; 16],
    energy: f32,
    fill: usize,
    /// Complex spectrum of the first half of the current block.
    half_x: [C; 8],
    prev: Block,
    run: Option<Run>,
    /// Samples consumed so far; the current block started at `samples - fill`.
    samples: u64,
    queue: VecDeque<DetectedDigit>,
    dropped: u64,
}

impl DtmfDetector {
    /// A detector with the default [`DtmfConfig`]. Rates from 8 to 96 kHz work.
    pub fn new(sample_rate: u32) -> Result<DtmfDetector, DspError> {
        DtmfDetector::with_config(sample_rate, DtmfConfig::default())
    }

    /// A detector with custom limits.
    pub fn with_config(sample_rate: u32, config: DtmfConfig) -> Result<DtmfDetector, DspError> {
        let rate = check_rate(sample_rate)?;
        // 106 samples at 8 kHz, scaled, kept even so the block splits in two halves.
        let half = ((BLOCK_8K / 2) as f64 * f64::from(rate) / 8000.0).round() as usize;
        let block = 2 * half;
        Ok(DtmfDetector {
            rate,
            block,
            half,
            bins: Bins::new(rate, block),
            limits: Limits::new(&config, rate, block),
            s1: [0.0; 16],
            s2: [0.0; 16],
            energy: 0.0,
            fill: 0,
            half_x: [C::ZERO; 8],
            prev: Block::default(),
            run: None,
            samples: 0,
            queue: VecDeque::with_capacity(QUEUE_CAP),
            dropped: 0,
        })
    }

    /// Feeds audio: any length, any split across calls.
    pub fn process(&mut self, pcm: &[i16]) {
        for &sample in pcm {
            let x = f32::from(sample);
            self.energy += x * x;
            for k in 0..16 {
                let s = x + self.bins.coef[k] * self.s1[k] - self.s2[k];
                self.s2[k] = self.s1[k];
                self.s1[k] = s;
            }
            self.fill += 1;
            self.samples += 1;
            if self.fill == self.half {
                for i in 0..8 {
                    self.half_x[i] = self.spectrum(i).mul(self.bins.ref_half[i]);
                }
            } else if self.fill == self.block {
                self.end_block();
            }
        }
    }

    /// Ends the stream: a tone still running is judged and reported now (call at
    /// hang-up, or before reading the last digits of a finished recording).
    pub fn finish(&mut self) {
        if let Some(run) = self.run.take() {
            let trail = run.pending_miss.unwrap_or((0.0, 0.0));
            self.close_run(run, trail);
        }
        self.prev = Block::default();
    }

    /// Next key press found, oldest first. Changes after [`DtmfDetector::process`]
    /// and [`DtmfDetector::finish`].
    #[must_use]
    pub fn poll_digit(&mut self) -> Option<DetectedDigit> {
        self.queue.pop_front()
    }

    /// Forgets everything (queued digits too) and restarts sample counting at 0.
    pub fn reset(&mut self) {
        self.s1 = [0.0; 16];
        self.s2 = [0.0; 16];
        self.energy = 0.0;
        self.fill = 0;
        self.half_x = [C::ZERO; 8];
        self.prev = Block::default();
        self.run = None;
        self.samples = 0;
        self.queue.clear();
    }

    /// The key being held right now, once its tone has lasted the minimum duration
    /// and passed the frequency check; `None` otherwise. The same press is still
    /// reported by [`DtmfDetector::poll_digit`] when it ends.
    #[must_use]
    pub fn current_digit(&self) -> Option<DtmfDigit> {
        let run = self.run.as_ref()?;
        let (_, samples) = run.extent(self.block);
        (run.accepted() && samples >= self.limits.min_samples).then_some(run.digit)
    }

    /// Sample rate the detector was built for.
    #[must_use]
    pub fn sample_rate(&self) -> u32 {
        self.rate
    }

    /// Digits lost because nobody drained [`DtmfDetector::poll_digit`] (the queue keeps
    /// the newest 64).
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Complex output of fundamental `i` so far, unreferenced (`s1 - e^{-jw} s2`).
    fn spectrum(&self, i: usize) -> C {
        C {
            re: self.s1[i] - self.bins.cos_w[i] * self.s2[i],
            im: self.bins.sin_w[i] * self.s2[i],
        }
    }

    /// Analyses the block just completed and advances the run logic.
    fn end_block(&mut self) {
        let n = self.block as f32;
        let norm = 2.0 / (n * n);
        let mut cur = Block::default();
        for i in 0..8 {
            let x = self.spectrum(i).mul(self.bins.ref_full[i]);
            cur.x[i] = x;
            cur.power[i] = x.norm_sqr() * norm;
            // The second half is the whole minus the first (both referenced to n = 0);
            // its phase lead over the first half is the offset times `half`.
            let second = x.sub(self.half_x[i]);
            cur.coarse[i] = second.mul(self.half_x[i].conj()).arg() / self.half as f32;
            // Trust it only as far as both halves hold the tone (not at a tone's edge).
            cur.coarse_weight[i] = second.norm_sqr().min(self.half_x[i].norm_sqr());
        }
        let mut harmonic = [C::ZERO; 8];
        for (i, h) in harmonic.iter_mut().enumerate() {
            *h = self.spectrum(i + 8).mul(self.bins.ref_full[i + 8]);
        }
        let mean_energy = self.energy / n;
        cur.energy = mean_energy;
        cur.hit = self.classify(&cur, &harmonic, mean_energy);
        let start = self.samples - self.block as u64;

        self.s1 = [0.0; 16];
        self.s2 = [0.0; 16];
        self.energy = 0.0;
        self.fill = 0;

        self.advance_run(&cur, start);
        self.prev = cur;
    }

    /// Which key, if any, this block's spectrum shows (all per-block checks).
    fn classify(&self, block: &Block, harmonic: &[C; 8], mean_energy: f32) -> Option<DtmfDigit> {
        let l = &self.limits;
        let power = &block.power;
        if mean_energy < l.min_power {
            return None;
        }
        let row = argmax(&power[..4]);
        let col = 4 + argmax(&power[4..]);
        let (pr, pc) = (power[row], power[col]);
        if pr < l.min_power || pc < l.min_power {
            return None;
        }
        let beaten = |best: usize, range: std::ops::Range<usize>| {
            range
                .filter(|&j| j != best)
                .all(|j| power[j] * l.relative_peak <= power[best])
        };
        if !beaten(row, 0..4) || !beaten(col, 4..8) {
            return None;
        }
        if pr + pc < l.energy_ratio * mean_energy {
            return None;
        }
        // A low-group harmonic next to the high-group tone (2 × 697 = 1394 beside
        // 1336, in keys 2, 6 and C) would read that tone: there only the high-group
        // harmonic is checked.
        let norm = 2.0 / (self.block as f32 * self.block as f32);
        let (hr, hc) = (
            harmonic[row].norm_sqr() * norm,
            harmonic[col].norm_sqr() * norm,
        );
        let row_clear = (2.0 * ROW_HZ[row] - COL_HZ[col - 4]).abs() > HARMONIC_CLEARANCE_HZ;
        if (row_clear && hr * l.harmonic > pr) || hc * l.harmonic > pc {
            return None;
        }
        // Twist from the fitted levels: the raw filter outputs swing by ±0.4 dB
        // with the tones' phases.
        let fit = self.fit(row, col, block);
        if fit.col > fit.row * l.normal_twist || fit.row > fit.col * l.reverse_twist {
            return None;
        }
        Some(DtmfDigit::from_row_col(row, col - 4))
    }

    /// Extends, bridges, ends or starts the run with block `cur` (first sample `start`).
    fn advance_run(&mut self, cur: &Block, start: u64) {
        match self.run.take() {
            Some(mut run) if cur.hit == Some(run.digit) => {
                if self.prev.hit == Some(run.digit) {
                    self.judge_pair(&mut run, cur);
                } else {
                    run.prev_judged = false;
                }
                if let Some(gap) = run.pending_miss.take() {
                    run.add_bridged(gap);
                }
                run.add_hit(cur);
                self.run = Some(run);
            }
            Some(mut run) => {
                let amps = run.amps(cur);
                if cur.hit.is_none() && run.pending_miss.is_none() {
                    run.pending_miss = Some(amps);
                    self.run = Some(run);
                    return;
                }
                let trail = run.pending_miss.unwrap_or(amps);
                self.close_run(run, trail);
                if let Some(d) = cur.hit {
                    self.run = Some(Run::start(d, &self.prev, cur, start));
                }
            }
            None => {
                if let Some(d) = cur.hit {
                    self.run = Some(Run::start(d, &self.prev, cur, start));
                }
            }
        }
    }

    /// Judges a finished run and queues its digit if it passes.
    fn close_run(&mut self, mut run: Run, trail: (f32, f32)) {
        run.set_trail(trail);
        if !run.accepted() {
            return;
        }
        let (start, duration) = run.extent(self.block);
        if duration < self.limits.min_samples {
            return;
        }
        if self.queue.len() == QUEUE_CAP {
            self.queue.pop_front();
            self.dropped += 1;
        }
        self.queue.push_back(DetectedDigit {
            digit: run.digit,
            start_sample: start,
            duration_samples: duration,
        });
    }

    /// Judges two consecutive hits of `run` (the previous block and `cur`): both
    /// tones' frequencies must be within tolerance, and each block is rated strong
    /// or weak by how much of its energy the two tones carry.
    fn judge_pair(&self, run: &mut Run, cur: &Block) {
        let prev = &self.prev;
        let (row, col) = run.bins;
        let (fit_prev, fit_cur) = (self.fit(row, col, prev), self.fit(row, col, cur));
        let dr = self.offset(row, (fit_prev.z_row, fit_cur.z_row), prev, cur);
        let dc = self.offset(col, (fit_prev.z_col, fit_cur.z_col), prev, cur);
        let tol = self.limits.freq_tolerance;
        let (lr, lc) = (tol * self.bins.w[row], tol * self.bins.w[col]);
        let in_tolerance = dr.abs() <= lr && dc.abs() <= lc;
        let clamped = (dr.clamp(-lr, lr), dc.clamp(-lc, lc));
        let strong_prev = self.strong(&fit_prev, clamped, prev);
        let strong_cur = self.strong(&fit_cur, clamped, cur);
        run.row.offset(dr / self.bins.w[row]);
        run.col.offset(dc / self.bins.w[col]);
        if !in_tolerance {
            // A block only partly filled with tone (at its start or end) measures
            // poorly; only a clean pair off frequency counts against the run.
            if strong_prev && strong_cur {
                run.pairs_bad += 1;
            }
            run.prev_judged = false;
            return;
        }
        run.pairs_ok += 1;
        if !run.prev_judged {
            run.rate(strong_prev);
        }
        run.rate(strong_cur);
        run.prev_judged = true;
    }

    /// Frequency offset of tone `i` from its nominal frequency, in rad/sample, from
    /// its fitted phasors `(previous, current)` in two consecutive blocks.
    fn offset(&self, i: usize, (zp, zc): (C, C), prev: &Block, cur: &Block) -> f32 {
        let n = self.block as f32;
        // Phase advance over one block, minus the nominal advance: the offset times N,
        // known only modulo 2π. The coarse (half-block) estimates pick the right turn.
        // The fitted phasors, unlike the raw filter outputs, carry no leakage from
        // the other tone, which would skew the phase by up to 0.1 rad.
        let fine = zc.mul(zp.conj()).mul(self.bins.rot_block[i]).arg() / n;
        // A block the tone fills only a fraction ρ of (the first or last of a digit)
        // has its phase from the middle of that part, which makes the advance read
        // (1 + ρ)/2 of the true offset; ρ shows in its amplitude.
        let (ap, ac) = (zp.norm_sqr().sqrt(), zc.norm_sqr().sqrt());
        let rho = if ap.max(ac) > 0.0 {
            (ap.min(ac) / ap.max(ac)).max(0.25)
        } else {
            1.0
        };
        let step = std::f32::consts::TAU / n;
        let (wp, wc) = (prev.coarse_weight[i], cur.coarse_weight[i]);
        let coarse = if wp + wc > 0.0 {
            (wp * prev.coarse[i] + wc * cur.coarse[i]) / (wp + wc)
        } else {
            0.0
        };
        let offset = fine + ((coarse - fine) / step).round() * step;
        offset * 2.0 / (1.0 + rho)
    }

    /// Least-squares fit of the two tones (cosine and sine parts at the nominal
    /// frequencies) to `block`; `col` is a bin index (4..8).
    fn fit(&self, row: usize, col: usize, block: &Block) -> Fit {
        let (xr, xc) = (block.x[row], block.x[col]);
        // Correlations with cos and sin of each tone (X = Σ x·e^{-jwn}).
        let y = [xr.re, -xr.im, xc.re, -xc.im];
        let inv = &self.bins.gram_inv[row * 4 + col - 4];
        let mut beta = [0.0f32; 4];
        for (i, b) in beta.iter_mut().enumerate() {
            *b = (0..4).map(|j| inv[i * 4 + j] * y[j]).sum();
        }
        Fit {
            row: 0.5 * (beta[0] * beta[0] + beta[1] * beta[1]),
            col: 0.5 * (beta[2] * beta[2] + beta[3] * beta[3]),
            // c·cos + s·sin = A·cos(wn - φ): the phasor A·e^{-jφ} is c - js, which
            // is what X/N·2 would be without leakage.
            z_row: C {
                re: beta[0],
                im: -beta[1],
            },
            z_col: C {
                re: beta[2],
                im: -beta[3],
            },
            // The projection's energy y·β, as a mean over the block.
            energy: y.iter().zip(&beta).map(|(a, b)| a * b).sum::<f32>() / self.block as f32,
        }
    }

    /// True when the two tones, corrected for the filter loss at their measured
    /// offsets, carry [`STRONG_RATIO`] of the block's energy.
    ///
    /// The tones' energy here is that of a least-squares fit of both sines (cosine
    /// and sine parts) to the block, not the raw filter outputs: over a block that
    /// is no whole number of periods, the tones leak into each other's filter and
    /// their energy depends on their phases, which would make the ratio of a clean
    /// pair swing by ±8 % from block to block.
    fn strong(&self, fit: &Fit, (dr, dc): (f32, f32), block: &Block) -> bool {
        let n = self.block as f32;
        // The fitted pair's energy, scaled up for each tone's filter loss in
        // proportion to its share.
        let (pr, pc) = (fit.row, fit.col);
        let loss =
            (pr / filter_gain(dr, n) + pc / filter_gain(dc, n)) / (pr + pc).max(f32::MIN_POSITIVE);
        let tones = fit.energy * loss;
        tones >= STRONG_RATIO * block.energy
    }
}

/// The configuration turned into power ratios and sample counts.
#[derive(Debug, Clone, Copy)]
struct Limits {
    min_power: f32,
    normal_twist: f32,
    reverse_twist: f32,
    relative_peak: f32,
    energy_ratio: f32,
    harmonic: f32,
    freq_tolerance: f32,
    min_samples: u64,
}

impl Limits {
    fn new(c: &DtmfConfig, rate: u32, block: usize) -> Limits {
        let ratio = |db: f32| 10f32.powf(db / 10.0);
        let min_samples = (c.min_duration.as_secs_f64() * f64::from(rate)).round() as u64;
        Limits {
            min_power: dbm0_to_power(c.min_level_dbm0),
            normal_twist: ratio(c.normal_twist_db + TWIST_MARGIN_DB),
            reverse_twist: ratio(c.reverse_twist_db + TWIST_MARGIN_DB),
            relative_peak: ratio(c.relative_peak_db),
            energy_ratio: c.min_energy_ratio,
            harmonic: ratio(c.harmonic_db),
            freq_tolerance: c.freq_tolerance,
            // A run always spans at least two blocks.
            min_samples: min_samples.max(block as u64 / 2),
        }
    }
}

/// How far a low-group harmonic must be from the high-group tone to be checked.
const HARMONIC_CLEARANCE_HZ: f32 = 150.0;
/// Share of a block's energy the two tones must carry, after correcting for the
/// frequency offset, for the block to count as strong: a pure pair reads 1, a pair
/// with noise 15 dB down 0.97, vowels with strong formants at a key's frequencies
/// stay below 0.8.
const STRONG_RATIO: f32 = 0.87;
/// Measurement allowance added to the configured twist limits, so a pair exactly
/// at the limit is still accepted despite noise.
const TWIST_MARGIN_DB: f32 = 0.5;
/// Block length at 8 kHz.
const BLOCK_8K: usize = 106;
/// Detected digits kept for [`DtmfDetector::poll_digit`].
const QUEUE_CAP: usize = 64;
