//! The digest computations of RFC 7616 §3.4.1–3.4.3 (and RFC 2617, RFC 2069
//! without qop) for MD5, SHA-256 and SHA-512/256, plus the HMAC-SHA256 the
//! server uses to make nonces self-validating.

use std::fmt;

use md5::Md5;
use sha2::digest::Digest;
use sha2::{Sha256, Sha512_256};

/// A digest algorithm (RFC 7616 §3.3, RFC 8760 §2.2). `-sess` variants mix
/// the nonce and cnonce into HA1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `MD5`: the default when a challenge names none.
    Md5,
    /// `MD5-sess`.
    Md5Sess,
    /// `SHA-256` (RFC 8760: preferred in SIP).
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
    /// `SHA-512-256`.
    Sha512_256,
    /// `SHA-512-256-sess`.
    Sha512_256Sess,
}

/// A quality-of-protection option (RFC 7616 §3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Qop {
    /// `auth`: authentication only (the one Rotary offers and accepts).
    Auth,
    /// `auth-int`: also covers the body (parsed, never accepted).
    AuthInt,
}

impl Algorithm {
    /// The token as written in challenges and credentials.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
            Algorithm::Sha512_256 => "SHA-512-256",
            Algorithm::Sha512_256Sess => "SHA-512-256-sess",
        }
    }

    /// Parse a token, case-insensitively; `None` for algorithms we lack.
    pub fn from_token(token: &str) -> Option<Algorithm> {
        [
            Algorithm::Md5,
            Algorithm::Md5Sess,
            Algorithm::Sha256,
            Algorithm::Sha256Sess,
            Algorithm::Sha512_256,
            Algorithm::Sha512_256Sess,
        ]
        .into_iter()
        .find(|a| a.as_str().eq_ignore_ascii_case(token))
    }

    /// True for the `-sess` variants.
    pub fn is_session(self) -> bool {
        matches!(
            self,
            Algorithm::Md5Sess | Algorithm::Sha256Sess | Algorithm::Sha512_256Sess
        )
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Qop {
    /// The token as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Qop::Auth => "auth",
            Qop::AuthInt => "auth-int",
        }
    }

    /// Parse a token, case-insensitively.
    pub fn from_token(token: &str) -> Option<Qop> {
        if token.eq_ignore_ascii_case("auth") {
            Some(Qop::Auth)
        } else if token.eq_ignore_ascii_case("auth-int") {
            Some(Qop::AuthInt)
        } else {
            None
        }
    }
}

impl fmt::Display for Qop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `H(username:realm:password)`: the base HA1 in lower-case hex (RFC 7616
/// §3.4.2). A registrar may store this per algorithm instead of the password
/// and verify with [`DigestServer::verify_ha1`](super::DigestServer::verify_ha1).
pub fn ha1(algorithm: Algorithm, username: &str, realm: &str, password: &str) -> String {
    hash(
        algorithm,
        &[username.as_bytes(), realm.as_bytes(), password.as_bytes()],
    )
    .to_string()
}

/// The `response` value (RFC 7616 §3.4.1) from a base HA1 (see [`ha1`]).
///
/// `qop` is `Some((nc, cnonce))` for `qop=auth`, `None` for the RFC 2069 form.
/// For `-sess` algorithms the cnonce is mixed into HA1 (empty without qop).
pub fn response(
    algorithm: Algorithm,
    ha1: &str,
    nonce: &str,
    qop: Option<(u32, &str)>,
    method: &str,
    uri: &str,
) -> String {
    compute_response(algorithm, ha1.as_bytes(), nonce, qop, method, uri).to_string()
}

/// [`response`] without allocating.
pub(crate) fn compute_response(
    algorithm: Algorithm,
    ha1: &[u8],
    nonce: &str,
    qop: Option<(u32, &str)>,
    method: &str,
    uri: &str,
) -> HexDigest {
    let cnonce = qop.map_or("", |(_, c)| c);
    let session;
    let ha1 = if algorithm.is_session() {
        session = hash(algorithm, &[ha1, nonce.as_bytes(), cnonce.as_bytes()]);
        session.as_bytes()
    } else {
        ha1
    };
    let ha2 = hash(algorithm, &[method.as_bytes(), uri.as_bytes()]);
    match qop {
        Some((nc, cnonce)) => {
            let mut nc_hex = [0u8; 8];
            // Writing 4 bytes as 8 hex digits into an 8-byte buffer cannot fail.
            let _ = hex::encode_to_slice(nc.to_be_bytes(), &mut nc_hex);
            hash(
                algorithm,
                &[
                    ha1,
                    nonce.as_bytes(),
                    &nc_hex,
                    cnonce.as_bytes(),
                    b"auth",
                    ha2.as_bytes(),
                ],
            )
        }
        None => hash(algorithm, &[ha1, nonce.as_bytes(), ha2.as_bytes()]),
    }
}

/// A lower-case hex digest on the stack (up to 256 bits).
#[derive(Clone, Copy)]
pub(crate) struct HexDigest {
    buf: [u8; 64],
    len: usize,
}

impl HexDigest {
    fn from_bytes(bytes: &[u8]) -> Self {
        let mut buf = [0u8; 64];
        let len = bytes.len() * 2;
        // Digests are at most 32 bytes, so 64 hex digits always fit.
        let _ = hex::encode_to_slice(bytes, &mut buf[..len]);
        HexDigest { buf, len }
    }

    /// The hex text as bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl fmt::Display for HexDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only ASCII hex digits are ever written into `buf`.
        f.write_str(std::str::from_utf8(self.as_bytes()).unwrap_or_default())
    }
}

/// Hash `parts` joined by `:`.
fn hash(algorithm: Algorithm, parts: &[&[u8]]) -> HexDigest {
    fn run<D: Digest>(parts: &[&[u8]]) -> HexDigest {
        let mut d = D::new();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                d.update(b":");
            }
            d.update(p);
        }
        HexDigest::from_bytes(&d.finalize())
    }
    match algorithm {
        Algorithm::Md5 | Algorithm::Md5Sess => run::<Md5>(parts),
        Algorithm::Sha256 | Algorithm::Sha256Sess => run::<Sha256>(parts),
        Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => run::<Sha512_256>(parts),
    }
}

/// HMAC-SHA256 (RFC 2104) with the padded key states precomputed.
#[derive(Clone)]
pub(crate) struct HmacSha256 {
    inner: Sha256,
    outer: Sha256,
}

impl HmacSha256 {
    /// Prepare a key of any length.
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut block = [0u8; 64];
        if key.len() > 64 {
            block[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
        HmacSha256 {
            inner: Sha256::new_with_prefix(ipad),
            outer: Sha256::new_with_prefix(opad),
        }
    }

    /// The MAC of the concatenation of `parts`.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut inner = self.inner.clone();
        for p in parts {
            inner.update(p);
        }
        let mut outer = self.outer.clone();
        outer.update(inner.finalize());
        outer.finalize().into()
    }
}

impl fmt::Debug for HmacSha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacSha256(..)")
    }
}

/// Compare without an early exit, so timing does not reveal the mismatch position.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_rfc4231_cases() {
        let mac = HmacSha256::new(&[0x0b; 20]).mac(&[b"Hi There"]);
        assert_eq!(
            hex::encode(mac),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        let mac = HmacSha256::new(b"Jefe").mac(&[b"what do ya ", b"want for nothing?"]);
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a 131-byte key is hashed first.
        let mac = HmacSha256::new(&[0xaa; 131])
            .mac(&[b"Test Using Larger Than Block-Size Key - Hash Key First"]);
        assert_eq!(
            hex::encode(mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn rfc2069_form_without_qop() {
        // RFC 2069 §2.4 example (Mufasa, nonce dcd98b...): response 1949323746fe6a43ef61f9606e7febea.
        let ha1 = ha1(
            Algorithm::Md5,
            "Mufasa",
            "testrealm@host.com",
            "CircleOfLife",
        );
        let r = response(
            Algorithm::Md5,
            &ha1,
            "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            None,
            "GET",
            "/dir/index.html",
        );
        assert_eq!(r, "1949323746fe6a43ef61f9606e7febea");
    }

    #[test]
    fn ct_eq_works() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
