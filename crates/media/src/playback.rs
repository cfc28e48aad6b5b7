//! One-shot prompt playback towards a leg's phone (an IVR menu, "please enter your PIN"):
//! a [`Player`] per leg, read one 20 ms frame per tick of the processor's clock, and a
//! report when it has played to its end. Sans-IO: the processor drives it.

use std::collections::VecDeque;

use crate::relay::RelayLeg;
use crate::sound::Player;

/// The prompts playing towards each leg and the ends not yet reported.
#[derive(Debug, Default)]
pub(crate) struct Prompts {
    players: [Option<Player>; 2],
    finished: VecDeque<RelayLeg>,
    frame: Vec<i16>,
}

impl Prompts {
    /// Plays `player` to `to`'s phone from its start, replacing what played there
    /// (without reporting its end); `None` stops.
    pub(crate) fn set(&mut self, to: RelayLeg, player: Option<Player>) {
        self.players[to.index()] = player.filter(|p| !p.is_finished());
        self.finished.retain(|l| *l != to);
    }

    /// Whether a prompt plays to `to`'s phone.
    pub(crate) fn is_playing(&self, to: RelayLeg) -> bool {
        self.players[to.index()].is_some()
    }

    /// Whether a prompt plays to either phone.
    pub(crate) fn any(&self) -> bool {
        self.players.iter().any(Option::is_some)
    }

    /// The next frame for `to` (rate in Hz), if a prompt plays there; a prompt whose last
    /// frame this is is reported by [`Prompts::poll_finished`].
    pub(crate) fn next_frame(&mut self, to: RelayLeg) -> Option<(&[i16], u32)> {
        let player = self.players[to.index()].as_mut()?;
        let rate = player.rate().hz();
        self.frame.resize(player.frame_len(), 0);
        if player.next_frame(&mut self.frame) {
            self.players[to.index()] = None;
            self.finished.push_back(to);
        }
        Some((&self.frame, rate))
    }

    /// A leg whose prompt played to its end.
    pub(crate) fn poll_finished(&mut self) -> Option<RelayLeg> {
        self.finished.pop_front()
    }

    /// Moves the playing prompts to a new processor.
    pub(crate) fn take(&mut self) -> [Option<Player>; 2] {
        std::mem::take(&mut self.players)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sound::{PlaybackRate, Prompt};

    #[test]
    fn a_prompt_plays_frame_by_frame_and_reports_its_end_once() {
        let prompt = Prompt::from_pcm(&[500; 1200], 16_000).unwrap(); // 75 ms
        let mut player = Player::new(PlaybackRate::Narrowband);
        player.push(&prompt);
        let mut p = Prompts::default();
        p.set(RelayLeg::A, Some(player));
        assert!(p.is_playing(RelayLeg::A) && !p.is_playing(RelayLeg::B));
        let mut frames = 0;
        while let Some((frame, rate)) = p.next_frame(RelayLeg::A) {
            assert_eq!((frame.len(), rate), (160, 8_000));
            frames += 1;
        }
        assert_eq!(frames, 4, "75 ms is four 20 ms frames");
        assert_eq!(p.poll_finished(), Some(RelayLeg::A));
        assert_eq!(p.poll_finished(), None);
        assert!(!p.any());
    }

    #[test]
    fn stopping_or_replacing_reports_no_end() {
        let prompt = Prompt::from_pcm(&[500; 800], 8_000).unwrap();
        let mut p = Prompts::default();
        p.set(
            RelayLeg::B,
            Some(Player::with_prompts(PlaybackRate::Narrowband, [&prompt])),
        );
        p.set(RelayLeg::B, None);
        assert!(!p.any());
        assert_eq!(p.poll_finished(), None);
    }
}
