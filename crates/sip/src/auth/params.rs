//! The `Digest` auth-param list shared by challenges and credentials
//! (RFC 7616 §3.3–3.4, RFC 7235 §2.1): `Digest name=token, name="quoted"`.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use super::AuthParseError;

/// Strip the case-insensitive `Digest` scheme and the whitespace after it.
pub(crate) fn strip_digest_scheme(value: &str) -> Result<&str, AuthParseError> {
    let value = value.trim_start();
    let scheme_end = value
        .find(|c: char| c.is_ascii_whitespace())
        .unwrap_or(value.len());
    if !value[..scheme_end].eq_ignore_ascii_case("Digest") {
        return Err(AuthParseError::NotDigest);
    }
    Ok(&value[scheme_end..])
}

/// Iterator over `(name, value)` auth-params; quoted values are unescaped.
pub(crate) struct AuthParams<'a> {
    rest: &'a str,
    /// Byte offset of `rest` in the original text, for error positions.
    offset: usize,
    failed: bool,
}

impl<'a> AuthParams<'a> {
    /// Iterate the params of `text` (the part after the scheme).
    pub(crate) fn new(text: &'a str) -> Self {
        AuthParams {
            rest: text,
            offset: 0,
            failed: false,
        }
    }

    fn advance(&mut self, n: usize) {
        self.rest = &self.rest[n..];
        self.offset += n;
    }

    fn skip(&mut self, pred: impl Fn(char) -> bool) {
        let n = self
            .rest
            .find(|c: char| !pred(c))
            .unwrap_or(self.rest.len());
        self.advance(n);
    }

    fn error(&mut self) -> Option<Result<(&'a str, Cow<'a, str>), AuthParseError>> {
        self.failed = true;
        Some(Err(AuthParseError::Syntax { at: self.offset }))
    }

    fn quoted(&mut self) -> Option<Cow<'a, str>> {
        // Called with `rest` starting at the opening quote.
        let body = &self.rest[1..];
        let mut owned: Option<String> = None;
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    let value = match owned {
                        Some(s) => Cow::Owned(s),
                        None => Cow::Borrowed(&body[..i]),
                    };
                    self.advance(i + 2);
                    return Some(value);
                }
                '\\' => {
                    let s = owned.get_or_insert_with(|| body[..i].to_string());
                    let (_, escaped) = chars.next()?;
                    s.push(escaped);
                }
                c => {
                    if let Some(s) = owned.as_mut() {
                        s.push(c);
                    }
                }
            }
        }
        None
    }
}

impl<'a> Iterator for AuthParams<'a> {
    type Item = Result<(&'a str, Cow<'a, str>), AuthParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        self.skip(|c| c.is_ascii_whitespace() || c == ',');
        if self.rest.is_empty() {
            return None;
        }
        let name_len = self
            .rest
            .find(|c: char| !is_tchar(c))
            .unwrap_or(self.rest.len());
        if name_len == 0 {
            return self.error();
        }
        let name = &self.rest[..name_len];
        self.advance(name_len);
        self.skip(|c| c.is_ascii_whitespace());
        if !self.rest.starts_with('=') {
            return self.error();
        }
        self.advance(1);
        self.skip(|c| c.is_ascii_whitespace());
        let value = if self.rest.starts_with('"') {
            match self.quoted() {
                Some(v) => v,
                None => return self.error(),
            }
        } else {
            // Tolerate any unquoted text up to the next comma.
            let len = self.rest.find(',').unwrap_or(self.rest.len());
            let v = self.rest[..len].trim();
            self.advance(len);
            if v.is_empty() {
                return self.error();
            }
            Cow::Borrowed(v)
        };
        self.skip(|c| c.is_ascii_whitespace());
        if !(self.rest.is_empty() || self.rest.starts_with(',')) {
            return self.error();
        }
        Some(Ok((name, value)))
    }
}

/// Store a parameter value, refusing a second occurrence (RFC 7616 §3.4:
/// a parameter must not appear more than once).
pub(crate) fn set_once(
    slot: &mut Option<String>,
    name: &'static str,
    value: Cow<'_, str>,
) -> Result<(), AuthParseError> {
    if slot.is_some() {
        return Err(AuthParseError::Duplicate { param: name });
    }
    *slot = Some(value.into_owned());
    Ok(())
}

/// Writes `s` as a quoted-string, escaping `"` and `\` and dropping control
/// characters (which could otherwise break the header line).
pub(crate) struct Quoted<'a>(pub(crate) &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        for c in self.0.chars() {
            match c {
                '"' | '\\' => {
                    f.write_char('\\')?;
                    f.write_char(c)?;
                }
                c if c.is_control() => {}
                c => f.write_char(c)?,
            }
        }
        f.write_char('"')
    }
}

/// RFC 7230 tchar.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(s: &str) -> Result<Vec<(String, String)>, AuthParseError> {
        AuthParams::new(s)
            .map(|r| r.map(|(n, v)| (n.to_string(), v.into_owned())))
            .collect()
    }

    #[test]
    fn tokens_quoted_and_escapes() {
        let got = collect(r#" realm="a\"b\\c" , nc=00000001,qop = auth ,x="" "#).unwrap();
        assert_eq!(
            got,
            vec![
                ("realm".into(), r#"a"b\c"#.into()),
                ("nc".into(), "00000001".into()),
                ("qop".into(), "auth".into()),
                ("x".into(), String::new()),
            ]
        );
    }

    #[test]
    fn syntax_errors_stop_iteration() {
        assert!(collect("realm").is_err());
        assert!(collect("realm=\"unterminated").is_err());
        assert!(collect("realm=\"a\" junk").is_err());
        assert!(collect("=x").is_err());
        assert!(collect("a=").is_err());
    }

    #[test]
    fn quoting_escapes() {
        assert_eq!(Quoted("a\"b\\c\r\n").to_string(), r#""a\"b\\c""#);
    }
}
