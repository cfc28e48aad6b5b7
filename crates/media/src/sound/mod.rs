//! Audio files: decoding prompts and music on hold into the playback format, and
//! writing recordings.
//!
//! - [`decode`] turns an uploaded file (WAV of any PCM flavour, MP3) into mono `i16`
//!   at its own rate, within [`DecodeLimits`], with a typed [`SoundError`] for the
//!   upload form and no panic on any bytes.
//! - [`import_prompt`] converts once to the playback format, mono `i16` at 8 kHz
//!   *and* 16 kHz ([`PlaybackRate`]), and stores both as plain WAV files (temp name,
//!   fsync, rename). A [`PromptCache`] loads them once and shares the samples
//!   (`Arc<[i16]>`) between every call: a G.711 leg plays the 8 kHz half, a G.722 or
//!   Opus leg the 16 kHz half, and no call ever resamples.
//! - [`Player`] is a call's frame source: a list of prompts and pauses, read out as
//!   20 ms frames by the leg's own timer. [`number_prompt_names`] spells a number with
//!   the generated system prompts (`sounds/prompts.txt`).
//! - [`MohClass`] / [`MohRegistry`]: music on hold, one frame source per class for
//!   all its callers, running only while someone listens.
//! - [`Recorder`] writes a call recording (mono mix or stereo) on its own thread
//!   without ever blocking the media path; [`recover_partials`] completes recordings
//!   cut short by a crash.
//!
//! File I/O and decoding are blocking. The async entry points ([`PromptCache::get`],
//! the MOH task, [`Recorder`]) move them off the runtime's workers; the plain
//! functions ([`import_prompt`], [`load_prompt_file`], [`recover_partials`]) say so
//! and belong in `spawn_blocking`.
//!
//! ```no_run
//! use std::path::Path;
//! use rotary_media::sound::{DecodeLimits, PlaybackRate, Player, PromptCache};
//! # async fn play() -> Result<(), rotary_media::sound::SoundError> {
//! let cache = PromptCache::new(DecodeLimits::default());
//! let welcome = cache.get(Path::new("sounds/en/welcome.wav")).await?;
//! let mut player = Player::new(PlaybackRate::Narrowband); // a G.711 leg
//! player.push(&welcome);
//! let mut frame = [0i16; 160];
//! loop {
//!     let last = player.next_frame(&mut frame);
//!     // encode `frame` and send it; wait for the leg's next 20 ms tick
//!     if last {
//!         break;
//!     }
//! }
//! # Ok(()) }
//! ```

mod align;
mod decode;
mod error;
mod moh;
mod player;
mod prompt;
mod record;
mod tone;
mod wav;

pub use align::{RecordingLayout, Side};
pub use decode::{decode, DecodeLimits, DecodedAudio};
pub use error::SoundError;
pub use moh::{
    ensure_default_music, MohClass, MohConfig, MohListener, MohOrder, MohRegistry,
    DEFAULT_MOH_CLASS,
};
pub use player::{digit_prompt_names, number_prompt_names, Player};
pub use prompt::{import_prompt, load_prompt_file, PlaybackRate, Prompt, PromptCache, PromptInfo};
pub use record::{recover_partials, Recorder, RecorderConfig, RecordingInfo};
pub use tone::{tone_kind_of, tone_prompt, TONE_PREFIX};
