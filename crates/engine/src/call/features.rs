//! In-call features driven by the keypad and by extension settings: call recording
//! ("always" per extension, and the DUC one-touch feature code `*1` that starts and
//! stops it), and DTMF carried between a leg that uses SIP INFO and one that does not.

use std::time::{Duration, Instant};

use rotary_sip::transaction::TxHandle;
use rotary_sip::{Method, Request};

use super::indialog::reply;
use super::state::{Call, ClientRole, Phase};
use super::types::DtmfTransport;
use super::{CallAction, Cx, Side};

/// The DUC guide's one-touch recording feature code.
pub(crate) const ONE_TOUCH_RECORD: &str = "*1";
/// Keys further apart than this start a new feature code.
const INTER_DIGIT: Duration = Duration::from_secs(3);
/// Longest feature code remembered.
const MAX_CODE: usize = 8;

/// Keys typed on one phone during a call, for feature-code matching.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    typed: String,
    last: Option<Instant>,
}

impl Keys {
    /// Adds `key` and returns what has been typed since the last pause.
    fn push(&mut self, now: Instant, key: char) -> &str {
        if self
            .last
            .is_some_and(|t| now.saturating_duration_since(t) > INTER_DIGIT)
        {
            self.typed.clear();
        }
        self.last = Some(now);
        if self.typed.len() >= MAX_CODE {
            self.typed.remove(0);
        }
        self.typed.push(key);
        &self.typed
    }
}

/// The call was answered: start recording when either extension records always.
pub(crate) fn answered(cx: &mut Cx<'_>, call: &mut Call) {
    if call.record_always {
        start_recording(cx, call);
    }
}

/// A key pressed on `side`'s phone, seen by the media (RFC 4733 or in-band).
pub(crate) fn media_digit(
    cx: &mut Cx<'_>,
    call: &mut Call,
    side: Side,
    key: char,
    duration: Duration,
) {
    if call.phase != Phase::Answered {
        return;
    }
    feature_key(cx, call, side, key);
    // The other phone takes digits as SIP INFO: send them that way.
    let (from, to) = (call.dtmf_of(side), call.dtmf_of(side.other()));
    if to == Some(DtmfTransport::Info) && from != Some(DtmfTransport::Info) {
        send_info(cx, call, side.other(), key, duration);
    }
}

/// An INFO from `side`: a DTMF relay body for a peer that does not take INFO becomes a
/// key press in the media. Returns whether it was handled here (else it is relayed).
pub(crate) fn info(
    cx: &mut Cx<'_>,
    call: &mut Call,
    side: Side,
    tx: TxHandle,
    req: &Request,
) -> bool {
    let Some((key, duration)) = dtmf_relay(req) else {
        return false;
    };
    feature_key(cx, call, side, key);
    if call.dtmf_of(side.other()) == Some(DtmfTransport::Info) {
        return false;
    }
    reply(cx, call, side, tx, req, 200);
    cx.sh.actions.push_back(CallAction::SendDigit {
        call: call.key,
        to: side.other(),
        key,
        duration,
    });
    true
}

fn feature_key(cx: &mut Cx<'_>, call: &mut Call, side: Side, key: char) {
    let typed = call.keys[side.index()].push(cx.now, key);
    if typed.ends_with(ONE_TOUCH_RECORD) {
        call.keys[side.index()] = Keys::default();
        if call.recording.is_some() {
            stop_recording(cx, call);
        } else {
            start_recording(cx, call);
        }
    }
}

fn start_recording(cx: &mut Cx<'_>, call: &mut Call) {
    if call.recording.is_some() || call.relay.is_none() {
        return;
    }
    let file = recording_file(call);
    call.recordings.push(file.clone());
    call.recording = Some(file.clone());
    cx.sh.actions.push_back(CallAction::Record {
        call: call.key,
        file: Some(file),
        stereo: call.settings.recording_stereo,
    });
}

fn stop_recording(cx: &mut Cx<'_>, call: &mut Call) {
    if call.recording.take().is_some() {
        cx.sh.actions.push_back(CallAction::Record {
            call: call.key,
            file: None,
            stereo: call.settings.recording_stereo,
        });
    }
}

/// `recordings/YYYY/MM/DD/<start ms>-<caller>-<callee>[-n].wav`, relative to the data
/// directory; `n` counts the call's later recordings (stop and start again with `*1`).
fn recording_file(call: &Call) -> String {
    let (y, m, d) = civil_date(call.start_wall_ms);
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '_'))
            .take(32)
            .collect()
    };
    let n = call.recordings.len();
    let suffix = if n == 0 {
        String::new()
    } else {
        format!("-{}", n + 1)
    };
    format!(
        "recordings/{y:04}/{m:02}/{d:02}/{}-{}-{}{suffix}.wav",
        call.start_wall_ms,
        clean(&call.caller),
        clean(&call.callee)
    )
}

/// UTC calendar date of a Unix time in milliseconds (days-from-civil inverse, valid for
/// every date a call can have).
fn civil_date(unix_ms: i64) -> (i64, u32, u32) {
    let z = unix_ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The key and duration of an `application/dtmf-relay` INFO body (`Signal=5`,
/// `Duration=160` in ms), or of `application/dtmf` (the bare key).
pub(crate) fn dtmf_relay(req: &Request) -> Option<(char, Duration)> {
    if req.method != Method::Info {
        return None;
    }
    let ctype = req.headers.get("Content-Type")?.to_ascii_lowercase();
    let body = std::str::from_utf8(&req.body).ok()?;
    let valid = |c: char| c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D');
    if ctype.starts_with("application/dtmf-relay") {
        let mut key = None;
        let mut ms = 250u64;
        for line in body.lines() {
            let Some((name, value)) = line.split_once('=') else {
                continue;
            };
            match name.trim().to_ascii_lowercase().as_str() {
                "signal" => key = value.trim().chars().next().map(|c| c.to_ascii_uppercase()),
                "duration" => ms = value.trim().parse().unwrap_or(250),
                _ => {}
            }
        }
        let key = key.filter(|c| valid(*c))?;
        return Some((key, Duration::from_millis(ms.clamp(40, 5_000))));
    }
    if ctype.starts_with("application/dtmf") {
        let key = body.trim().chars().next().map(|c| c.to_ascii_uppercase())?;
        return valid(key).then_some((key, Duration::from_millis(250)));
    }
    None
}

/// Sends `key` to `to`'s phone as an INFO with an `application/dtmf-relay` body.
fn send_info(cx: &mut Cx<'_>, call: &mut Call, to: Side, key: char, duration: Duration) {
    let Some(leg) = call.leg_mut(to) else {
        return;
    };
    let mut info = leg
        .dialog
        .request(Method::Info, &mut cx.sh.rng, &cx.sh.config.user_agent);
    let body = format!("Signal={key}\r\nDuration={}\r\n", duration.as_millis());
    info.headers.set("Content-Type", "application/dtmf-relay");
    info.body = body.into_bytes();
    info.headers
        .set("Content-Length", info.body.len().to_string());
    let flow = leg.dialog.flow;
    if let Ok(tx) = cx.txl.send_request(cx.now, flow, info) {
        call.track_client(cx.sh, tx, ClientRole::Other);
    }
}

#[cfg(test)]
mod tests {
    use super::civil_date;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(951_782_400_000), (2000, 2, 29));
        assert_eq!(civil_date(1_795_564_800_000), (2026, 11, 25));
        assert_eq!(civil_date(-86_400_000), (1969, 12, 31));
    }
}
