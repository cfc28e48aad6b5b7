//! Signal processing on linear PCM: DTMF, tones, mixing, gain.
