//! Call recording to WAV. The media path hands frames to a [`Recorder`] handle, which
//! never blocks: a bounded queue feeds one writer thread per recording that aligns the
//! two sides, writes `<name>.wav.part` through a buffer, and at the end patches the
//! header, fsyncs and renames it to `<name>.wav`. A full queue drops the frame and
//! counts it. A recording cut short by a killed process is repaired at the next start
//! by [`recover_partials`].

use std::fs::{self, File};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use super::align::{Aligner, RecordingLayout, Side};
use super::decode::samples_to_duration;
use super::prompt::check_name;
use super::{wav, PlaybackRate, SoundError};

/// Settings of one recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecorderConfig {
    /// Mono mix or caller-left/callee-right stereo.
    pub layout: RecordingLayout,
    /// Rate of the frames pushed (and of the file).
    pub rate: PlaybackRate,
    /// Frames the queue to the writer thread holds before new ones are dropped. The
    /// default, 250, is 2.5 s of both sides: more than any disk stall worth waiting for.
    pub queue_frames: usize,
}

impl Default for RecorderConfig {
    fn default() -> Self {
        Self {
            layout: RecordingLayout::Mono,
            rate: PlaybackRate::Narrowband,
            queue_frames: 250,
        }
    }
}

/// What a finished recording holds, for the CDR row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordingInfo {
    /// The complete file, `<dir>/<name>.wav`.
    pub path: PathBuf,
    /// Length of the recording.
    pub duration: Duration,
    /// Frames dropped because the writer fell behind.
    pub dropped_frames: u64,
}

/// The media path's handle on one recording. Cheap to push to from async code; all
/// file I/O runs on the recording's own thread. Dropping the handle without
/// [`finish`](Self::finish) still completes the file (the thread finalises it when it
/// sees the queue close).
#[derive(Debug)]
pub struct Recorder {
    tx: mpsc::Sender<Frame>,
    done: oneshot::Receiver<Result<RecordingInfo, SoundError>>,
    dropped: Arc<AtomicU64>,
    path: PathBuf,
}

#[derive(Debug)]
struct Frame {
    now: Instant,
    side: Side,
    samples: Vec<i16>,
}

impl Recorder {
    /// Starts recording to `<dir>/<name>.wav` (written as `<name>.wav.part` until
    /// finished). `now` is the recording's time zero; the folder must exist. Errors
    /// creating the file come back from [`finish`](Self::finish).
    pub fn start(
        dir: &Path,
        name: &str,
        now: Instant,
        config: RecorderConfig,
    ) -> Result<Self, SoundError> {
        check_name(name)?;
        let path = dir.join(format!("{name}.wav"));
        let part = dir.join(format!("{name}.wav.part"));
        let (tx, rx) = mpsc::channel(config.queue_frames.max(1));
        let (done_tx, done) = oneshot::channel();
        let dropped = Arc::new(AtomicU64::new(0));
        let writer = Writer {
            part,
            path: path.clone(),
            config,
            aligner: Aligner::new(now, config.rate.hz(), config.layout),
            dropped: Arc::clone(&dropped),
        };
        std::thread::Builder::new()
            .name(format!("rec-{name}"))
            .spawn(move || {
                let result = writer.run(rx);
                let _ = done_tx.send(result);
            })
            .map_err(|e| SoundError::io(&path, e))?;
        Ok(Self {
            tx,
            done,
            dropped,
            path,
        })
    }

    /// Queues one frame of `side` that the leg received at `now`. Never blocks: when
    /// the writer is behind (or gone) the frame is dropped, counted, and `false` is
    /// returned.
    pub fn push(&self, now: Instant, side: Side, frame: &[i16]) -> bool {
        let msg = Frame {
            now,
            side,
            samples: frame.to_vec(),
        };
        if self.tx.try_send(msg).is_ok() {
            return true;
        }
        self.dropped.fetch_add(1, Ordering::Relaxed);
        false
    }

    /// Ends the recording: everything queued is written, the file is completed and
    /// renamed, and its details come back.
    pub async fn finish(self) -> Result<RecordingInfo, SoundError> {
        let Self { tx, done, .. } = self;
        drop(tx); // the writer drains the queue, then finalises
        done.await.map_err(|_| SoundError::RecorderClosed)?
    }

    /// Frames dropped so far (queue full, or the writer stopped after an error).
    #[must_use]
    pub fn dropped_frames(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Where the finished file will be.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Completes every `*.wav.part` left in `dir` by a process that died mid-recording:
/// the header is rebuilt from the file's length, and the file is renamed to `*.wav`
/// (or `*.recovered-N.wav` if that name is taken). A part file too short to hold any
/// sound is deleted. Returns the recovered files. Blocking: call it at startup,
/// before recording starts, or from `spawn_blocking`.
pub fn recover_partials(dir: &Path) -> Result<Vec<PathBuf>, SoundError> {
    let mut recovered = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| SoundError::io(dir, e))?;
    let mut parts: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".wav.part"))
        })
        .collect();
    parts.sort();
    for part in parts {
        match wav::repair_header(&part)? {
            Some(0) | None if is_tiny(&part) => {
                fs::remove_file(&part).map_err(|e| SoundError::io(&part, e))?;
            }
            Some(_) => {
                let target = free_name(&part);
                fs::rename(&part, &target).map_err(|e| SoundError::io(&part, e))?;
                recovered.push(target);
            }
            None => {} // not a file this module wrote: leave it for a human
        }
    }
    wav::sync_dir(dir);
    Ok(recovered)
}

/// The recording's writer thread.
struct Writer {
    part: PathBuf,
    path: PathBuf,
    config: RecorderConfig,
    aligner: Aligner,
    dropped: Arc<AtomicU64>,
}

impl Writer {
    fn run(mut self, mut rx: mpsc::Receiver<Frame>) -> Result<RecordingInfo, SoundError> {
        let part = self.part.clone();
        let io = |e| SoundError::io(&part, e);
        let channels = self.config.layout.channels();
        let rate = self.config.rate.hz();
        let file = File::create(&self.part).map_err(io)?;
        let mut out = BufWriter::with_capacity(64 * 1024, file);
        out.write_all(&wav::header(channels, rate, 0)).map_err(io)?;
        let mut samples = Vec::with_capacity(2 * 320);
        let mut bytes = Vec::with_capacity(4 * 320);
        while let Some(frame) = rx.blocking_recv() {
            if !self
                .aligner
                .push(frame.now, frame.side, &frame.samples, &mut samples)
            {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
            write_samples(&mut out, &mut samples, &mut bytes).map_err(io)?;
        }
        self.aligner.finish(&mut samples);
        write_samples(&mut out, &mut samples, &mut bytes).map_err(io)?;
        let frames = self.aligner.emitted();
        let data_len = frames * u64::from(channels) * 2;
        let mut file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(&wav::header(channels, rate, data_len))
            .map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        fs::rename(&self.part, &self.path).map_err(io)?;
        if let Some(dir) = self.path.parent() {
            wav::sync_dir(dir);
        }
        Ok(RecordingInfo {
            path: self.path,
            duration: samples_to_duration(usize::try_from(frames).unwrap_or(usize::MAX), rate),
            dropped_frames: self.dropped.load(Ordering::Relaxed),
        })
    }
}

fn write_samples(
    out: &mut BufWriter<File>,
    samples: &mut Vec<i16>,
    bytes: &mut Vec<u8>,
) -> std::io::Result<()> {
    bytes.clear();
    bytes.extend(samples.drain(..).flat_map(i16::to_le_bytes));
    out.write_all(bytes)
}

fn is_tiny(path: &Path) -> bool {
    fs::metadata(path).map_or(true, |m| m.len() <= wav::HEADER_LEN)
}

/// `x.wav` for `x.wav.part`, or `x.recovered-N.wav` when `x.wav` exists.
fn free_name(part: &Path) -> PathBuf {
    let name = part
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".wav.part"))
        .unwrap_or("recording")
        .to_owned();
    let plain = part.with_file_name(format!("{name}.wav"));
    if !plain.exists() {
        return plain;
    }
    (1..)
        .map(|n| part.with_file_name(format!("{name}.recovered-{n}.wav")))
        .find(|p| !p.exists())
        .unwrap_or(plain)
}
