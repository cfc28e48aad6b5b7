//! Sans-IO SDP for Rotary: the session description model with a parser and
//! serializer (RFC 8866, compatible with RFC 4566), codec negotiation by the
//! offer/answer model (RFC 3264), rewriting for media anchoring, and hold
//! detection (RFC 3264 §8.4, RFC 2543 `c=0.0.0.0`).
//!
//! The B2BUA in `engine` uses it per call leg: parse the leg's SDP, trim or
//! answer it against the extension's allowed codecs, then point `c=`/`m=` at
//! pbxd's relay ports before forwarding.
//!
//! ```
//! use rotary_sdp::{anchor, answer, filter_offer, LocalOrigin, MediaAddr, SessionDescription};
//!
//! let offer = SessionDescription::parse(
//!     b"v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
//!       m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n",
//! )?;
//! let ip = "198.51.100.1".parse()?;
//!
//! // pbxd terminates the call itself (IVR, voicemail): answer it.
//! let mut leg_a = LocalOrigin::new(4242, 1);
//! let ans = answer(&offer, &["PCMA", "PCMU"], &MediaAddr { ip, audio_port: 10000 }, &mut leg_a)?;
//! assert_eq!(ans.codecs[0].rtpmap.encoding, "PCMU"); // offerer's order
//!
//! // Or forward it to another leg through the relay.
//! let mut leg_b = LocalOrigin::new(4343, 1);
//! let forwarded = anchor(&filter_offer(&offer, &["PCMA"])?, ip, &[10002], &mut leg_b);
//! assert!(forwarded.to_string().contains("m=audio 10002 RTP/AVP 8 101\r\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Not done here: SDP capability negotiation (RFC 5939), BUNDLE, ICE (the
//! anchor strips it), SRTP keying (`a=crypto` is passed through opaque), and
//! anything about how media is actually relayed.

mod anchor;
mod attribute;
mod codec;
mod error;
mod hold;
mod model;
mod negotiate;
mod origin;
mod parse;
mod serialize;

pub use anchor::anchor;
pub use attribute::{Attribute, Direction, Rtcp};
pub use codec::{Codec, Fmtp, PayloadType, RtpMap};
pub use error::SdpError;
pub use hold::{apply_hold, hold_state, HoldMethod, HoldState};
pub use model::{
    Bandwidth, Connection, Formats, Media, MediaKind, Origin, OtherLine, SessionDescription, Timing,
};
pub use negotiate::{
    answer, chosen_codec, filter_offer, offer_with, Answer, MediaAddr, NegotiatedCodec,
};
pub use origin::LocalOrigin;
pub use parse::{MAX_LEN, MAX_LINES, MAX_MEDIA};
