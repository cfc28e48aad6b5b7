//! Decoding an uploaded audio file (WAV in any PCM flavour, MP3) to mono `i16` PCM at
//! the file's own rate, with limits on size and duration so an upload can't exhaust
//! memory. Bytes from the outside never panic the daemon.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use super::SoundError;

/// Bounds on what [`decode`] accepts. The defaults suit music on hold; prompts may be
/// given a shorter `max_duration`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest accepted file, in bytes.
    pub max_bytes: usize,
    /// Longest accepted sound; decoding stops with [`SoundError::TooLong`] as soon as
    /// this is passed, so a small but very long MP3 costs no more than this much memory.
    pub max_duration: Duration,
}

impl DecodeLimits {
    /// The default upload size limit: 20 MiB.
    pub const DEFAULT_MAX_BYTES: usize = 20 * 1024 * 1024;
    /// The default duration limit: 30 minutes (one long music-on-hold track).
    pub const DEFAULT_MAX_DURATION: Duration = Duration::from_secs(30 * 60);
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_bytes: Self::DEFAULT_MAX_BYTES,
            max_duration: Self::DEFAULT_MAX_DURATION,
        }
    }
}

/// A decoded file: mono samples at the file's own rate, before any conversion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedAudio {
    /// Mono samples (multi-channel files are averaged).
    pub samples: Vec<i16>,
    /// The file's sample rate in Hz.
    pub sample_rate: u32,
    /// How many channels the file had before the downmix.
    pub source_channels: u16,
    /// The file ended or broke before its declared end; `samples` holds what was
    /// decodable up to there. An upload form may want to warn about it.
    pub truncated: bool,
}

impl DecodedAudio {
    /// How long the sound lasts.
    #[must_use]
    pub fn duration(&self) -> Duration {
        samples_to_duration(self.samples.len(), self.sample_rate)
    }
}

/// Decodes a whole audio file held in memory to mono `i16` at its native rate.
///
/// Accepts WAV (PCM 8/16/24/32-bit, 32/64-bit float, µ-law, A-law, IMA/MS ADPCM, any
/// rate from 4 to 192 kHz, any channel count) and MP3. Errors say what is wrong with
/// the content so the caller can show it; this function never panics, whatever the
/// bytes (a panic inside the decoder library is caught and reported as corrupt).
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<DecodedAudio, SoundError> {
    if bytes.len() > limits.max_bytes {
        return Err(SoundError::TooLarge {
            len: bytes.len(),
            max: limits.max_bytes,
        });
    }
    if bytes.is_empty() {
        return Err(SoundError::Empty);
    }
    match catch_unwind(AssertUnwindSafe(|| decode_inner(bytes, limits))) {
        Ok(result) => result,
        Err(_) => Err(SoundError::Corrupt {
            detail: "the decoder gave up on malformed data",
        }),
    }
}

/// Duration of `len` samples at `rate` Hz (zero for a zero rate).
pub(crate) fn samples_to_duration(len: usize, rate: u32) -> Duration {
    if rate == 0 {
        return Duration::ZERO;
    }
    let nanos = len as u128 * 1_000_000_000 / u128::from(rate);
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

fn decode_inner(bytes: &[u8], limits: &DecodeLimits) -> Result<DecodedAudio, SoundError> {
    let mss = MediaSourceStream::new(Box::new(Cursor::new(bytes)), Default::default());
    let mut format = symphonia::default::get_probe()
        .probe(
            &Hint::new(),
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(probe_error)?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or(SoundError::Unsupported {
            what: "no audio track",
        })?;
    let track_id = track.id;
    let params =
        track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or(SoundError::Unsupported {
                what: "no audio track",
            })?;
    // A declared length lets an over-long file be refused before decoding it.
    if let (Some(frames), Some(rate)) = (track.num_frames, params.sample_rate) {
        if rate > 0 && frames / u64::from(rate) > limits.max_duration.as_secs() {
            return Err(SoundError::TooLong {
                max: limits.max_duration,
            });
        }
    }
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .map_err(|e| match e {
            SymError::Unsupported(what) => SoundError::Unsupported { what },
            other => content_error(other),
        })?;

    let mut out = Downmix::default();
    let mut bad_packets = 0usize;
    let mut good_packets = 0usize;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(e) => {
                if out.samples.is_empty() {
                    return Err(content_error(e));
                }
                out.truncated = true;
                break;
            }
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buf) => {
                good_packets += 1;
                let rate = buf.spec().rate();
                let channels = buf.spec().channels().count();
                if !out.accept_format(rate, channels)? {
                    break;
                }
                buf.copy_to_vec_interleaved::<i16>(&mut out.scratch);
                out.push_interleaved();
                if out.too_long(limits.max_duration) {
                    return Err(SoundError::TooLong {
                        max: limits.max_duration,
                    });
                }
            }
            // A damaged MP3 frame is skipped, as players do; a file that is mostly
            // damage (or noise that happened to look like MP3 sync words) is refused.
            Err(SymError::DecodeError(detail)) => {
                bad_packets += 1;
                if bad_packets > MAX_BAD_PACKETS && bad_packets > good_packets {
                    return Err(SoundError::Corrupt { detail });
                }
            }
            Err(SymError::Unsupported(what)) => return Err(SoundError::Unsupported { what }),
            Err(e) => {
                if out.samples.is_empty() {
                    return Err(content_error(e));
                }
                out.truncated = true;
                break;
            }
        }
    }
    if bad_packets > good_packets {
        return Err(SoundError::Corrupt {
            detail: "most audio frames are damaged",
        });
    }
    if out.samples.is_empty() {
        return Err(SoundError::Empty);
    }
    Ok(DecodedAudio {
        samples: out.samples,
        sample_rate: out.rate,
        source_channels: u16::try_from(out.channels).unwrap_or(u16::MAX),
        truncated: out.truncated,
    })
}

/// Mono accumulation of decoded buffers, fixed to the first buffer's rate and layout.
#[derive(Default)]
struct Downmix {
    samples: Vec<i16>,
    scratch: Vec<i16>,
    rate: u32,
    channels: usize,
    truncated: bool,
}

impl Downmix {
    /// Checks one decoded buffer's format. `Ok(false)`: the format changed mid-stream
    /// (a damaged or concatenated file), so decoding stops there.
    fn accept_format(&mut self, rate: u32, channels: usize) -> Result<bool, SoundError> {
        if self.rate == 0 {
            if !(MIN_RATE..=MAX_RATE).contains(&rate) {
                return Err(SoundError::Unsupported {
                    what: "sample rate outside 4-192 kHz",
                });
            }
            if channels == 0 {
                return Err(SoundError::Corrupt {
                    detail: "zero channels",
                });
            }
            self.rate = rate;
            self.channels = channels;
            return Ok(true);
        }
        if rate != self.rate || channels != self.channels {
            self.truncated = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn push_interleaved(&mut self) {
        if self.channels == 1 {
            self.samples.extend_from_slice(&self.scratch);
            return;
        }
        let n = self.channels as i32; // at most a few dozen channels
        self.samples
            .extend(self.scratch.chunks_exact(self.channels).map(|frame| {
                let sum: i32 = frame.iter().map(|&s| i32::from(s)).sum();
                // The average of i16 values is an i16.
                (sum / n) as i16
            }));
    }

    fn too_long(&self, max: Duration) -> bool {
        self.samples.len() as u128 > max.as_millis() * u128::from(self.rate) / 1000
    }
}

fn probe_error(e: SymError) -> SoundError {
    match e {
        // The probe's own "no format found": nothing here looks like audio.
        SymError::Unsupported(what) if what.starts_with("core (probe)") => SoundError::NotAudio,
        SymError::Unsupported(what) => SoundError::Unsupported { what },
        other => content_error(other),
    }
}

fn content_error(e: SymError) -> SoundError {
    match e {
        SymError::Unsupported(what) => SoundError::Unsupported { what },
        SymError::DecodeError(detail) | SymError::LimitError(detail) => {
            SoundError::Corrupt { detail }
        }
        SymError::IoError(_) => SoundError::Corrupt {
            detail: "the file ends too early",
        },
        SymError::SeekError(_) | SymError::ResetRequired => SoundError::Corrupt {
            detail: "the stream changed layout",
        },
        _ => SoundError::Corrupt {
            detail: "undecodable",
        },
    }
}

/// Damaged packets tolerated before the ratio check can refuse the file.
const MAX_BAD_PACKETS: usize = 8;
const MIN_RATE: u32 = 4_000;
const MAX_RATE: u32 = 192_000;
