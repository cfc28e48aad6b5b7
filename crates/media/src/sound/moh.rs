//! Music on hold. A [`MohClass`] is a folder of audio files played in a loop. Each
//! class has ONE frame source, a tokio task ticking every 20 ms, which publishes
//! `Arc<[i16]>` frames on a broadcast channel per playback rate; every caller on hold
//! in that class is a [`MohListener`] on it. The per-tick cost is one frame per rate
//! in use, whatever the number of listeners (each listener only clones an `Arc`).
//!
//! - The task runs only while the class has listeners: the first subscribe starts it,
//!   and it stops on the first tick after the last listener is dropped.
//! - A listener that falls behind skips frames (and counts them); it never slows the
//!   class or the other listeners.
//! - Missed ticks (a stalled runtime) are skipped, not burst: music resumes at the
//!   right pace and listeners' RTP timestamps stay paced by their own sends.
//! - Files are decoded on the blocking pool, one track ahead, never on a worker thread.
//!   The folder is rescanned at the start of every pass, so added or removed files take
//!   effect without a restart.
//! - A class with no playable file plays silence (a comfort tone would be mistaken
//!   for a ringback or a fault tone; phones keep the call up on silence) and rescans
//!   its folder every ten seconds.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use super::decode::DecodeLimits;
use super::prompt::load_prompt_file;
use super::{PlaybackRate, Prompt};

/// The class every PBX has, and the fallback for an unknown class name.
pub const DEFAULT_MOH_CLASS: &str = "default";

/// Order in which a class plays its files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MohOrder {
    /// By file name (prefix names with numbers to choose the order).
    #[default]
    Alphabetical,
    /// A new random order on every pass through the folder.
    Shuffle,
}

/// Settings of one class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MohConfig {
    /// The folder of WAV/MP3 files.
    pub dir: PathBuf,
    /// Play order.
    pub order: MohOrder,
    /// Seed of the shuffle (fixed in tests; from the daemon's RNG in production).
    pub seed: u64,
    /// Limits for decoding a file that is not in the playback format yet.
    pub limits: DecodeLimits,
}

impl MohConfig {
    /// Alphabetical playback of `dir` with the default limits.
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            order: MohOrder::Alphabetical,
            seed: 0,
            limits: DecodeLimits::default(),
        }
    }
}

/// One music-on-hold class. Clones share the same frame source.
#[derive(Clone, Debug)]
pub struct MohClass {
    inner: Arc<ClassInner>,
}

#[derive(Debug)]
struct ClassInner {
    name: String,
    config: MohConfig,
    /// Narrowband and wideband channels, indexed like [`PlaybackRate::ALL`].
    senders: [broadcast::Sender<Arc<[i16]>>; 2],
    running: Mutex<bool>,
}

impl ClassInner {
    fn listeners(&self) -> usize {
        self.senders
            .iter()
            .map(broadcast::Sender::receiver_count)
            .sum()
    }

    fn running(&self) -> std::sync::MutexGuard<'_, bool> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl MohClass {
    /// A class named `name` playing `config.dir`. Nothing runs until a subscribe.
    #[must_use]
    pub fn new(name: impl Into<String>, config: MohConfig) -> Self {
        let channel = || broadcast::channel(CHANNEL_FRAMES).0;
        Self {
            inner: Arc::new(ClassInner {
                name: name.into(),
                config,
                senders: [channel(), channel()],
                running: Mutex::new(false),
            }),
        }
    }

    /// Puts a caller on hold in this class: frames at `rate` from the next tick on.
    /// Starts the class's task if it is idle, so it must be called inside a tokio
    /// runtime.
    #[must_use]
    pub fn subscribe(&self, rate: PlaybackRate) -> MohListener {
        let mut running = self.inner.running();
        let rx = self.inner.senders[rate_index(rate)].subscribe();
        if !*running {
            *running = true;
            tokio::spawn(run_class(Arc::clone(&self.inner)));
        }
        MohListener {
            rx,
            rate,
            skipped: 0,
        }
    }

    /// Whether the class's task is running (it has had listeners since its last tick).
    #[must_use]
    pub fn is_playing(&self) -> bool {
        *self.inner.running()
    }

    /// Callers currently on hold in this class.
    #[must_use]
    pub fn listener_count(&self) -> usize {
        self.inner.listeners()
    }

    /// The class's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The class's settings.
    #[must_use]
    pub fn config(&self) -> &MohConfig {
        &self.inner.config
    }
}

/// One caller on hold: a receiver of the class's 20 ms frames at one rate. Dropping it
/// takes the caller off hold.
#[derive(Debug)]
pub struct MohListener {
    rx: broadcast::Receiver<Arc<[i16]>>,
    rate: PlaybackRate,
    skipped: u64,
}

impl MohListener {
    /// Waits for the next frame. `None` only if the class is gone.
    pub async fn recv(&mut self) -> Option<Arc<[i16]>> {
        loop {
            match self.rx.recv().await {
                Ok(frame) => return Some(frame),
                Err(broadcast::error::RecvError::Lagged(n)) => self.skipped += n,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The next frame if one is waiting (for a leg driven by its own 20 ms clock,
    /// which sends silence or repeats when this returns `None`).
    pub fn try_recv(&mut self) -> Option<Arc<[i16]>> {
        loop {
            match self.rx.try_recv() {
                Ok(frame) => return Some(frame),
                Err(broadcast::error::TryRecvError::Lagged(n)) => self.skipped += n,
                Err(_) => return None,
            }
        }
    }

    /// Frames this listener missed by falling behind.
    #[must_use]
    pub fn skipped_frames(&self) -> u64 {
        self.skipped
    }

    /// The rate of the frames this listener gets.
    #[must_use]
    pub fn rate(&self) -> PlaybackRate {
        self.rate
    }
}

/// The PBX's classes by name, always including [`DEFAULT_MOH_CLASS`].
#[derive(Debug)]
pub struct MohRegistry {
    classes: Mutex<HashMap<String, MohClass>>,
}

impl MohRegistry {
    /// A registry with only the default class, playing `default`.
    #[must_use]
    pub fn new(default: MohConfig) -> Self {
        let mut classes = HashMap::new();
        classes.insert(
            DEFAULT_MOH_CLASS.to_owned(),
            MohClass::new(DEFAULT_MOH_CLASS, default),
        );
        Self {
            classes: Mutex::new(classes),
        }
    }

    /// Adds or replaces a class (a config change). Callers already on hold in the old
    /// class keep hearing it until they leave; new ones get the new class.
    pub fn insert(&self, name: &str, config: MohConfig) -> MohClass {
        let class = MohClass::new(name, config);
        self.lock().insert(name.to_owned(), class.clone());
        class
    }

    /// Removes a class; the default class cannot be removed. Returns whether it existed.
    pub fn remove(&self, name: &str) -> bool {
        name != DEFAULT_MOH_CLASS && self.lock().remove(name).is_some()
    }

    /// The class named `name`, if configured.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<MohClass> {
        self.lock().get(name).cloned()
    }

    /// The class named `name`, or the default class when there is none by that name.
    #[must_use]
    pub fn class_or_default(&self, name: &str) -> MohClass {
        let classes = self.lock();
        match classes.get(name).or_else(|| classes.get(DEFAULT_MOH_CLASS)) {
            Some(c) => c.clone(),
            // `new` inserts the default and `remove` refuses to drop it.
            None => MohClass::new(DEFAULT_MOH_CLASS, MohConfig::new(".")),
        }
    }

    /// Puts a caller on hold in class `name` (or the default class) at `rate`.
    #[must_use]
    pub fn subscribe(&self, name: &str, rate: PlaybackRate) -> MohListener {
        self.class_or_default(name).subscribe(rate)
    }

    /// The configured class names, sorted.
    #[must_use]
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.lock().keys().cloned().collect();
        names.sort();
        names
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, MohClass>> {
        self.classes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The class's frame source: runs while there are listeners.
async fn run_class(inner: Arc<ClassInner>) {
    let mut feed = Feed::new(inner.config.clone());
    let mut tick = tokio::time::interval(FRAME);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let wanted = [0, 1].map(|i| inner.senders[i].receiver_count() > 0);
        if !wanted.contains(&true) {
            // Re-checked under the lock that `subscribe` takes, so a caller who
            // subscribes right now either is seen here or starts a new task.
            let mut running = inner.running();
            if inner.listeners() == 0 {
                *running = false;
                return;
            }
        }
        feed.advance(Instant::now()).await;
        for (i, rate) in PlaybackRate::ALL.into_iter().enumerate() {
            if wanted[i] {
                // An error only means that listener left since the check.
                let _ = inner.senders[i].send(feed.frame(rate));
            }
        }
        feed.step();
    }
}

/// Track state of a playing class: the current track, the next one being loaded on
/// the blocking pool, and the rest of this pass through the folder.
struct Feed {
    config: Arc<MohConfig>,
    current: Option<Track>,
    /// Frames of `current` already played.
    pos: usize,
    ready: Option<Track>,
    job: Option<JoinHandle<(Option<Track>, Playlist)>>,
    playlist: Option<Playlist>,
    idle_until: Option<Instant>,
    silence: [Arc<[i16]>; 2],
}

/// A loaded file and where it came from.
type Track = (PathBuf, Prompt);

/// The files left in this pass, and the shuffle's state.
struct Playlist {
    queue: VecDeque<PathBuf>,
    rng: u64,
}

impl Feed {
    fn new(config: MohConfig) -> Self {
        let playlist = Playlist {
            queue: VecDeque::new(),
            rng: config.seed,
        };
        Self {
            config: Arc::new(config),
            current: None,
            pos: 0,
            ready: None,
            job: None,
            playlist: Some(playlist),
            idle_until: None,
            silence: PlaybackRate::ALL.map(|r| vec![0; r.frame_samples()].into()),
        }
    }

    /// Moves on to the next track when the current one is done and starts loading the
    /// one after. Awaits only a job that has already finished.
    async fn advance(&mut self, now: Instant) {
        if self.job.as_ref().is_some_and(JoinHandle::is_finished) {
            if let Some(job) = self.job.take() {
                match job.await {
                    Ok((track, playlist)) => {
                        self.playlist = Some(playlist);
                        match track {
                            Some(t) => self.ready = Some(t),
                            None => self.idle_until = Some(now + IDLE_RESCAN),
                        }
                    }
                    // The loader panicked: start a fresh pass after the idle wait.
                    Err(_) => {
                        self.playlist = Some(Playlist {
                            queue: VecDeque::new(),
                            rng: self.config.seed,
                        });
                        self.idle_until = Some(now + IDLE_RESCAN);
                    }
                }
            }
        }
        if self.current_done() {
            if let Some(next) = self.ready.take() {
                self.current = Some(next);
                self.pos = 0;
            }
        }
        let idle = self.idle_until.is_some_and(|t| now < t);
        if self.ready.is_none() && !idle {
            if let Some(playlist) = self.playlist.take() {
                self.idle_until = None;
                let config = Arc::clone(&self.config);
                let reuse = self.current.clone();
                self.job = Some(tokio::task::spawn_blocking(move || {
                    next_track(&config, playlist, reuse)
                }));
            }
        }
    }

    /// This tick's frame at `rate`: the current track, padded at its end, or silence.
    fn frame(&self, rate: PlaybackRate) -> Arc<[i16]> {
        let silence = &self.silence[rate_index(rate)];
        let Some((_, prompt)) = self.current.as_ref().filter(|_| !self.current_done()) else {
            return Arc::clone(silence);
        };
        let n = rate.frame_samples();
        let samples = prompt.samples(rate);
        let start = (self.pos * n).min(samples.len());
        let end = (start + n).min(samples.len());
        if end - start == n {
            return Arc::from(&samples[start..end]);
        }
        let mut frame = vec![0; n];
        frame[..end - start].copy_from_slice(&samples[start..end]);
        frame.into()
    }

    fn step(&mut self) {
        if self.current.is_some() {
            self.pos += 1;
        }
    }

    fn current_done(&self) -> bool {
        self.current.as_ref().is_none_or(|(_, p)| {
            let n = PlaybackRate::Wideband.frame_samples();
            self.pos * n >= p.samples(PlaybackRate::Wideband).len()
        })
    }
}

/// Loads the next playable track of the pass (on the blocking pool), starting a new
/// pass when this one is over. `None`: the folder holds nothing playable.
fn next_track(
    config: &MohConfig,
    mut playlist: Playlist,
    reuse: Option<Track>,
) -> (Option<Track>, Playlist) {
    let mut rescanned = false;
    loop {
        let Some(path) = playlist.queue.pop_front() else {
            if rescanned {
                return (None, playlist);
            }
            rescanned = true;
            playlist.queue = scan(&config.dir);
            if config.order == MohOrder::Shuffle {
                shuffle(playlist.queue.make_contiguous(), &mut playlist.rng);
            }
            continue;
        };
        if let Some((p, prompt)) = reuse.as_ref().filter(|(p, _)| *p == path) {
            return (Some((p.clone(), prompt.clone())), playlist);
        }
        match load_prompt_file(&path, &config.limits) {
            Ok(prompt) if !prompt.is_empty() => return (Some((path, prompt)), playlist),
            // An unreadable file is skipped; the rest of the folder still plays.
            _ => {}
        }
    }
}

/// The folder's audio files by name (the `.8k.wav` halves of imported pairs, hidden,
/// temp and part files excluded).
fn scan(dir: &Path) -> VecDeque<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return VecDeque::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| {
            let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
                return false;
            };
            let lower = name.to_ascii_lowercase();
            !name.starts_with('.')
                && !lower.ends_with(".8k.wav")
                && (lower.ends_with(".wav") || lower.ends_with(".mp3"))
        })
        .collect();
    files.sort();
    files.into()
}

/// Fisher–Yates with splitmix64: deterministic for a seed, no dependency.
fn shuffle(items: &mut [PathBuf], state: &mut u64) {
    for i in (1..items.len()).rev() {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // The remainder is at most i, so it fits in usize.
        let j = (z % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

fn rate_index(rate: PlaybackRate) -> usize {
    match rate {
        PlaybackRate::Narrowband => 0,
        PlaybackRate::Wideband => 1,
    }
}

/// One frame: 20 ms.
const FRAME: Duration = Duration::from_millis(20);
/// Frames a listener may fall behind before it skips (1 s).
const CHANNEL_FRAMES: usize = 50;
/// How long a class with nothing playable waits before looking at its folder again.
const IDLE_RESCAN: Duration = Duration::from_secs(10);

/// Gives a fresh box something to play on hold: when `dir` holds no audio file, writes
/// `rotary-default.wav` there (a quiet, slow major-chord arpeggio, 32 s at 16 kHz,
/// synthesised here so no binary ships in the repository). Returns whether it wrote.
/// Blocking; call it once at startup.
pub fn ensure_default_music(dir: &std::path::Path) -> Result<bool, super::SoundError> {
    std::fs::create_dir_all(dir).map_err(|e| super::SoundError::io(dir, e))?;
    let has_audio = std::fs::read_dir(dir)
        .map_err(|e| super::SoundError::io(dir, e))?
        .flatten()
        .any(|e| {
            let name = e.file_name().to_string_lossy().to_ascii_lowercase();
            name.ends_with(".wav") || name.ends_with(".mp3")
        });
    if has_audio {
        return Ok(false);
    }
    const RATE: u32 = 16_000;
    // C major, A minor, F major, G major: four bars of eight notes each.
    const CHORDS: [[f64; 3]; 4] = [
        [261.63, 329.63, 392.00],
        [220.00, 261.63, 329.63],
        [174.61, 220.00, 261.63],
        [196.00, 246.94, 293.66],
    ];
    let note = RATE as usize; // one note per second
    let mut pcm: Vec<i16> = Vec::with_capacity(note * 32);
    for chord in CHORDS {
        for step in 0..8 {
            let f = chord[step % 3] * if (3..6).contains(&step) { 2.0 } else { 1.0 };
            for i in 0..note {
                let t = i as f64 / f64::from(RATE);
                // Soft attack and long decay, a touch of the octave for warmth.
                let env = (t * 40.0).min(1.0) * (-2.2 * t).exp();
                let w = (2.0 * std::f64::consts::PI * f * t).sin()
                    + 0.25 * (4.0 * std::f64::consts::PI * f * t).sin();
                pcm.push((w * env * 5_000.0) as i16);
            }
        }
    }
    let mut bytes = Vec::with_capacity(44 + pcm.len() * 2);
    bytes.extend_from_slice(&super::wav::header(1, RATE, (pcm.len() * 2) as u64));
    for s in pcm {
        bytes.extend_from_slice(&s.to_le_bytes());
    }
    super::wav::write_atomic(&dir.join("rotary-default.wav"), &bytes)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_is_a_permutation_and_seeded() {
        let files: Vec<PathBuf> = (0..20).map(|i| PathBuf::from(format!("{i:02}"))).collect();
        let (mut a, mut b) = (files.clone(), files.clone());
        let (mut sa, mut sb) = (7, 7);
        shuffle(&mut a, &mut sa);
        shuffle(&mut b, &mut sb);
        assert_eq!(a, b);
        assert_ne!(a, files);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, files);
    }
}
