//! What each leg of a bridge speaks, as negotiated in SDP, and whether the bridge
//! must transcode between them.

use rotary_codecs::CodecId;

/// One leg's negotiated stream: the codec pbxd sends and expects, its payload types
/// and packet time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamFormat {
    /// The codec, `None` for one pbxd cannot decode (G.729: relayed only).
    pub codec: Option<CodecId>,
    /// Its RTP payload type on this leg.
    pub payload_type: u8,
    /// The leg's `telephone-event` payload type (RFC 4733), when negotiated.
    pub event_payload_type: Option<u8>,
    /// Packet time in milliseconds.
    pub ptime_ms: u32,
    /// How DTMF digits travel on this leg.
    pub dtmf: DtmfTransport,
}

/// How DTMF digits travel on one leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DtmfTransport {
    /// RFC 4733 telephone-event packets (on `event_payload_type`).
    #[default]
    Rfc4733,
    /// Tones in the audio: detected on the way in, generated on the way out.
    Inband,
    /// SIP INFO: the engine carries them; the media side reports and injects digits.
    Info,
}

/// How a relay bridges its legs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MediaPlan {
    /// Leg A's and leg B's formats, when known.
    pub legs: [Option<StreamFormat>; 2],
    /// The legs share no codec: decode each side and encode for the other.
    pub transcode: bool,
}

impl MediaPlan {
    /// Both formats when the plan transcodes and both codecs can be decoded.
    #[must_use]
    pub fn transcoding(&self) -> Option<[(StreamFormat, CodecId); 2]> {
        if !self.transcode {
            return None;
        }
        let [Some(a), Some(b)] = self.legs else {
            return None;
        };
        Some([(a, a.codec?), (b, b.codec?)])
    }
}
