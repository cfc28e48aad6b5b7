//! The anchored-media relay of one call: leg A's phone ↔ leg B's phone through two
//! port pairs, as one tokio task that owns all four sockets.
//!
//! Hot path: each wake-up drains every ready socket with `poll_recv_from`, lets
//! [`RelayCore`] decide, and forwards with `try_send_to` (a full send buffer is a
//! counted drop, never an await). One receive buffer per worker thread, no allocation,
//! no lock and no atomic per packet; statistics are plain fields read through a
//! command.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rotary_rtp::{ClockRate, RtpPacket, StreamReport};
use tokio::io::ReadBuf;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Sleep;

use crate::core::RelayCore;
use crate::error::MediaError;
use crate::format::MediaPlan;
use crate::ports::{PortLease, PortPair};
use crate::processor::Processor;
use crate::sound::{MohListener, Player, Recorder};

/// Settings of one relay, taken from the configuration snapshot at call setup.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelayConfig {
    /// Report [`RelayEvent::Timeout`] after this long without RTP from either phone
    /// (not counted while on hold). `None` disables it. Default 60 s.
    pub rtp_timeout: Option<Duration>,
    /// Silence of a latched source after which another may replace it. Default 1 s.
    pub relatch_after: Duration,
    /// Consecutive packets a replacing source must send. Default 3.
    pub relatch_packets: u32,
    /// Latch only onto the SDP IP (trusted trunks). Default off.
    pub latch_only_from_sdp_ip: bool,
    /// RTP clock for jitter in milliseconds. Default 8 kHz (G.711).
    pub clock_rate: ClockRate,
    /// The legs' negotiated formats and whether to transcode between them. Default:
    /// unknown formats, packets pass through.
    pub plan: MediaPlan,
}

impl Default for RelayConfig {
    fn default() -> Self {
        RelayConfig {
            rtp_timeout: Some(Duration::from_secs(60)),
            relatch_after: Duration::from_secs(1),
            relatch_packets: 3,
            latch_only_from_sdp_ip: false,
            clock_rate: ClockRate::NARROWBAND,
            plan: MediaPlan::default(),
        }
    }
}

/// One side of the call: A is the caller's leg, B the callee's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelayLeg {
    /// The caller's side.
    A,
    /// The callee's side.
    B,
}

impl RelayLeg {
    /// The opposite leg: where packets from this leg are sent.
    #[must_use]
    pub fn other(self) -> RelayLeg {
        match self {
            RelayLeg::A => RelayLeg::B,
            RelayLeg::B => RelayLeg::A,
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            RelayLeg::A => 0,
            RelayLeg::B => 1,
        }
    }
}

/// A phone's media addresses from its SDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Remote {
    /// Connection address and `m=` port.
    pub rtp: SocketAddr,
    /// RTCP address: RFC 3605 `a=rtcp`, else RTP port + 1.
    pub rtcp: SocketAddr,
}

impl Remote {
    /// RTCP on RTP port + 1 (RFC 3550 §11), for SDP without `a=rtcp`.
    #[must_use]
    pub fn from_rtp(rtp: SocketAddr) -> Self {
        let mut rtcp = rtp;
        rtcp.set_port(rtp.port().wrapping_add(1));
        Remote { rtp, rtcp }
    }
}

/// Something the call's owner (the engine) should know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayEvent {
    /// No RTP from either phone for `rtp_timeout` while not on hold: hang up. Fires once
    /// per silence; the relay keeps running until closed.
    Timeout {
        /// When the last RTP arrived.
        last_activity: Instant,
    },
    /// A key was pressed on `leg`'s phone (RFC 4733 event or in-band tone), reported
    /// once when released.
    Dtmf {
        /// Which leg's phone.
        leg: RelayLeg,
        /// `0`–`9`, `*`, `#`, `A`–`D`.
        key: char,
        /// How long it was held.
        duration: Duration,
    },
    /// The prompt started with [`RelayHandle::play`] towards `leg` played to its end.
    PromptFinished {
        /// The leg it played to.
        leg: RelayLeg,
    },
    /// A leg's RTP latched (or re-latched) onto the phone's real address.
    Latched {
        /// Which leg.
        leg: RelayLeg,
        /// The source now used as the destination for that phone.
        addr: SocketAddr,
    },
}

/// What the relay has seen in one direction (packets from one leg's phone towards the
/// other leg).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DirectionStats {
    /// Receive statistics of the accepted RTP (loss, jitter, reordering, SSRC changes).
    pub received: StreamReport,
    /// RTP packets (and RFC 5761 muxed RTCP) sent on to the other phone.
    pub relayed: u64,
    /// RTCP packets sent on to the other phone.
    pub rtcp_relayed: u64,
    /// Packets refused by latching (strangers, probation, RTCP from elsewhere).
    pub refused: u64,
    /// Datagrams that were not valid RTP/RTCP.
    pub malformed: u64,
    /// Sends that failed (socket buffer full, network error).
    pub send_failed: u64,
    /// Accepted packets with no destination yet (other phone's address unknown).
    pub no_destination: u64,
    /// Transcoded calls: payloads that did not decode (concealed instead).
    pub undecodable: u64,
    /// The latched RTP source of the sending phone.
    pub latched: Option<SocketAddr>,
    /// The latched RTCP source of the sending phone.
    pub rtcp_latched: Option<SocketAddr>,
}

impl DirectionStats {
    /// Packets lost on the way from the phone to the relay (RFC 3550 A.3).
    #[must_use]
    pub fn lost(&self) -> u64 {
        self.received.lost
    }

    /// Interarrival jitter of the phone's stream in milliseconds (RFC 3550 A.8).
    #[must_use]
    pub fn jitter_ms(&self) -> f64 {
        self.received.jitter_ms
    }
}

/// A snapshot of both directions of a relay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelayStats {
    /// Caller's phone towards callee's phone.
    pub a_to_b: DirectionStats,
    /// Callee's phone towards caller's phone.
    pub b_to_a: DirectionStats,
    /// Whether the call is on hold (timeout suspended).
    pub held: bool,
}

/// The relay's own ports on one leg: what this side's SDP offers or answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocalPorts {
    /// RTP port (even), for the `m=` line.
    pub rtp: u16,
    /// RTCP port (RTP + 1).
    pub rtcp: u16,
}

impl LocalPorts {
    fn of(pair: &PortPair) -> Self {
        LocalPorts {
            rtp: pair.rtp_port(),
            rtcp: pair.rtcp_port(),
        }
    }
}

/// Events from one relay, in order.
pub type RelayEvents = mpsc::UnboundedReceiver<RelayEvent>;

/// The media relay of one call. Construct with [`Relay::spawn`].
#[derive(Debug)]
pub struct Relay;

impl Relay {
    /// Starts relaying between the phone of leg A (on port pair `a`) and the phone of
    /// leg B (on `b`), with each phone's SDP addresses when known. Must be called inside
    /// a tokio runtime. Returns the handle and the event stream.
    pub fn spawn(
        a: PortPair,
        b: PortPair,
        remotes: [Option<Remote>; 2],
        config: RelayConfig,
    ) -> Result<(RelayHandle, RelayEvents), MediaError> {
        let ports = [LocalPorts::of(&a), LocalPorts::of(&b)];
        let socks = [
            [UdpSocket::from_std(a.rtp)?, UdpSocket::from_std(a.rtcp)?],
            [UdpSocket::from_std(b.rtp)?, UdpSocket::from_std(b.rtcp)?],
        ];
        let (cmd_tx, cmds) = mpsc::unbounded_channel();
        let (events, event_rx) = mpsc::unbounded_channel();
        let mut task = RelayTask {
            socks,
            core: RelayCore::new(now(), &config, remotes),
            cmds,
            events,
            sleep: Box::pin(tokio::time::sleep_until(tokio::time::Instant::now())),
            armed: None,
            processor: None,
            plan: MediaPlan::default(),
            frame_sleep: Box::pin(tokio::time::sleep_until(tokio::time::Instant::now())),
            frame_armed: None,
            out_buf: Vec::with_capacity(1500),
            _leases: [a.lease, b.lease],
        };
        task.set_plan(config.plan);
        let join = tokio::spawn(task.run());
        Ok((
            RelayHandle {
                cmds: cmd_tx,
                join,
                ports,
            },
            event_rx,
        ))
    }
}

/// Controls a running relay. Dropping it stops the relay and frees its ports (shortly
/// after, on the relay's task); [`RelayHandle::close`] does the same and waits.
#[derive(Debug)]
pub struct RelayHandle {
    cmds: mpsc::UnboundedSender<Command>,
    join: JoinHandle<()>,
    ports: [LocalPorts; 2],
}

impl RelayHandle {
    /// A phone's SDP addresses changed (re-INVITE, UPDATE). A different RTP address
    /// unlatches that leg.
    pub fn set_remote(&self, leg: RelayLeg, remote: Remote) -> Result<(), MediaError> {
        self.send(Command::SetRemote(leg, remote))
    }

    /// Puts the call on hold (RTP timeout suspended) or takes it off (timeout restarts).
    /// Whatever arrives is still relayed.
    pub fn set_hold(&self, hold: bool) -> Result<(), MediaError> {
        self.send(Command::SetHold(hold))
    }

    /// The negotiation settled (again): from now on bridge the legs as `plan` says
    /// (pass through, or transcode between the two formats).
    pub fn set_plan(&self, plan: MediaPlan) -> Result<(), MediaError> {
        self.send(Command::SetPlan(plan))
    }

    /// Plays `music` (a music-on-hold class's frames) to `to`'s phone, whose peer has put
    /// the call on hold; `None` stops it and lets the peer's audio through again.
    pub fn set_moh(&self, to: RelayLeg, music: Option<MohListener>) -> Result<(), MediaError> {
        self.send(Command::Moh(to, music))
    }

    /// Plays `player` (a prompt, once) to `to`'s phone, replacing what played there;
    /// `None` stops it. [`RelayEvent::PromptFinished`] reports its end.
    pub fn play(&self, to: RelayLeg, player: Option<Player>) -> Result<(), MediaError> {
        self.send(Command::Play(to, player))
    }

    /// Records both sides into `recorder` (frames at `rate` Hz, 8000 or 16000); `None`
    /// stops recording (the file is completed and renamed by its writer).
    pub fn set_recorder(&self, recorder: Option<Recorder>, rate: u32) -> Result<(), MediaError> {
        self.send(Command::Record(recorder, rate))
    }

    /// Sends a key press to `to`'s phone in the way that phone takes DTMF (RFC 4733
    /// events or tones in the audio): the other leg pressed it as a SIP INFO.
    pub fn send_digit(
        &self,
        to: RelayLeg,
        key: char,
        duration: Duration,
    ) -> Result<(), MediaError> {
        self.send(Command::SendDigit(to, key, duration))
    }

    /// A snapshot of both directions' statistics.
    pub async fn stats(&self) -> Result<RelayStats, MediaError> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Stats(tx))?;
        rx.await.map_err(|_| MediaError::RelayClosed)
    }

    /// Stops relaying and waits until all four sockets are closed and both port pairs
    /// are back in the pool.
    pub async fn close(self) {
        let _ = self.cmds.send(Command::Close);
        // The task never panics by design; a JoinError (runtime shutting down) still
        // means the task and its sockets are gone.
        let _ = self.join.await;
    }

    /// Local RTP and RTCP ports of `leg`, for the SDP this side sends.
    #[must_use]
    pub fn local_ports(&self, leg: RelayLeg) -> LocalPorts {
        self.ports[leg.index()]
    }

    /// Whether the relay task has ended.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.join.is_finished()
    }

    fn send(&self, cmd: Command) -> Result<(), MediaError> {
        self.cmds.send(cmd).map_err(|_| MediaError::RelayClosed)
    }
}

#[derive(Debug)]
enum Command {
    SetRemote(RelayLeg, Remote),
    SetHold(bool),
    SetPlan(MediaPlan),
    Moh(RelayLeg, Option<MohListener>),
    Play(RelayLeg, Option<Player>),
    Record(Option<Recorder>, u32),
    SendDigit(RelayLeg, char, Duration),
    Stats(oneshot::Sender<RelayStats>),
    Close,
}

/// The task state. Field order matters: sockets close before the leases return ports.
struct RelayTask {
    socks: [[UdpSocket; 2]; 2],
    core: RelayCore,
    cmds: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<RelayEvent>,
    sleep: Pin<Box<Sleep>>,
    armed: Option<Instant>,
    /// Transcoding, music on hold, recording and DTMF, once the formats are known.
    processor: Option<Processor>,
    plan: MediaPlan,
    /// The transcoder's frame clock.
    frame_sleep: Pin<Box<Sleep>>,
    frame_armed: Option<Instant>,
    out_buf: Vec<u8>,
    _leases: [PortLease; 2],
}

impl RelayTask {
    async fn run(mut self) {
        poll_fn(|cx| self.poll(cx)).await;
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while let Poll::Ready(cmd) = self.cmds.poll_recv(cx) {
            match cmd {
                None | Some(Command::Close) => return Poll::Ready(()),
                Some(cmd) => self.apply(cmd),
            }
        }
        let more = RECV_BUF.with(|buf| self.drain_sockets(cx, &mut buf.borrow_mut()[..]));
        // Each of these runs what is due and leaves its timer armed (waker registered)
        // before returning, so one pass per wake-up is enough.
        self.poll_timer(cx);
        self.poll_frames(cx);
        self.flush_events();
        if more {
            // A socket still has packets but this wake-up used its share: let other
            // relays run, then come back.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }

    /// Receives and forwards what is ready on all four sockets. Returns whether a
    /// socket was left with work (batch limit reached).
    fn drain_sockets(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> bool {
        let now = now();
        let mut more = false;
        for leg in [RelayLeg::A, RelayLeg::B] {
            for kind in [RTP, RTCP] {
                let mut n = 0;
                loop {
                    if n == BATCH {
                        more = true;
                        break;
                    }
                    n += 1;
                    let mut rb = ReadBuf::new(buf);
                    let from = match self.socks[leg.index()][kind].poll_recv_from(cx, &mut rb) {
                        Poll::Pending => break,
                        // Unconnected UDP sockets report no ICMP errors by default; any
                        // error here concerns one datagram. Skip it.
                        Poll::Ready(Err(_)) => continue,
                        Poll::Ready(Ok(from)) => from,
                    };
                    let data = rb.filled();
                    let (accepted, dest) = if kind == RTP {
                        match self.core.accept_rtp(now, leg, from, data) {
                            Ok(dest) => (true, dest),
                            Err(_) => (false, None),
                        }
                    } else {
                        (false, self.core.handle_rtcp(leg, from, data))
                    };
                    // An accepted packet feeds the processor even with nowhere to forward
                    // it (a one-legged call: digits for pbxd's own IVR).
                    let forward = match (&mut self.processor, dest) {
                        (Some(proc), _) if accepted => {
                            if let Ok(p) = RtpPacket::parse(data) {
                                proc.ingest(now, leg, &p);
                            }
                            proc.passes_through(leg)
                        }
                        // RTCP describes a stream the far phone sees only when packets
                        // pass through unchanged.
                        (Some(proc), Some(_)) => proc.relays_rtcp(),
                        _ => true,
                    };
                    if let (Some(dest), true) = (dest, forward) {
                        let sent = self.socks[leg.other().index()][kind].try_send_to(data, dest);
                        self.core.handle_sent(leg, kind == RTCP, sent.is_ok());
                    }
                }
            }
        }
        more
    }

    fn apply(&mut self, cmd: Command) {
        match cmd {
            Command::SetRemote(leg, remote) => self.core.set_remote(leg, remote),
            Command::SetHold(hold) => self.core.set_hold(now(), hold),
            Command::SetPlan(plan) => self.set_plan(plan),
            Command::Moh(to, music) => {
                if let Some(p) = &mut self.processor {
                    p.set_moh(now(), to, music);
                }
                self.frame_armed = None;
            }
            Command::Play(to, player) => {
                if let Some(p) = &mut self.processor {
                    p.set_prompt(now(), to, player);
                }
                self.frame_armed = None;
            }
            Command::Record(rec, rate) => {
                if let Some(p) = &mut self.processor {
                    // A replaced recording is finished by its writer thread when dropped.
                    drop(p.set_recorder(rec, rate));
                }
                self.frame_armed = None;
            }
            Command::SendDigit(to, key, duration) => {
                if let Some(p) = &mut self.processor {
                    p.send_digit(now(), to, key, duration);
                }
                self.frame_armed = None;
            }
            Command::Stats(reply) => {
                let mut stats = self.core.stats();
                if let Some(proc) = &self.processor {
                    stats.a_to_b.undecodable = proc.decode_errors(RelayLeg::A);
                    stats.b_to_a.undecodable = proc.decode_errors(RelayLeg::B);
                }
                let _ = reply.send(stats);
            }
            Command::Close => {}
        }
    }

    /// Switches between pass-through and transcoding when the negotiated formats change.
    fn set_plan(&mut self, plan: MediaPlan) {
        if plan == self.plan {
            return;
        }
        self.plan = plan;
        let known = plan.legs.iter().any(Option::is_some);
        let old = self.processor.take();
        self.processor = known.then(|| Processor::new(&plan, [rand::random(), rand::random()]));
        if let (Some(old), Some(new)) = (old, &mut self.processor) {
            old.hand_over(new, now());
        }
        self.frame_armed = None;
    }

    /// Sends the transcoded packets that are due on the shared grid's tick and leaves
    /// the frame clock armed for the next ones. Frames are not sent early from a
    /// wake-up for another reason (a packet): the grid keeps every relay's sends
    /// together in time; sending each frame as soon as it was due measured no cheaper
    /// in user time and somewhat dearer in the kernel (`cargo xtask bench media`).
    fn poll_frames(&mut self, cx: &mut Context<'_>) {
        for _ in 0..FRAME_ROUNDS {
            let Some(due) = self.processor.as_ref().and_then(Processor::poll_timeout) else {
                self.frame_armed = None;
                return;
            };
            if self.frame_armed != Some(due) {
                self.frame_sleep
                    .as_mut()
                    .reset(tokio::time::Instant::from_std(on_frame_grid(due)));
                self.frame_armed = Some(due);
            }
            if self.frame_sleep.as_mut().poll(cx).is_pending() {
                return;
            }
            // A sleep completes at or after its deadline (tokio rounds to milliseconds):
            // the deadline is a valid `now`.
            let now = now().max(due);
            self.frame_armed = None;
            let Some(proc) = self.processor.as_mut() else {
                return;
            };
            let (socks, core) = (&self.socks, &mut self.core);
            proc.poll_packets(now, &mut self.out_buf, |to, packet| {
                if let Some(dest) = core.rtp_destination(to) {
                    let sent = socks[to.index()][RTP].try_send_to(packet, dest);
                    core.handle_sent(to.other(), false, sent.is_ok());
                }
            });
        }
        // Still due after several rounds (a clock far behind): yield, then go on.
        cx.waker().wake_by_ref();
    }

    fn flush_events(&mut self) {
        while let Some(leg) = self
            .processor
            .as_mut()
            .and_then(Processor::poll_prompt_finished)
        {
            let _ = self.events.send(RelayEvent::PromptFinished { leg });
        }
        while let Some((leg, d)) = self.processor.as_mut().and_then(Processor::poll_digit) {
            let _ = self.events.send(RelayEvent::Dtmf {
                leg,
                key: d.key,
                duration: d.duration,
            });
        }
        while let Some(ev) = self.core.poll_event() {
            // The owner may have stopped listening; the relay runs on regardless.
            let _ = self.events.send(ev);
        }
    }

    /// Keeps the one timer armed at or before the core's deadline; the deadline moves
    /// later with every packet, so the timer is only re-armed when it fires early or
    /// the deadline moves earlier. Runs the core's timeout when it fires.
    fn poll_timer(&mut self, cx: &mut Context<'_>) {
        for _ in 0..FRAME_ROUNDS {
            let Some(deadline) = self.core.poll_timeout() else {
                self.armed = None;
                return;
            };
            if self.armed.is_none_or(|armed| deadline < armed) {
                self.sleep
                    .as_mut()
                    .reset(tokio::time::Instant::from_std(deadline));
                self.armed = Some(deadline);
            }
            if self.sleep.as_mut().poll(cx).is_pending() {
                return;
            }
            // A sleep completes at or after its deadline, so the deadline is a valid
            // `now` even if the clock reads a hair earlier (tokio rounds to
            // milliseconds).
            let fired = self.armed.take().map_or_else(now, |armed| now().max(armed));
            self.core.handle_timeout(fired);
        }
        cx.waker().wake_by_ref();
    }
}

/// The one place the shell reads time; follows tokio's paused clock in tests.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Spacing of the process-wide grid that transcoding relays wake on. Every call's frame
/// clock fires on the same ticks, so one wake-up of the runtime serves all of them
/// instead of one per call and direction (on a VM each wake-up from idle costs more than
/// the frame's own codec work). Frames leave at most this much later than due.
const FRAME_GRID: Duration = Duration::from_millis(5);

/// `due` moved up to the next tick of the grid shared by all relays of the process.
fn on_frame_grid(due: Instant) -> Instant {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let epoch = *EPOCH.get_or_init(now);
    let Some(since) = due.checked_duration_since(epoch) else {
        return due;
    };
    let grid = FRAME_GRID.as_nanos();
    let rest = since.as_nanos() % grid;
    if rest == 0 {
        due
    } else {
        due + Duration::from_nanos((grid - rest) as u64)
    }
}

/// Rounds of due work (frames, timeouts) one wake-up runs before yielding.
const FRAME_ROUNDS: usize = 4;

const RTP: usize = 0;
const RTCP: usize = 1;
/// Datagrams taken from one socket per wake-up before yielding to other tasks.
const BATCH: usize = 32;

thread_local! {
    /// One receive buffer per worker thread, shared by all relays on it: a datagram is
    /// received and forwarded before the next poll, so it is never held across tasks.
    /// 64 KiB holds any UDP datagram, so nothing is ever truncated.
    static RECV_BUF: RefCell<Box<[u8]>> = RefCell::new(vec![0; 65_536].into_boxed_slice());
}
