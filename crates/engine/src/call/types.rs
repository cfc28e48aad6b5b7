//! The plain data that crosses the call core's boundary: what the engine
//! hands in with a new INVITE or from the media shell, and the actions and
//! events it drains.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use rotary_config::routing::Destination;
use rotary_config::{Codec, DtmfMode, Extension, Settings};
use rotary_sip::{Flow, Uri};

use super::cdr::{Cause, CdrRecord};

/// Methods pbxd accepts inside a call, sent in `Allow` (RFC 3261 §20.5).
pub const CALL_ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, MESSAGE, NOTIFY";

/// Identifies one call attempt inside [`Calls`](super::Calls); never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallKey(pub u64);

impl fmt::Display for CallKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call{}", self.0)
    }
}

impl std::str::FromStr for CallKey {
    type Err = ();

    /// Parses the displayed form `call17` (the id the API and events use).
    fn from_str(s: &str) -> Result<Self, ()> {
        let n = s.strip_prefix("call").ok_or(())?;
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(());
        }
        n.parse().map(CallKey).map_err(|_| ())
    }
}

/// Which leg of a call: A faces the caller, B the callee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The caller's dialog.
    A,
    /// The answering callee's dialog.
    B,
}

impl Side {
    /// 0 for A, 1 for B: an index into per-leg arrays.
    pub(crate) fn index(self) -> usize {
        match self {
            Side::A => 0,
            Side::B => 1,
        }
    }

    /// The other leg.
    pub fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }
}

/// Fixed settings of the call core, chosen at start-up.
#[derive(Clone, Debug)]
pub struct CallsConfig {
    /// pbxd's SIP address for Via and Contact when a flow's local address is a
    /// wildcard (`0.0.0.0`).
    pub contact_host: SocketAddr,
    /// Sent as User-Agent and Server.
    pub user_agent: String,
    /// Smallest session interval accepted (RFC 4028 Min-SE; at least 90 s).
    pub min_session_expires: u32,
}

impl CallsConfig {
    /// Defaults for everything but the address.
    pub fn new(contact_host: SocketAddr, user_agent: impl Into<String>) -> Self {
        CallsConfig {
            contact_host,
            user_agent: user_agent.into(),
            min_session_expires: 90,
        }
    }
}

/// The per-call snapshot of global options (a call keeps the values it started with).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallSettings {
    /// How long the callee rings before the caller gets 480.
    pub ring_time: Duration,
    /// Ring a callee that is already in a call (else 486).
    pub call_waiting: bool,
    /// Calls accepted at once; the next gets 503.
    pub max_concurrent_calls: u32,
    /// RTP silence that ends an answered call; handed to the relay. `None` = off.
    pub rtp_timeout: Option<Duration>,
    /// Recordings keep caller and callee on separate channels.
    pub recording_stereo: bool,
}

impl From<&Settings> for CallSettings {
    fn from(s: &Settings) -> Self {
        CallSettings {
            ring_time: Duration::from_secs(u64::from(s.global_ring_time)),
            call_waiting: s.call_waiting,
            max_concurrent_calls: s.max_concurrent_calls,
            rtp_timeout: (s.rtp_timeout > 0).then(|| Duration::from_secs(u64::from(s.rtp_timeout))),
            recording_stereo: s.recording_stereo,
        }
    }
}

/// The authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerInfo {
    /// Extension number (From user, CDR caller).
    pub extension: String,
    /// Display name shown to the callee.
    pub name: String,
    /// Codecs the caller may use.
    pub codecs: Vec<Codec>,
    /// How the caller's phone sends and expects DTMF.
    pub dtmf_mode: DtmfMode,
    /// Every answered call of the caller is recorded.
    pub record_calls: bool,
    /// The caller is outside the PBX (a call from a trunk): its number is a caller ID,
    /// not an extension, so it never counts as busy.
    pub external: bool,
}

impl CallerInfo {
    /// The caller as configured.
    pub fn from_extension(ext: &Extension) -> Self {
        CallerInfo {
            extension: ext.number.as_str().to_string(),
            name: ext.name.clone(),
            codecs: ext.codecs.clone(),
            dtmf_mode: ext.dtmf_mode,
            record_calls: ext.record_calls,
            external: false,
        }
    }
}

/// One registered contact of the callee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactTarget {
    /// The registered Contact URI (the B-leg Request-URI).
    pub uri: Uri,
    /// The flow the REGISTER came on; the INVITE goes out on it (NAT).
    pub flow: Flow,
}

/// The callee extension and where it is registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalleeInfo {
    /// Extension number.
    pub number: String,
    /// Codecs the callee may use.
    pub codecs: Vec<Codec>,
    /// How the callee's phones send and expect DTMF.
    pub dtmf_mode: DtmfMode,
    /// Every answered call of the callee is recorded.
    pub record_calls: bool,
    /// Registered contacts, rung in parallel; empty → 480.
    pub contacts: Vec<ContactTarget>,
}

impl CalleeInfo {
    /// The callee as configured, with its current contacts.
    pub fn from_extension(ext: &Extension, contacts: Vec<ContactTarget>) -> Self {
        CalleeInfo {
            number: ext.number.as_str().to_string(),
            codecs: ext.codecs.clone(),
            dtmf_mode: ext.dtmf_mode,
            record_calls: ext.record_calls,
            contacts,
        }
    }
}

/// What the dialled number is, or where routing sends the call.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// No such number: 404.
    Unknown,
    /// A user extension.
    Extension(CalleeInfo),
    /// Out through trunks, tried in order (failover), after an optional PIN.
    Trunks(TrunkPlan),
    /// A department's ring group.
    Group(GroupPlan),
    /// pbxd answers the call itself and runs an IVR menu.
    Ivr(IvrPlan),
    /// Routing refuses the call, or leads somewhere pbxd cannot take it.
    Refuse(Refusal),
}

/// A call routing turns away, with the SIP status and the stable code for the CDR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The final response to an unanswered caller (404, 403, 433, 480, 603, ...).
    pub status: u16,
    /// The stable code (`route.no_match`, `route.blacklisted`, ...), as the CDR cause.
    pub code: &'static str,
}

/// Calls out through trunks: every attempt the dial rule allows, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrunkPlan {
    /// The attempts, tried one after the other on 5xx, 408 or no response.
    pub attempts: Vec<TrunkLeg>,
    /// The caller keys a PIN of this set first (pbxd answers to ask for it).
    pub pin: Option<PinPlan>,
    /// End the answered call after this long.
    pub time_limit: Option<Duration>,
}

/// One trunk attempt: everything needed to build the INVITE toward the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrunkLeg {
    /// The trunk's name (CDR, logs, call counting).
    pub trunk: String,
    /// The Request-URI (`sip:<number>@<provider>`).
    pub uri: Uri,
    /// The To header value.
    pub to: String,
    /// The From header value, without tag.
    pub from: String,
    /// The user part of our Contact.
    pub contact_user: String,
    /// A `P-Asserted-Identity` or `Remote-Party-ID` header (name, value), as the trunk says.
    pub identity: Option<(&'static str, String)>,
    /// Where the INVITE goes (the provider, or its outbound proxy).
    pub flow: Flow,
    /// A `Route` value for an outbound proxy (`<sip:proxy;lr>`).
    pub route: Option<String>,
    /// Digest user and password for the provider's 401/407.
    pub credentials: Option<(String, String)>,
    /// Codecs offered on this trunk.
    pub codecs: Vec<Codec>,
    /// How DTMF travels on this trunk.
    pub dtmf_mode: DtmfMode,
    /// Most simultaneous calls on this trunk.
    pub max_calls: Option<u32>,
    /// Copy the caller's Diversion header onto the INVITE.
    pub diversion: bool,
}

/// The PINs a dial rule accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinPlan {
    /// The PIN set's name.
    pub set: String,
    /// (code, label) of every PIN.
    pub pins: Vec<(String, String)>,
}

/// A department rung as a ring group.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupPlan {
    /// The department as configured (strategy, ring times, no-answer destination).
    pub department: rotary_config::routing::Department,
    /// Each member with its contacts now.
    pub members: Vec<CalleeInfo>,
}

/// An IVR menu pbxd runs for the caller.
#[derive(Clone, Debug)]
pub struct IvrPlan {
    /// The menu.
    pub ivr: rotary_config::routing::Ivr,
    /// The menu the caller came from (for return-to-IVR).
    pub return_to: Option<rotary_config::ExtensionNumber>,
    /// The snapshot whose extensions can be dialled directly from the menu.
    pub directory: std::sync::Arc<rotary_config::Config>,
}

impl PartialEq for IvrPlan {
    fn eq(&self, other: &Self) -> bool {
        self.ivr == other.ivr && self.return_to == other.return_to
    }
}

/// Whether a call is internal, from a trunk or out through one (the CDR's call type).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CallType {
    /// Between things on this PBX.
    #[default]
    Internal,
    /// From a trunk.
    Inbound,
    /// Out through a trunk.
    Outbound,
}

impl CallType {
    /// `internal`, `inbound` or `outbound`.
    pub fn as_str(self) -> &'static str {
        match self {
            CallType::Internal => "internal",
            CallType::Inbound => "inbound",
            CallType::Outbound => "outbound",
        }
    }
}

/// What routing decided about a call, for its CDR.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteInfo {
    /// Internal, inbound or outbound.
    pub kind: CallType,
    /// The trunk the call came in on, or went out through (the last one tried).
    pub trunk: Option<String>,
    /// The number dialled from outside (inbound calls).
    pub did: Option<String>,
    /// The inbound, direct or outbound route that decided.
    pub route: Option<String>,
}

/// What the engine looked up for a new INVITE.
#[derive(Clone, Debug, PartialEq)]
pub struct InviteContext {
    /// The authenticated caller.
    pub caller: CallerInfo,
    /// The dialled number.
    pub target: Target,
    /// Options from the current configuration snapshot.
    pub settings: CallSettings,
    /// Wall clock now, Unix milliseconds (CDR times).
    pub wall_unix_ms: i64,
    /// What routing decided, for the CDR.
    pub route: RouteInfo,
}

/// The media shell's answer or report for one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaInput {
    /// Ports are reserved: `a` is pbxd's RTP address facing the caller, `b` facing the callee.
    Allocated {
        /// Relay address written into SDP sent to leg A.
        a: SocketAddr,
        /// Relay address written into SDP sent to leg B.
        b: SocketAddr,
    },
    /// No ports were free: the call fails with 503.
    AllocationFailed,
    /// No RTP arrived for the call's RTP timeout (not counted while held).
    RtpTimeout,
    /// The prompt started with [`CallAction::Play`] played to its end.
    PromptFinished,
    /// A key was pressed on a leg's phone (RFC 4733 or in-band), reported on release.
    Dtmf {
        /// Whose phone.
        side: Side,
        /// `0`–`9`, `*`, `#`, `A`–`D`.
        key: char,
        /// How long it was held.
        duration: Duration,
    },
}

/// The negotiated media of one leg: what pbxd sends to and expects from that phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegMedia {
    /// The codec in use (the first of the answer).
    pub codec: Codec,
    /// Its payload type on this leg.
    pub payload_type: u8,
    /// The leg's `telephone-event` payload type, when negotiated.
    pub event_payload_type: Option<u8>,
    /// Packet time in milliseconds (the `a=ptime`, default 20).
    pub ptime_ms: u32,
    /// How DTMF travels on this leg, settled from the extension's mode and the SDP.
    pub dtmf: DtmfTransport,
}

/// How DTMF digits travel on one leg once negotiated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DtmfTransport {
    /// RFC 4733 telephone-event packets.
    Rfc4733,
    /// Tones in the audio.
    Inband,
    /// SIP INFO requests.
    Info,
}

impl DtmfTransport {
    /// The extension's mode as it works out with what the SDP negotiated: RFC 4733 needs
    /// a `telephone-event` payload type, and without one (or in `auto`) tones go in-band.
    #[must_use]
    pub fn settle(mode: DtmfMode, has_event_type: bool) -> DtmfTransport {
        match mode {
            DtmfMode::Info => DtmfTransport::Info,
            DtmfMode::Inband => DtmfTransport::Inband,
            DtmfMode::Rfc4733 | DtmfMode::Auto if has_event_type => DtmfTransport::Rfc4733,
            DtmfMode::Rfc4733 | DtmfMode::Auto => DtmfTransport::Inband,
        }
    }
}

/// How the media shell bridges the two legs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MediaPlan {
    /// Leg A's (caller's) media, when known.
    pub a: Option<LegMedia>,
    /// Leg B's (callee's) media, when known.
    pub b: Option<LegMedia>,
    /// The legs share no codec: pbxd decodes each side and re-encodes for the other.
    pub transcode: bool,
}

/// A command for the engine's shells or store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallAction {
    /// Reserve two RTP/RTCP port pairs and answer with [`Calls::handle_media`](super::Calls::handle_media).
    AllocateMedia {
        /// The call.
        call: CallKey,
    },
    /// Relay between the legs. May come twice (early media, then the answer);
    /// each time it sets both remotes (latching may still correct them).
    StartRelay {
        /// The call.
        call: CallKey,
        /// Where the caller wants RTP (from its SDP).
        a_remote: SocketAddr,
        /// Where the callee wants RTP (from its SDP).
        b_remote: SocketAddr,
        /// End the call after this long without RTP (not while held).
        rtp_timeout: Option<Duration>,
        /// The codecs of each leg and whether pbxd transcodes between them.
        plan: MediaPlan,
    },
    /// A leg's media changed after a re-INVITE/UPDATE.
    UpdateRelay {
        /// The call.
        call: CallKey,
        /// The leg whose address or hold state changed.
        leg: Side,
        /// Where that leg now wants RTP.
        remote: SocketAddr,
        /// That leg has put the call on hold: pause the RTP timeout.
        hold: bool,
        /// The extension on that leg, whose music-on-hold class the other party hears
        /// while it holds (`None` for a caller from outside).
        holder: Option<String>,
    },
    /// Start recording both sides into `file` (relative to the data directory), or stop
    /// with `None`.
    Record {
        /// The call.
        call: CallKey,
        /// `recordings/YYYY/MM/DD/<name>.wav`, or `None` to stop.
        file: Option<String>,
        /// Caller and callee on separate channels.
        stereo: bool,
    },
    /// Play a key press to `to`'s phone in its own DTMF mode (it came by SIP INFO).
    SendDigit {
        /// The call.
        call: CallKey,
        /// The phone that should hear it.
        to: Side,
        /// The key.
        key: char,
        /// How long to hold it.
        duration: Duration,
    },
    /// Play a prompt (by name) to the caller's phone, replacing any playing; `None`
    /// stops it. Report its end with [`MediaInput::PromptFinished`].
    Play {
        /// The call.
        call: CallKey,
        /// The prompt's name (an uploaded prompt or a system prompt), or `None` to stop.
        prompt: Option<String>,
    },
    /// Find where `destination` leads (an IVR key, a department's no-answer destination)
    /// and answer at once with [`Calls::handle_target`](super::Calls::handle_target).
    Resolve {
        /// The call.
        call: CallKey,
        /// Where the application sends the caller.
        destination: Destination,
        /// The external caller's number (whitelists apply), `None` for internal calls.
        caller: Option<String>,
        /// The IVR the caller leaves (for return-to-IVR).
        from_ivr: Option<rotary_config::ExtensionNumber>,
    },
    /// Free the call's ports.
    ReleaseMedia {
        /// The call.
        call: CallKey,
    },
    /// Store this record (exactly one per call attempt).
    Cdr(Box<CdrRecord>),
    /// Publish a call state change on the event bus.
    Event(CallEvent),
    /// An outbound attempt through a trunk rang, was answered, or failed over: the core
    /// keeps it in the trunk's status (`TrunkSet::note_call_attempt`).
    TrunkAttempt {
        /// The call.
        call: CallKey,
        /// The trunk id.
        trunk: String,
        /// How the attempt went.
        outcome: crate::trunks::TrunkAttemptOutcome,
    },
}

/// A call state change for the event bus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallEvent {
    /// The call.
    pub call: CallKey,
    /// Calling extension.
    pub caller: String,
    /// Dialled number.
    pub callee: String,
    /// What happened.
    pub kind: CallEventKind,
}

/// The states a call reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallEventKind {
    /// A callee contact is ringing.
    Ringing,
    /// The callee answered.
    Answered,
    /// One leg put the call on hold.
    Held {
        /// The leg that holds.
        leg: Side,
    },
    /// That leg resumed.
    Resumed {
        /// The leg that resumed.
        leg: Side,
    },
    /// The attempt is over.
    HungUp {
        /// Why.
        cause: Cause,
    },
}

/// One call in progress, as the API and the GUI's active-call list show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveCall {
    /// The call's key (`call17` in events and the API).
    pub call: CallKey,
    /// Calling number.
    pub caller: String,
    /// Dialled number.
    pub callee: String,
    /// Where the call stands.
    pub state: ActiveCallState,
    /// Internal, inbound or outbound.
    pub call_type: CallType,
    /// The trunk in use, if any.
    pub trunk: Option<String>,
    /// When the INVITE arrived, Unix milliseconds.
    pub started_unix_ms: i64,
    /// When it was answered, Unix milliseconds.
    pub answered_unix_ms: Option<i64>,
}

/// The states an operator tells apart in the active-call list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActiveCallState {
    /// Being set up or ringing.
    Ringing,
    /// pbxd itself answered (IVR, PIN prompt) and no callee is connected yet.
    Application,
    /// Both parties talking.
    Answered,
    /// Answered, one side holds.
    Held,
}

impl ActiveCallState {
    /// The API's name for the state.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ActiveCallState::Ringing => "ringing",
            ActiveCallState::Application => "application",
            ActiveCallState::Answered => "answered",
            ActiveCallState::Held => "held",
        }
    }
}
