//! A frame source for one call: plays a list of prompts (and pauses between them) as
//! 20 ms frames at the leg's playback rate. No clock, no I/O: the leg's packetisation
//! timer asks for the next frame.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use super::decode::samples_to_duration;
use super::{PlaybackRate, Prompt};

/// Plays prompts back to back into caller-sized frames, e.g. "you have" + "3" + "new
/// messages". Frames carry on across prompt boundaries without gaps; the last frame is
/// padded with silence.
///
/// ```
/// use rotary_media::sound::{PlaybackRate, Player, Prompt};
/// let beep = Prompt::from_pcm(&[1000; 800], 16_000)?; // 50 ms
/// let mut player = Player::new(PlaybackRate::Narrowband);
/// player.push(&beep);
/// let mut frame = [0i16; 160];
/// assert!(!player.next_frame(&mut frame)); // 20 ms played, more to come
/// assert!(!player.next_frame(&mut frame)); // 40 ms
/// assert!(player.next_frame(&mut frame)); // last 10 ms + 10 ms of silence: finished
/// # Ok::<(), rotary_media::sound::SoundError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Player {
    rate: PlaybackRate,
    items: VecDeque<Item>,
    /// Samples of the front item already played.
    pos: usize,
}

#[derive(Clone, Debug)]
enum Item {
    Audio(Arc<[i16]>),
    Silence(usize),
}

impl Item {
    fn len(&self) -> usize {
        match self {
            Item::Audio(a) => a.len(),
            Item::Silence(n) => *n,
        }
    }
}

impl Player {
    /// An empty player for a leg at `rate`.
    #[must_use]
    pub fn new(rate: PlaybackRate) -> Self {
        Self {
            rate,
            items: VecDeque::new(),
            pos: 0,
        }
    }

    /// A player loaded with `prompts`, in order.
    #[must_use]
    pub fn with_prompts<'a>(
        rate: PlaybackRate,
        prompts: impl IntoIterator<Item = &'a Prompt>,
    ) -> Self {
        let mut p = Self::new(rate);
        for prompt in prompts {
            p.push(prompt);
        }
        p
    }

    /// Appends a prompt (shares its samples; no copy).
    pub fn push(&mut self, prompt: &Prompt) {
        let samples = prompt.samples(self.rate);
        if !samples.is_empty() {
            self.items.push_back(Item::Audio(Arc::clone(samples)));
        }
    }

    /// Appends a pause, rounded to whole samples.
    pub fn push_silence(&mut self, pause: Duration) {
        let n = (pause.as_micros() * u128::from(self.rate.hz()) / 1_000_000) as usize;
        if n > 0 {
            self.items.push_back(Item::Silence(n));
        }
    }

    /// Fills `out` (any length; normally [`frame_len`](Self::frame_len)) with the next
    /// samples, padding with silence past the end. Returns `true` when nothing is left
    /// after this frame: send it, then stop asking. Once finished, every call writes
    /// silence and returns `true`.
    pub fn next_frame(&mut self, out: &mut [i16]) -> bool {
        let mut filled = 0;
        while filled < out.len() {
            let Some(item) = self.items.front() else {
                out[filled..].fill(0);
                break;
            };
            let take = (item.len() - self.pos).min(out.len() - filled);
            let dst = &mut out[filled..filled + take];
            match item {
                Item::Audio(a) => dst.copy_from_slice(&a[self.pos..self.pos + take]),
                Item::Silence(_) => dst.fill(0),
            }
            filled += take;
            self.pos += take;
            if self.pos == item.len() {
                self.items.pop_front();
                self.pos = 0;
            }
        }
        self.is_finished()
    }

    /// Drops everything queued (barge-in: the caller pressed a key).
    pub fn clear(&mut self) {
        self.items.clear();
        self.pos = 0;
    }

    /// Whether everything has been played.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.items.is_empty()
    }

    /// The rate this player produces.
    #[must_use]
    pub fn rate(&self) -> PlaybackRate {
        self.rate
    }

    /// Samples in one 20 ms frame at this player's rate.
    #[must_use]
    pub fn frame_len(&self) -> usize {
        self.rate.frame_samples()
    }

    /// Playing time left.
    #[must_use]
    pub fn remaining(&self) -> Duration {
        let samples: usize = self.items.iter().map(Item::len).sum::<usize>() - self.pos;
        samples_to_duration(samples, self.rate.hz())
    }
}

/// The system prompt names (see `sounds/prompts.txt`) that say `n` in English, e.g.
/// 342 → `["num-3", "num-hundred", "num-40", "num-2"]`, for "you are caller number N"
/// and "you have N new messages".
#[must_use]
pub fn number_prompt_names(n: u64) -> Vec<&'static str> {
    let mut out = Vec::new();
    if n == 0 {
        out.push(UNITS[0]);
    } else {
        say_number(n, &mut out);
    }
    out
}

/// The system prompt names that read `digits` one by one ("extension 2 0 1"); other
/// characters are skipped.
#[must_use]
pub fn digit_prompt_names(digits: &str) -> Vec<&'static str> {
    digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|d| UNITS[usize::from(d - b'0')])
        .collect()
}

fn say_number(n: u64, out: &mut Vec<&'static str>) {
    let groups = [
        (1_000_000_000_000, "num-trillion"),
        (1_000_000_000, "num-billion"),
        (1_000_000, "num-million"),
        (1_000, "num-thousand"),
    ];
    let mut rest = n;
    for (size, word) in groups {
        if rest >= size {
            // Above 999 trillion the count itself is a number with groups.
            say_number(rest / size, out);
            out.push(word);
            rest %= size;
        }
    }
    say_below_thousand(rest, out);
}

fn say_below_thousand(n: u64, out: &mut Vec<&'static str>) {
    // n < 1000 here, so the casts below are exact.
    let n = n as usize;
    if n >= 100 {
        out.push(UNITS[n / 100]);
        out.push("num-hundred");
    }
    let rest = n % 100;
    if rest >= 20 {
        out.push(TENS[rest / 10]);
        if !rest.is_multiple_of(10) {
            out.push(UNITS[rest % 10]);
        }
    } else if rest > 0 {
        out.push(UNITS[rest]);
    }
}

const UNITS: [&str; 20] = [
    "num-0", "num-1", "num-2", "num-3", "num-4", "num-5", "num-6", "num-7", "num-8", "num-9",
    "num-10", "num-11", "num-12", "num-13", "num-14", "num-15", "num-16", "num-17", "num-18",
    "num-19",
];
const TENS: [&str; 10] = [
    "", "", "num-20", "num-30", "num-40", "num-50", "num-60", "num-70", "num-80", "num-90",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_words() {
        assert_eq!(number_prompt_names(0), ["num-0"]);
        assert_eq!(number_prompt_names(7), ["num-7"]);
        assert_eq!(number_prompt_names(40), ["num-40"]);
        assert_eq!(
            number_prompt_names(342),
            ["num-3", "num-hundred", "num-40", "num-2"]
        );
        assert_eq!(
            number_prompt_names(2_005_019),
            ["num-2", "num-million", "num-5", "num-thousand", "num-19"]
        );
        assert_eq!(digit_prompt_names("20*1"), ["num-2", "num-0", "num-1"]);
        let max = number_prompt_names(u64::MAX);
        assert_eq!(&max[..4], ["num-18", "num-million", "num-4", "num-hundred"]);
        assert_eq!(max.iter().filter(|&&w| w == "num-trillion").count(), 1);
    }

    #[test]
    fn frames_cross_prompt_boundaries_and_pauses() {
        let a = Prompt::from_parts(vec![1; 100].into(), vec![1; 200].into());
        let b = Prompt::from_parts(vec![2; 100].into(), vec![2; 200].into());
        let mut p = Player::new(PlaybackRate::Narrowband);
        p.push(&a);
        p.push_silence(Duration::from_millis(5)); // 40 samples
        p.push(&b);
        assert_eq!(p.remaining(), Duration::from_millis(30));
        let mut f = [9i16; 160];
        assert!(!p.next_frame(&mut f));
        assert!(f[..100].iter().all(|&s| s == 1));
        assert!(f[100..140].iter().all(|&s| s == 0));
        assert!(f[140..].iter().all(|&s| s == 2));
        assert!(p.next_frame(&mut f));
        assert!(f[..80].iter().all(|&s| s == 2) && f[80..].iter().all(|&s| s == 0));
        f.fill(9);
        assert!(p.next_frame(&mut f));
        assert!(f.iter().all(|&s| s == 0));
    }

    #[test]
    fn clear_stops_playback() {
        let a = Prompt::from_parts(vec![1; 800].into(), vec![1; 1600].into());
        let mut p = Player::with_prompts(PlaybackRate::Wideband, [&a]);
        let mut f = [0i16; 320];
        assert!(!p.next_frame(&mut f));
        p.clear();
        assert!(p.is_finished());
        assert_eq!(p.remaining(), Duration::ZERO);
    }
}
