//! A trunk's status as the API, the event bus and the metrics show it, put together from
//! its registration client, its peer monitor, its account bindings and its failed call
//! attempts.

use std::time::Instant;

use rotary_config::routing::{Trunk, TrunkId, TrunkMode};
use rotary_trunks::{PeerState, RegistrationState};

use super::{peers, TrunkSet, TrunkStatusInfo};

impl TrunkSet {
    /// The status of one configured trunk at `now` (`wall_ms` Unix time in ms).
    pub(super) fn status_at(
        &self,
        id: &TrunkId,
        now: Instant,
        wall_ms: i64,
    ) -> Option<TrunkStatusInfo> {
        self.info_of(id, Some((now, wall_ms)))
    }

    /// The status of one configured trunk; `clock` converts instants to Unix seconds.
    pub(super) fn info_of(
        &self,
        id: &TrunkId,
        clock: Option<(Instant, i64)>,
    ) -> Option<TrunkStatusInfo> {
        let t = self.trunks.iter().find(|t| &t.id == id)?;
        let unix = |at: Instant| {
            clock.map(|(now, wall_ms)| {
                let delta = at.saturating_duration_since(now).as_millis() as i64;
                (wall_ms + delta) / 1000
            })
        };
        let mut info = blank(t);
        (info.call_failures, info.last_call_failure) = self.attempts.of(id.as_str());
        if !t.enabled {
            return Some(info);
        }
        match &t.mode {
            TrunkMode::Peer(_) => match self.peers.status(id) {
                None => info.state = "unmonitored",
                Some(status) => {
                    info.state = status.state.name();
                    info.last_code = status.last_code;
                    info.rtt_ms = status.rtt_ms;
                    info.failures = status.failures;
                    if let PeerState::Unreachable { reason } = status.state {
                        info.reason = Some(reason.code());
                        info.detail = Some(peers::detail(reason));
                        info.retry_at_unix = status.next_probe.and_then(unix);
                    }
                }
            },
            TrunkMode::Account(a) => {
                let sources = self.accounts.get(&a.username).map(|(_, s)| s.clone());
                let sources = sources.unwrap_or_default();
                info.state = if sources.is_empty() {
                    "unregistered"
                } else {
                    "registered"
                };
                info.contacts = sources.iter().map(ToString::to_string).collect();
            }
            TrunkMode::Register(_) => {
                let slot = self.active.get(id).and_then(|g| self.clients.get(g));
                let status = slot.map(|s| s.client.status()).unwrap_or_default();
                info.state = status.state.name();
                info.last_code = status.last_code;
                info.failures = status.failures;
                match status.state {
                    RegistrationState::Registered { expires_at } => {
                        info.expires_at_unix = unix(expires_at);
                    }
                    RegistrationState::Failed { reason, retry_at } => {
                        info.reason = Some(reason.code());
                        info.detail = Some(reason.to_string());
                        info.retry_at_unix = retry_at.and_then(unix);
                    }
                    _ => {}
                }
            }
        }
        Some(info)
    }
}

/// A trunk's status with nothing known yet (state `disabled`).
pub(super) fn blank(t: &Trunk) -> TrunkStatusInfo {
    TrunkStatusInfo {
        trunk: t.id.as_str().to_owned(),
        kind: kind_of(t),
        state: "disabled",
        reason: None,
        detail: None,
        last_code: None,
        rtt_ms: None,
        failures: 0,
        expires_at_unix: None,
        retry_at_unix: None,
        contacts: Vec::new(),
        call_failures: 0,
        last_call_failure: None,
    }
}

/// `register`, `peer` or `account`.
pub(super) fn kind_of(t: &Trunk) -> &'static str {
    match t.mode {
        TrunkMode::Register(_) => "register",
        TrunkMode::Peer(_) => "peer",
        TrunkMode::Account(_) => "account",
    }
}
