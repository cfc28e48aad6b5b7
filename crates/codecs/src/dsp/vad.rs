//! Energy voice-activity detector: cheap talk/silence decisions for conference
//! "who is speaking" events, silence suppression and recording trims.
//!
//! Not a speech classifier: anything well above the tracked noise floor counts as
//! activity. A hangover keeps the decision up through short pauses between words.

use super::gain::level_dbfs;

/// Frame-by-frame energy VAD with an adaptive noise floor.
#[derive(Debug, Clone)]
pub struct EnergyVad {
    /// Tracked background level, dBFS.
    floor_db: f32,
    /// Frames of hangover left.
    hang: u32,
    hangover_frames: u32,
    margin_db: f32,
    active: bool,
}

impl EnergyVad {
    /// A VAD for frames of about 20 ms: active 9 dB above the noise floor (and never
    /// below -55 dBFS), with 10 frames (~200 ms) of hangover.
    #[must_use]
    pub fn new() -> EnergyVad {
        EnergyVad::with_params(9.0, 10)
    }

    /// A VAD with a custom margin over the noise floor and hangover in frames.
    #[must_use]
    pub fn with_params(margin_db: f32, hangover_frames: u32) -> EnergyVad {
        EnergyVad {
            floor_db: FLOOR_MIN_DB,
            hang: 0,
            hangover_frames,
            margin_db,
            active: false,
        }
    }

    /// Judges one frame; true while someone is talking. Empty frames change nothing.
    pub fn process(&mut self, frame: &[i16]) -> bool {
        if frame.is_empty() {
            return self.active;
        }
        // Digital silence is no noise floor: the floor stays at or above a quiet line.
        let level = level_dbfs(frame).max(FLOOR_MIN_DB);
        // The floor drops at once to quieter frames and creeps up slowly, so steady
        // noise is learned within seconds but speech does not raise it much.
        if level < self.floor_db {
            self.floor_db = level;
        } else {
            self.floor_db += FLOOR_RISE_DB;
        }
        let threshold = (self.floor_db + self.margin_db).max(ABSOLUTE_MIN_DB);
        if level > threshold {
            self.hang = self.hangover_frames;
            self.active = true;
        } else if self.hang > 0 {
            self.hang -= 1;
        } else {
            self.active = false;
        }
        self.active
    }

    /// The last decision.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Current noise-floor estimate in dBFS.
    #[must_use]
    pub fn noise_floor_dbfs(&self) -> f32 {
        self.floor_db
    }
}

impl Default for EnergyVad {
    fn default() -> Self {
        EnergyVad::new()
    }
}

/// Starting and lowest noise floor: a quiet line.
const FLOOR_MIN_DB: f32 = -70.0;
/// Floor rise per frame while the input is above it.
const FLOOR_RISE_DB: f32 = 0.02;
/// Nothing quieter than this is activity.
const ABSOLUTE_MIN_DB: f32 = -55.0;

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(level: f32, n: usize) -> Vec<i16> {
        let peak = 32768.0 * 10f32.powf(level / 20.0);
        (0..n)
            .map(|i| (peak * (i as f32 * 0.3).sin()) as i16)
            .collect()
    }

    #[test]
    fn talk_silence_and_steady_noise() {
        let mut vad = EnergyVad::new();
        assert!(!vad.process(&[0; 160]));
        assert!(!vad.process(&[]));
        assert!(vad.process(&sine(-20.0, 160)));
        // Hangover: stays active for 10 silent frames, then drops.
        for _ in 0..10 {
            assert!(vad.process(&[0; 160]));
        }
        assert!(!vad.process(&[0; 160]));
        // A steady hum is learned as background after a while.
        let hum = sine(-40.0, 160);
        let mut last = true;
        for _ in 0..2000 {
            last = vad.process(&hum);
        }
        assert!(!last, "floor {}", vad.noise_floor_dbfs());
        assert!(vad.process(&sine(-10.0, 160)));
    }
}
