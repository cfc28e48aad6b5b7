//! Call quality estimate: the ITU-T G.107 E-model, simplified to what a media relay can
//! measure (loss, jitter, delay, codec), giving an R-factor and a MOS for CDRs and the
//! live call view. Defaults follow G.107 (R₀ − Is = 93.2, A = 0); the delay impairment
//! uses the common two-segment approximation of Id, and jitter is charged as the delay
//! a jitter buffer adds to absorb it (twice the jitter).

use std::time::Duration;

/// A codec's impairment factors (ITU-T G.113 Appendix I): `ie`, the equipment impairment
/// with no loss, and `bpl`, how robust it is to packet loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodecImpairment {
    /// Equipment impairment factor Ie.
    pub ie: f64,
    /// Packet-loss robustness factor Bpl.
    pub bpl: f64,
}

impl CodecImpairment {
    /// G.711 with packet loss concealment (G.113: Ie 0, Bpl 25.1).
    pub const G711: CodecImpairment = CodecImpairment { ie: 0.0, bpl: 25.1 };
    /// G.711 without concealment (G.113: Bpl 4.3).
    pub const G711_NO_PLC: CodecImpairment = CodecImpairment { ie: 0.0, bpl: 4.3 };
    /// G.729A with VAD (G.113: Ie 11, Bpl 19.0).
    pub const G729A: CodecImpairment = CodecImpairment {
        ie: 11.0,
        bpl: 19.0,
    };
    /// G.723.1 at 6.3 kbit/s (G.113: Ie 15, Bpl 16.1).
    pub const G723_1: CodecImpairment = CodecImpairment {
        ie: 15.0,
        bpl: 16.1,
    };
}

/// What the estimate is computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QualityInputs {
    /// Fraction of packets lost (network loss plus late drops), 0–1.
    pub loss: f64,
    /// Loss burstiness (G.107 BurstR): 1 for random loss, above 1 for bursty loss.
    pub burst_ratio: f64,
    /// Interarrival jitter (RFC 3550).
    pub jitter: Duration,
    /// One-way network delay, mouth to ear minus the jitter buffer (half the RTT when
    /// nothing better is known).
    pub delay: Duration,
    /// The codec in use.
    pub codec: CodecImpairment,
}

impl Default for QualityInputs {
    fn default() -> Self {
        QualityInputs {
            loss: 0.0,
            burst_ratio: 1.0,
            jitter: Duration::ZERO,
            delay: Duration::ZERO,
            codec: CodecImpairment::G711,
        }
    }
}

/// An R-factor (0–100, higher is better) and the MOS it maps to (1–4.5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    /// Transmission rating factor R.
    pub r: f64,
    /// Estimated mean opinion score (conversational, narrowband).
    pub mos: f64,
}

impl Quality {
    /// The simplified E-model: R = 93.2 − Id − Ie,eff.
    #[must_use]
    pub fn estimate(inputs: QualityInputs) -> Quality {
        let loss_pct = finite(inputs.loss).clamp(0.0, 1.0) * 100.0;
        let burst = finite(inputs.burst_ratio).max(1.0);
        let ie = finite(inputs.codec.ie).clamp(0.0, 95.0);
        let bpl = finite(inputs.codec.bpl).max(0.1);
        // G.107 (7-29): Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl).
        let ie_eff = ie + (95.0 - ie) * loss_pct / (loss_pct / burst + bpl);
        // Jitter buffered at twice its value adds that much delay.
        let d = inputs.delay.as_secs_f64() * 1000.0 + 2.0 * inputs.jitter.as_secs_f64() * 1000.0;
        // Id ≈ 0.024 d + 0.11 (d − 177.3) H(d − 177.3), d in ms.
        let id = 0.024 * d + if d > 177.3 { 0.11 * (d - 177.3) } else { 0.0 };
        let r = (R_DEFAULT - id - ie_eff).clamp(0.0, 100.0);
        Quality {
            r,
            mos: mos_from_r(r),
        }
    }
}

/// G.107 Annex B: MOS from R (1 at or below 0, 4.5 at or above 100).
#[must_use]
pub fn mos_from_r(r: f64) -> f64 {
    if r.is_nan() || r <= 0.0 {
        return 1.0;
    }
    if r >= 100.0 {
        return 4.5;
    }
    // The cubic dips just below 1 for R under about 6.5; MOS never goes below 1.
    (1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7.0e-6).max(1.0)
}

fn finite(x: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}

/// R with G.107 default parameters and no impairments (R₀ − Is).
const R_DEFAULT: f64 = 93.2;
