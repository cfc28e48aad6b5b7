//! The jitter buffer's delay estimate: how late, beyond the fastest packet, packets
//! arrive. All values are in RTP timestamp ticks. Fixed-size state, no allocation.

/// Tracks the transit base (fastest recent transit), RFC 3550 interarrival jitter and a
/// fast-attack, slow-release peak of the delay variation; the target playout delay is
/// derived from these.
#[derive(Debug, Clone)]
pub(crate) struct DelayEstimator {
    /// Length of one transit-minimum window, in ticks.
    window: i64,
    /// How much the peak may fall per tick of arrival time (ticks per tick).
    release: f64,
    min_delay: i64,
    max_delay: i64,
    cur_min: Option<i64>,
    prev_min: Option<i64>,
    window_start: i64,
    last: Option<(i64, i64)>,
    jitter: f64,
    peak: f64,
    peak_at: i64,
}

impl DelayEstimator {
    /// `window` ticks per transit window, `release` ticks of peak decay per tick,
    /// target clamped to `min_delay..=max_delay`.
    pub(crate) fn new(window: i64, release: f64, min_delay: i64, max_delay: i64) -> Self {
        DelayEstimator {
            window: window.max(1),
            release: release.max(0.0),
            min_delay,
            max_delay: max_delay.max(min_delay),
            cur_min: None,
            prev_min: None,
            window_start: 0,
            last: None,
            jitter: 0.0,
            peak: 0.0,
            peak_at: 0,
        }
    }

    /// Accounts one packet that arrived at `arrival` with timestamp `ts` (both extended,
    /// in ticks); returns its delay beyond the transit base (≥ 0).
    pub(crate) fn observe(&mut self, arrival: i64, ts: i64) -> i64 {
        let transit = arrival.saturating_sub(ts);
        if self.cur_min.is_none() && self.prev_min.is_none() {
            self.window_start = arrival;
            self.peak_at = arrival;
        }
        // Two overlapping windows: the base follows slow clock drift upwards after at
        // most two windows, and any faster packet lowers it at once.
        if arrival.saturating_sub(self.window_start) >= self.window {
            self.prev_min = self.cur_min;
            self.cur_min = None;
            self.window_start = arrival;
        }
        self.cur_min = Some(self.cur_min.map_or(transit, |m| m.min(transit)));
        let base = self.base().unwrap_or(transit);
        let variation = transit.saturating_sub(base).max(0);
        // RFC 3550 A.8: D(i,j) = (Rj − Ri) − (Sj − Si); J += (|D| − J) / 16.
        if let Some((a0, t0)) = self.last {
            let d = (arrival.saturating_sub(a0)).saturating_sub(ts.saturating_sub(t0));
            self.jitter += ((d as f64).abs() - self.jitter) / 16.0;
        }
        self.last = Some((arrival, ts));
        // Fast attack, slow release.
        let elapsed = arrival.saturating_sub(self.peak_at);
        if elapsed > 0 {
            self.peak = (self.peak - self.release * elapsed as f64).max(0.0);
            self.peak_at = arrival;
        }
        self.peak = self.peak.max(variation as f64);
        variation
    }

    /// Forgets the transit base and jitter continuity (a new SSRC or timestamp base);
    /// keeps the peak, which describes the network path rather than the stream.
    pub(crate) fn reset_stream(&mut self) {
        self.cur_min = None;
        self.prev_min = None;
        self.last = None;
    }

    /// The fastest transit seen over the last one to two windows.
    pub(crate) fn base(&self) -> Option<i64> {
        match (self.cur_min, self.prev_min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Target playout delay beyond the transit base: the peak variation plus one
    /// RFC 3550 jitter as a margin, within the configured bounds.
    pub(crate) fn target(&self) -> i64 {
        let raw = (self.peak + self.jitter).ceil();
        let raw = if raw.is_finite() { raw as i64 } else { 0 };
        raw.clamp(self.min_delay, self.max_delay)
    }

    /// RFC 3550 interarrival jitter in ticks.
    pub(crate) fn jitter(&self) -> f64 {
        self.jitter
    }
}

#[cfg(test)]
mod tests {
    use super::DelayEstimator;

    #[test]
    fn peak_attacks_fast_and_releases_slowly() {
        // 8 kHz: window 10 s, release 10 ms per s, bounds 20–200 ms.
        let mut e = DelayEstimator::new(80_000, 0.01, 160, 1600);
        assert_eq!(e.observe(0, 0), 0);
        assert_eq!(e.target(), 160, "min bound");
        // A packet 100 ms late.
        assert_eq!(e.observe(160 + 800, 160), 800);
        assert!(e.target() >= 800);
        // On time for 10 s: the peak falls by about 100 ms per 10 s, down to the floor.
        let mut at = 960;
        for i in 2..500 {
            at = i * 160;
            e.observe(at, at);
        }
        assert!(at > 70_000);
        assert!(e.target() < 400, "target {}", e.target());
    }

    #[test]
    fn jitter_follows_rfc3550() {
        let mut e = DelayEstimator::new(80_000, 0.0, 0, 10_000);
        e.observe(0, 0);
        e.observe(320, 160); // D = 160
        assert!((e.jitter() - 10.0).abs() < 1e-9);
    }
}
