//! Why an audio file could not be decoded, imported, loaded or recorded.

use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

/// What went wrong with an audio file. The first six variants describe the *content*
/// (what an upload form should show the admin); the rest are local faults.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SoundError {
    /// The bytes are no audio container this build knows (a text file, an image, noise).
    #[error("not an audio file (WAV or MP3 expected)")]
    NotAudio,
    /// An audio container, but a codec or layout this build cannot decode.
    #[error("unsupported audio format: {what}")]
    Unsupported {
        /// What is unsupported, as the decoder names it.
        what: &'static str,
    },
    /// An audio container that is damaged before any sound could be decoded.
    #[error("corrupt audio file: {detail}")]
    Corrupt {
        /// What the decoder tripped over.
        detail: &'static str,
    },
    /// The upload is bigger than the caller's limit.
    #[error("audio file is {len} bytes, more than the limit of {max}")]
    TooLarge {
        /// Size of the upload in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The sound lasts longer than the caller's limit.
    #[error("audio lasts longer than the limit of {} s", max.as_secs())]
    TooLong {
        /// The limit.
        max: Duration,
    },
    /// A valid file that holds no sound at all (zero samples).
    #[error("audio file holds no sound")]
    Empty,
    /// A prompt or recording name that is not a plain file name (`[A-Za-z0-9_.-]`, no
    /// leading dot, at most 100 characters).
    #[error("invalid sound name {name:?}")]
    InvalidName {
        /// The rejected name.
        name: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The recorder's writer thread is gone (it failed earlier or panicked).
    #[error("the recording writer has stopped")]
    RecorderClosed,
}

impl SoundError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
