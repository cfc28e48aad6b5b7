//! Runs of blocks showing the same key, and how much tone they held.

use super::spectrum::Block;
use super::DtmfDigit;

/// A run of blocks showing the same key.
#[derive(Debug, Clone, Copy)]
pub(super) struct Run {
    pub(super) digit: DtmfDigit,
    /// Bin indices of the key's row and column.
    pub(super) bins: (usize, usize),
    /// First sample of the first hit block.
    pub(super) first_start: u64,
    /// Amplitude bookkeeping of the row tone and the column tone.
    pub(super) row: Track,
    pub(super) col: Track,
    /// A missed block waiting to be bridged (its amplitudes).
    pub(super) pending_miss: Option<(f32, f32)>,
    /// Consecutive-hit pairs whose frequencies passed, and failed.
    pub(super) pairs_ok: u32,
    pub(super) pairs_bad: u32,
    /// Hit blocks rated strong and weak (see `DtmfDetector::strong`).
    pub(super) strong: u32,
    pub(super) weak: u32,
    /// Whether the last hit block has been rated.
    pub(super) prev_judged: bool,
}

impl Run {
    pub(super) fn start(digit: DtmfDigit, prev: &Block, cur: &Block, first_start: u64) -> Run {
        let (r, c) = digit.row_col();
        let mut run = Run {
            digit,
            bins: (r, 4 + c),
            first_start,
            row: Track::default(),
            col: Track::default(),
            pending_miss: None,
            pairs_ok: 0,
            pairs_bad: 0,
            strong: 0,
            weak: 0,
            prev_judged: false,
        };
        (run.row.lead, run.col.lead) = run.amps(prev);
        run.add_hit(cur);
        run
    }

    /// Amplitudes of this run's two tones in `block`.
    pub(super) fn amps(&self, block: &Block) -> (f32, f32) {
        (
            block.power[self.bins.0].sqrt(),
            block.power[self.bins.1].sqrt(),
        )
    }

    pub(super) fn add_hit(&mut self, block: &Block) {
        let (r, c) = self.amps(block);
        self.row.hit(r);
        self.col.hit(c);
    }

    pub(super) fn add_bridged(&mut self, (r, c): (f32, f32)) {
        self.row.bridged += r;
        self.col.bridged += c;
        self.row.bridged_blocks += 1;
        self.col.bridged_blocks += 1;
    }

    pub(super) fn set_trail(&mut self, (r, c): (f32, f32)) {
        self.row.trail = r;
        self.col.trail = c;
    }

    pub(super) fn rate(&mut self, strong: bool) {
        if strong {
            self.strong += 1;
        } else {
            self.weak += 1;
        }
    }

    /// The frequency measurements passed (a rare bad one is forgiven in long tones)
    /// and held steady, and the blocks are strong but for the partly filled ones at
    /// both ends.
    pub(super) fn accepted(&self) -> bool {
        self.pairs_ok >= 1
            && self.pairs_bad * 8 <= self.pairs_ok
            && self.strong >= 1
            && self.weak <= 2 + self.strong / 8
            && self.row.steady()
            && self.col.steady()
    }

    /// Start sample and duration: each block counts for the share of it the tone
    /// filled, judged by amplitude against a full block (averaged over both tones).
    pub(super) fn extent(&self, block: usize) -> (u64, u64) {
        let (Some((rt, rl)), Some((ct, cl))) = (self.row.coverage(), self.col.coverage()) else {
            return (self.first_start, 0);
        };
        let n = block as f32;
        let lead = (0.5 * (rl + cl) * n).round() as u64;
        (
            self.first_start.saturating_sub(lead),
            (0.5 * (rt + ct) * n).round() as u64,
        )
    }
}

/// One tone's amplitudes over a run, enough to tell how many blocks' worth of it
/// there was.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Track {
    pub(super) hits: u32,
    /// Sum, first, last and largest amplitude over hit blocks.
    pub(super) sum: f32,
    pub(super) first: f32,
    pub(super) last: f32,
    pub(super) max: f32,
    /// Sum of amplitudes over bridged blocks, and their number.
    pub(super) bridged: f32,
    pub(super) bridged_blocks: u32,
    /// Amplitude in the block before the first hit, and after the last.
    pub(super) lead: f32,
    pub(super) trail: f32,
    /// Lowest and highest relative frequency offset measured (0 before any).
    pub(super) offset_min: f32,
    pub(super) offset_max: f32,
    pub(super) offsets: u32,
}

impl Track {
    pub(super) fn hit(&mut self, amp: f32) {
        if self.hits == 0 {
            self.first = amp;
        }
        self.last = amp;
        self.sum += amp;
        self.max = self.max.max(amp);
        self.hits += 1;
    }

    /// Records one frequency measurement (relative offset from nominal).
    pub(super) fn offset(&mut self, rel: f32) {
        if self.offsets == 0 {
            (self.offset_min, self.offset_max) = (rel, rel);
        } else {
            self.offset_min = self.offset_min.min(rel);
            self.offset_max = self.offset_max.max(rel);
        }
        self.offsets += 1;
    }

    /// The frequency held still: a DTMF tone does not glide like a voice's pitch.
    /// (Measurements at the run's partly filled end blocks read up to a quarter
    /// closer to nominal, hence the allowance.)
    pub(super) fn steady(&self) -> bool {
        self.offset_max - self.offset_min <= MAX_GLIDE
    }

    /// Amplitude of a block full of tone: the mean over interior hits (only the
    /// first and last hit can be partly empty), or the largest with fewer than three.
    pub(super) fn full_block(&self) -> f32 {
        if self.hits >= 3 {
            (self.sum - self.first - self.last) / (self.hits - 2) as f32
        } else {
            self.max
        }
    }

    /// Blocks' worth of tone over the whole run (edges included), and in the lead
    /// block alone.
    pub(super) fn coverage(&self) -> Option<(f32, f32)> {
        let full = self.full_block();
        if !full.is_finite() || full <= 0.0 {
            return None;
        }
        let share = |amp: f32| (amp / full).min(1.0);
        let hits = match self.hits {
            0 => 0.0,
            1 => share(self.first),
            n => (n - 2) as f32 + share(self.first) + share(self.last),
        };
        let bridged = (self.bridged / full).min(self.bridged_blocks as f32);
        let lead = share(self.lead);
        Some((hits + bridged + lead + share(self.trail), lead))
    }
}

/// Largest spread of a tone's frequency measurements within one digit, relative.
const MAX_GLIDE: f32 = 0.006;
