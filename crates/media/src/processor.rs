//! What a relay does beyond moving packets, sans-IO: transcoding between legs that share
//! no codec, music on hold towards a held phone, recording both sides, and DTMF
//! (reported to the engine, converted between RFC 4733 and in-band, injected for INFO).
//!
//! The relay task hands every accepted RTP packet to [`Processor::ingest`], forwards it
//! unchanged only when [`Processor::passes_through`] says so, and calls
//! [`Processor::poll_packets`] whenever [`Processor::poll_timeout`] has passed.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rotary_codecs::resample::Resampler;
use rotary_codecs::{CodecId, CodecParams};
use rotary_rtp::RtpPacket;

use crate::format::{DtmfTransport, MediaPlan, StreamFormat};
use crate::pipeline::{Digit, Inlet, Outlet};
use crate::playback::Prompts;
use crate::relay::RelayLeg;
use crate::sound::{MohListener, Player, Recorder, Side};

/// Period of generated media (music on hold) when nothing else drives the clock.
const TICK: Duration = Duration::from_millis(20);

/// The media work of one call.
pub(crate) struct Processor {
    formats: [Option<(StreamFormat, CodecId)>; 2],
    transcode: bool,
    inlets: [Option<Inlet>; 2],
    outlets: [Option<Outlet>; 2],
    /// Music towards leg `i` (the other leg holds).
    moh: [Option<MohListener>; 2],
    recorder: Option<Recorder>,
    rec_rate: u32,
    rec_resamplers: [Option<Resampler>; 2],
    rec_buf: Vec<i16>,
    /// Next tick of generated media, while music plays.
    tick: Option<Instant>,
    digits: VecDeque<(RelayLeg, Digit)>,
    seeds: [u64; 2],
    /// One-shot prompts towards each leg (IVR, PIN entry).
    prompts: Prompts,
}

impl Processor {
    /// The processor for `plan`; `seeds` are random (pbxd's own streams towards leg A and
    /// leg B take their SSRC and first sequence number and timestamp from them).
    pub(crate) fn new(plan: &MediaPlan, seeds: [u64; 2]) -> Self {
        let formats = plan.legs.map(|f| f.and_then(|f| f.codec.map(|c| (f, c))));
        let transcode = plan.transcoding().is_some();
        let mut p = Processor {
            formats,
            transcode,
            inlets: [None, None],
            outlets: [None, None],
            moh: [None, None],
            recorder: None,
            rec_rate: 8_000,
            rec_resamplers: [None, None],
            rec_buf: Vec::new(),
            tick: None,
            digits: VecDeque::new(),
            seeds,
            prompts: Prompts::default(),
        };
        for leg in [RelayLeg::A, RelayLeg::B] {
            p.rebuild_inlet(leg);
            if transcode {
                p.ensure_outlet(leg);
            }
        }
        p
    }

    /// The negotiation changed (early media, then the answer): carry the running music
    /// and recording over to the processor of the new plan.
    pub(crate) fn hand_over(mut self, next: &mut Processor, now: Instant) {
        let rate = self.rec_rate;
        if let Some(rec) = self.recorder.take() {
            next.set_recorder(Some(rec), rate);
        }
        for to in [RelayLeg::A, RelayLeg::B] {
            if let Some(music) = self.moh[to.index()].take() {
                next.set_moh(now, to, Some(music));
            }
        }
        let [a, b] = self.prompts.take();
        for (to, player) in [(RelayLeg::A, a), (RelayLeg::B, b)] {
            if player.is_some() {
                next.set_prompt(now, to, player);
            }
        }
    }

    /// Whether audio from this leg must be decoded (not just its digits read).
    fn decodes(&self, leg: RelayLeg) -> bool {
        let inband =
            self.formats[leg.index()].is_some_and(|(f, _)| f.dtmf == DtmfTransport::Inband);
        self.transcode || self.recorder.is_some() || inband
    }

    /// Codec parameters for `leg`: when transcoding, at the rate the other leg's codec
    /// can carry.
    fn params(&self, leg: RelayLeg, codec: CodecId) -> CodecParams {
        match self.formats[leg.other().index()] {
            Some((_, peer)) if self.transcode => CodecParams::bridged(codec, peer),
            _ => CodecParams::new(codec),
        }
    }

    fn rebuild_inlet(&mut self, leg: RelayLeg) {
        let decode = self.decodes(leg);
        let i = leg.index();
        if let Some((format, codec)) = self.formats[i] {
            let wanted = decode || format.event_payload_type.is_some();
            self.inlets[i] = if wanted {
                Inlet::new(format, self.params(leg, codec), decode).ok()
            } else {
                None
            };
        }
    }

    fn ensure_outlet(&mut self, leg: RelayLeg) -> bool {
        let i = leg.index();
        if self.outlets[i].is_none() {
            if let Some((format, codec)) = self.formats[i] {
                self.outlets[i] = Outlet::new(format, self.params(leg, codec), self.seeds[i]).ok();
            }
        }
        self.outlets[i].is_some()
    }

    /// Whether packets from `from`'s phone go on to the other phone untouched: not
    /// when transcoding, and not while the other phone hears music on hold.
    pub(crate) fn passes_through(&self, from: RelayLeg) -> bool {
        !self.transcode
            && self.moh[from.other().index()].is_none()
            && !self.prompts.is_playing(from.other())
    }

    /// Whether RTCP may be relayed between the legs (only when both see one stream).
    pub(crate) fn relays_rtcp(&self) -> bool {
        !self.transcode
    }

    /// An accepted RTP packet from `from`'s phone.
    pub(crate) fn ingest(&mut self, now: Instant, from: RelayLeg, packet: &RtpPacket<'_>) {
        if let Some(inlet) = &mut self.inlets[from.index()] {
            inlet.ingest(now, packet);
        }
        // An RFC 4733 event ends with a packet, not a timer: report it now.
        self.take_digits(now, from);
    }

    /// Plays `music` to `to`'s phone (its peer put the call on hold), or stops it.
    pub(crate) fn set_moh(&mut self, now: Instant, to: RelayLeg, music: Option<MohListener>) {
        let playing = music.is_some();
        if playing && !self.ensure_outlet(to) {
            return;
        }
        self.moh[to.index()] = music;
        if let Some(o) = &mut self.outlets[to.index()] {
            o.flush();
        }
        if playing {
            self.tick.get_or_insert(now);
        } else if self.moh.iter().all(Option::is_none) && !self.prompts.any() {
            self.tick = None;
        }
    }

    /// Plays a prompt to `to`'s phone from its start (replacing one playing there), or
    /// stops it with `None`. Its end is reported by [`Processor::poll_prompt_finished`].
    pub(crate) fn set_prompt(&mut self, now: Instant, to: RelayLeg, player: Option<Player>) {
        let playing = player.is_some();
        if playing && !self.ensure_outlet(to) {
            return;
        }
        self.prompts.set(to, player);
        if let Some(o) = &mut self.outlets[to.index()] {
            o.flush();
        }
        if playing {
            self.tick.get_or_insert(now);
        }
    }

    /// A leg whose prompt played to its end.
    pub(crate) fn poll_prompt_finished(&mut self) -> Option<RelayLeg> {
        self.prompts.poll_finished()
    }

    /// Starts (or with `None` stops) recording both sides; returns the recording that
    /// was running, for the caller to finish.
    pub(crate) fn set_recorder(
        &mut self,
        recorder: Option<Recorder>,
        rate: u32,
    ) -> Option<Recorder> {
        let old = std::mem::replace(&mut self.recorder, recorder);
        self.rec_rate = rate;
        self.rec_resamplers = [None, None];
        for leg in [RelayLeg::A, RelayLeg::B] {
            let decoding = self.inlets[leg.index()]
                .as_ref()
                .is_some_and(Inlet::decodes);
            if self.decodes(leg) != decoding {
                self.rebuild_inlet(leg);
            }
        }
        old
    }

    /// Sends a key press to `to`'s phone (from a SIP INFO on the other leg).
    pub(crate) fn send_digit(&mut self, now: Instant, to: RelayLeg, key: char, duration: Duration) {
        if self.ensure_outlet(to) {
            if let Some(o) = &mut self.outlets[to.index()] {
                o.send_digit(now, Digit { key, duration });
            }
        }
    }

    /// The next key press seen on either leg.
    pub(crate) fn poll_digit(&mut self) -> Option<(RelayLeg, Digit)> {
        self.digits.pop_front()
    }

    /// Payloads from `from`'s phone that did not decode.
    pub(crate) fn decode_errors(&self, from: RelayLeg) -> u64 {
        self.inlets[from.index()]
            .as_ref()
            .map_or(0, Inlet::decode_errors)
    }

    /// When [`Processor::poll_packets`] is next needed.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        let inlets = self.inlets.iter().flatten().filter_map(Inlet::poll_timeout);
        let outlets = self
            .outlets
            .iter()
            .flatten()
            .filter_map(Outlet::poll_timeout);
        inlets.chain(outlets).chain(self.tick).min()
    }

    /// Does everything due at `now` and hands each packet for a phone to `send`.
    pub(crate) fn poll_packets(
        &mut self,
        now: Instant,
        buf: &mut Vec<u8>,
        mut send: impl FnMut(RelayLeg, &[u8]),
    ) {
        for from in [RelayLeg::A, RelayLeg::B] {
            self.drain_inlet(now, from);
        }
        if let Some(due) = self.tick.filter(|t| *t <= now) {
            // Skip ticks missed while the task was late rather than bursting.
            let mut next = due + TICK;
            while next <= now {
                next += TICK;
            }
            self.tick = Some(next);
            for to in [RelayLeg::A, RelayLeg::B] {
                let (Some(music), Some(out)) =
                    (&mut self.moh[to.index()], &mut self.outlets[to.index()])
                else {
                    continue;
                };
                while let Some(frame) = music.try_recv() {
                    out.push_pcm(&frame, music.rate().hz());
                }
            }
            for to in [RelayLeg::A, RelayLeg::B] {
                if let Some(out) = &mut self.outlets[to.index()] {
                    if let Some((frame, rate)) = self.prompts.next_frame(to) {
                        out.push_pcm(frame, rate);
                    }
                }
            }
            if self.moh.iter().all(Option::is_none) && !self.prompts.any() {
                self.tick = None;
            }
        }
        for to in [RelayLeg::A, RelayLeg::B] {
            if let Some(out) = &mut self.outlets[to.index()] {
                while out.poll_packet(now, buf) {
                    send(to, buf);
                }
            }
        }
    }

    fn drain_inlet(&mut self, now: Instant, from: RelayLeg) {
        let (x, y) = (from.index(), from.other().index());
        let Some(inlet) = &mut self.inlets[x] else {
            return;
        };
        inlet.handle_timeout(now);
        let rate = inlet.sample_rate();
        let feed_other = self.transcode && self.moh[y].is_none();
        while let Some(frame) = inlet.pull(now) {
            if let Some(rec) = &self.recorder {
                let side = if from == RelayLeg::A {
                    Side::Caller
                } else {
                    Side::Callee
                };
                if rate == self.rec_rate {
                    rec.push(now, side, frame);
                } else {
                    if self.rec_resamplers[x].is_none() {
                        self.rec_resamplers[x] = Resampler::new(rate, self.rec_rate).ok();
                    }
                    if let Some(r) = &mut self.rec_resamplers[x] {
                        self.rec_buf.clear();
                        r.process(frame, &mut self.rec_buf);
                        rec.push(now, side, &self.rec_buf);
                    }
                }
            }
            if feed_other {
                if let Some(out) = &mut self.outlets[y] {
                    out.push_pcm(frame, rate);
                }
            }
        }
        self.take_digits(now, from);
    }

    /// Moves the key presses seen on `from` to the report queue, and converts them for
    /// the other phone when the two legs carry DTMF differently.
    fn take_digits(&mut self, now: Instant, from: RelayLeg) {
        let (x, y) = (from.index(), from.other().index());
        let Some(inlet) = &mut self.inlets[x] else {
            return;
        };
        let converts = self.transcode
            && self.formats[x].map(|(f, _)| f.dtmf) != self.formats[y].map(|(f, _)| f.dtmf);
        while let Some(d) = inlet.poll_digit() {
            self.digits.push_back((from, d));
            if converts {
                if let Some(out) = &mut self.outlets[y] {
                    out.send_digit(now, d);
                }
            }
        }
    }
}
