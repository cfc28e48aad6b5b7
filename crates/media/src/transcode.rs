//! Transcoding between two legs that share no codec, sans-IO: RTP from one phone goes
//! through a jitter buffer, is decoded (or concealed when lost), resampled to the other
//! leg's rate, re-encoded in that leg's packet size and sent with pbxd's own SSRC,
//! sequence numbers and timestamps. RFC 4733 telephone events are carried across with
//! their timestamps and durations rescaled to the other leg's clock.
//!
//! The relay task feeds [`Transcoder::ingest`] with accepted packets and calls
//! [`Transcoder::poll_packet`] whenever [`Transcoder::poll_timeout`] has passed.

use std::time::{Duration, Instant};

use rotary_codecs::resample::Resampler;
use rotary_codecs::{new_decoder, new_encoder, CodecId, CodecParams, Decoder, Encoder};
use rotary_rtp::jitter::{JitterBuffer, JitterConfig, Playout};
use rotary_rtp::{ClockRate, PayloadType, RtpPacket, RtpSender, Ssrc};

use crate::error::MediaError;
use crate::format::StreamFormat;
use crate::relay::RelayLeg;

/// Largest packet pbxd writes (header + any codec's 120 ms payload fits).
const MAX_PACKET: usize = 1500;
/// Most samples concealed at once (120 ms at 48 kHz).
const MAX_CONCEAL: usize = 5760;

/// Both directions of a transcoded call.
pub(crate) struct Transcoder {
    /// `dirs[0]` carries leg A's audio to leg B, `dirs[1]` leg B's to leg A.
    dirs: [Direction; 2],
}

/// One direction: what arrives from one leg, re-encoded for the other.
struct Direction {
    input: StreamFormat,
    output: StreamFormat,
    jitter: JitterBuffer,
    decoder: Box<dyn Decoder>,
    resampler: Option<Resampler>,
    encoder: Box<dyn Encoder>,
    sender: RtpSender,
    /// Input frame period (the sending phone's ptime) and the next playout instant.
    period: Duration,
    next_pop: Option<Instant>,
    /// Output samples per packet at the encoder's rate.
    out_frame: usize,
    /// RTP timestamp advance per output packet.
    out_ts_step: u32,
    decoded: Vec<i16>,
    resampled: Vec<i16>,
    /// Resampled audio waiting for a whole output frame.
    pending: Vec<i16>,
    payload: Vec<u8>,
    /// Telephone events waiting to go out (already rewritten, header not yet written).
    events: Vec<PendingEvent>,
    /// The input event timestamp being carried and the output timestamp it maps to.
    event_map: Option<(u32, u32)>,
    /// Packets that failed to decode (concealed instead).
    decode_errors: u64,
}

/// A telephone-event payload to send on the output leg.
struct PendingEvent {
    payload: [u8; 4],
    timestamp: u32,
    marker: bool,
}

impl Transcoder {
    /// Builds both directions. `seeds` are random numbers (one per stream pbxd sends,
    /// towards leg A and leg B) for the SSRC and the first sequence number and timestamp.
    pub(crate) fn new(
        a: (StreamFormat, CodecId),
        b: (StreamFormat, CodecId),
        seeds: [u64; 2],
    ) -> Result<Self, MediaError> {
        Ok(Transcoder {
            dirs: [
                Direction::new(a, b, seeds[1])?,
                Direction::new(b, a, seeds[0])?,
            ],
        })
    }

    /// An accepted RTP packet from `from`'s phone.
    pub(crate) fn ingest(&mut self, now: Instant, from: RelayLeg, packet: &RtpPacket<'_>) {
        self.dirs[from.index()].ingest(now, packet);
    }

    /// The next instant a frame is due in either direction.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.dirs.iter().filter_map(|d| d.next_pop).min()
    }

    /// The next packet due for `to`'s phone at `now`, written into `out`; `false` when
    /// nothing more is due.
    pub(crate) fn poll_packet(&mut self, now: Instant, to: RelayLeg, out: &mut Vec<u8>) -> bool {
        self.dirs[to.other().index()].poll_packet(now, out)
    }

    /// Payloads from `from`'s phone that did not decode.
    pub(crate) fn decode_errors(&self, from: RelayLeg) -> u64 {
        self.dirs[from.index()].decode_errors
    }
}

impl Direction {
    fn new(
        (input, in_codec): (StreamFormat, CodecId),
        (output, out_codec): (StreamFormat, CodecId),
        seed: u64,
    ) -> Result<Self, MediaError> {
        let decoder = new_decoder(&CodecParams::new(in_codec)).map_err(MediaError::Codec)?;
        let encoder = new_encoder(&CodecParams::new(out_codec)).map_err(MediaError::Codec)?;
        let (in_rate, out_rate) = (decoder.sample_rate(), encoder.sample_rate());
        let resampler = if in_rate == out_rate {
            None
        } else {
            Some(Resampler::new(in_rate, out_rate).map_err(MediaError::Codec)?)
        };
        let in_ptime = input.ptime_ms.clamp(10, 120);
        let out_ptime = output.ptime_ms.clamp(10, 120);
        let period = Duration::from_millis(u64::from(in_ptime));
        let jitter = JitterBuffer::new(JitterConfig {
            clock_rate: ClockRate(in_codec.rtp_clock()),
            frame: period,
            ..JitterConfig::default()
        });
        // RFC 3550 §5.1: random SSRC, first sequence number and timestamp.
        let sender = RtpSender::new(Ssrc(seed as u32), (seed >> 32) as u16, (seed >> 16) as u32);
        Ok(Direction {
            input,
            output,
            jitter,
            decoder,
            resampler,
            encoder,
            sender,
            period,
            next_pop: None,
            out_frame: (out_rate * out_ptime / 1000) as usize,
            out_ts_step: out_codec.rtp_clock() * out_ptime / 1000,
            decoded: Vec::with_capacity(1920),
            resampled: Vec::with_capacity(5760),
            pending: Vec::with_capacity(5760),
            payload: Vec::with_capacity(1500),
            events: Vec::new(),
            event_map: None,
            decode_errors: 0,
        })
    }

    fn ingest(&mut self, now: Instant, packet: &RtpPacket<'_>) {
        let pt = packet.payload_type().0;
        if Some(pt) == self.input.event_payload_type {
            self.carry_event(packet);
            return;
        }
        if pt != self.input.payload_type {
            return; // comfort noise or a codec we did not negotiate
        }
        self.jitter.handle_rtp(now, packet);
        if self.next_pop.is_none() {
            self.next_pop = Some(now);
        }
    }

    /// Rewrites a telephone-event packet for the output leg, or drops it when the output
    /// leg negotiated none.
    fn carry_event(&mut self, packet: &RtpPacket<'_>) {
        let (Some(_), Ok(payload)) = (
            self.output.event_payload_type,
            <[u8; 4]>::try_from(packet.payload().get(..4).unwrap_or(&[])),
        ) else {
            return;
        };
        let in_ts = packet.timestamp();
        let (timestamp, marker) = match self.event_map {
            Some((ts, out)) if ts == in_ts => (out, false),
            _ => {
                let out = self.sender.timestamp();
                self.event_map = Some((in_ts, out));
                (out, true)
            }
        };
        let in_clock = self.decoder_clock();
        let out_clock = self.encoder_clock();
        let duration = u16::from_be_bytes([payload[2], payload[3]]);
        let scaled = (u64::from(duration) * u64::from(out_clock) / u64::from(in_clock.max(1)))
            .min(u64::from(u16::MAX)) as u16;
        let mut rewritten = payload;
        rewritten[2..4].copy_from_slice(&scaled.to_be_bytes());
        if self.events.len() < 16 {
            self.events.push(PendingEvent {
                payload: rewritten,
                timestamp,
                marker,
            });
        }
    }

    fn decoder_clock(&self) -> u32 {
        self.decoder.id().rtp_clock()
    }

    fn encoder_clock(&self) -> u32 {
        self.encoder.id().rtp_clock()
    }

    fn poll_packet(&mut self, now: Instant, out: &mut Vec<u8>) -> bool {
        if let Some(ev) = self.events.first() {
            let (payload, ts, marker) = (ev.payload, ev.timestamp, ev.marker);
            self.events.remove(0);
            if let Some(pt) = self.output.event_payload_type {
                let header = self.sender.next_at(PayloadType(pt), marker, ts);
                out.resize(MAX_PACKET, 0);
                if let Ok(len) = header.write_packet(&payload, out) {
                    out.truncate(len);
                    return true;
                }
            }
        }
        loop {
            if self.pending.len() >= self.out_frame {
                return self.encode_one(out);
            }
            match self.next_pop {
                Some(due) if due <= now => {
                    self.next_pop = Some(due + self.period);
                    self.play_one(now);
                }
                _ => return false,
            }
        }
    }

    /// Takes one input frame out of the jitter buffer: decoded, concealed or nothing.
    fn play_one(&mut self, now: Instant) {
        self.decoded.clear();
        let rate = self.decoder.sample_rate();
        let clock = self.decoder_clock().max(1);
        let to_samples =
            |ticks: u32| (u64::from(ticks) * u64::from(rate) / u64::from(clock)) as usize;
        match self.jitter.pop(now) {
            Playout::Frame(frame) => {
                if self
                    .decoder
                    .decode(frame.payload, &mut self.decoded)
                    .is_err()
                {
                    self.decode_errors += 1;
                    self.decoded.clear();
                    let n = to_samples(frame.samples).clamp(1, MAX_CONCEAL);
                    self.decoder.conceal(n, &mut self.decoded);
                }
            }
            Playout::Lost { samples } => {
                let n = to_samples(samples).clamp(1, MAX_CONCEAL);
                self.decoder.conceal(n, &mut self.decoded);
            }
            Playout::Empty => return,
        }
        match &mut self.resampler {
            Some(r) => {
                self.resampled.clear();
                r.process(&self.decoded, &mut self.resampled);
                self.pending.extend_from_slice(&self.resampled);
            }
            None => self.pending.extend_from_slice(&self.decoded),
        }
        // Never let a stalled output side hoard audio: keep at most ~200 ms.
        let cap = self.out_frame * 10;
        if self.pending.len() > cap {
            let drop = self.pending.len() - cap;
            self.pending.drain(..drop);
        }
    }

    fn encode_one(&mut self, out: &mut Vec<u8>) -> bool {
        self.payload.clear();
        let frame = &self.pending[..self.out_frame];
        let ok = self.encoder.encode(frame, &mut self.payload).is_ok();
        self.pending.drain(..self.out_frame);
        if !ok {
            return false;
        }
        out.resize(MAX_PACKET, 0);
        let pt = PayloadType(self.output.payload_type);
        match self
            .sender
            .write(pt, false, self.out_ts_step, &self.payload, out)
        {
            Ok(len) => {
                out.truncate(len);
                true
            }
            Err(_) => false,
        }
    }
}
