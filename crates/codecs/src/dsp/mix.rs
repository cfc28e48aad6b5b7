//! N-party conference mixer: every party hears everyone but itself.
//!
//! Per frame the mixer sums all contributions once in `i32`, then gives each party
//! that sum minus its own contribution: O(N) per frame instead of O(N²), and a party's
//! own voice can never come back to it (no self-echo), whatever the gains.

use super::gain::{saturate, Gain};
use super::DspError;

/// Handle of one party in a [`Mixer`]. Ids of removed parties are reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartyId(u32);

impl PartyId {
    /// The raw slot number (for logs and maps).
    #[must_use]
    pub fn index(self) -> u32 {
        self.0
    }
}

/// The conference mixer of one room; all parties share one frame length (e.g. 160
/// samples for 20 ms at 8 kHz; the media layer resamples to the room's rate).
///
/// Each frame: [`Mixer::put_frame`] for every party that sent audio (parties that did
/// not are silent this round), then [`Mixer::mix`], then read [`Mixer::output`] per
/// party. Only adding a party allocates.
///
/// ```
/// use rotary_codecs::dsp::Mixer;
///
/// let mut room = Mixer::new(160);
/// let (alice, bob) = (room.add_party(), room.add_party());
/// room.put_frame(alice, &[100; 160])?;
/// room.put_frame(bob, &[7; 160])?;
/// room.mix();
/// assert_eq!(room.output(alice)[0], 7); // Alice hears Bob,
/// assert_eq!(room.output(bob)[0], 100); // Bob hears Alice.
/// # Ok::<(), rotary_codecs::dsp::DspError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Mixer {
    frame_len: usize,
    parties: Vec<Option<Party>>,
    sum: Vec<i32>,
}

impl Mixer {
    /// An empty room mixing frames of `frame_len` samples.
    #[must_use]
    pub fn new(frame_len: usize) -> Mixer {
        Mixer {
            frame_len,
            parties: Vec::new(),
            sum: vec![0; frame_len],
        }
    }

    /// Adds a party (unity gains, not muted) and returns its handle.
    pub fn add_party(&mut self) -> PartyId {
        let party = Party::new(self.frame_len);
        if let Some(slot) = self.parties.iter().position(Option::is_none) {
            self.parties[slot] = Some(party);
            return PartyId(slot as u32);
        }
        self.parties.push(Some(party));
        PartyId((self.parties.len() - 1) as u32)
    }

    /// Removes a party; its id may be handed out again.
    pub fn remove_party(&mut self, id: PartyId) -> Result<(), DspError> {
        self.party_mut(id)?;
        self.parties[id.0 as usize] = None;
        Ok(())
    }

    /// Volume applied to what the party says, before it reaches the others.
    pub fn set_input_gain(&mut self, id: PartyId, gain: Gain) -> Result<(), DspError> {
        self.party_mut(id)?.input_gain = gain;
        Ok(())
    }

    /// Volume applied to what the party hears.
    pub fn set_output_gain(&mut self, id: PartyId, gain: Gain) -> Result<(), DspError> {
        self.party_mut(id)?.output_gain = gain;
        Ok(())
    }

    /// Mutes a party: the others stop hearing it; it still hears them.
    pub fn set_muted(&mut self, id: PartyId, muted: bool) -> Result<(), DspError> {
        self.party_mut(id)?.muted = muted;
        Ok(())
    }

    /// The party's audio for this frame. A shorter slice is padded with silence, a
    /// longer one cut to the frame length. Without a call the party is silent.
    pub fn put_frame(&mut self, id: PartyId, pcm: &[i16]) -> Result<(), DspError> {
        let party = self.party_mut(id)?;
        let n = pcm.len().min(party.input.len());
        party.input[..n].copy_from_slice(&pcm[..n]);
        party.input[n..].fill(0);
        party.input_gain.apply(&mut party.input);
        party.has_input = true;
        Ok(())
    }

    /// Mixes the frame: every party's output becomes the sum of all other unmuted
    /// contributions, scaled by its output gain and saturated. Then clears the inputs
    /// for the next frame.
    pub fn mix(&mut self) {
        self.sum.fill(0);
        for party in self.parties.iter_mut().flatten() {
            party.contributes = party.has_input && !party.muted;
            if party.contributes {
                for (acc, &s) in self.sum.iter_mut().zip(&party.input) {
                    *acc += i32::from(s);
                }
            }
        }
        for party in self.parties.iter_mut().flatten() {
            let gain = party.output_gain;
            let out = party.output.iter_mut().zip(&self.sum);
            if party.contributes {
                for ((o, &total), &own) in out.zip(&party.input) {
                    *o = mixed(gain, total - i32::from(own));
                }
            } else {
                for (o, &total) in out {
                    *o = mixed(gain, total);
                }
            }
            party.has_input = false;
        }
    }

    /// What the party hears, from the last [`Mixer::mix`] (silence before the first).
    /// Empty for an unknown id.
    #[must_use]
    pub fn output(&self, id: PartyId) -> &[i16] {
        match self.parties.get(id.0 as usize) {
            Some(Some(p)) => &p.output,
            _ => &[],
        }
    }

    /// Number of parties in the room.
    #[must_use]
    pub fn party_count(&self) -> usize {
        self.parties.iter().flatten().count()
    }

    /// Frame length in samples.
    #[must_use]
    pub fn frame_len(&self) -> usize {
        self.frame_len
    }

    fn party_mut(&mut self, id: PartyId) -> Result<&mut Party, DspError> {
        match self.parties.get_mut(id.0 as usize) {
            Some(Some(p)) => Ok(p),
            _ => Err(DspError::UnknownParty { id: id.0 }),
        }
    }
}

/// One party's buffers and settings.
#[derive(Debug, Clone)]
struct Party {
    /// This frame's contribution, input gain applied.
    input: Vec<i16>,
    output: Vec<i16>,
    has_input: bool,
    /// Whether `input` went into this frame's sum.
    contributes: bool,
    muted: bool,
    input_gain: Gain,
    output_gain: Gain,
}

impl Party {
    fn new(frame_len: usize) -> Party {
        Party {
            input: vec![0; frame_len],
            output: vec![0; frame_len],
            has_input: false,
            contributes: false,
            muted: false,
            input_gain: Gain::UNITY,
            output_gain: Gain::UNITY,
        }
    }
}

/// One output sample: gain on the wide sum, then saturation.
#[inline]
fn mixed(gain: Gain, sample: i32) -> i16 {
    if gain.is_unity() {
        saturate(sample)
    } else {
        gain.apply_sample(sample)
    }
}
