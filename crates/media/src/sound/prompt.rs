//! Prompts in the playback format: mono `i16` at both 8 kHz (G.711, G.726, GSM legs)
//! and 16 kHz (G.722, Opus legs), converted once at import or first load so that no
//! call ever resamples. Loaded prompts live in a [`PromptCache`] and are shared by
//! every call playing them (`Arc<[i16]>`).
//!
//! On disk an imported prompt `name` is two plain 16-bit mono WAV files in its folder:
//! `name.wav` at 16 kHz (the master, what `cargo xtask sounds` also writes) and
//! `name.8k.wav` at 8 kHz. The loader also takes any other audio file the decoder
//! reads (a 44.1 kHz MP3 dropped into a music-on-hold folder, a 16 kHz WAV without its
//! 8 kHz sibling) and converts it in memory.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rotary_codecs::resample_once;

use super::decode::{decode, samples_to_duration, DecodeLimits};
use super::{wav, SoundError};

/// The two rates prompts are kept at; a leg picks the one its codec runs at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlaybackRate {
    /// 8 kHz: G.711 µ/A-law, G.726, GSM.
    Narrowband,
    /// 16 kHz: G.722 (whose RTP clock still says 8000) and Opus.
    Wideband,
}

impl PlaybackRate {
    /// Both rates, narrow first.
    pub const ALL: [PlaybackRate; 2] = [PlaybackRate::Narrowband, PlaybackRate::Wideband];

    /// Samples per second.
    #[must_use]
    pub const fn hz(self) -> u32 {
        match self {
            Self::Narrowband => 8_000,
            Self::Wideband => 16_000,
        }
    }

    /// Samples in one 20 ms frame, the packetisation every player and MOH class uses.
    #[must_use]
    pub const fn frame_samples(self) -> usize {
        self.hz() as usize / 50
    }

    /// The playback rate for an audio sample rate, if it is one of the two.
    #[must_use]
    pub const fn from_hz(hz: u32) -> Option<Self> {
        match hz {
            8_000 => Some(Self::Narrowband),
            16_000 => Some(Self::Wideband),
            _ => None,
        }
    }
}

/// One sound ready to play at either rate. Cloning is two reference-count increments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    narrow: Arc<[i16]>,
    wide: Arc<[i16]>,
}

impl Prompt {
    /// Converts mono PCM at `rate` Hz to both playback rates (the only resampling a
    /// prompt ever sees). Fails only for a rate the resampler cannot convert.
    pub fn from_pcm(samples: &[i16], rate: u32) -> Result<Self, SoundError> {
        // The resampler takes rates in steps of 100 Hz; 11025 and 22050 Hz files are
        // first brought to 44100 Hz by integer interpolation.
        let stretched;
        let (samples, rate) = match stretch_factor(rate) {
            Some(k) if k > 1 => {
                stretched = interpolate(samples, k);
                (&stretched[..], rate * k)
            }
            _ => (samples, rate),
        };
        let convert = |to: u32| {
            if rate == to {
                return Ok(samples.to_vec());
            }
            let out = resample_once(samples, rate, to);
            if out.is_empty() && !samples.is_empty() {
                return Err(SoundError::Unsupported {
                    what: "a sample rate the resampler cannot convert",
                });
            }
            Ok(out)
        };
        Ok(Self {
            narrow: convert(8_000)?.into(),
            wide: convert(16_000)?.into(),
        })
    }

    /// Builds a prompt from PCM already at both rates (the two files of an import).
    #[must_use]
    pub fn from_parts(narrow: Arc<[i16]>, wide: Arc<[i16]>) -> Self {
        Self { narrow, wide }
    }

    /// The samples at `rate`, shared with every other call playing this prompt.
    #[must_use]
    pub fn samples(&self, rate: PlaybackRate) -> &Arc<[i16]> {
        match rate {
            PlaybackRate::Narrowband => &self.narrow,
            PlaybackRate::Wideband => &self.wide,
        }
    }

    /// How long the prompt plays.
    #[must_use]
    pub fn duration(&self) -> Duration {
        samples_to_duration(self.wide.len(), 16_000)
    }

    /// Whether the prompt holds no sound.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.wide.is_empty() && self.narrow.is_empty()
    }
}

/// What [`import_prompt`] stored, for the API's answer and the prompt list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromptInfo {
    /// The prompt's name (file stem).
    pub name: String,
    /// How long it plays.
    pub duration: Duration,
    /// Sample rate of the uploaded file.
    pub source_rate: u32,
    /// Channel count of the uploaded file (mixed down to mono).
    pub source_channels: u16,
    /// The upload ended early; what was decodable was stored.
    pub truncated: bool,
    /// The 16 kHz file, `<dest>/<name>.wav`.
    pub wide_path: PathBuf,
    /// The 8 kHz file, `<dest>/<name>.8k.wav`.
    pub narrow_path: PathBuf,
}

/// Decodes an uploaded file, converts it to both playback rates and stores it as
/// `<dest_dir>/<name>.wav` (16 kHz) and `<dest_dir>/<name>.8k.wav` (8 kHz), each
/// written to a temp name, fsynced and renamed, so a crash never leaves half a prompt.
/// An existing prompt of that name is replaced; drop it from any [`PromptCache`] with
/// [`PromptCache::invalidate`].
///
/// Blocking (decoding and file I/O): call it from `spawn_blocking` in async code.
pub fn import_prompt(
    bytes: &[u8],
    dest_dir: &Path,
    name: &str,
    limits: &DecodeLimits,
) -> Result<PromptInfo, SoundError> {
    check_name(name)?;
    let decoded = decode(bytes, limits)?;
    let prompt = Prompt::from_pcm(&decoded.samples, decoded.sample_rate)?;
    std::fs::create_dir_all(dest_dir).map_err(|e| SoundError::io(dest_dir, e))?;
    let wide_path = dest_dir.join(format!("{name}.wav"));
    let narrow_path = dest_dir.join(format!("{name}.8k.wav"));
    // The 8 kHz sibling first: the master file appearing means the pair is complete.
    wav::write_atomic(
        &narrow_path,
        &encode_wav(&prompt.narrow, 8_000, &narrow_path)?,
    )?;
    wav::write_atomic(&wide_path, &encode_wav(&prompt.wide, 16_000, &wide_path)?)?;
    Ok(PromptInfo {
        name: name.to_owned(),
        duration: prompt.duration(),
        source_rate: decoded.sample_rate,
        source_channels: decoded.source_channels,
        truncated: decoded.truncated,
        wide_path,
        narrow_path,
    })
}

/// Loads one sound file as a [`Prompt`]. Imported pairs and 8/16 kHz mono 16-bit WAVs
/// are read directly; anything else goes through the decoder (with `limits`) and is
/// converted in memory. Blocking: use [`PromptCache::get`] from async code.
pub fn load_prompt_file(path: &Path, limits: &DecodeLimits) -> Result<Prompt, SoundError> {
    let bytes = std::fs::read(path).map_err(|e| SoundError::io(path, e))?;
    let Some((pcm, rate)) = read_playback_wav(&bytes, limits)? else {
        let decoded = decode(&bytes, limits)?;
        return Prompt::from_pcm(&decoded.samples, decoded.sample_rate);
    };
    if rate == PlaybackRate::Wideband {
        let sibling = narrow_sibling(path).and_then(|p| std::fs::read(p).ok());
        if let Some(Ok(Some((narrow, PlaybackRate::Narrowband)))) =
            sibling.map(|b| read_playback_wav(&b, limits))
        {
            return Ok(Prompt::from_parts(narrow, pcm));
        }
    }
    Prompt::from_pcm(&pcm, rate.hz())
}

/// Loaded prompts by path, shared by every call. Entries stay until invalidated: the
/// system prompts and a PBX's custom prompts are a few megabytes in all. Music on
/// hold does not go through the cache (its classes hold one track at a time).
#[derive(Debug, Default)]
pub struct PromptCache {
    entries: Mutex<HashMap<PathBuf, Prompt>>,
    limits: DecodeLimits,
}

impl PromptCache {
    /// A cache whose misses decode with `limits`.
    #[must_use]
    pub fn new(limits: DecodeLimits) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            limits,
        }
    }

    /// The prompt at `path`, from memory or loaded on a blocking thread. Two calls that
    /// miss at once both load; the second insert wins and both results are equal.
    pub async fn get(&self, path: &Path) -> Result<Prompt, SoundError> {
        if let Some(p) = self.cached(path) {
            return Ok(p);
        }
        let owned = path.to_path_buf();
        let limits = self.limits;
        let prompt = tokio::task::spawn_blocking(move || load_prompt_file(&owned, &limits))
            .await
            .map_err(|_| SoundError::Corrupt {
                detail: "the loader stopped while decoding",
            })??;
        self.insert(path, prompt.clone());
        Ok(prompt)
    }

    /// Like [`get`](Self::get) for code already on a blocking thread.
    pub fn get_blocking(&self, path: &Path) -> Result<Prompt, SoundError> {
        if let Some(p) = self.cached(path) {
            return Ok(p);
        }
        let prompt = load_prompt_file(path, &self.limits)?;
        self.insert(path, prompt.clone());
        Ok(prompt)
    }

    /// Forgets `path` (after a re-import or delete), so the next `get` reads the file.
    pub fn invalidate(&self, path: &Path) {
        self.lock().remove(path);
    }

    /// Forgets everything (a language pack was regenerated).
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The prompt if it is already in memory; never touches the disk.
    #[must_use]
    pub fn cached(&self, path: &Path) -> Option<Prompt> {
        self.lock().get(path).cloned()
    }

    /// How many prompts are in memory.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is in memory.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn insert(&self, path: &Path, prompt: Prompt) {
        self.lock().insert(path.to_path_buf(), prompt);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Prompt>> {
        // The map stays consistent even if a holder panicked: every operation is one call.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Checks that `name` can be used as a file stem: `[A-Za-z0-9_.-]`, no leading dot, at
/// most 100 characters, and not ending in `.8k` (the narrowband sibling's suffix).
pub(crate) fn check_name(name: &str) -> Result<(), SoundError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && !name.ends_with(".8k")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(SoundError::InvalidName {
            name: name.to_owned(),
        })
    }
}

/// `dir/name.8k.wav` for `dir/name.wav`.
pub(crate) fn narrow_sibling(path: &Path) -> Option<PathBuf> {
    let file = path.file_name()?.to_str()?;
    let stem = file.strip_suffix(".wav")?;
    if stem.ends_with(".8k") {
        return None;
    }
    Some(path.with_file_name(format!("{stem}.8k.wav")))
}

/// The smallest factor (up to 4) that makes `rate` a multiple of 100 Hz.
fn stretch_factor(rate: u32) -> Option<u32> {
    (1..=4).find(|k| (rate * k).is_multiple_of(100))
}

/// Upsamples by the integer `k` with linear interpolation (a first-order hold: its
/// images fall above the source's band and the resampler's low-pass removes them).
fn interpolate(samples: &[i16], k: u32) -> Vec<i16> {
    let k = k as usize; // at most 4
    let mut out = Vec::with_capacity(samples.len() * k);
    for (i, &a) in samples.iter().enumerate() {
        let b = samples.get(i + 1).copied().unwrap_or(a);
        let (a, b) = (i32::from(a), i32::from(b));
        // Between two i16 values, so the result is an i16.
        out.extend((0..k as i32).map(|j| (a + (b - a) * j / k as i32) as i16));
    }
    out
}

/// A plain 16-bit mono WAV file in memory (hound writes it; the file is then stored
/// atomically by the caller).
fn encode_wav(samples: &[i16], rate: u32, path: &Path) -> Result<Vec<u8>, SoundError> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut buf = Cursor::new(Vec::with_capacity(44 + samples.len() * 2));
    let written = (|| {
        let mut w = hound::WavWriter::new(&mut buf, spec)?;
        for &s in samples {
            w.write_sample(s)?;
        }
        w.finalize()
    })();
    written.map_err(|e| {
        let e = match e {
            hound::Error::IoError(e) => e,
            other => std::io::Error::other(other.to_string()),
        };
        SoundError::io(path, e)
    })?;
    Ok(buf.into_inner())
}

/// Samples at one of the playback rates.
type RatedPcm = (Arc<[i16]>, PlaybackRate);

/// Reads a 16-bit mono WAV at 8 or 16 kHz directly. `Ok(None)`: some other kind of
/// file (the caller decodes it instead).
fn read_playback_wav(bytes: &[u8], limits: &DecodeLimits) -> Result<Option<RatedPcm>, SoundError> {
    let Ok(reader) = hound::WavReader::new(Cursor::new(bytes)) else {
        return Ok(None);
    };
    let spec = reader.spec();
    let rate = match PlaybackRate::from_hz(spec.sample_rate) {
        Some(rate) if spec.channels == 1 && spec.bits_per_sample == 16 => rate,
        _ => return Ok(None),
    };
    if spec.sample_format != hound::SampleFormat::Int {
        return Ok(None);
    }
    // The declared length is only a hint; the bytes actually present bound the buffer.
    let mut pcm = Vec::with_capacity((reader.len() as usize).min(bytes.len() / 2));
    for s in reader.into_samples::<i16>() {
        match s {
            Ok(s) => pcm.push(s),
            Err(_) => break, // truncated: keep what is there
        }
    }
    if pcm.len() as u128 > limits.max_duration.as_millis() * u128::from(rate.hz()) / 1000 {
        return Err(SoundError::TooLong {
            max: limits.max_duration,
        });
    }
    if pcm.is_empty() {
        return Err(SoundError::Empty);
    }
    Ok(Some((pcm.into(), rate)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["welcome", "vm-intro", "num_20", "moh.track1"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", ".hidden", "a/b", "..", "x.8k", "sp ace", "é"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sibling_of_master_only() {
        let p = Path::new("/s/en/welcome.wav");
        assert_eq!(
            narrow_sibling(p),
            Some(PathBuf::from("/s/en/welcome.8k.wav"))
        );
        assert_eq!(narrow_sibling(Path::new("/s/en/welcome.8k.wav")), None);
        assert_eq!(narrow_sibling(Path::new("/s/moh/a.mp3")), None);
    }

    #[test]
    fn stretch_to_a_resampler_rate() {
        assert_eq!(stretch_factor(22_050), Some(2));
        assert_eq!(stretch_factor(11_025), Some(4));
        assert_eq!(stretch_factor(44_100), Some(1));
        assert_eq!(
            interpolate(&[0, 100, 100], 4),
            [0, 25, 50, 75, 100, 100, 100, 100, 100, 100, 100, 100]
        );
    }

    #[test]
    fn rates() {
        assert_eq!(PlaybackRate::Narrowband.frame_samples(), 160);
        assert_eq!(PlaybackRate::Wideband.frame_samples(), 320);
        assert_eq!(PlaybackRate::from_hz(16_000), Some(PlaybackRate::Wideband));
        assert_eq!(PlaybackRate::from_hz(44_100), None);
    }
}
