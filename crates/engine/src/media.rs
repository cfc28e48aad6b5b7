//! The shell side of anchored media: carries out the B2BUA's media actions with real
//! sockets (`rotary-media` port pool and relays) and turns relay events back into core
//! inputs. One entry per call; ports go back to the pool when the call's media is released.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use rotary_codecs::dsp::{ToneKind, ToneZone};
use rotary_codecs::CodecId;
use rotary_config::Codec;
use rotary_media::sound::{
    ensure_default_music, recover_partials, tone_kind_of, tone_prompt, DecodeLimits, MohConfig,
    MohRegistry, PlaybackRate, Player, Prompt, PromptCache, Recorder, RecorderConfig,
    RecordingLayout, DEFAULT_MOH_CLASS,
};
use rotary_media::{
    DtmfTransport, MediaPlan, PortPair, PortPool, Relay, RelayConfig, RelayEvent, RelayHandle,
    RelayLeg, Remote, StreamFormat,
};
use tokio::sync::mpsc;

use crate::call::{CallKey, MediaInput, Side};
use crate::metrics::Metrics;

/// A call's media: ports reserved before the answer, then a running relay.
enum Slot {
    Reserved { a: PortPair, b: PortPair },
    Relaying(Running),
}

/// A running relay and what the shell remembers about it.
struct Running {
    handle: RelayHandle,
    plan: MediaPlan,
    /// Which legs have put the call on hold (the other leg hears music).
    held: [bool; 2],
}

/// Port pool plus the media of every call.
pub(crate) struct MediaState {
    pool: PortPool,
    /// Where recordings go (`CallAction::Record` paths are relative to it).
    data_dir: PathBuf,
    /// Music on hold: one player per class, shared by every held call.
    moh: MohRegistry,
    /// Where phones send RTP (the address pbxd advertises in SDP).
    advertised: IpAddr,
    /// Where relay sockets bind.
    bind_ip: IpAddr,
    slots: HashMap<CallKey, Slot>,
    events: mpsc::UnboundedSender<(CallKey, RelayEvent)>,
    metrics: Arc<Metrics>,
    /// Prompts loaded once and shared by every call.
    prompts: PromptCache,
    /// The region's tones (`tone/<kind>` prompts, the stand-in for a missing prompt).
    tone_zone: ToneZone,
}

impl MediaState {
    pub(crate) fn new(
        pool: PortPool,
        (advertised, bind_ip): (IpAddr, IpAddr),
        data_dir: &Path,
        metrics: Arc<Metrics>,
    ) -> (MediaState, mpsc::UnboundedReceiver<(CallKey, RelayEvent)>) {
        let (events, rx) = mpsc::unbounded_channel();
        let music = data_dir.join("moh").join(DEFAULT_MOH_CLASS);
        if let Err(e) = ensure_default_music(&music) {
            tracing::warn!(error = %e, "no default music on hold");
        }
        let recordings = data_dir.join("recordings");
        let _ = std::fs::create_dir_all(&recordings);
        let fixed = recover_tree(&recordings, 4);
        if fixed > 0 {
            tracing::info!(count = fixed, "completed recordings cut short by a stop");
        }
        (
            MediaState {
                pool,
                data_dir: data_dir.to_path_buf(),
                moh: MohRegistry::new(MohConfig::new(music)),
                advertised,
                bind_ip,
                slots: HashMap::new(),
                events,
                metrics,
                prompts: PromptCache::new(DecodeLimits::default()),
                tone_zone: ToneZone::Us,
            },
            rx,
        )
    }

    /// Reserve two port pairs (caller side, callee side); the answer goes to the core.
    pub(crate) fn allocate(&mut self, call: CallKey) -> MediaInput {
        let a = self.pool.allocate(self.bind_ip);
        let b = self.pool.allocate(self.bind_ip);
        match (a, b) {
            (Ok(a), Ok(b)) => {
                let input = MediaInput::Allocated {
                    a: SocketAddr::new(self.advertised, a.rtp_port()),
                    b: SocketAddr::new(self.advertised, b.rtp_port()),
                };
                self.slots.insert(call, Slot::Reserved { a, b });
                input
            }
            (a, b) => {
                tracing::warn!(%call, a_ok = a.is_ok(), b_ok = b.is_ok(), "RTP ports exhausted");
                MediaInput::AllocationFailed
            }
        }
    }

    /// Start relaying (first time) or point both legs at new remotes.
    pub(crate) fn start(
        &mut self,
        call: CallKey,
        a_remote: SocketAddr,
        b_remote: SocketAddr,
        rtp_timeout: Option<Duration>,
        plan: MediaPlan,
    ) {
        let remotes = [Remote::from_rtp(a_remote), Remote::from_rtp(b_remote)];
        match self.slots.remove(&call) {
            Some(Slot::Reserved { a, b }) => {
                let config = RelayConfig {
                    rtp_timeout,
                    plan,
                    ..RelayConfig::default()
                };
                tracing::debug!(%call, ?plan, "media plan");
                match Relay::spawn(a, b, [Some(remotes[0]), Some(remotes[1])], config) {
                    Ok((handle, mut events)) => {
                        let handle = Running {
                            handle,
                            plan,
                            held: [false; 2],
                        };
                        let tx = self.events.clone();
                        tokio::spawn(async move {
                            while let Some(ev) = events.recv().await {
                                if tx.send((call, ev)).is_err() {
                                    return;
                                }
                            }
                        });
                        self.slots.insert(call, Slot::Relaying(handle));
                    }
                    Err(e) => tracing::warn!(%call, error = %e, "relay did not start"),
                }
            }
            Some(Slot::Relaying(mut running)) => {
                running.plan = plan;
                let handle = &running.handle;
                let _ = handle.set_plan(plan);
                let _ = handle.set_remote(RelayLeg::A, remotes[0]);
                let _ = handle.set_remote(RelayLeg::B, remotes[1]);
                if let Some(t) = rtp_timeout {
                    tracing::debug!(%call, timeout = ?t, "relay re-targeted");
                }
                self.slots.insert(call, Slot::Relaying(running));
            }
            None => tracing::debug!(%call, "StartRelay for a call without media"),
        }
    }

    /// A re-INVITE changed one side's address or hold state.
    /// Putting the call on hold plays music on hold to the other phone.
    /// `class` is the holding extension's music-on-hold class; a class that has a folder
    /// under `moh/` is registered on first use, any other plays the default class.
    pub(crate) fn update(
        &mut self,
        call: CallKey,
        side: Side,
        remote: SocketAddr,
        hold: bool,
        class: &str,
    ) {
        if hold && self.moh.get(class).is_none() {
            let dir = self.data_dir.join("moh").join(class);
            if rotary_config::is_moh_class_name(class) && dir.is_dir() {
                self.moh.insert(class, MohConfig::new(dir));
            }
        }
        let Some(Slot::Relaying(r)) = self.slots.get_mut(&call) else {
            return;
        };
        let leg = relay_leg(side);
        if !remote.ip().is_unspecified() && remote.port() != 0 {
            let _ = r.handle.set_remote(leg, Remote::from_rtp(remote));
        }
        let _ = r.handle.set_hold(hold);
        if r.held[side.index()] != hold {
            r.held[side.index()] = hold;
            let other = leg.other();
            let music = hold.then(|| {
                let rate = playback_rate(r.plan.legs[side.other().index()]);
                self.moh.subscribe(class, rate)
            });
            let _ = r.handle.set_moh(other, music);
        }
    }

    /// Starts recording the call into `file` (relative to the data directory), or stops.
    pub(crate) fn record(&mut self, call: CallKey, file: Option<String>, stereo: bool) {
        let Some(Slot::Relaying(r)) = self.slots.get(&call) else {
            return;
        };
        let Some(file) = file else {
            let _ = r.handle.set_recorder(None, 8_000);
            return;
        };
        let path = self.data_dir.join(&file);
        let (Some(dir), Some(name)) = (path.parent(), path.file_stem().and_then(|n| n.to_str()))
        else {
            return;
        };
        // Wideband when either phone speaks wideband, so nothing is thrown away.
        let wide = r
            .plan
            .legs
            .iter()
            .any(|l| playback_rate(*l) == PlaybackRate::Wideband);
        let rate = if wide {
            PlaybackRate::Wideband
        } else {
            PlaybackRate::Narrowband
        };
        let config = RecorderConfig {
            layout: if stereo {
                RecordingLayout::Stereo
            } else {
                RecordingLayout::Mono
            },
            rate,
            ..RecorderConfig::default()
        };
        if let Err(e) = std::fs::create_dir_all(dir) {
            tracing::warn!(%call, error = %e, "cannot create the recordings folder");
            return;
        }
        match Recorder::start(dir, name, std::time::Instant::now(), config) {
            Ok(rec) => {
                tracing::info!(%call, file, "recording");
                let _ = r.handle.set_recorder(Some(rec), rate.hz());
            }
            Err(e) => tracing::warn!(%call, error = %e, "recording did not start"),
        }
    }

    /// Plays prompt `name` to the caller's phone (IVR, PIN entry), or stops it. A prompt
    /// that cannot be found plays as a short tone, so the application still moves on.
    pub(crate) fn play(&mut self, call: CallKey, name: Option<String>) {
        let Some(Slot::Relaying(r)) = self.slots.get(&call) else {
            return;
        };
        let Some(name) = name else {
            let _ = r.handle.play(RelayLeg::A, None);
            return;
        };
        let rate = playback_rate(r.plan.legs[0]);
        let prompt = self.load_prompt(&name);
        let player = Player::with_prompts(rate, [&prompt]);
        tracing::debug!(%call, prompt = name, "playing");
        let _ = r.handle.play(RelayLeg::A, Some(player));
    }

    /// The tone zone setting changed (or was read at start).
    pub(crate) fn set_tone_zone(&mut self, code: &str) {
        if let Some(zone) = ToneZone::from_name(code) {
            self.tone_zone = zone;
        }
    }

    /// The prompt called `name`: `tone/<kind>` is that tone of the region's zone; else an
    /// uploaded one in the data directory, else a system prompt from `sounds/en`; the
    /// zone's confirmation tone when neither exists (logged).
    fn load_prompt(&self, name: &str) -> Prompt {
        if let Some(kind) = tone_kind_of(name) {
            if let Ok(tone) = tone_prompt(self.tone_zone, kind, TONE_PROMPT_LENGTH) {
                return tone;
            }
        }
        let safe = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
        if safe {
            for dir in prompt_dirs(&self.data_dir) {
                let path = dir.join(format!("{name}.wav"));
                if path.is_file() {
                    // Decoded once (a few ms), then shared from the cache.
                    match self.prompts.get_blocking(&path) {
                        Ok(p) => return p,
                        Err(e) => {
                            tracing::warn!(prompt = name, error = %e, "prompt unreadable")
                        }
                    }
                }
            }
        }
        tracing::warn!(prompt = name, "prompt not found: playing a tone instead");
        tone_prompt(self.tone_zone, ToneKind::Confirmation, TONE_PROMPT_LENGTH).unwrap_or_else(
            |_| Prompt::from_parts(Arc::from(vec![0i16; 160]), Arc::from(vec![0i16; 320])),
        )
    }

    /// Plays a key press (received by SIP INFO on the other leg) to `to`'s phone.
    pub(crate) fn send_digit(&mut self, call: CallKey, to: Side, key: char, duration: Duration) {
        if let Some(Slot::Relaying(r)) = self.slots.get(&call) {
            let _ = r.handle.send_digit(relay_leg(to), key, duration);
        }
    }

    /// Free the call's ports; a running relay reports its counters to the metrics first.
    pub(crate) fn release(&mut self, call: CallKey) {
        if let Some(Slot::Relaying(Running { handle: h, .. })) = self.slots.remove(&call) {
            let metrics = self.metrics.clone();
            tokio::spawn(async move {
                if let Ok(st) = h.stats().await {
                    tracing::info!(
                        %call,
                        a_to_b = st.a_to_b.relayed,
                        b_to_a = st.b_to_a.relayed,
                        a_received = st.a_to_b.received.packets,
                        b_received = st.b_to_a.received.packets,
                        a_undecodable = st.a_to_b.undecodable,
                        b_undecodable = st.b_to_a.undecodable,
                        "call media"
                    );
                    let relayed = st.a_to_b.relayed + st.b_to_a.relayed;
                    let lost = st.a_to_b.lost() + st.b_to_a.lost();
                    metrics.rtp_relayed.fetch_add(relayed, Ordering::Relaxed);
                    metrics.rtp_lost.fetch_add(lost, Ordering::Relaxed);
                }
                h.close().await;
            });
        }
    }

    /// Calls holding ports right now.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }
}

/// How long a looping tone played as a prompt lasts (a dial tone while a PIN is keyed).
const TONE_PROMPT_LENGTH: Duration = Duration::from_secs(10);

/// Where prompts are looked for, in order: uploaded prompts in the data directory, system
/// prompts installed there, the system prompts next to the executable's source tree (a
/// build from the repository), and the packaged location.
fn prompt_dirs(data_dir: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![data_dir.join("prompts"), data_dir.join("sounds").join("en")];
    dirs.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("..")
            .join("sounds")
            .join("en"),
    );
    dirs.push(PathBuf::from("/usr/share/rotary/sounds/en"));
    dirs
}

/// Completes the `.wav.part` recordings a stop left behind, in `dir` and the day folders
/// below it (`recordings/YYYY/MM/DD`). Returns how many it completed.
fn recover_tree(dir: &Path, depth: u8) -> usize {
    let mut fixed = match recover_partials(dir) {
        Ok(done) => done.len(),
        Err(e) => {
            tracing::warn!(error = %e, "checking unfinished recordings");
            0
        }
    };
    if depth > 0 {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                fixed += recover_tree(&entry.path(), depth - 1);
            }
        }
    }
    fixed
}

fn relay_leg(side: Side) -> RelayLeg {
    match side {
        Side::A => RelayLeg::A,
        Side::B => RelayLeg::B,
    }
}

/// Generated audio for a leg at its codec's natural rate: 8 kHz for the narrowband
/// codecs, 16 kHz for G.722 and Opus (Opus is resampled up from there).
fn playback_rate(format: Option<StreamFormat>) -> PlaybackRate {
    match format.and_then(|f| f.codec) {
        Some(CodecId::G722 | CodecId::Opus) => PlaybackRate::Wideband,
        _ => PlaybackRate::Narrowband,
    }
}

/// The call core's media plan in the media engine's terms.
pub(crate) fn to_media_plan(plan: &crate::call::MediaPlan) -> MediaPlan {
    let format = |leg: &crate::call::LegMedia| StreamFormat {
        codec: codec_id(leg.codec),
        payload_type: leg.payload_type,
        event_payload_type: leg.event_payload_type,
        ptime_ms: leg.ptime_ms,
        dtmf: match leg.dtmf {
            crate::call::DtmfTransport::Rfc4733 => DtmfTransport::Rfc4733,
            crate::call::DtmfTransport::Inband => DtmfTransport::Inband,
            crate::call::DtmfTransport::Info => DtmfTransport::Info,
        },
    };
    MediaPlan {
        legs: [plan.a.as_ref().map(format), plan.b.as_ref().map(format)],
        transcode: plan.transcode,
    }
}

/// The codec implementation for a configured codec; G.729 has none (relayed only).
fn codec_id(codec: Codec) -> Option<CodecId> {
    match codec {
        Codec::Pcmu => Some(CodecId::Pcmu),
        Codec::Pcma => Some(CodecId::Pcma),
        Codec::G722 => Some(CodecId::G722),
        Codec::G726 => Some(CodecId::G726_32),
        Codec::Gsm => Some(CodecId::Gsm),
        Codec::Opus => Some(CodecId::Opus),
        Codec::G729 => None,
    }
}
