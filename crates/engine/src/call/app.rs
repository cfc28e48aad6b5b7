//! Applications pbxd runs while it answers the caller itself (issue 6 §5 and the PIN of
//! §2): an IVR menu ([`rotary_dialplan::IvrSession`]) and PIN entry for a protected dial
//! rule. The caller's leg is answered with pbxd's own SDP and a one-legged relay that
//! plays prompts and reports keys (RFC 4733, in-band, SIP INFO); the menu's choice is
//! then dialled from the answered leg, and the relay is re-planned to bridge the callee.

use std::sync::Arc;
use std::time::Duration;

use rotary_config::{Config, ExtensionNumber};
use rotary_dialplan::{IvrAction, IvrEvent, IvrSession, Snapshot};
use rotary_sdp::MediaAddr;
use rotary_sip::transaction::TxHandle;
use rotary_sip::Request;

use super::cdr::Cause;
use super::dial;
use super::indialog::{hangup_both, reply};
use super::invite::{fail, reply_a};
use super::state::{Call, CallTimer, Phase};
use super::timers::{arm_session, await_ack};
use super::types::{DtmfTransport, IvrPlan, LegMedia, MediaPlan, PinPlan, TrunkPlan};
use super::{media, CallAction, CallEventKind, Cx, Side, Target};

/// How long the caller has for the first PIN digit after the prompt, and between digits.
const PIN_DIGIT_TIMEOUT: Duration = Duration::from_secs(8);
/// Wrong PINs before pbxd hangs up.
const PIN_TRIES: u8 = 3;
/// Longest PIN read.
const PIN_MAX: usize = 32;

/// The application running on a call pbxd answered.
#[derive(Debug)]
pub(crate) enum App {
    /// An IVR menu.
    Ivr {
        /// The menu's state machine.
        session: Box<IvrSession>,
        /// The menu's number (where return-to-IVR leads from the next menu).
        number: ExtensionNumber,
        /// The snapshot whose extensions can be dialled from the menu.
        directory: Arc<Config>,
    },
    /// PIN entry before a protected dial rule's trunks are tried.
    Pin {
        /// The trunks to try once the PIN is right.
        plan: TrunkPlan,
        /// Keys typed so far.
        keyed: String,
        /// Wrong PINs so far.
        tries: u8,
        /// A prompt is playing.
        playing: bool,
        /// After the "wrong PIN" prompt, ask again.
        ask_again: bool,
    },
    /// A last prompt plays, then pbxd hangs up.
    Leaving {
        /// The CDR cause.
        cause: Cause,
    },
}

/// Answer the caller with pbxd's own SDP and a one-legged relay. `false` when the
/// caller's offer is missing or unusable (the call then fails with 488).
pub(crate) fn answer_locally(cx: &mut Cx<'_>, call: &mut Call) -> bool {
    match call.phase {
        Phase::Local => return true,
        Phase::Ringing | Phase::Allocating => {}
        Phase::Answered | Phase::Ended => return false,
    }
    let (Some(offer), Some(relay_a)) = (call.a_offer.clone(), call.relay_addr(Side::A)) else {
        fail(cx, call, 488, Cause::InvalidSdp);
        return false;
    };
    let allowed: Vec<&str> = call
        .caller_codecs
        .iter()
        .filter(|c| media::transcodable(**c))
        .map(|c| c.name())
        .collect();
    let local = MediaAddr {
        ip: relay_a.ip(),
        audio_port: relay_a.port(),
    };
    let dtmf = call.dtmf_modes[0];
    let Ok(ans) = rotary_sdp::answer(&offer, &allowed, &local, call.origin_mut(Side::A)) else {
        fail(cx, call, 488, Cause::NoCommonCodec);
        return false;
    };
    let a = media::leg_media(&ans.sdp, dtmf).map(|mut m| {
        m.ptime_ms = ans.ptime.filter(|p| (10..=120).contains(p)).unwrap_or(20);
        m
    });
    let plan = MediaPlan {
        a,
        b: None,
        transcode: false,
    };
    call.plan = Some(plan);
    let body = ans.sdp.to_bytes();
    call.a.sdp_sent = Some(body.clone());
    call.phase = Phase::Local;
    call.answered_at.get_or_insert(cx.now);
    call.cancel_deadline(cx.sh, CallTimer::Ring);
    let response = reply_a(cx, call, 200, Some(body));
    let seq = super::msg::cseq_num(&call.a_invite.headers);
    await_ack(cx, call, Side::A, call.a_invite_tx, response, seq, None);
    cx.sh.actions.push_back(CallAction::StartRelay {
        call: call.key,
        a_remote: call.a.remote_media.unwrap_or_else(media::unknown_addr),
        b_remote: media::unknown_addr(),
        rtp_timeout: call.settings.rtp_timeout,
        plan,
    });
    call.event(cx.sh, CallEventKind::Answered);
    arm_session(cx, call);
    true
}

/// Run an IVR menu for the caller (answering first if needed).
pub(crate) fn start_ivr(cx: &mut Cx<'_>, call: &mut Call, plan: IvrPlan) {
    if !answer_locally(cx, call) {
        return;
    }
    tracing::info!(call = %call.key, ivr = %plan.ivr.number, "IVR");
    let session = IvrSession::new(&plan.ivr, plan.return_to);
    call.app = Some(App::Ivr {
        session: Box::new(session),
        number: plan.ivr.number.clone(),
        directory: plan.directory,
    });
    run(cx, call);
}

/// Ask the caller for a PIN before `plan`'s trunks are tried.
pub(crate) fn start_pin(cx: &mut Cx<'_>, call: &mut Call, plan: TrunkPlan) {
    if !answer_locally(cx, call) {
        return;
    }
    call.app = Some(App::Pin {
        plan,
        keyed: String::new(),
        tries: 0,
        playing: true,
        ask_again: false,
    });
    play(cx, call, Some("enter-pin"));
}

/// A key from the caller's phone (media or SIP INFO) while an application runs.
pub(crate) fn digit(cx: &mut Cx<'_>, call: &mut Call, key: char) {
    match &mut call.app {
        Some(App::Ivr {
            session, directory, ..
        }) => {
            let dir = directory.clone();
            session.handle_event(
                cx.now,
                IvrEvent::Digit(key),
                &Snapshot::new(&dir, &dir.routing),
            );
            run(cx, call);
        }
        Some(App::Pin { keyed, playing, .. }) => {
            let stop = std::mem::take(playing);
            if key == '#' {
                if stop {
                    play(cx, call, None);
                }
                return check_pin(cx, call);
            }
            if keyed.len() < PIN_MAX && (key.is_ascii_digit() || key == '*') {
                keyed.push(key);
            }
            if stop {
                play(cx, call, None);
            }
            let at = cx.now + PIN_DIGIT_TIMEOUT;
            call.set_deadline(cx.sh, CallTimer::App, at);
        }
        Some(App::Leaving { .. }) | None => {}
    }
}

/// An INFO from the caller while an application runs: a DTMF relay body is a key.
pub(crate) fn info(cx: &mut Cx<'_>, call: &mut Call, tx: TxHandle, req: &Request) {
    let key = super::features::dtmf_relay(req).map(|(k, _)| k);
    let status = if key.is_some() { 200 } else { 415 };
    reply(cx, call, Side::A, tx, req, status);
    if let Some(k) = key {
        digit(cx, call, k);
    }
}

/// The prompt played to its end.
pub(crate) fn prompt_finished(cx: &mut Cx<'_>, call: &mut Call) {
    match &mut call.app {
        Some(App::Ivr {
            session, directory, ..
        }) => {
            let dir = directory.clone();
            session.handle_event(
                cx.now,
                IvrEvent::PromptFinished,
                &Snapshot::new(&dir, &dir.routing),
            );
            run(cx, call);
        }
        Some(App::Pin {
            playing, ask_again, ..
        }) => {
            *playing = false;
            if std::mem::take(ask_again) {
                *playing = true;
                play(cx, call, Some("enter-pin"));
            } else {
                let at = cx.now + PIN_DIGIT_TIMEOUT;
                call.set_deadline(cx.sh, CallTimer::App, at);
            }
        }
        Some(App::Leaving { cause }) => {
            let cause = *cause;
            call.app = None;
            hangup_both(cx, call, cause);
        }
        None => {}
    }
}

/// The application's deadline passed.
pub(crate) fn on_timer(cx: &mut Cx<'_>, call: &mut Call) {
    match &mut call.app {
        Some(App::Ivr { session, .. }) => {
            session.handle_timeout(cx.now);
            run(cx, call);
        }
        Some(App::Pin { .. }) => check_pin(cx, call),
        _ => {}
    }
}

/// Check the keyed PIN: go on to the trunks, ask again, or say goodbye.
fn check_pin(cx: &mut Cx<'_>, call: &mut Call) {
    call.cancel_deadline(cx.sh, CallTimer::App);
    let Some(App::Pin {
        plan,
        keyed,
        tries,
        playing,
        ask_again,
    }) = &mut call.app
    else {
        return;
    };
    let pin = plan
        .pin
        .as_ref()
        .and_then(|p| pin_of(p, keyed.as_str()))
        .map(str::to_string);
    if let Some(pin) = pin {
        let plan = plan.clone();
        tracing::info!(call = %call.key, pin_set = plan.pin.as_ref().map_or("", |p| p.set.as_str()), "PIN accepted");
        call.pin = Some(pin);
        call.app = None;
        dial::start(cx, call, Target::Trunks(plan));
        return;
    }
    keyed.clear();
    *tries += 1;
    tracing::info!(call = %call.key, tries = *tries, "wrong PIN");
    if *tries >= PIN_TRIES {
        call.app = Some(App::Leaving {
            cause: Cause::PinInvalid,
        });
        play(cx, call, Some("goodbye"));
        return;
    }
    *playing = true;
    *ask_again = true;
    play(cx, call, Some("pin-invalid"));
}

/// The CDR value of the PIN keyed, if it is one of the set: its label, else its code.
fn pin_of<'a>(plan: &'a PinPlan, keyed: &str) -> Option<&'a str> {
    if keyed.is_empty() {
        return None;
    }
    plan.pins
        .iter()
        .find(|(code, _)| code == keyed)
        .map(|(code, label)| if label.is_empty() { code } else { label })
        .map(String::as_str)
}

/// Carry out the IVR session's actions and keep its deadline.
fn run(cx: &mut Cx<'_>, call: &mut Call) {
    loop {
        let Some(App::Ivr {
            session, number, ..
        }) = &mut call.app
        else {
            return;
        };
        let Some(action) = session.poll_action() else {
            match session.poll_timeout() {
                Some(at) => call.set_deadline(cx.sh, CallTimer::App, at),
                None => call.cancel_deadline(cx.sh, CallTimer::App),
            }
            return;
        };
        let number = number.clone();
        match action {
            IvrAction::Play(prompt) => play(cx, call, Some(prompt.as_str())),
            IvrAction::StopPrompt => play(cx, call, None),
            IvrAction::CollectDigits { .. } => {}
            IvrAction::Goto(dest) => {
                tracing::info!(call = %call.key, ivr = %number, destination = %dest, "IVR choice");
                leave(cx, call);
                dial::resolve(cx, call, dest, Some(number));
                return;
            }
            IvrAction::Hangup => {
                tracing::info!(call = %call.key, ivr = %number, "IVR hangs up");
                leave(cx, call);
                hangup_both(cx, call, Cause::Routing("ivr.hangup"));
                return;
            }
        }
    }
}

/// The application is over: stop its prompt and timer.
fn leave(cx: &mut Cx<'_>, call: &mut Call) {
    call.app = None;
    call.cancel_deadline(cx.sh, CallTimer::App);
    play(cx, call, None);
}

/// Ask the media shell to play (or stop) a prompt to the caller.
fn play(cx: &mut Cx<'_>, call: &Call, prompt: Option<&str>) {
    cx.sh.actions.push_back(CallAction::Play {
        call: call.key,
        prompt: prompt.map(str::to_string),
    });
}

/// The callee of a call pbxd answered itself picked up: bridge it to the caller. The
/// caller keeps the codec pbxd answered with; the relay transcodes when the callee's
/// differs.
pub(crate) fn connected(
    cx: &mut Cx<'_>,
    call: &mut Call,
    b: Option<LegMedia>,
    b_remote: std::net::SocketAddr,
) {
    let a = call.plan.and_then(|p| p.a);
    let transcode = match (a, b) {
        (Some(a), Some(b)) => !same_stream(&a, &b),
        _ => false,
    };
    let plan = MediaPlan { a, b, transcode };
    call.plan = Some(plan);
    cx.sh.actions.push_back(CallAction::StartRelay {
        call: call.key,
        a_remote: call.a.remote_media.unwrap_or_else(media::unknown_addr),
        b_remote,
        rtp_timeout: call.settings.rtp_timeout,
        plan,
    });
}

/// Whether packets of one leg can pass unchanged to the other.
fn same_stream(a: &LegMedia, b: &LegMedia) -> bool {
    a.codec == b.codec
        && a.payload_type == b.payload_type
        && a.ptime_ms == b.ptime_ms
        && a.dtmf == b.dtmf
        && (a.dtmf != DtmfTransport::Rfc4733 || a.event_payload_type == b.event_payload_type)
}
