//! Cutting messages out of a TCP/TLS byte stream (RFC 3261 §18.3): the
//! header block ends at the first empty line and Content-Length, mandatory on
//! streams, gives the body size. Only the framing is checked here; the frame
//! then goes to `parse_message`.

use crate::parse::error::{salvage, ParseError, Problem};
use crate::parse::message::trim;
use crate::parse::names::{canonical, Known};
use crate::parse::scan::{find2, is_token, is_wsp, parse_u64};

/// Length of the next message at the start of a stream buffer.
///
/// - `Ok(None)`: need more bytes (the header block, or the body, is incomplete).
/// - `Ok(Some(n))`: the first `n` bytes are one frame; hand them to
///   [`parse_message`](crate::parse::parse_message) and drop them from the buffer.
///   When the buffer starts with CR/LF keep-alives (RFC 5626 §4.4.1), the frame is just
///   those `n` CR/LF bytes, for which `parse_message` returns `KeepAlive` (a CRLFCRLF
///   ping may be answered with a CRLF pong).
/// - `Err(TooLarge)`: the header block, or header block plus Content-Length, exceeds
///   `max`; `Err(Invalid)`: the stream is not SIP, or Content-Length is missing or bad.
///   In both cases the stream cannot be resynchronised: answer [`ParseError::reply`]
///   (513 or 400) if any, then close the connection.
///
/// `Some(0)` is never returned.
pub fn frame_length(buf: &[u8], max: usize) -> Result<Option<usize>, ParseError> {
    let crlf = buf
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count();
    if crlf > 0 {
        // A final lone CR may be the first half of a CRLF still on its way.
        if crlf == buf.len() && buf[crlf - 1] == b'\r' {
            return Ok((crlf > 1).then_some(crlf - 1));
        }
        return Ok(Some(crlf));
    }
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    let invalid = |problem| ParseError::Invalid {
        problem,
        partial: None,
    };
    // A method or "SIP/" starts with a token character; TLS or binary junk does not.
    if !is_token(first) {
        return Err(invalid(Problem::StartLine));
    }
    let window = &buf[..buf.len().min(max)];
    match window.iter().position(|&b| b == b'\n') {
        Some(lf) => check_start_line(&buf[..lf]).map_err(invalid)?,
        None if buf.len() > max => return Err(too_large(buf, buf.len(), max)),
        None => return Ok(None),
    }
    let Some((head, content_length)) = scan_head(window) else {
        return if buf.len() > max {
            Err(too_large(buf, buf.len(), max))
        } else {
            Ok(None)
        };
    };
    let header_block = &buf[..head];
    let content_length = match content_length {
        Ok(Some(n)) => n,
        Ok(None) => {
            let problem = Problem::Missing {
                header: "Content-Length",
            };
            return Err(ParseError::Invalid {
                problem,
                partial: salvage(header_block),
            });
        }
        Err(problem) => {
            return Err(ParseError::Invalid {
                problem,
                partial: salvage(header_block),
            })
        }
    };
    let total = head.saturating_add(content_length);
    if total > max {
        return Err(too_large(header_block, total, max));
    }
    Ok((buf.len() >= total).then_some(total))
}

fn too_large(buf: &[u8], len: usize, max: usize) -> ParseError {
    let seen = &buf[..buf.len().min(max)];
    ParseError::TooLarge {
        len,
        max,
        partial: salvage(seen),
    }
}

/// The first line must end in a SIP version (request) or start with one (response).
fn check_start_line(line: &[u8]) -> Result<(), Problem> {
    let line = trim(line.strip_suffix(b"\r").unwrap_or(line));
    if line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"SIP/") {
        return Ok(());
    }
    let last = line
        .iter()
        .rposition(|&b| is_wsp(b))
        .map_or(line, |i| &line[i + 1..]);
    if last.len() >= 4 && last[..4].eq_ignore_ascii_case(b"SIP/") {
        Ok(())
    } else {
        Err(Problem::StartLine)
    }
}

/// One pass over the header block: its length through the empty line that ends it
/// (CRLF or bare LF), and its Content-Length (or `l`), folded values joined. `None`
/// while the block is incomplete.
fn scan_head(buf: &[u8]) -> Option<(usize, Result<Option<usize>, Problem>)> {
    let mut pos = find2(buf, 0, b'\n', b'\n')? + 1;
    let mut found: Result<Option<usize>, Problem> = Ok(None);
    loop {
        let lf = find2(buf, pos, b'\n', b'\n')?;
        let line = &buf[pos..lf];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        pos = lf + 1;
        let Some(&first) = line.first() else {
            return Some((pos, found));
        };
        // Only `l...`/`c...` lines can be Content-Length; skip the rest cheaply.
        if found.is_err() || !(first | 0x20 == b'l' || first | 0x20 == b'c') {
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        if !matches!(
            canonical(trim(&line[..colon])),
            Some((_, Known::ContentLength))
        ) {
            continue;
        }
        let mut value: Vec<u8> = trim(&line[colon + 1..]).to_vec();
        // Folded continuation lines belong to the value.
        while buf.get(pos).is_some_and(|&b| is_wsp(b)) {
            let end = find2(buf, pos, b'\n', b'\n')?;
            let next = &buf[pos..end];
            value.extend_from_slice(trim(next.strip_suffix(b"\r").unwrap_or(next)));
            pos = end + 1;
        }
        found = match (parse_length(&value), found) {
            (Ok(n), Ok(Some(old))) if old != n => Err(Problem::Duplicate {
                header: "Content-Length",
            }),
            (Ok(n), _) => Ok(Some(n)),
            (Err(p), _) => Err(p),
        };
    }
}

fn parse_length(value: &[u8]) -> Result<usize, Problem> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(Problem::Syntax {
            what: "Content-Length",
        });
    }
    let max = u64::from(u32::MAX);
    let text = std::str::from_utf8(value).unwrap_or("");
    match parse_u64(text) {
        Some(n) if n <= max => Ok(n as usize),
        _ => Err(Problem::OutOfRange {
            header: "Content-Length",
            max,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] =
        b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: 4\r\n\r\nbody";

    #[test]
    fn frames_and_waits() {
        assert_eq!(frame_length(MSG, 65536), Ok(Some(MSG.len())));
        for cut in 0..MSG.len() {
            assert_eq!(frame_length(&MSG[..cut], 65536), Ok(None), "cut at {cut}");
        }
        let mut two = MSG.to_vec();
        two.extend_from_slice(MSG);
        assert_eq!(frame_length(&two, 65536), Ok(Some(MSG.len())));
    }

    #[test]
    fn keep_alives() {
        assert_eq!(frame_length(b"\r\n\r\nOPTIONS", 100), Ok(Some(4)));
        assert_eq!(frame_length(b"\r\n", 100), Ok(Some(2)));
        assert_eq!(frame_length(b"\r", 100), Ok(None));
        assert_eq!(frame_length(b"\r\n\r", 100), Ok(Some(2)));
        assert_eq!(frame_length(b"", 100), Ok(None));
    }

    #[test]
    fn errors() {
        let no_cl = b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\r\n";
        let e = frame_length(no_cl, 65536).unwrap_err();
        assert_eq!(
            e.problem(),
            Some(&Problem::Missing {
                header: "Content-Length"
            })
        );
        assert_eq!(e.reply().map(|r| r.status), Some(400));
        let e = frame_length(MSG, 70).unwrap_err();
        assert!(matches!(
            e,
            ParseError::TooLarge {
                len: 73,
                max: 70,
                ..
            }
        ));
        assert_eq!(e.reply().map(|r| r.status), Some(513));
        assert!(frame_length(b"\x16\x03\x01", 100).is_err());
        assert!(frame_length(b"GET / HTTP/1.1\r\n", 100).is_err());
        assert!(matches!(
            frame_length(&[b'A'; 200], 100),
            Err(ParseError::TooLarge { .. })
        ));
        let folded = b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length:\r\n 2\r\n\r\nab";
        assert_eq!(frame_length(folded, 100), Ok(Some(folded.len())));
        let lf = b"OPTIONS sip:a@b SIP/2.0\nl: 1\n\nab";
        assert_eq!(frame_length(lf, 100), Ok(Some(lf.len() - 1)));
    }
}
