//! Test rig for the call core: the real transaction layer, a router that does
//! what the engine does around `Calls`, simulated phones that speak SIP text,
//! and virtual time (no sockets, no sleeps).
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rotary_config::Codec;
use rotary_engine::call::{
    CallAction, CallEvent, CallEventKind, CallKey, CallSettings, CalleeInfo, CallerInfo, Calls,
    CallsConfig, CdrRecord, ContactTarget, InviteContext, MediaInput, RouteInfo, Target,
};
use rotary_sip::parse::parse_message;
use rotary_sip::transaction::{
    make_response, set_to_tag, stamp_received, TimerConfig, TransactionLayer, TxEvent,
};
use rotary_sip::{Flow, FlowTransport, Message, Method, Request, Response};

/// pbxd's SIP address.
pub(crate) const PBX: &str = "192.0.2.1:5060";
/// The relay address the rig hands out for leg A.
pub(crate) const RELAY_A: &str = "192.0.2.1:10000";
/// The relay address the rig hands out for leg B.
pub(crate) const RELAY_B: &str = "192.0.2.1:10002";
/// T1 of the transaction layer.
pub(crate) const T1: Duration = Duration::from_millis(500);

/// Branch numbers of phone requests.
static BRANCHES: AtomicU64 = AtomicU64::new(1);

/// A simulated phone.
#[derive(Clone, Debug)]
pub(crate) struct Phone {
    /// Its extension number.
    pub(crate) number: String,
    /// Where it is.
    pub(crate) addr: SocketAddr,
    /// The flow between pbxd and it.
    pub(crate) flow: Flow,
}

impl Phone {
    /// A UDP phone at `addr`.
    pub(crate) fn new(number: &str, addr: &str) -> Phone {
        let addr: SocketAddr = addr.parse().unwrap();
        Phone {
            number: number.to_string(),
            addr,
            flow: Flow {
                transport: FlowTransport::Udp,
                local: PBX.parse().unwrap(),
                remote: addr,
                conn: None,
            },
        }
    }

    /// Its contact as registered.
    pub(crate) fn contact(&self) -> ContactTarget {
        ContactTarget {
            uri: format!("sip:{}@{}", self.number, self.addr)
                .parse()
                .unwrap(),
            flow: self.flow,
        }
    }

    /// An audio SDP at `port` with PCMU, PCMA and telephone-event, and a direction line.
    pub(crate) fn sdp(&self, port: u16, dir: &str) -> String {
        self.sdp_with(
            port,
            "0 8 101",
            "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n",
            dir,
        )
    }

    /// An SDP with given formats and rtpmap lines.
    pub(crate) fn sdp_with(&self, port: u16, fmts: &str, maps: &str, dir: &str) -> String {
        let ip = self.addr.ip();
        format!(
            "v=0\r\no={n} 1000 1000 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n\
             m=audio {port} RTP/AVP {fmts}\r\n{maps}a=rtpmap:101 telephone-event/8000\r\na={dir}\r\n",
            n = self.number
        )
    }

    /// A new INVITE to `to` (the Request-URI user) with an SDP body and extra header lines.
    pub(crate) fn invite(
        &self,
        to: &str,
        call_id: &str,
        sdp: Option<&str>,
        extra: &[&str],
    ) -> String {
        let mut s = format!(
            "INVITE sip:{to}@{PBX} SIP/2.0\r\nVia: SIP/2.0/UDP {addr};branch=z9hG4bK{call_id}1;rport\r\n\
             Max-Forwards: 70\r\nFrom: \"Ext {n}\" <sip:{n}@{PBX}>;tag=tag{n}\r\nTo: <sip:{to}@{PBX}>\r\n\
             Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\nContact: <sip:{n}@{addr}>\r\n",
            addr = self.addr,
            n = self.number
        );
        for line in extra {
            s.push_str(line);
            s.push_str("\r\n");
        }
        match sdp {
            Some(body) => s.push_str(&format!(
                "Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )),
            None => s.push_str("Content-Length: 0\r\n\r\n"),
        }
        s
    }
}

/// A phone's view of its dialog with pbxd, to send in-dialog requests.
#[derive(Clone, Debug)]
pub(crate) struct PhoneDialog {
    /// Call-ID.
    pub(crate) call_id: String,
    /// The phone's From value (with its tag).
    pub(crate) local: String,
    /// pbxd's To value (with pbxd's tag).
    pub(crate) remote: String,
    /// pbxd's Contact URI.
    pub(crate) target: String,
    /// Last CSeq used by the phone.
    pub(crate) cseq: u32,
}

impl PhoneDialog {
    /// The caller's dialog after a 2xx to its INVITE.
    pub(crate) fn from_uac(resp: &Response) -> PhoneDialog {
        PhoneDialog {
            call_id: resp.headers.get("Call-ID").unwrap().to_string(),
            local: resp.headers.get("From").unwrap().to_string(),
            remote: resp.headers.get("To").unwrap().to_string(),
            target: contact_uri(&resp.headers),
            cseq: resp.cseq().unwrap().seq,
        }
    }

    /// The callee's dialog after answering `invite` with To-tag `tag`.
    pub(crate) fn from_uas(invite: &Request, tag: &str) -> PhoneDialog {
        PhoneDialog {
            call_id: invite.headers.get("Call-ID").unwrap().to_string(),
            local: format!("{};tag={tag}", invite.headers.get("To").unwrap()),
            remote: invite.headers.get("From").unwrap().to_string(),
            target: contact_uri(&invite.headers),
            cseq: 100,
        }
    }

    /// An in-dialog request text; `seq` None takes the next CSeq.
    pub(crate) fn request(
        &mut self,
        phone: &Phone,
        method: &str,
        seq: Option<u32>,
        body: Option<&str>,
        extra: &[&str],
    ) -> String {
        let seq = seq.unwrap_or_else(|| {
            self.cseq += 1;
            self.cseq
        });
        let branch = format!("z9hG4bKp{}", BRANCHES.fetch_add(1, Ordering::Relaxed));
        let mut s = format!(
            "{method} {target} SIP/2.0\r\nVia: SIP/2.0/UDP {addr};branch={branch}x{n};rport\r\nMax-Forwards: 70\r\n\
             From: {local}\r\nTo: {remote}\r\nCall-ID: {cid}\r\nCSeq: {seq} {method}\r\nContact: <sip:{n}@{addr}>\r\n",
            target = self.target,
            addr = phone.addr,
            n = phone.number,
            local = self.local,
            remote = self.remote,
            cid = self.call_id,
        );
        for line in extra {
            s.push_str(line);
            s.push_str("\r\n");
        }
        match body {
            Some(b) => s.push_str(&format!(
                "Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{b}",
                b.len()
            )),
            None => s.push_str("Content-Length: 0\r\n\r\n"),
        }
        s
    }
}

/// The Contact URI of a message, without brackets.
pub(crate) fn contact_uri(headers: &rotary_sip::Headers) -> String {
    let c = headers.get("Contact").unwrap();
    let start = c.find('<').map_or(0, |i| i + 1);
    let end = c[start..].find('>').map_or(c.len(), |i| start + i);
    c[start..end].to_string()
}

/// The To-tag of a message.
pub(crate) fn to_tag(headers: &rotary_sip::Headers) -> Option<String> {
    headers.to().ok()?.tag().map(str::to_string)
}

/// The engine's part, on virtual time.
pub(crate) struct Rig {
    /// Start of virtual time.
    pub(crate) t0: Instant,
    /// Now.
    pub(crate) now: Instant,
    /// The real transaction layer.
    pub(crate) txl: TransactionLayer,
    /// The core under test.
    pub(crate) calls: Calls,
    /// Settings handed to each new call.
    pub(crate) settings: CallSettings,
    /// Extension directory: number → (codecs, contacts).
    pub(crate) extensions: HashMap<String, (Vec<Codec>, Vec<ContactTarget>)>,
    /// Everything pbxd sent and the test has not taken yet.
    pub(crate) wire: VecDeque<(Flow, Message)>,
    /// Everything `Calls` asked for (except media allocation, answered by the rig).
    pub(crate) actions: Vec<CallAction>,
    /// Whether media allocation succeeds.
    pub(crate) alloc_ok: bool,
    /// Extensions that record every call.
    pub(crate) record_calls: Vec<String>,
    /// Routing results by dialled number (outbound rules, inbound DIDs), ahead of the
    /// extension directory.
    pub(crate) routes: HashMap<String, (Target, RouteInfo)>,
    /// Callers (by number) that come from a trunk.
    pub(crate) external: Vec<String>,
    /// What each destination resolves to (by its display text, e.g. `extension 102`).
    pub(crate) resolves: HashMap<String, Target>,
    /// Every destination the core asked to resolve.
    pub(crate) resolved: Vec<String>,
}

impl Rig {
    /// A rig with default settings (30 s ring time, call waiting on, 200 calls, 60 s RTP timeout).
    pub(crate) fn new() -> Rig {
        let t0 = Instant::now();
        let timers = TimerConfig {
            trying_delay: None,
            ..TimerConfig::default()
        };
        Rig {
            t0,
            now: t0,
            txl: TransactionLayer::new(timers),
            calls: Calls::new(
                CallsConfig::new(PBX.parse().unwrap(), "Rotary test"),
                [7; 32],
            ),
            settings: CallSettings::from(&rotary_config::Settings::default()),
            extensions: HashMap::new(),
            wire: VecDeque::new(),
            actions: Vec::new(),
            alloc_ok: true,
            record_calls: Vec::new(),
            routes: HashMap::new(),
            external: Vec::new(),
            resolves: HashMap::new(),
            resolved: Vec::new(),
        }
    }

    /// Configure an extension with its registered contacts.
    pub(crate) fn extension(&mut self, number: &str, codecs: &[Codec], contacts: &[&Phone]) {
        self.extensions.insert(
            number.to_string(),
            (
                codecs.to_vec(),
                contacts.iter().map(|p| p.contact()).collect(),
            ),
        );
    }

    /// Deliver SIP text from `phone` to pbxd.
    pub(crate) fn send(&mut self, phone: &Phone, text: &str) {
        let msg = parse_message(text.as_bytes())
            .unwrap_or_else(|e| panic!("bad test SIP: {e:?}\n{text}"));
        self.deliver(phone, msg);
    }

    /// Deliver a message from `phone` (round-tripped through the wire format).
    pub(crate) fn deliver(&mut self, phone: &Phone, msg: Message) {
        let msg = parse_message(&msg.to_bytes()).expect("round trip");
        match msg {
            Message::Request(mut req) => {
                stamp_received(&mut req, phone.addr);
                self.txl.handle_request(self.now, phone.flow, req);
            }
            Message::Response(resp) => self.txl.handle_response(self.now, phone.flow, resp),
        }
        self.pump();
    }

    /// Answer `req` (which pbxd sent to `phone`) with `status`, To-tag `tag`, optional SDP.
    pub(crate) fn reply(
        &mut self,
        phone: &Phone,
        req: &Request,
        status: u16,
        tag: &str,
        sdp: Option<&str>,
    ) -> Response {
        let mut resp = make_response(req, status, "Phone");
        if status > 100 {
            set_to_tag(&mut resp, tag);
        }
        if (101..300).contains(&status) && req.method == Method::Invite {
            resp.headers
                .push("Contact", format!("<sip:{}@{}>", phone.number, phone.addr));
        }
        if let Some(body) = sdp {
            resp.headers.push("Content-Type", "application/sdp");
            resp.body = body.as_bytes().to_vec();
        }
        self.deliver(phone, Message::Response(resp.clone()));
        resp
    }

    /// The caller ACKs a 2xx to its INVITE.
    pub(crate) fn ack_2xx(&mut self, phone: &Phone, resp: &Response, body: Option<&str>) {
        let mut d = PhoneDialog::from_uac(resp);
        let seq = d.cseq;
        let text = d.request(phone, "ACK", Some(seq), body, &[]);
        self.send(phone, &text);
    }

    /// Run the engine's loop until nothing moves.
    pub(crate) fn pump(&mut self) {
        loop {
            let mut moved = false;
            while let Some(ev) = self.txl.poll_event() {
                moved = true;
                self.route(ev);
            }
            while let Some(a) = self.calls.poll_action() {
                moved = true;
                match a {
                    CallAction::AllocateMedia { call } => {
                        let input = if self.alloc_ok {
                            MediaInput::Allocated {
                                a: RELAY_A.parse().unwrap(),
                                b: RELAY_B.parse().unwrap(),
                            }
                        } else {
                            MediaInput::AllocationFailed
                        };
                        self.calls
                            .handle_media(self.now, &mut self.txl, call, input);
                    }
                    CallAction::Resolve {
                        call, destination, ..
                    } => {
                        let text = destination.to_string();
                        self.resolved.push(text.clone());
                        let target = self.resolves.get(&text).cloned().unwrap_or(Target::Unknown);
                        self.calls
                            .handle_target(self.now, &mut self.txl, call, target);
                    }
                    other => self.actions.push(other),
                }
            }
            if !moved {
                break;
            }
        }
        while let Some(t) = self.txl.poll_transmit() {
            let msg = parse_message(&t.bytes).unwrap_or_else(|e| {
                panic!(
                    "pbxd sent bad SIP: {e:?}\n{}",
                    String::from_utf8_lossy(&t.bytes)
                )
            });
            self.wire.push_back((t.flow, msg));
        }
    }

    /// What the engine does with each transaction event.
    fn route(&mut self, ev: TxEvent) {
        let now = self.now;
        match ev {
            TxEvent::Request { tx, flow, request } => {
                let has_tag = to_tag(&request.headers).is_some();
                if request.method == Method::Invite && !has_tag {
                    let ctx = self.context(&request);
                    self.calls
                        .handle_invite(now, &mut self.txl, tx, flow, request, ctx);
                } else if !self
                    .calls
                    .handle_request(now, &mut self.txl, tx, flow, request.clone())
                {
                    let mut resp = make_response(&request, 481, "Call/Transaction Does Not Exist");
                    set_to_tag(&mut resp, "engine");
                    self.txl.respond(now, tx, resp).unwrap();
                }
            }
            TxEvent::Ack { request, .. } => {
                self.calls.handle_ack(now, &mut self.txl, request);
            }
            TxEvent::Cancel {
                tx,
                request,
                invite,
                ..
            } => {
                if !self
                    .calls
                    .handle_cancel(now, &mut self.txl, tx, invite, request.clone())
                {
                    let resp = make_response(&request, 481, "Call/Transaction Does Not Exist");
                    self.txl.respond(now, tx, resp).unwrap();
                }
            }
            TxEvent::Response { tx, response, .. } => {
                self.calls.handle_response(now, &mut self.txl, tx, response);
            }
            TxEvent::StrayResponse { flow, response } => {
                self.calls
                    .handle_stray_response(now, &mut self.txl, flow, response);
            }
            TxEvent::Timeout { tx } | TxEvent::TransportError { tx } => {
                self.calls.handle_tx_failure(now, &mut self.txl, tx);
            }
            TxEvent::Terminated { .. } => {}
        }
    }

    /// The engine's lookup for a new INVITE.
    fn context(&self, req: &Request) -> InviteContext {
        let from = req.from().unwrap().uri.user.unwrap_or_default();
        let caller_codecs = self
            .extensions
            .get(&from)
            .map(|e| e.0.clone())
            .unwrap_or_else(|| Codec::ALL.to_vec());
        let dialled = req.uri.user.clone().unwrap_or_default();
        let routed = self.routes.get(&dialled).cloned();
        let target = match self.extensions.get(&dialled) {
            _ if routed.is_some() => routed.clone().map(|r| r.0).unwrap_or(Target::Unknown),
            None => Target::Unknown,
            Some((codecs, contacts)) => Target::Extension(CalleeInfo {
                record_calls: self.record_calls.contains(&dialled),
                number: dialled,
                codecs: codecs.clone(),
                dtmf_mode: rotary_config::DtmfMode::Rfc4733,
                contacts: contacts.clone(),
            }),
        };
        InviteContext {
            caller: CallerInfo {
                extension: from.clone(),
                name: format!("Ext {from}"),
                codecs: caller_codecs,
                dtmf_mode: rotary_config::DtmfMode::Rfc4733,
                record_calls: self.record_calls.contains(&from),
                external: self.external.contains(&from),
            },
            target,
            route: routed.map(|r| r.1).unwrap_or_default(),
            settings: self.settings,
            wall_unix_ms: 1_700_000_000_000
                + i64::try_from((self.now - self.t0).as_millis()).unwrap(),
        }
    }

    /// Move virtual time forward by `d`, firing every timer on the way.
    pub(crate) fn advance(&mut self, d: Duration) {
        let target = self.now + d;
        loop {
            let next = [self.txl.poll_timeout(), self.calls.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(at) if at <= target => {
                    self.now = self.now.max(at);
                    self.txl.handle_timeout(self.now);
                    self.pump();
                    self.calls.handle_timeout(self.now, &mut self.txl);
                    self.pump();
                }
                _ => break,
            }
        }
        self.now = target;
    }

    /// Seconds since the start, as a Duration.
    pub(crate) fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    /// Take the first request with `method` that pbxd sent to `phone`.
    pub(crate) fn take_request(&mut self, phone: &Phone, method: Method) -> Request {
        self.try_take_request(phone, method.clone())
            .unwrap_or_else(|| panic!("no {method} to {} in {:#?}", phone.number, self.summary()))
    }

    /// Like `take_request`, `None` when absent.
    pub(crate) fn try_take_request(&mut self, phone: &Phone, method: Method) -> Option<Request> {
        let i = self.wire.iter().position(|(f, m)| {
            f.remote == phone.addr && matches!(m, Message::Request(r) if r.method == method)
        })?;
        match self.wire.remove(i) {
            Some((_, Message::Request(r))) => Some(r),
            _ => None,
        }
    }

    /// Take the first response with `status` that pbxd sent to `phone`.
    pub(crate) fn take_response(&mut self, phone: &Phone, status: u16) -> Response {
        self.try_take_response(phone, status)
            .unwrap_or_else(|| panic!("no {status} to {} in {:#?}", phone.number, self.summary()))
    }

    /// Like `take_response`, `None` when absent.
    pub(crate) fn try_take_response(&mut self, phone: &Phone, status: u16) -> Option<Response> {
        let i = self.wire.iter().position(|(f, m)| {
            f.remote == phone.addr && matches!(m, Message::Response(r) if r.status == status)
        })?;
        match self.wire.remove(i) {
            Some((_, Message::Response(r))) => Some(r),
            _ => None,
        }
    }

    /// How many messages pbxd sent to `phone` that the test has not taken.
    pub(crate) fn pending_for(&self, phone: &Phone) -> usize {
        self.wire
            .iter()
            .filter(|(f, _)| f.remote == phone.addr)
            .count()
    }

    /// Forget everything on the wire.
    pub(crate) fn clear_wire(&mut self) {
        self.wire.clear();
    }

    /// First lines of what is on the wire, for panic messages.
    pub(crate) fn summary(&self) -> Vec<String> {
        self.wire
            .iter()
            .map(|(f, m)| {
                let line = match m {
                    Message::Request(r) => format!("{} {}", r.method, r.uri),
                    Message::Response(r) => format!(
                        "{} {} ({})",
                        r.status,
                        r.reason,
                        r.headers.get("CSeq").unwrap_or("")
                    ),
                };
                format!("→{} {line}", f.remote)
            })
            .collect()
    }

    /// Every CDR written so far.
    pub(crate) fn cdrs(&self) -> Vec<CdrRecord> {
        self.actions
            .iter()
            .filter_map(|a| {
                if let CallAction::Cdr(c) = a {
                    Some((**c).clone())
                } else {
                    None
                }
            })
            .collect()
    }

    /// The only CDR (panics unless exactly one was written).
    pub(crate) fn one_cdr(&self) -> CdrRecord {
        let cdrs = self.cdrs();
        assert_eq!(cdrs.len(), 1, "expected exactly one CDR: {cdrs:#?}");
        cdrs[0].clone()
    }

    /// The key of the (only) call, from its first event.
    pub(crate) fn one_event_call(&self) -> CallKey {
        self.events().first().expect("a call event").call
    }

    /// Every call event kind so far, in order.
    pub(crate) fn event_kinds(&self) -> Vec<CallEventKind> {
        self.events().into_iter().map(|e| e.kind).collect()
    }

    /// Every call event so far.
    pub(crate) fn events(&self) -> Vec<CallEvent> {
        self.actions
            .iter()
            .filter_map(|a| {
                if let CallAction::Event(e) = a {
                    Some(e.clone())
                } else {
                    None
                }
            })
            .collect()
    }

    /// Media actions (relay start/update/release) so far.
    pub(crate) fn media_actions(&self) -> Vec<CallAction> {
        self.actions
            .iter()
            .filter(|a| !matches!(a, CallAction::Cdr(_) | CallAction::Event(_)))
            .cloned()
            .collect()
    }

    /// Each call key that released its media, in order.
    pub(crate) fn released(&self) -> Vec<CallKey> {
        self.actions
            .iter()
            .filter_map(|a| {
                if let CallAction::ReleaseMedia { call } = a {
                    Some(*call)
                } else {
                    None
                }
            })
            .collect()
    }
}

/// A standard two-party setup: caller 101 at .10, callee 102 at .20 (both all codecs).
pub(crate) fn two_phones() -> (Rig, Phone, Phone) {
    let mut rig = Rig::new();
    let a = Phone::new("101", "192.0.2.10:5060");
    let b = Phone::new("102", "192.0.2.20:5060");
    rig.extension("101", &Codec::ALL, &[&a]);
    rig.extension("102", &Codec::ALL, &[&b]);
    (rig, a, b)
}

/// An answered call between `a` and `b`: returns both phones' dialogs, the
/// INVITE pbxd sent to B and A's 200.
pub(crate) fn answered(
    rig: &mut Rig,
    a: &Phone,
    b: &Phone,
) -> (PhoneDialog, PhoneDialog, Request, Response) {
    let sdp = a.sdp(4000, "sendrecv");
    rig.send(a, &a.invite(&b.number, "call-a-1", Some(&sdp), &[]));
    let inv = rig.take_request(b, Method::Invite);
    rig.reply(b, &inv, 180, "btag", None);
    rig.take_response(a, 180);
    let bsdp = b.sdp(5000, "sendrecv");
    rig.reply(b, &inv, 200, "btag", Some(&bsdp));
    rig.take_request(b, Method::Ack);
    let ok = rig.take_response(a, 200);
    rig.ack_2xx(a, &ok, None);
    (
        PhoneDialog::from_uac(&ok),
        PhoneDialog::from_uas(&inv, "btag"),
        inv,
        ok,
    )
}

/// The body of a message as text.
pub(crate) fn body(m: &[u8]) -> String {
    String::from_utf8_lossy(m).into_owned()
}

/// The plan of a call whose both phones use [`Phone::sdp`] (PCMU, events on 101): the
/// callee's answer passes through.
pub(crate) fn pcmu_plan() -> rotary_engine::call::MediaPlan {
    use rotary_engine::call::{DtmfTransport, LegMedia, MediaPlan};
    let leg = LegMedia {
        codec: Codec::Pcmu,
        payload_type: 0,
        event_payload_type: Some(101),
        ptime_ms: 20,
        dtmf: DtmfTransport::Rfc4733,
    };
    MediaPlan {
        a: Some(leg),
        b: Some(leg),
        transcode: false,
    }
}

/// Every prompt the core asked to play (`None` = stop), in order.
pub(crate) fn prompts(rig: &Rig) -> Vec<Option<String>> {
    rig.actions
        .iter()
        .filter_map(|a| match a {
            CallAction::Play { prompt, .. } => Some(prompt.clone()),
            _ => None,
        })
        .collect()
}

/// The callee extension `number` with the contacts of `phones`, as routing hands it over.
pub(crate) fn callee(number: &str, phones: &[&Phone]) -> CalleeInfo {
    CalleeInfo {
        number: number.to_string(),
        codecs: Codec::ALL.to_vec(),
        dtmf_mode: rotary_config::DtmfMode::Rfc4733,
        record_calls: false,
        contacts: phones.iter().map(|p| p.contact()).collect(),
    }
}

/// A trunk attempt toward a provider `phone` (its address), dialling `number`.
pub(crate) fn trunk_leg(
    name: &str,
    provider: &Phone,
    number: &str,
) -> rotary_engine::call::TrunkLeg {
    rotary_engine::call::TrunkLeg {
        trunk: name.to_string(),
        uri: format!("sip:{number}@{}", provider.addr).parse().unwrap(),
        to: format!("<sip:{number}@{}>", provider.addr),
        from: format!("\"Ext 101\" <sip:4930100@{}>", provider.addr.ip()),
        contact_user: "4930100".to_string(),
        identity: Some((
            "P-Asserted-Identity",
            format!("<sip:4930101@{}>", provider.addr.ip()),
        )),
        flow: provider.flow,
        route: None,
        credentials: None,
        codecs: vec![Codec::Pcmu, Codec::Pcma],
        dtmf_mode: rotary_config::DtmfMode::Rfc4733,
        max_calls: None,
        diversion: false,
    }
}
