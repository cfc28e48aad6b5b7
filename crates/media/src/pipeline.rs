//! The two halves of terminated media, sans-IO: an [`Inlet`] turns one phone's RTP into
//! PCM frames (jitter buffer, decoder, concealment) and DTMF digits (RFC 4733 events,
//! in-band tones); an [`Outlet`] turns PCM frames from anywhere (the other leg, music on
//! hold) into RTP for one phone, with pbxd's own SSRC, sequence and timestamps, and
//! sends digits the way that phone wants them.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rotary_codecs::dsp::{DtmfDetector, DtmfDigit as ToneDigit, DtmfGenerator};
use rotary_codecs::resample::Resampler;
use rotary_codecs::{new_decoder, new_encoder, CodecParams, Decoder, Encoder};
use rotary_rtp::jitter::{JitterBuffer, JitterConfig, Playout};
use rotary_rtp::{
    ClockRate, DtmfReceiver, DtmfReceiverConfig, DtmfSender, DtmfSenderConfig, EventCode,
    PayloadType, RtpHeader, RtpPacket, RtpSender, Ssrc,
};

use crate::error::MediaError;
use crate::format::{DtmfTransport, StreamFormat};

/// Largest packet pbxd writes (header + any codec's 120 ms payload fits).
const MAX_PACKET: usize = 1500;
/// Most samples concealed at once (120 ms at 48 kHz).
const MAX_CONCEAL: usize = 5760;
/// Output audio kept waiting for the encoder at most (frames): a stalled side never
/// hoards memory or delay.
const MAX_PENDING_FRAMES: usize = 10;

/// A key press seen on a leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Digit {
    /// `0`–`9`, `*`, `#`, `A`–`D`.
    pub(crate) key: char,
    /// How long it was held.
    pub(crate) duration: Duration,
}

/// One phone's incoming stream, decoded.
pub(crate) struct Inlet {
    format: StreamFormat,
    jitter: JitterBuffer,
    /// `None` when only digits are wanted (pass-through calls).
    decoder: Option<Box<dyn Decoder>>,
    clock: u32,
    /// The decoder's PCM rate (8 kHz without a decoder), read once: it never changes.
    rate: u32,
    events: Option<DtmfReceiver>,
    tones: Option<DtmfDetector>,
    period: Duration,
    next_pop: Option<Instant>,
    frame: Vec<i16>,
    digits: VecDeque<Digit>,
    decode_errors: u64,
}

impl Inlet {
    /// An inlet for `format`; `decode` says whether audio is needed (transcoding,
    /// recording, in-band digits) or only RFC 4733 digits; `params` are the decoder's
    /// (its PCM rate may be below the codec's natural one, see
    /// [`CodecParams::bridged`]).
    pub(crate) fn new(
        format: StreamFormat,
        params: CodecParams,
        decode: bool,
    ) -> Result<Self, MediaError> {
        let codec = params.id;
        let clock = codec.rtp_clock();
        let ptime = format.ptime_ms.clamp(10, 120);
        let period = Duration::from_millis(u64::from(ptime));
        let decoder = if decode {
            Some(new_decoder(&params).map_err(MediaError::Codec)?)
        } else {
            None
        };
        let events = format.event_payload_type.map(|_| {
            DtmfReceiver::new(DtmfReceiverConfig {
                clock_rate: ClockRate(clock),
                ..DtmfReceiverConfig::default()
            })
        });
        let tones = match (&decoder, format.dtmf) {
            (Some(d), DtmfTransport::Inband) => DtmfDetector::new(d.sample_rate()).ok(),
            _ => None,
        };
        Ok(Inlet {
            format,
            jitter: JitterBuffer::new(JitterConfig {
                clock_rate: ClockRate(clock),
                frame: period,
                ..JitterConfig::default()
            }),
            rate: decoder.as_ref().map_or(8_000, |d| d.sample_rate()),
            decoder,
            clock,
            events,
            tones,
            period,
            next_pop: None,
            frame: Vec::with_capacity(MAX_CONCEAL),
            digits: VecDeque::new(),
            decode_errors: 0,
        })
    }

    /// Whether this inlet decodes audio (not only digits).
    pub(crate) fn decodes(&self) -> bool {
        self.decoder.is_some()
    }

    /// PCM rate of the frames [`Inlet::pull`] returns.
    pub(crate) fn sample_rate(&self) -> u32 {
        self.rate
    }

    /// An accepted packet from this leg's phone.
    pub(crate) fn ingest(&mut self, now: Instant, packet: &RtpPacket<'_>) {
        let pt = packet.payload_type().0;
        if Some(pt) == self.format.event_payload_type {
            if let Some(rx) = &mut self.events {
                rx.handle_rtp(now, packet);
                self.collect_events();
            }
            // The far side's audio clock runs from the first packet of any kind, so
            // in-band digits made from events have frames to sound in.
            if self.decoder.is_some() && self.next_pop.is_none() {
                self.next_pop = Some(now);
            }
            return;
        }
        if pt != self.format.payload_type || self.decoder.is_none() {
            return; // comfort noise, a codec we did not negotiate, or audio not wanted
        }
        self.jitter.handle_rtp(now, packet);
        if self.next_pop.is_none() {
            self.next_pop = Some(now);
        }
    }

    fn collect_events(&mut self) {
        let Some(rx) = &mut self.events else { return };
        while let Some(d) = rx.poll_event() {
            if let Some(key) = d.digit() {
                self.digits.push_back(Digit {
                    key,
                    duration: d.duration,
                });
            }
        }
    }

    /// When this inlet next needs [`Inlet::pull`] or [`Inlet::handle_timeout`].
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        let rx = self.events.as_ref().and_then(DtmfReceiver::poll_timeout);
        match (self.next_pop, rx) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Time passed: an RFC 4733 event whose end packets were all lost is over.
    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        if let Some(rx) = &mut self.events {
            rx.handle_timeout(now);
        }
        self.collect_events();
    }

    /// The next frame due at `now`: decoded, concealed (loss) or silence (the phone
    /// sends nothing); `None` when nothing is due.
    pub(crate) fn pull(&mut self, now: Instant) -> Option<&[i16]> {
        let due = self.next_pop.filter(|d| *d <= now)?;
        self.next_pop = Some(due + self.period);
        let decoder = self.decoder.as_mut()?;
        let rate = u64::from(self.rate);
        let clock = u64::from(self.clock.max(1));
        let to_samples =
            |ticks: u32| ((u64::from(ticks) * rate / clock) as usize).clamp(1, MAX_CONCEAL);
        self.frame.clear();
        match self.jitter.pop(now) {
            Playout::Frame(frame) => {
                if decoder.decode(frame.payload, &mut self.frame).is_err() {
                    self.decode_errors += 1;
                    self.frame.clear();
                    decoder.conceal(to_samples(frame.samples), &mut self.frame);
                }
            }
            Playout::Lost { samples } => decoder.conceal(to_samples(samples), &mut self.frame),
            // The phone is silent (or sends only events): a frame of silence keeps the
            // other side's stream, and any tones generated into it, going.
            Playout::Empty => {
                let n = (rate * self.period.as_millis() as u64 / 1000) as usize;
                self.frame.resize(n.clamp(1, MAX_CONCEAL), 0);
            }
        }
        if let Some(det) = &mut self.tones {
            det.process(&self.frame);
            while let Some(d) = det.poll_digit() {
                let secs = d.duration_samples as f64 / rate as f64;
                self.digits.push_back(Digit {
                    key: d.digit.to_char(),
                    duration: Duration::from_secs_f64(secs.min(10.0)),
                });
            }
        }
        Some(&self.frame)
    }

    /// The next key press seen on this leg.
    pub(crate) fn poll_digit(&mut self) -> Option<Digit> {
        self.digits.pop_front()
    }

    /// Payloads that did not decode (concealed instead).
    pub(crate) fn decode_errors(&self) -> u64 {
        self.decode_errors
    }
}

/// PCM towards one phone, encoded and packetised.
pub(crate) struct Outlet {
    format: StreamFormat,
    encoder: Box<dyn Encoder>,
    /// The encoder's PCM rate, read once: it never changes.
    rate: u32,
    sender: RtpSender,
    /// Converts whatever rate the source has to the encoder's (created on first use).
    resampler: Option<Resampler>,
    pending: Vec<i16>,
    scratch: Vec<i16>,
    out_frame: usize,
    ts_step: u32,
    events: Option<DtmfSender>,
    tones: Option<DtmfGenerator>,
}

impl Outlet {
    /// An outlet for `format` with the encoder's `params`. `seed` is random: the SSRC
    /// and the first sequence number and timestamp come from it (RFC 3550 §5.1).
    pub(crate) fn new(
        format: StreamFormat,
        params: CodecParams,
        seed: u64,
    ) -> Result<Self, MediaError> {
        let codec = params.id;
        let encoder = new_encoder(&params).map_err(MediaError::Codec)?;
        let ptime = format.ptime_ms.clamp(10, 120);
        let rate = encoder.sample_rate();
        let events = format.event_payload_type.map(|_| {
            DtmfSender::new(DtmfSenderConfig {
                clock_rate: ClockRate(codec.rtp_clock()),
                interval: Duration::from_millis(u64::from(ptime)),
                ..DtmfSenderConfig::default()
            })
        });
        let tones = match format.dtmf {
            DtmfTransport::Inband => DtmfGenerator::new(rate).ok(),
            _ => None,
        };
        Ok(Outlet {
            format,
            encoder,
            rate,
            sender: RtpSender::new(Ssrc(seed as u32), (seed >> 32) as u16, (seed >> 16) as u32),
            resampler: None,
            pending: Vec::with_capacity(MAX_CONCEAL),
            scratch: Vec::with_capacity(MAX_CONCEAL),
            out_frame: (rate * ptime / 1000) as usize,
            ts_step: codec.rtp_clock() * ptime / 1000,
            events,
            tones,
        })
    }

    /// Audio for this phone at `rate` Hz.
    pub(crate) fn push_pcm(&mut self, pcm: &[i16], rate: u32) {
        let own = self.rate;
        if rate == own {
            self.pending.extend_from_slice(pcm);
        } else {
            let fits = self
                .resampler
                .as_ref()
                .is_some_and(|r| r.from_hz() == rate && r.to_hz() == own);
            if !fits {
                self.resampler = Resampler::new(rate, own).ok();
            }
            let Some(r) = &mut self.resampler else { return };
            self.scratch.clear();
            r.process(pcm, &mut self.scratch);
            self.pending.extend_from_slice(&self.scratch);
        }
        let cap = self.out_frame * MAX_PENDING_FRAMES;
        if self.pending.len() > cap {
            let extra = self.pending.len() - cap;
            self.pending.drain(..extra);
        }
    }

    /// Sends a key press to this phone its own way: RFC 4733 events or tones in the
    /// audio. (INFO is the engine's business.) Returns whether it was taken.
    pub(crate) fn send_digit(&mut self, now: Instant, digit: Digit) -> bool {
        let duration = digit
            .duration
            .clamp(Duration::from_millis(60), Duration::from_secs(2));
        match self.format.dtmf {
            DtmfTransport::Rfc4733 => {
                let (Some(tx), Some(code)) = (&mut self.events, EventCode::from_digit(digit.key))
                else {
                    return false;
                };
                tx.start(now, self.sender.timestamp(), code, duration)
                    .is_ok()
            }
            DtmfTransport::Inband => {
                let (Some(g), Some(d)) = (&mut self.tones, ToneDigit::from_char(digit.key)) else {
                    return false;
                };
                g.queue_digit(d, duration, Duration::from_millis(60))
                    .is_ok()
            }
            DtmfTransport::Info => false,
        }
    }

    /// When an RFC 4733 event packet is next due.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.events.as_ref().and_then(DtmfSender::poll_timeout)
    }

    /// Whether audio frames are waiting for the encoder.
    pub(crate) fn has_frame(&self) -> bool {
        self.pending.len() >= self.out_frame
    }

    /// Drops waiting audio (the source changed, e.g. hold music stopped).
    pub(crate) fn flush(&mut self) {
        self.pending.clear();
    }

    /// The next packet due for this phone at `now`, written into `out` (replacing what
    /// it held); `false` when nothing more is due. The payload is encoded straight
    /// into `out` behind the header: no zeroed scratch, no second copy.
    pub(crate) fn poll_packet(&mut self, now: Instant, out: &mut Vec<u8>) -> bool {
        if let Some(tx) = &mut self.events {
            if let (Some(p), Some(pt)) = (tx.poll_packet(now), self.format.event_payload_type) {
                let header = self.sender.next_at(PayloadType(pt), p.marker, p.timestamp);
                let payload = p.payload();
                out.clear();
                out.resize(RtpHeader::LEN + payload.len(), 0);
                if let Ok(len) = header.write_packet(&payload, out) {
                    out.truncate(len);
                    return true;
                }
            }
        }
        let pt = PayloadType(self.format.payload_type);
        while self.has_frame() {
            let event_on = self.events.as_ref().is_some_and(DtmfSender::is_active);
            if event_on {
                // RFC 4733 §2.5.1.1: no audio while an event is sent; time moves on.
                self.pending.drain(..self.out_frame);
                self.sender.skip(self.ts_step);
                continue;
            }
            if let Some(g) = &mut self.tones {
                g.fill(&mut self.pending[..self.out_frame]);
            }
            // Room for the header, then the encoder appends the payload behind it.
            out.clear();
            out.resize(RtpHeader::LEN, 0);
            let ok = self
                .encoder
                .encode(&self.pending[..self.out_frame], out)
                .is_ok();
            self.pending.drain(..self.out_frame);
            // A payload type that does not fit 7 bits, or a packet beyond what pbxd
            // writes, is dropped without moving the stream on (as a failed write).
            if !ok || pt.0 > 0x7f || out.len() > MAX_PACKET {
                continue;
            }
            let payload_len = out.len() - RtpHeader::LEN;
            let header = self.sender.next(pt, false, self.ts_step);
            self.sender.add_octets(payload_len);
            if header.write(&mut out[..RtpHeader::LEN]).is_ok() {
                return true;
            }
        }
        out.clear();
        false
    }
}

#[cfg(test)]
mod tests {
    use rotary_codecs::CodecId;

    use super::*;

    fn format(codec: CodecId, payload_type: u8) -> StreamFormat {
        StreamFormat {
            codec: Some(codec),
            payload_type,
            event_payload_type: Some(101),
            ptime_ms: 20,
            dtmf: DtmfTransport::Rfc4733,
        }
    }

    /// A varying 8 kHz test signal.
    fn pcm(samples: usize) -> Vec<i16> {
        (0..samples)
            .map(|i| ((i * 97) % 2000) as i16 - 1000)
            .collect()
    }

    #[test]
    fn outlet_packets_are_the_header_then_the_encoded_frame() {
        let t0 = Instant::now();
        let params = CodecParams::new(CodecId::Pcma);
        let seed = 0x1234_5678_9abc_def0;
        let mut outlet = Outlet::new(format(CodecId::Pcma, 8), params, seed).unwrap();
        let audio = pcm(480);
        outlet.push_pcm(&audio, 8000);
        let mut reference = new_encoder(&params).unwrap();
        let mut buf = vec![0xee; 3000]; // stale bytes must not leak into a packet
        for (i, frame) in audio.chunks(160).enumerate() {
            assert!(outlet.poll_packet(t0, &mut buf), "frame {i} is due");
            let p = RtpPacket::parse(&buf).unwrap();
            let mut expected = Vec::new();
            reference.encode(frame, &mut expected).unwrap();
            assert_eq!(buf.len(), RtpHeader::LEN + 160);
            assert_eq!(p.payload(), &expected[..]);
            assert_eq!(p.payload_type(), PayloadType(8));
            assert!(!p.marker());
            assert_eq!(p.ssrc(), Ssrc(0x9abc_def0));
            assert_eq!(p.sequence(), 0x5678u16.wrapping_add(i as u16));
            assert_eq!(p.timestamp(), 0x5678_9abcu32.wrapping_add(160 * i as u32));
        }
        assert!(!outlet.poll_packet(t0, &mut buf), "nothing more pending");
        assert!(buf.is_empty());
    }

    #[test]
    fn outlet_sends_an_event_instead_of_audio_and_counts_on() {
        let t0 = Instant::now();
        let params = CodecParams::new(CodecId::Pcmu);
        let mut outlet = Outlet::new(format(CodecId::Pcmu, 0), params, 7 << 32).unwrap();
        let key = Digit {
            key: '5',
            duration: Duration::from_millis(100),
        };
        assert!(outlet.send_digit(t0, key));
        outlet.push_pcm(&pcm(160), 8000);
        let mut buf = Vec::new();
        assert!(outlet.poll_packet(t0, &mut buf));
        let p = RtpPacket::parse(&buf).unwrap();
        assert_eq!(p.payload_type(), PayloadType(101));
        assert!(p.marker(), "first packet of the event");
        assert_eq!(p.sequence(), 7);
        assert_eq!(p.payload().len(), 4);
        assert_eq!(p.payload()[0], 5, "event code of key 5");
        assert!(
            !outlet.poll_packet(t0, &mut buf),
            "audio under the event is not sent"
        );
        // Once the event is over, audio resumes with the next sequence number.
        let later = t0 + Duration::from_secs(1);
        while outlet.poll_packet(later, &mut buf) {
            let p = RtpPacket::parse(&buf).unwrap();
            assert_eq!(p.payload_type(), PayloadType(101), "event end packets");
        }
        outlet.push_pcm(&pcm(160), 8000);
        assert!(outlet.poll_packet(later, &mut buf));
        let p = RtpPacket::parse(&buf).unwrap();
        assert_eq!(p.payload_type(), PayloadType(0));
        assert_eq!(p.payload().len(), 160);
    }
}
