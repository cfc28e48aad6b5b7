//! Codec negotiation (RFC 3264 §6): answering an offer against the codecs an
//! extension may use, and trimming an offer before it is forwarded.
//!
//! Only the first active plain-RTP audio stream is accepted; every other
//! stream is answered with port 0. `telephone-event` (RFC 4733) is carried
//! along with the offerer's payload type but never counts as a codec.

use std::net::{IpAddr, SocketAddr};

use crate::attribute::{Attribute, Direction};
use crate::codec::{Codec, PayloadType, RtpMap};
use crate::error::SdpError;
use crate::hold::offered_direction;
use crate::model::{Connection, Formats, Media, MediaKind, SessionDescription, Timing};
use crate::origin::LocalOrigin;

/// Where pbxd receives media for the answered audio stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MediaAddr {
    /// Our media address, written in `c=` and `o=`.
    pub ip: IpAddr,
    /// Our RTP port for the audio stream (RTCP on port + 1).
    pub audio_port: u16,
}

/// One codec both sides can use, with the offerer's payload type and `fmtp`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NegotiatedCodec {
    /// The mapping as offered (static ones filled in from RFC 3551).
    pub rtpmap: RtpMap,
    /// The offerer's `fmtp` parameters for it, echoed in the answer.
    pub fmtp: Option<String>,
}

/// The outcome of [`answer`]: the SDP to send and what the media layer needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The answer body, `o=` stamped from the leg's [`LocalOrigin`].
    pub sdp: SessionDescription,
    /// Index of the accepted audio `m=` section (same in offer and answer).
    pub media_index: usize,
    /// Common codecs in the offerer's order; the first is the one to send.
    pub codecs: Vec<NegotiatedCodec>,
    /// The offerer's `telephone-event` mapping, when offered.
    pub telephone_event: Option<RtpMap>,
    /// The direction written in the answer (ours, RFC 3264 §6.1).
    pub direction: Direction,
    /// Where the offerer wants RTP.
    pub remote_rtp: SocketAddr,
    /// Where the offerer wants RTCP (`a=rtcp`, else RTP port + 1); the answer
    /// does not accept `rtcp-mux`.
    pub remote_rtcp: Option<SocketAddr>,
    /// The offerer's `a=ptime`, echoed in the answer.
    pub ptime: Option<u32>,
}

/// Answers `offer` for a party allowed to use `allowed` (config codec names,
/// e.g. `["PCMU", "opus"]`, matched case-insensitively against encodings).
///
/// Errors: [`SdpError::NoAudio`] when no active audio stream is offered,
/// [`SdpError::UnsupportedProtocol`] when the only ones are not plain
/// `RTP/AVP`/`RTP/AVPF`, [`SdpError::NoCommonCodec`] when nothing matches
/// (the B2BUA answers 488 to all three).
pub fn answer(
    offer: &SessionDescription,
    allowed: &[&str],
    local: &MediaAddr,
    origin: &mut LocalOrigin,
) -> Result<Answer, SdpError> {
    let media_index = pick_audio(offer)?;
    // `pick_audio` returns an index into `offer.media`, so this cannot panic.
    let offered = &offer.media[media_index];
    let remote_rtp = offer
        .rtp_addr(offered)
        .ok_or(SdpError::MissingConnection { media_index })?;
    let (codecs, events) = offered_codecs(offered);
    let codecs: Vec<NegotiatedCodec> = codecs
        .into_iter()
        .filter(|c| is_allowed(&c.rtpmap, allowed))
        .collect();
    let Some(first) = codecs.first() else {
        return Err(SdpError::NoCommonCodec);
    };
    // With several telephone-event rates (8000 + 48000 next to Opus), take
    // the one on the clock of the codec we will send.
    let preferred_clock = first.rtpmap.clock_rate;
    let telephone_event = events
        .iter()
        .find(|e| e.rtpmap.clock_rate == preferred_clock)
        .or(events.first())
        .cloned();
    let direction = offered_direction(offer, offered).answer();
    let ptime = offered.ptime();

    let mut pts: Vec<PayloadType> = codecs.iter().map(|c| c.rtpmap.payload_type).collect();
    let mut audio = Media::new(
        MediaKind::Audio,
        local.audio_port,
        &offered.protocol,
        Formats::Rtp(Vec::new()),
    );
    for c in codecs.iter().chain(telephone_event.as_ref()) {
        push_codec(&mut audio, c);
    }
    if let Some(te) = &telephone_event {
        pts.push(te.rtpmap.payload_type);
    }
    audio.formats = Formats::Rtp(pts);
    if let Some(p) = ptime {
        audio
            .attributes
            .push(Attribute::new("ptime", p.to_string()));
    }
    audio.attributes.push(direction.to_attribute());

    let media = offer
        .media
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if i == media_index {
                audio.clone()
            } else {
                rejected(m)
            }
        })
        .collect();
    let mut sdp = SessionDescription {
        origin: origin.origin(local.ip),
        session_name: "-".to_owned(),
        info: None,
        uri: None,
        emails: Vec::new(),
        phones: Vec::new(),
        connection: Some(Connection::new(local.ip)),
        bandwidths: Vec::new(),
        timings: vec![Timing::default()],
        time_zones: None,
        key: None,
        attributes: Vec::new(),
        other_lines: Vec::new(),
        media,
    };
    origin.stamp(&mut sdp, local.ip);

    let remote_rtcp = match offered.rtcp() {
        Some(r) => Some(SocketAddr::new(
            r.address.unwrap_or(remote_rtp.ip()),
            r.port,
        )),
        None => offered
            .port
            .checked_add(1)
            .map(|p| SocketAddr::new(remote_rtp.ip(), p)),
    };
    Ok(Answer {
        sdp,
        media_index,
        codecs,
        telephone_event: telephone_event.map(|e| e.rtpmap),
        direction,
        remote_rtp,
        remote_rtcp,
        ptime,
    })
}

/// Removes codecs not in `allowed` from every active audio stream of an
/// offer before it is forwarded to the other leg, keeping `telephone-event`
/// and dropping the `rtpmap`/`fmtp`/`rtcp-fb` lines of what was removed.
///
/// An audio stream left with no codec is disabled (port 0). Errors:
/// [`SdpError::NoAudio`] without an active audio stream,
/// [`SdpError::NoCommonCodec`] when no audio stream keeps a codec.
pub fn filter_offer(
    offer: &SessionDescription,
    allowed: &[&str],
) -> Result<SessionDescription, SdpError> {
    let mut out = offer.clone();
    let mut any_audio = false;
    let mut kept_any = false;
    for m in &mut out.media {
        if m.kind != MediaKind::Audio || m.port == 0 || !matches!(m.formats, Formats::Rtp(_)) {
            continue;
        }
        any_audio = true;
        let (codecs, events) = offered_codecs(m);
        let allowed_pts: Vec<PayloadType> = codecs
            .iter()
            .filter(|c| is_allowed(&c.rtpmap, allowed))
            .map(|c| c.rtpmap.payload_type)
            .collect();
        if allowed_pts.is_empty() {
            m.port = 0;
            continue;
        }
        kept_any = true;
        let event_pts: Vec<PayloadType> = events.iter().map(|e| e.rtpmap.payload_type).collect();
        // Keep the offerer's order on the m= line.
        let keep: Vec<PayloadType> = m
            .payload_types()
            .iter()
            .copied()
            .filter(|pt| allowed_pts.contains(pt) || event_pts.contains(pt))
            .fold(Vec::new(), |mut acc, pt| {
                if !acc.contains(&pt) {
                    acc.push(pt);
                }
                acc
            });
        m.retain_payload_attributes(&keep);
        m.formats = Formats::Rtp(keep);
    }
    if !any_audio {
        return Err(SdpError::NoAudio);
    }
    if !kept_any {
        return Err(SdpError::NoCommonCodec);
    }
    Ok(out)
}

/// An offer for the far leg of a transcoded call: the first active audio stream keeps
/// the offerer's codecs named in `keep` (they can pass through untouched) and gains
/// `add`, the codecs pbxd can transcode into, after them; `telephone-event` stays.
/// Added codecs take their static payload type, or the first free dynamic one (96–127).
///
/// Errors as [`filter_offer`], [`SdpError::NoCommonCodec`] when the stream would be
/// left without a codec.
pub fn offer_with(
    offer: &SessionDescription,
    keep: &[&str],
    add: &[Codec],
) -> Result<SessionDescription, SdpError> {
    let index = pick_audio(offer)?;
    let mut out = offer.clone();
    let m = &mut out.media[index];
    let (codecs, events) = offered_codecs(m);
    let mut pts: Vec<PayloadType> = Vec::new();
    for pt in m.payload_types() {
        let wanted = codecs
            .iter()
            .any(|c| c.rtpmap.payload_type == *pt && is_allowed(&c.rtpmap, keep))
            || events.iter().any(|e| e.rtpmap.payload_type == *pt);
        if wanted && !pts.contains(pt) {
            pts.push(*pt);
        }
    }
    m.retain_payload_attributes(&pts);
    let mut used: Vec<PayloadType> = m.payload_types().to_vec();
    let mut added_any = false;
    for codec in add {
        let present = codecs
            .iter()
            .any(|c| pts.contains(&c.rtpmap.payload_type) && c.rtpmap.codec() == Some(*codec));
        if present {
            continue;
        }
        let pt = codec
            .static_payload_type()
            .filter(|p| !used.contains(p))
            .or_else(|| {
                (96..=127)
                    .filter_map(PayloadType::new)
                    .find(|p| !used.contains(p))
            });
        let Some(pt) = pt else { break };
        used.push(pt);
        let insert_at = pts
            .iter()
            .position(|p| events.iter().any(|e| e.rtpmap.payload_type == *p))
            .unwrap_or(pts.len());
        pts.insert(insert_at, pt);
        let rtpmap = RtpMap {
            payload_type: pt,
            encoding: codec.name().to_owned(),
            clock_rate: codec.clock_rate(),
            channels: codec.channels(),
        };
        let fmtp = (*codec == Codec::Opus).then(|| "useinbandfec=1".to_owned());
        push_codec(m, &NegotiatedCodec { rtpmap, fmtp });
        added_any = true;
    }
    let has_codec = pts
        .iter()
        .any(|p| !events.iter().any(|e| e.rtpmap.payload_type == *p));
    if !has_codec && !added_any {
        return Err(SdpError::NoCommonCodec);
    }
    m.formats = Formats::Rtp(pts);
    for (i, other) in out.media.iter_mut().enumerate() {
        if i != index && other.kind == MediaKind::Audio {
            other.port = 0;
        }
    }
    Ok(out)
}

/// The codec an answerer chose (the first on its audio `m=` line) and its
/// `telephone-event` mapping, for setting up the media of that leg.
#[must_use]
pub fn chosen_codec(sdp: &SessionDescription) -> Option<(NegotiatedCodec, Option<RtpMap>)> {
    let (_, m) = sdp.first_active_audio()?;
    let (codecs, events) = offered_codecs(m);
    let first = codecs.into_iter().next()?;
    let clock = first.rtpmap.clock_rate;
    let te = events
        .iter()
        .find(|e| e.rtpmap.clock_rate == clock)
        .or(events.first())
        .map(|e| e.rtpmap.clone());
    Some((first, te))
}

/// The first active audio stream we can answer with plain RTP.
fn pick_audio(offer: &SessionDescription) -> Result<usize, SdpError> {
    let mut unsupported = None;
    for (i, m) in offer.media.iter().enumerate() {
        if m.kind != MediaKind::Audio || m.port == 0 {
            continue;
        }
        let plain = m.protocol.eq_ignore_ascii_case("RTP/AVP")
            || m.protocol.eq_ignore_ascii_case("RTP/AVPF");
        if plain && matches!(m.formats, Formats::Rtp(_)) {
            return Ok(i);
        }
        unsupported.get_or_insert(i);
    }
    Err(match unsupported {
        Some(media_index) => SdpError::UnsupportedProtocol { media_index },
        None => SdpError::NoAudio,
    })
}

/// Offered codecs and telephone-event mappings, in `m=` order, deduplicated;
/// dynamic payload types without `rtpmap` are skipped.
fn offered_codecs(m: &Media) -> (Vec<NegotiatedCodec>, Vec<NegotiatedCodec>) {
    let mut codecs = Vec::new();
    let mut events = Vec::new();
    let mut seen: Vec<PayloadType> = Vec::new();
    for &pt in m.payload_types() {
        if seen.contains(&pt) {
            continue;
        }
        seen.push(pt);
        let Some(rtpmap) = m.rtpmap(pt) else { continue };
        let c = NegotiatedCodec {
            fmtp: m.fmtp(pt).map(|f| f.params),
            rtpmap,
        };
        if c.rtpmap.is_telephone_event() {
            events.push(c);
        } else {
            codecs.push(c);
        }
    }
    (codecs, events)
}

fn is_allowed(map: &RtpMap, allowed: &[&str]) -> bool {
    allowed.iter().any(|name| map.is_named(name))
}

fn push_codec(m: &mut Media, c: &NegotiatedCodec) {
    m.attributes
        .push(Attribute::new("rtpmap", c.rtpmap.to_string()));
    if let Some(params) = &c.fmtp {
        let pt = c.rtpmap.payload_type;
        m.attributes
            .push(Attribute::new("fmtp", format!("{pt} {params}")));
    }
}

/// RFC 3264 §6: a rejected stream keeps its kind, protocol and formats, port 0.
fn rejected(m: &Media) -> Media {
    Media::new(m.kind.clone(), 0, &m.protocol, m.formats.clone())
}
