//! Call detail records: one [`CdrRecord`] per call attempt, with the stable
//! disposition and hang-up cause codes that CDR rows, events and the API share.

use std::fmt;
use std::time::{Duration, Instant};

use super::{CallKey, CallType, RouteInfo};

/// How a call attempt ended, as CDR consumers (Asterisk-style billing) expect it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// The callee answered.
    Answered,
    /// Nobody answered: ring timeout, caller hung up while ringing, callee unreachable.
    NoAnswer,
    /// The callee was busy.
    Busy,
    /// The call could not be set up (unknown number, no codec, no capacity...).
    Failed,
}

impl Disposition {
    /// The CDR text (`ANSWERED`, `NO ANSWER`, `BUSY`, `FAILED`).
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Answered => "ANSWERED",
            Disposition::NoAnswer => "NO ANSWER",
            Disposition::Busy => "BUSY",
            Disposition::Failed => "FAILED",
        }
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a call ended: the stable code catalogue written in CDRs and hang-up events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// An answered call ended by a BYE from either side.
    NormalClearing,
    /// The callee (every contact) was busy, or busy without call waiting.
    Busy,
    /// Nobody answered within the ring time.
    NoAnswer,
    /// The caller cancelled while it rang.
    Cancelled,
    /// The dialled number is no extension.
    NotFound,
    /// The callee has no registered contact, or none could be reached.
    Unavailable,
    /// The callee's contacts rejected the call (a 4xx–6xx other than busy).
    Rejected,
    /// No codec allowed for both extensions is in the caller's offer.
    NoCommonCodec,
    /// The caller's INVITE carried no usable SDP offer.
    InvalidSdp,
    /// `max_concurrent_calls` was reached.
    Congestion,
    /// No media ports were free.
    MediaUnavailable,
    /// No RTP for the RTP timeout on an answered, not held call.
    RtpTimeout,
    /// A session timer (RFC 4028) expired without a refresh.
    SessionTimeout,
    /// The caller never acknowledged the 2xx (RFC 3261 §13.3.1.4).
    AckTimeout,
    /// A leg stopped answering in-dialog requests (timeout, transport error, 408/481).
    LegFailure,
    /// The caller's INVITE asked for an extension pbxd does not support (420).
    BadExtension,
    /// The engine hung the call up (shutdown, administrator).
    Hangup,
    /// Routing turned the call away or ended it; the code is the dialplan's
    /// (`route.no_match`, `route.blacklisted`, `ivr.hangup`, ...).
    Routing(&'static str),
    /// The dial rule's call time limit ran out.
    TimeLimit,
    /// Every trunk of the route failed, was full or did not answer in time.
    TrunksFailed,
    /// The caller did not key a valid PIN.
    PinInvalid,
}

impl Cause {
    /// The stable code (`normal_clearing`, `rtp_timeout`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::NormalClearing => "normal_clearing",
            Cause::Busy => "busy",
            Cause::NoAnswer => "no_answer",
            Cause::Cancelled => "cancelled",
            Cause::NotFound => "not_found",
            Cause::Unavailable => "unavailable",
            Cause::Rejected => "rejected",
            Cause::NoCommonCodec => "no_common_codec",
            Cause::InvalidSdp => "invalid_sdp",
            Cause::Congestion => "congestion",
            Cause::MediaUnavailable => "media_unavailable",
            Cause::RtpTimeout => "rtp_timeout",
            Cause::SessionTimeout => "session_timeout",
            Cause::AckTimeout => "ack_timeout",
            Cause::LegFailure => "leg_failure",
            Cause::BadExtension => "bad_extension",
            Cause::Hangup => "hangup",
            Cause::Routing(code) => code,
            Cause::TimeLimit => "time_limit",
            Cause::TrunksFailed => "trunk.all_failed",
            Cause::PinInvalid => "pin.invalid",
        }
    }

    /// The disposition of an attempt that ended unanswered with this cause.
    pub(crate) fn unanswered_disposition(self) -> Disposition {
        match self {
            Cause::Busy => Disposition::Busy,
            Cause::NoAnswer | Cause::Cancelled | Cause::Unavailable => Disposition::NoAnswer,
            _ => Disposition::Failed,
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finished call attempt, ready for the store. Emitted exactly once per
/// attempt as [`CallAction::Cdr`](super::CallAction::Cdr).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CdrRecord {
    /// The call this record closes.
    pub call: CallKey,
    /// Wall-clock start (the INVITE's arrival), Unix milliseconds.
    pub start_unix_ms: i64,
    /// Wall-clock answer, Unix milliseconds; `None` when never answered.
    pub answer_unix_ms: Option<i64>,
    /// Wall-clock end, Unix milliseconds.
    pub end_unix_ms: i64,
    /// The calling extension.
    pub caller: String,
    /// The dialled number.
    pub callee: String,
    /// From start to end.
    pub duration: Duration,
    /// From answer to end (zero when unanswered).
    pub billsec: Duration,
    /// ANSWERED, NO ANSWER, BUSY or FAILED.
    pub disposition: Disposition,
    /// Why it ended.
    pub cause: Cause,
    /// The final SIP status sent to the caller (200 for answered calls).
    pub sip_status: u16,
    /// The caller's Call-ID (leg A).
    pub call_id: String,
    /// The Call-ID of the answered leg B, if any.
    pub b_call_id: Option<String>,
    /// The call's recording, relative to the data directory.
    pub recording: Option<String>,
    /// Internal, inbound or outbound.
    pub call_type: CallType,
    /// The trunk the call came in on or went out through.
    pub trunk: Option<String>,
    /// The number dialled from outside (inbound calls).
    pub did: Option<String>,
    /// The route that decided.
    pub route: Option<String>,
    /// The PIN (its label, else its code) keyed for a PIN-protected route.
    pub pin: Option<String>,
}

impl CdrRecord {
    /// The record with the call's (first) recording file attached.
    pub(crate) fn with_recording(mut self, file: Option<String>) -> CdrRecord {
        self.recording = file;
        self
    }

    /// The record with what routing decided and the PIN keyed.
    pub(crate) fn with_route(mut self, route: &RouteInfo, pin: Option<String>) -> CdrRecord {
        self.call_type = route.kind;
        self.trunk = route.trunk.clone();
        self.did = route.did.clone();
        self.route = route.route.clone();
        self.pin = pin;
        self
    }

    /// Build the record of an attempt from its monotonic instants; wall-clock
    /// times are derived from the start's wall clock so they stay consistent.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn build(
        call: CallKey,
        start: (Instant, i64),
        answer: Option<Instant>,
        end: Instant,
        parties: (String, String),
        cause: Cause,
        sip_status: u16,
        call_ids: (String, Option<String>),
    ) -> CdrRecord {
        let (start_at, start_ms) = start;
        let wall =
            |t: Instant| start_ms.saturating_add(millis(t.saturating_duration_since(start_at)));
        let duration = end.saturating_duration_since(start_at);
        let billsec = answer.map_or(Duration::ZERO, |a| end.saturating_duration_since(a));
        let disposition = if answer.is_some() {
            Disposition::Answered
        } else {
            cause.unanswered_disposition()
        };
        CdrRecord {
            call,
            start_unix_ms: start_ms,
            answer_unix_ms: answer.map(wall),
            end_unix_ms: wall(end),
            caller: parties.0,
            callee: parties.1,
            duration,
            billsec,
            disposition,
            cause,
            sip_status,
            call_id: call_ids.0,
            b_call_id: call_ids.1,
            recording: None,
            call_type: CallType::Internal,
            trunk: None,
            did: None,
            route: None,
            pin: None,
        }
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
