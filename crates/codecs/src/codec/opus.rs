//! Opus (RFC 6716, RTP per RFC 7587) through the system libopus, via `audiopus`.
//!
//! Mono, PCM at 8, 12, 16, 24 or 48 kHz. The encoder runs in VoIP mode with the
//! complexity, in-band FEC, DTX and bit rate of [`OpusParams`]. The decoder takes any
//! packet libopus accepts, including the 1–2 byte packets a DTX encoder sends in
//! silence; loss is concealed by libopus's own PLC, or recovered from the next
//! packet's FEC data with [`Decoder::conceal_with_next`].

use audiopus::coder::{Decoder as RawDecoder, Encoder as RawEncoder};
use audiopus::packet::Packet;
use audiopus::{Application, Bitrate, Channels, MutSignals, SampleRate};

use super::{CodecId, Decoder, Encoder, OpusParams};
use crate::CodecError;

/// Codec name used in errors.
const NAME: &str = "opus";
/// Largest packet accepted by the decoder and produced by the encoder: 120 ms at the
/// 512 kbit/s maximum rate.
const MAX_PACKET: usize = 7680;

fn opus_err(what: &str, e: audiopus::Error) -> CodecError {
    CodecError::BadPayload {
        codec: NAME,
        reason: format!("{what}: {e}"),
    }
}

fn unsupported(reason: String) -> CodecError {
    CodecError::Unsupported {
        codec: NAME,
        reason,
    }
}

fn rate_of(sample_rate: u32) -> Result<SampleRate, CodecError> {
    i32::try_from(sample_rate)
        .ok()
        .and_then(|r| SampleRate::try_from(r).ok())
        .ok_or_else(|| unsupported(format!("PCM rate {sample_rate} Hz")))
}

/// Opus encoder for one stream.
pub struct OpusEncoder {
    inner: RawEncoder,
    rate: u32,
    /// Scratch for the packet libopus writes.
    buf: Vec<u8>,
}

impl std::fmt::Debug for OpusEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusEncoder")
            .field("rate", &self.rate)
            .finish()
    }
}

impl OpusEncoder {
    /// An encoder taking PCM at `sample_rate` (8000, 12000, 16000, 24000 or 48000),
    /// configured from `params`. Complexity above 10 or a bit rate outside
    /// 500–512000 bit/s is refused.
    pub fn new(sample_rate: u32, params: &OpusParams) -> Result<Self, CodecError> {
        let rate = rate_of(sample_rate)?;
        if params.complexity > 10 {
            return Err(unsupported(format!("complexity {}", params.complexity)));
        }
        let bitrate = match params.bitrate {
            None => Bitrate::Auto,
            Some(b @ 500..=512_000) => Bitrate::BitsPerSecond(b as i32),
            Some(b) => return Err(unsupported(format!("bit rate {b}"))),
        };
        let setup = |e: audiopus::Error| unsupported(format!("libopus encoder setup: {e}"));
        let mut inner = RawEncoder::new(rate, Channels::Mono, Application::Voip).map_err(setup)?;
        inner.set_complexity(params.complexity).map_err(setup)?;
        inner.set_bitrate(bitrate).map_err(setup)?;
        inner.set_inband_fec(params.fec).map_err(setup)?;
        inner
            .set_packet_loss_perc(params.expected_loss_percent.min(100))
            .map_err(setup)?;
        inner.set_dtx(params.dtx).map_err(setup)?;
        Ok(OpusEncoder {
            inner,
            rate: sample_rate,
            buf: vec![0; MAX_PACKET],
        })
    }

    /// Samples the encoder delays its output by (libopus look-ahead), at its PCM rate.
    #[must_use]
    pub fn lookahead(&self) -> usize {
        self.inner.lookahead().map_or(0, |n| n as usize)
    }
}

impl Encoder for OpusEncoder {
    fn id(&self) -> CodecId {
        CodecId::Opus
    }

    fn sample_rate(&self) -> u32 {
        self.rate
    }

    /// Takes 2.5, 5, 10, 20, 40, 60, 80, 100 or 120 ms of PCM. With DTX on, silent
    /// frames come out as 1–2 byte packets, which a sender may leave unsent.
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError> {
        let tenths_ms = pcm.len() as u64 * 10_000 / u64::from(self.rate);
        let exact = pcm.len() as u64 * 10_000 == tenths_ms * u64::from(self.rate);
        if !exact || ![25, 50, 100, 200, 400, 600, 800, 1000, 1200].contains(&tenths_ms) {
            return Err(CodecError::BadFrameLength {
                codec: NAME,
                samples: pcm.len(),
            });
        }
        let n = self
            .inner
            .encode(pcm, &mut self.buf)
            .map_err(|_| CodecError::BadFrameLength {
                codec: NAME,
                samples: pcm.len(),
            })?;
        out.extend_from_slice(&self.buf[..n.min(self.buf.len())]);
        Ok(())
    }
}

/// Opus decoder for one stream, concealing with libopus PLC and FEC.
pub struct OpusDecoder {
    inner: RawDecoder,
    rate: u32,
    /// Scratch for one decode (120 ms).
    buf: Vec<i16>,
    /// Concealment produced beyond what was asked (libopus conceals in 2.5 ms steps).
    spill: Vec<i16>,
}

impl std::fmt::Debug for OpusDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusDecoder")
            .field("rate", &self.rate)
            .finish()
    }
}

impl OpusDecoder {
    /// A decoder producing PCM at `sample_rate` (8000, 12000, 16000, 24000 or 48000),
    /// whatever rate the sender encoded at.
    pub fn new(sample_rate: u32) -> Result<Self, CodecError> {
        let rate = rate_of(sample_rate)?;
        let inner = RawDecoder::new(rate, Channels::Mono)
            .map_err(|e| unsupported(format!("libopus decoder setup: {e}")))?;
        Ok(OpusDecoder {
            inner,
            rate: sample_rate,
            buf: vec![0; (sample_rate as usize) * 120 / 1000],
            spill: Vec::new(),
        })
    }

    /// 2.5 ms at the output rate: libopus's concealment granule.
    fn granule(&self) -> usize {
        (self.rate / 400) as usize
    }

    /// Runs libopus on `packet` (`None`: conceal) for `frame` samples into `buf`.
    fn run(&mut self, packet: Option<&[u8]>, frame: usize, fec: bool) -> Result<usize, CodecError> {
        let packet = match packet {
            Some(p) => Some(Packet::try_from(p).map_err(|e| opus_err("packet", e))?),
            None => None,
        };
        let frame = frame.min(self.buf.len());
        let signals =
            MutSignals::try_from(&mut self.buf[..frame]).map_err(|e| opus_err("buffer", e))?;
        let n = self
            .inner
            .decode(packet, signals, fec)
            .map_err(|e| opus_err("libopus", e))?;
        Ok(n.min(frame))
    }

    /// Conceals `samples` samples with libopus PLC, into `out`.
    fn plc(&mut self, samples: usize, out: &mut Vec<i16>) {
        let from_spill = samples.min(self.spill.len());
        out.extend(self.spill.drain(..from_spill));
        let mut left = samples - from_spill;
        let g = self.granule();
        while left > 0 {
            // Whole granules, at most 20 ms per call.
            let want = left.div_ceil(g).min(8) * g;
            let n = match self.run(None, want, false) {
                Ok(n) if n > 0 => n,
                _ => {
                    // libopus refused (it never should): fill with silence.
                    out.resize(out.len() + left, 0);
                    return;
                }
            };
            let used = n.min(left);
            out.extend_from_slice(&self.buf[..used]);
            self.spill.extend_from_slice(&self.buf[used..n]);
            left -= used;
        }
    }
}

impl Decoder for OpusDecoder {
    fn id(&self) -> CodecId {
        CodecId::Opus
    }

    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        if payload.is_empty() || payload.len() > MAX_PACKET {
            return Err(CodecError::BadPayload {
                codec: NAME,
                reason: format!("{} bytes", payload.len()),
            });
        }
        let frame = self.buf.len();
        let n = self.run(Some(payload), frame, false)?;
        self.spill.clear();
        out.extend_from_slice(&self.buf[..n]);
        Ok(())
    }

    fn conceal(&mut self, samples: usize, out: &mut Vec<i16>) {
        self.plc(samples, out);
    }

    /// Rebuilds the lost audio from the in-band FEC copy that `next` carries (the
    /// sender's `useinbandfec=1`); libopus falls back to PLC when there is none.
    fn conceal_with_next(&mut self, next: &[u8], samples: usize, out: &mut Vec<i16>) {
        let g = self.granule();
        if samples == 0 || !samples.is_multiple_of(g) || samples > self.buf.len() || next.is_empty()
        {
            self.plc(samples, out);
            return;
        }
        match self.run(Some(next), samples, true) {
            Ok(n) if n == samples => {
                self.spill.clear();
                out.extend_from_slice(&self.buf[..n]);
            }
            _ => self.plc(samples, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| {
                (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / f64::from(rate)).sin())
                    as i16
            })
            .collect()
    }

    #[test]
    fn all_rates_round_trip() {
        for rate in [8000, 12000, 16000, 24000, 48000] {
            let mut e = OpusEncoder::new(rate, &OpusParams::default()).unwrap();
            let mut d = OpusDecoder::new(rate).unwrap();
            let frame = (rate / 50) as usize;
            let x = tone(rate, frame * 10);
            let mut y = Vec::new();
            for f in x.chunks(frame) {
                let mut p = Vec::new();
                e.encode(f, &mut p).unwrap();
                assert!(!p.is_empty());
                d.decode(&p, &mut y).unwrap();
            }
            assert_eq!(y.len(), x.len());
            let energy: f64 = y[frame * 5..].iter().map(|&s| f64::from(s).powi(2)).sum();
            assert!(energy > 1e9, "rate {rate}: decoded near silence");
        }
    }

    #[test]
    fn bad_settings_and_frames() {
        assert!(OpusEncoder::new(44_100, &OpusParams::default()).is_err());
        assert!(OpusDecoder::new(0).is_err());
        let p = OpusParams {
            complexity: 11,
            ..OpusParams::default()
        };
        assert!(OpusEncoder::new(48_000, &p).is_err());
        let p = OpusParams {
            bitrate: Some(100),
            ..OpusParams::default()
        };
        assert!(OpusEncoder::new(48_000, &p).is_err());
        let mut e = OpusEncoder::new(8000, &OpusParams::default()).unwrap();
        let mut out = Vec::new();
        for n in [0, 1, 159, 161, 1000, 2000] {
            assert!(e.encode(&vec![0; n], &mut out).is_err(), "{n}");
        }
        for n in [20, 40, 80, 160, 320, 480, 640, 800, 960] {
            e.encode(&vec![0; n], &mut out).unwrap();
        }
    }

    #[test]
    fn dtx_packets_are_tiny_and_decode() {
        let p = OpusParams {
            dtx: true,
            ..OpusParams::default()
        };
        let mut e = OpusEncoder::new(16000, &p).unwrap();
        let mut d = OpusDecoder::new(16000).unwrap();
        let mut sizes = Vec::new();
        let mut pcm = Vec::new();
        for _ in 0..50 {
            let mut pkt = Vec::new();
            e.encode(&[0; 320], &mut pkt).unwrap();
            sizes.push(pkt.len());
            let before = pcm.len();
            d.decode(&pkt, &mut pcm).unwrap();
            assert_eq!(pcm.len() - before, 320);
        }
        // After the hangover, silence is 1-byte frames, bar a comfort-noise refresh
        // every 400 ms.
        let tiny = sizes[20..].iter().filter(|&&n| n <= 2).count();
        assert!(tiny >= 27, "{sizes:?}");
        // A bare TOC byte (a DTX frame) decodes too.
        d.decode(&[0x08], &mut pcm).unwrap();
    }

    #[test]
    fn conceal_any_length_and_fec() {
        let p = OpusParams {
            fec: true,
            expected_loss_percent: 20,
            bitrate: Some(24_000),
            ..OpusParams::default()
        };
        let mut e = OpusEncoder::new(16000, &p).unwrap();
        let mut d = OpusDecoder::new(16000).unwrap();
        let x = tone(16000, 320 * 20);
        let mut pkts = Vec::new();
        for f in x.chunks(320) {
            let mut pkt = Vec::new();
            e.encode(f, &mut pkt).unwrap();
            pkts.push(pkt);
        }
        let mut y = Vec::new();
        for p in &pkts[..10] {
            d.decode(p, &mut y).unwrap();
        }
        // Odd lengths: served in 2.5 ms steps with the rest kept for next time.
        d.conceal(100, &mut y);
        d.conceal(220, &mut y);
        assert_eq!(y.len(), 11 * 320);
        d.decode(&pkts[11], &mut y).unwrap();
        // Packet 12 lost, 13 present: recover 12 from 13's FEC.
        d.conceal_with_next(&pkts[13], 320, &mut y);
        d.decode(&pkts[13], &mut y).unwrap();
        assert_eq!(y.len(), 14 * 320);
        let rec = &y[12 * 320..13 * 320];
        let energy: f64 = rec.iter().map(|&s| f64::from(s).powi(2)).sum();
        assert!(energy > 1e9);
    }
}
