//! Byte classes of the RFC 3261 §25 grammar and a small cursor over a header
//! value. Everything here works on ASCII positions of a `&str`, so slicing at
//! a position the cursor reached is always on a char boundary.

/// A syntax error inside one value; the caller says which header it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bad;

/// Result of the low-level scanners.
pub(crate) type Scan<T> = Result<T, Bad>;

const TOKEN: u8 = 1;
const UNRESERVED: u8 = 2;
const USER: u8 = 4;
const PASSWORD: u8 = 8;
const PARAM: u8 = 16;
const HNV: u8 = 32;
const HOST: u8 = 64;

/// One lookup per byte instead of a chain of comparisons.
static CLASS: [u8; 256] = build_classes();

const fn build_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        let alnum = c.is_ascii_alphanumeric();
        let mut v = 0u8;
        // token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
        if alnum
            || matches!(
                c,
                b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
            )
        {
            v |= TOKEN;
        }
        // unreserved = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"
        let unreserved = alnum
            || matches!(
                c,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            );
        if unreserved {
            v |= UNRESERVED;
        }
        // user = 1*( unreserved / escaped / user-unreserved )
        if unreserved || matches!(c, b'&' | b'=' | b'+' | b'$' | b',' | b';' | b'?' | b'/') {
            v |= USER;
        }
        // password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," )
        if unreserved || matches!(c, b'&' | b'=' | b'+' | b'$' | b',') {
            v |= PASSWORD;
        }
        // paramchar = param-unreserved / unreserved / escaped
        if unreserved || matches!(c, b'[' | b']' | b'/' | b':' | b'&' | b'+' | b'$') {
            v |= PARAM;
        }
        // hname/hvalue = hnv-unreserved / unreserved / escaped
        if unreserved || matches!(c, b'[' | b']' | b'/' | b'?' | b':' | b'+' | b'$') {
            v |= HNV;
        }
        // hostname characters (underscore tolerated for interop)
        if alnum || matches!(c, b'-' | b'.' | b'_') {
            v |= HOST;
        }
        t[b] = v;
        b += 1;
    }
    t
}

/// `token` character (method names, header names, parameter names).
#[inline]
pub(crate) fn is_token(b: u8) -> bool {
    CLASS[b as usize] & TOKEN != 0
}

/// Character allowed unescaped in a URI user part.
#[inline]
pub(crate) fn is_user_char(b: u8) -> bool {
    CLASS[b as usize] & USER != 0
}

/// Character allowed unescaped in a URI password.
#[inline]
pub(crate) fn is_password_char(b: u8) -> bool {
    CLASS[b as usize] & PASSWORD != 0
}

/// Character allowed unescaped in a URI parameter name or value.
#[inline]
pub(crate) fn is_param_char(b: u8) -> bool {
    CLASS[b as usize] & PARAM != 0
}

/// Character allowed unescaped in a URI header name or value.
#[inline]
pub(crate) fn is_hnv_char(b: u8) -> bool {
    CLASS[b as usize] & HNV != 0
}

/// Character of a hostname or IPv4 literal.
#[inline]
pub(crate) fn is_host_char(b: u8) -> bool {
    CLASS[b as usize] & HOST != 0
}

/// Space or horizontal tab.
#[inline]
pub(crate) fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Index of the first byte at or after `from` that equals `x` or `y`. Scans eight
/// bytes per step (SWAR); SIP parsing spends most of its time looking for line ends.
pub(crate) fn find2(b: &[u8], from: usize, x: u8, y: u8) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let (xs, ys) = (LO * u64::from(x), LO * u64::from(y));
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let Ok(arr) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let w = u64::from_le_bytes(arr);
        let (a, c) = (w ^ xs, w ^ ys);
        // A zero byte in `a` or `c` marks a match; the lowest flagged byte is exact.
        let t = ((a.wrapping_sub(LO) & !a) | (c.wrapping_sub(LO) & !c)) & HI;
        if t != 0 {
            return Some(i + (t.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b.get(i..)?
        .iter()
        .position(|&c| c == x || c == y)
        .map(|p| i + p)
}

/// True when every byte is a token character and there is at least one.
pub(crate) fn is_token_str(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token)
}

/// Parse decimal digits into a `u64`, `None` on empty, non-digit or overflow.
pub(crate) fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// A position in one header value (already unfolded).
pub(crate) struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// Start at the beginning of `s`.
    pub(crate) fn new(s: &'a str) -> Self {
        Cursor { s, pos: 0 }
    }

    /// Current byte offset.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The input from `start` to the current position.
    pub(crate) fn since(&self, start: usize) -> &'a str {
        self.s.get(start..self.pos).unwrap_or("")
    }

    /// Everything not consumed yet.
    pub(crate) fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or("")
    }

    /// Next byte without consuming it.
    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    /// True when everything was consumed.
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    /// Step over the next byte (the caller has peeked it and knows it is ASCII).
    #[inline]
    pub(crate) fn bump(&mut self) {
        self.pos += 1;
    }

    /// Consume `b` if it is next.
    #[inline]
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consume `b` or fail.
    pub(crate) fn expect(&mut self, b: u8) -> Scan<()> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(Bad)
        }
    }

    /// Skip linear white space (SP, HTAB, and CR/LF should a caller pass folded text).
    #[inline]
    pub(crate) fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if b == b' ' || b == b'\t' || b == b'\r' || b == b'\n' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// Consume the longest run of ASCII bytes matching `f` (possibly empty).
    #[inline]
    pub(crate) fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b.is_ascii() && f(b) {
                self.pos += 1;
            } else {
                break;
            }
        }
        self.since(start)
    }

    /// Consume a non-empty token.
    pub(crate) fn token(&mut self) -> Scan<&'a str> {
        let t = self.take_while(is_token);
        if t.is_empty() {
            Err(Bad)
        } else {
            Ok(t)
        }
    }

    /// Consume a quoted string starting at the current `"`; returns it with its quotes.
    pub(crate) fn quoted(&mut self) -> Scan<&'a str> {
        let start = self.pos;
        self.expect(b'"')?;
        let bytes = self.s.as_bytes();
        while let Some(&b) = bytes.get(self.pos) {
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(self.since(start));
                }
                // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
                b'\\' => match bytes.get(self.pos + 1) {
                    Some(b'\r' | b'\n') | None => return Err(Bad),
                    Some(n) if !n.is_ascii() => return Err(Bad),
                    Some(_) => self.pos += 2,
                },
                b'\r' | b'\n' => return Err(Bad),
                _ => self.pos += 1,
            }
        }
        Err(Bad)
    }
}

/// Remove the quotes and quoted-pair escapes of a string `quoted` returned.
pub(crate) fn unquote(q: &str) -> String {
    let inner = q
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(q);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Decode `%HH` escapes (a `%` without two hex digits stays as is); invalid UTF-8
/// becomes U+FFFD.
pub(crate) fn unescape(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (b.get(i + 1).and_then(hex), b.get(i + 2).and_then(hex)) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn hex(b: &u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_strings_and_escapes() {
        let mut c = Cursor::new(r#""J Rosenberg \\\"" <x>"#);
        let q = c.quoted().unwrap();
        assert_eq!(q, r#""J Rosenberg \\\"""#);
        assert_eq!(unquote(q), r#"J Rosenberg \""#);
        assert!(Cursor::new("\"open").quoted().is_err());
        assert!(Cursor::new("\"a\\").quoted().is_err());
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape("%75se%72"), "user");
        assert_eq!(unescape("null-%00-null"), "null-\0-null");
        assert_eq!(unescape("%FF"), "\u{FFFD}");
    }

    #[test]
    fn find2_matches_a_naive_scan() {
        let hay = b"abc\x80\xff\r\nxyz......\n.......\r";
        for from in 0..hay.len() {
            let naive = hay[from..]
                .iter()
                .position(|&c| c == b'\r' || c == b'\n')
                .map(|p| p + from);
            assert_eq!(find2(hay, from, b'\r', b'\n'), naive, "from {from}");
        }
        assert_eq!(find2(b"", 0, b'a', b'b'), None);
        assert_eq!(find2(b"ab", 5, b'a', b'b'), None);
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u64("0068"), Some(68));
        assert_eq!(parse_u64(""), None);
        assert_eq!(parse_u64("-1"), None);
        assert_eq!(parse_u64("99999999999999999999999"), None);
    }

    #[test]
    fn classes() {
        assert!("!interesting-Method0123456789_*+`.%indeed'~"
            .bytes()
            .all(is_token));
        assert!(!is_token(b'/'));
        assert!(is_user_char(b';') && !is_user_char(b'@') && !is_user_char(b':'));
        assert!(is_param_char(b':') && !is_param_char(b';') && !is_param_char(b'='));
    }
}
