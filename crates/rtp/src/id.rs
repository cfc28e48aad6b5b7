//! Newtypes for the numbers that mean something in RTP, so none crosses a crate
//! boundary as a bare integer.

use std::fmt;

/// Synchronisation source identifier (RFC 3550 §3): names one media stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ssrc(pub u32);

impl fmt::Display for Ssrc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

/// Extended RTP sequence number (RFC 3550 A.1): the 16-bit wire value plus
/// 65,536 × the number of wraps seen, so that ordering and gaps are plain arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeqNo(pub u64);

impl SeqNo {
    /// The 16-bit value as it appears on the wire.
    #[must_use]
    pub fn wire(self) -> u16 {
        // Truncation is the point: the wire carries the low 16 bits.
        (self.0 & 0xffff) as u16
    }

    /// Extends a 16-bit wire value to the `SeqNo` nearest to `self` (the highest seen
    /// so far): the nearest value on the 16-bit circle, ties going backwards. Values that
    /// would fall below zero stay in the current cycle.
    #[must_use]
    pub fn extend(self, wire: u16) -> SeqNo {
        // Signed distance on the 16-bit circle, in [-32768, 32767].
        let delta = i64::from(wire.wrapping_sub(self.wire()) as i16);
        SeqNo(self.0.checked_add_signed(delta).unwrap_or(u64::from(wire)))
    }
}

impl fmt::Display for SeqNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// RTP payload type (RFC 3550 §5.1, 7 bits): which codec or event format a packet carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PayloadType(pub u8);

/// Sampling clock of a stream in Hz (8,000 for G.711 and telephone-event at 8 kHz):
/// converts RTP timestamps to wall time for jitter in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClockRate(pub u32);

impl ClockRate {
    /// 8 kHz, the clock of G.711, G.729 and (by RFC 3551 convention) G.722.
    pub const NARROWBAND: ClockRate = ClockRate(8000);
}

impl Default for ClockRate {
    fn default() -> Self {
        Self::NARROWBAND
    }
}

#[cfg(test)]
mod tests {
    use super::SeqNo;

    #[test]
    fn extend_follows_wraps_both_ways() {
        assert_eq!(SeqNo(65_535).extend(0), SeqNo(65_536));
        assert_eq!(SeqNo(65_536).extend(65_535), SeqNo(65_535));
        assert_eq!(SeqNo(70_000).extend(4_465), SeqNo(70_001));
        assert_eq!(SeqNo(10).extend(5), SeqNo(5));
        // Below zero stays in cycle 0 (a jump the caller will treat as bad).
        assert_eq!(SeqNo(5).extend(65_534), SeqNo(65_534));
        assert_eq!(SeqNo(131_072 + 3).wire(), 3);
    }
}
