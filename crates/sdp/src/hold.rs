//! Hold detection (RFC 3264 §8.4 and the RFC 2543 `c=0.0.0.0` form) and
//! the matching SDP toward the other leg of an anchored call.

use crate::attribute::Direction;
use crate::model::{Media, MediaKind, SessionDescription};

/// What an SDP says about hold, read from the author's first active audio stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HoldState {
    /// Media flows both ways (`sendrecv`).
    Active,
    /// The author holds the other party.
    Held(HoldMethod),
    /// The author only receives (`recvonly`): it accepts being held, as in
    /// the answer to a hold offer.
    RecvOnly,
    /// No active audio stream; nothing to hold.
    NoAudio,
}

/// How the author expressed hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HoldMethod {
    /// `a=sendonly`: the author may still send (music on hold).
    SendOnly,
    /// `a=inactive`: no media either way.
    Inactive,
    /// RFC 2543 `c=0.0.0.0` (or `::`) with `sendrecv`: "do not send to me".
    ZeroAddress,
}

impl HoldState {
    /// Whether the author holds the other party.
    #[must_use]
    pub fn is_held(self) -> bool {
        matches!(self, HoldState::Held(_))
    }

    /// The direction pbxd should offer the other leg to reproduce this
    /// state; `None` for [`HoldState::NoAudio`]. The RFC 2543 form is
    /// modernised to `sendonly` (RFC 3264 §8.4).
    #[must_use]
    pub fn direction(self) -> Option<Direction> {
        match self {
            HoldState::Active => Some(Direction::SendRecv),
            HoldState::Held(HoldMethod::SendOnly | HoldMethod::ZeroAddress) => {
                Some(Direction::SendOnly)
            }
            HoldState::Held(HoldMethod::Inactive) => Some(Direction::Inactive),
            HoldState::RecvOnly => Some(Direction::RecvOnly),
            HoldState::NoAudio => None,
        }
    }
}

/// Reads the hold state of an SDP (typically a re-INVITE's offer).
#[must_use]
pub fn hold_state(sdp: &SessionDescription) -> HoldState {
    let Some((_, media)) = sdp.first_active_audio() else {
        return HoldState::NoAudio;
    };
    let dir = sdp.media_direction(media);
    let zero = sdp
        .media_connection(media)
        .is_some_and(|c| c.is_unspecified());
    match (dir, zero) {
        (Direction::SendOnly, _) => HoldState::Held(HoldMethod::SendOnly),
        (Direction::Inactive, _) | (Direction::RecvOnly, true) => {
            HoldState::Held(HoldMethod::Inactive)
        }
        (Direction::SendRecv, true) => HoldState::Held(HoldMethod::ZeroAddress),
        (Direction::RecvOnly, false) => HoldState::RecvOnly,
        (Direction::SendRecv, false) => HoldState::Active,
    }
}

/// Returns `sdp` (normally already [`crate::anchor`]ed toward the other leg)
/// with every active audio stream set to the direction that reproduces
/// `state`. Session-level direction is left alone: media level wins.
#[must_use]
pub fn apply_hold(sdp: &SessionDescription, state: HoldState) -> SessionDescription {
    let mut out = sdp.clone();
    let Some(dir) = state.direction() else {
        return out;
    };
    for m in &mut out.media {
        if m.kind == MediaKind::Audio && m.port != 0 {
            m.set_direction(dir);
        }
    }
    out
}

/// The direction an offer effectively asks for on `media`, reading the
/// RFC 2543 zero address as "do not send to me".
pub(crate) fn offered_direction(sdp: &SessionDescription, media: &Media) -> Direction {
    let dir = sdp.media_direction(media);
    let zero = sdp
        .media_connection(media)
        .is_some_and(|c| c.is_unspecified());
    match (dir, zero) {
        (Direction::SendRecv, true) => Direction::SendOnly,
        (Direction::RecvOnly, true) => Direction::Inactive,
        (d, _) => d,
    }
}
