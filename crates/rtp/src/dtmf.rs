//! RFC 4733 telephone-event payloads (DTMF digits sent as RTP events). The relay passes
//! them through unchanged; this parser lets later features (feature codes, IVR over an
//! anchored call) see the digits. [`DtmfSender`] generates the packets of an event when
//! pbxd sends digits itself; [`DtmfReceiver`] turns a received packet stream into one
//! key press per event.

mod receiver;
mod sender;

pub use receiver::{DigitEnd, DtmfDigit, DtmfReceiver, DtmfReceiverConfig};
pub use sender::{DtmfPacket, DtmfSendError, DtmfSender, DtmfSenderConfig};

/// One telephone-event payload (RFC 4733 §2.3): which event, whether it has ended, its
/// volume and how long it has lasted so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DtmfEvent {
    /// Event code (RFC 4733 §3.2: 0–9 digits, 10 `*`, 11 `#`, 12–15 A–D, 16 flash).
    pub code: EventCode,
    /// The E bit: this is (a retransmission of) the final packet of the event.
    pub end: bool,
    /// Power level in −dBm0, 0–63 (larger is quieter).
    pub volume: u8,
    /// Duration so far in RTP timestamp units, counted from the event's timestamp.
    pub duration: u16,
}

/// RFC 4733 event code (one octet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventCode(pub u8);

impl EventCode {
    /// Hook flash (RFC 4733 §3.2, event 16).
    pub const FLASH: EventCode = EventCode(16);

    /// The DTMF key for codes 0–15 (`0`–`9`, `*`, `#`, `A`–`D`), `None` otherwise.
    #[must_use]
    pub fn digit(self) -> Option<char> {
        DIGITS.get(usize::from(self.0)).copied()
    }
}

impl EventCode {
    /// The event code of a DTMF key (`0`–`9`, `*`, `#`, `A`–`D`, case-insensitive).
    #[must_use]
    pub fn from_digit(key: char) -> Option<EventCode> {
        let key = key.to_ascii_uppercase();
        DIGITS
            .iter()
            .position(|d| *d == key)
            .and_then(|i| u8::try_from(i).ok())
            .map(EventCode)
    }
}

impl DtmfEvent {
    /// Shorthand for `self.code.digit()`.
    #[must_use]
    pub fn digit(&self) -> Option<char> {
        self.code.digit()
    }

    /// The 4-byte payload (RFC 4733 §2.3): event, E|R|volume, duration. The R bit is
    /// sent as zero; a volume above 63 is clamped to 63.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 4] {
        let [hi, lo] = self.duration.to_be_bytes();
        [
            self.code.0,
            u8::from(self.end) << 7 | self.volume.min(63),
            hi,
            lo,
        ]
    }
}

/// Parses the first event of a telephone-event payload (RFC 4733 §2.3: event, E|R|volume,
/// 16-bit duration). `None` when the payload is shorter than 4 bytes. Any event code is
/// returned; [`EventCode::digit`] tells whether it is a DTMF key. Only call this for
/// packets whose payload type was negotiated as `telephone-event`.
#[must_use]
pub fn dtmf_event(payload: &[u8]) -> Option<DtmfEvent> {
    let &[code, flags, hi, lo, ..] = payload else {
        return None;
    };
    Some(DtmfEvent {
        code: EventCode(code),
        end: flags & 0x80 != 0,
        // The R bit (0x40) is reserved and ignored by receivers (RFC 4733 §2.3).
        volume: flags & 0x3f,
        duration: u16::from_be_bytes([hi, lo]),
    })
}

/// RFC 4733 §3.2 codes 0–15 in order.
const DIGITS: [char; 16] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D',
];
