//! Parsing SIP messages (RFC 3261 §7, §25) from bytes, in one pass over the
//! header block, plus the typed header parsers behind `FromStr` and the
//! accessors on `Request`/`Response`.
//!
//! - [`parse_message`] takes one complete message (a UDP datagram, or a frame cut
//!   by [`frame_length`] from a TCP stream). A message it returns is well formed:
//!   the mandatory headers are present, single and parse; every Via, Contact,
//!   Route and Record-Route value parses; numbers are in range.
//! - On failure, [`ParseError::reply`] builds the 400/505/513 answer from the
//!   headers that could be salvaged.
//! - Header names are stored canonically (`v` → `Via`, `call-id` → `Call-ID`),
//!   see [`canonical_name`]; folded lines are joined with one space.
//! - Invalid UTF-8 in header values and reason phrases is replaced by U+FFFD
//!   rather than rejected (old phones send Latin-1 display names).

mod access;
mod error;
mod frame;
mod header;
mod message;
mod names;
pub(crate) mod scan;
mod uri;

pub use error::{ParseError, PartialRequest, Problem};
pub use frame::frame_length;
pub use header::split_header_values;
pub use message::parse_message;
pub use names::canonical_name;

#[cfg(feature = "fuzzing")]
pub use message::fuzz_roundtrip;
