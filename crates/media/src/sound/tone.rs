//! Call-progress tones of the region's tone zone as [`Prompt`]s, so whatever plays
//! prompts (IVR, feature-code answers, the PIN dialog, a ring-back while pbxd places
//! the next leg) plays the local tones the same way. Each rate is synthesised directly,
//! with no resampling.

use std::sync::Arc;
use std::time::Duration;

use rotary_codecs::dsp::{ToneGenerator, ToneKind, ToneZone};

use super::{PlaybackRate, Prompt, SoundError};

/// Prompt names that stand for a tone: `tone/<kind>` (`tone/dial`, `tone/ringback`,
/// `tone/busy`, `tone/congestion`, `tone/callwaiting`, `tone/confirm`).
pub const TONE_PREFIX: &str = "tone/";

/// The tone of `kind` in `zone`: a tone played once (confirmation) lasts its cadence;
/// a looping or continuous one lasts `length`, rounded up to whole cadences so that a
/// looped prompt repeats seamlessly.
pub fn tone_prompt(zone: ToneZone, kind: ToneKind, length: Duration) -> Result<Prompt, SoundError> {
    let spec = zone.spec(kind);
    let ms = match spec.cycle_ms() {
        Some(cycle) if !spec.repeat => cycle,
        Some(cycle) if cycle > 0 => {
            let want = u64::try_from(length.as_millis()).unwrap_or(u64::MAX).max(1);
            want.div_ceil(cycle).saturating_mul(cycle)
        }
        _ => u64::try_from(length.as_millis())
            .unwrap_or(u64::MAX)
            .max(20),
    }
    // One hour of tone at most: a bad length never eats memory.
    .min(3_600_000);
    let render = |rate: PlaybackRate| -> Result<Arc<[i16]>, SoundError> {
        let mut generator =
            ToneGenerator::new(&spec, rate.hz()).map_err(|_| SoundError::Unsupported {
                what: "tone sample rate",
            })?;
        let mut pcm = vec![0i16; (ms * u64::from(rate.hz()) / 1000) as usize];
        generator.fill(&mut pcm);
        Ok(pcm.into())
    };
    Ok(Prompt::from_parts(
        render(PlaybackRate::Narrowband)?,
        render(PlaybackRate::Wideband)?,
    ))
}

/// The tone a prompt name stands for (`tone/busy` → busy), if it names one.
pub fn tone_kind_of(prompt_name: &str) -> Option<ToneKind> {
    prompt_name
        .strip_prefix(TONE_PREFIX)
        .and_then(ToneKind::from_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn energy(samples: &[i16]) -> f64 {
        samples
            .iter()
            .map(|&s| f64::from(s) * f64::from(s))
            .sum::<f64>()
            / samples.len().max(1) as f64
    }

    #[test]
    fn busy_is_whole_cadences_at_both_rates() {
        let zone = ToneZone::from_name("us").expect("us");
        let p = tone_prompt(zone, ToneKind::Busy, Duration::from_millis(2100)).expect("tone");
        // US busy: 500 ms on, 500 ms off; 2.1 s rounds up to 3 cadences.
        assert_eq!(p.samples(PlaybackRate::Narrowband).len(), 24_000);
        assert_eq!(p.samples(PlaybackRate::Wideband).len(), 48_000);
        let narrow = p.samples(PlaybackRate::Narrowband);
        assert!(energy(&narrow[..4000]) > 1e5, "the on part sounds");
        assert!(energy(&narrow[4000..8000]) < 1.0, "the off part is silent");
    }

    #[test]
    fn confirmation_plays_once_and_zones_differ() {
        let us = ToneZone::from_name("us").expect("us");
        let uk = ToneZone::from_name("uk").expect("uk");
        let c = tone_prompt(us, ToneKind::Confirmation, Duration::from_secs(30)).expect("tone");
        assert!(
            c.duration() < Duration::from_secs(2),
            "played once, not 30 s"
        );
        let a = tone_prompt(us, ToneKind::Ringback, Duration::from_secs(6)).expect("tone");
        let b = tone_prompt(uk, ToneKind::Ringback, Duration::from_secs(6)).expect("tone");
        assert_ne!(
            a.samples(PlaybackRate::Narrowband),
            b.samples(PlaybackRate::Narrowband),
            "US and UK ring-back differ"
        );
    }

    #[test]
    fn tone_names() {
        assert_eq!(tone_kind_of("tone/busy"), Some(ToneKind::Busy));
        assert_eq!(tone_kind_of("tone/confirm"), Some(ToneKind::Confirmation));
        assert_eq!(tone_kind_of("welcome"), None);
        assert_eq!(tone_kind_of("tone/nonsense"), None);
    }

    #[test]
    fn every_configurable_zone_has_tones() {
        // The config crate lists the zone codes an admin may choose; each must be one
        // the tone tables know, and the other way round.
        for code in rotary_config::TONE_ZONES {
            let zone = ToneZone::from_name(code).unwrap_or_else(|| panic!("zone {code}"));
            assert_eq!(zone.code(), code);
        }
        assert_eq!(ToneZone::ALL.len(), rotary_config::TONE_ZONES.len());
    }
}
