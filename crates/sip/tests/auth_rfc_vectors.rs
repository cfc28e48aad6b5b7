//! Published digest test vectors: RFC 2617 §3.5 and RFC 7616 §3.9.1.

use rotary_sip::auth::{authorize, ha1, response, Algorithm, Challenge, Credentials, Qop};

#[test]
fn rfc2617_section_3_5() {
    let challenge: Challenge = r#"Digest
        realm="testrealm@host.com",
        qop="auth,auth-int",
        nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
        opaque="5ccc069c403ebaf9f0171e9517f40e41""#
        .parse()
        .unwrap();
    assert_eq!(challenge.algorithm, Algorithm::Md5);
    let value = authorize(
        &challenge,
        "GET",
        "/dir/index.html",
        "Mufasa",
        "Circle Of Life",
        "0a4f113b",
        1,
    );
    let creds: Credentials = value.parse().unwrap();
    assert_eq!(creds.response, "6629fae49393a05397450978507c4ef1");
    assert_eq!(creds.qop, Some(Qop::Auth));
    assert_eq!(creds.nc, Some(1));
    assert_eq!(creds.cnonce.as_deref(), Some("0a4f113b"));
    assert_eq!(
        creds.opaque.as_deref(),
        Some("5ccc069c403ebaf9f0171e9517f40e41")
    );
    assert!(value.contains("nc=00000001"), "{value}");

    // The same through the low-level functions.
    let h = ha1(
        Algorithm::Md5,
        "Mufasa",
        "testrealm@host.com",
        "Circle Of Life",
    );
    let r = response(
        Algorithm::Md5,
        &h,
        "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        Some((1, "0a4f113b")),
        "GET",
        "/dir/index.html",
    );
    assert_eq!(r, "6629fae49393a05397450978507c4ef1");
}

const RFC7616_NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
const RFC7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
const RFC7616_OPAQUE: &str = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";

fn rfc7616(algorithm: &str) -> Credentials {
    let challenge: Challenge = format!(
        r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={algorithm},
        nonce="{RFC7616_NONCE}", opaque="{RFC7616_OPAQUE}""#
    )
    .parse()
    .unwrap();
    let value = authorize(
        &challenge,
        "GET",
        "/dir/index.html",
        "Mufasa",
        "Circle of Life",
        RFC7616_CNONCE,
        1,
    );
    value.parse().unwrap()
}

#[test]
fn rfc7616_md5() {
    let creds = rfc7616("MD5");
    assert_eq!(creds.algorithm, Some(Algorithm::Md5));
    assert_eq!(creds.response, "8ca523f5e9506fed4657c9700eebdbec");
}

#[test]
fn rfc7616_sha256() {
    let creds = rfc7616("SHA-256");
    assert_eq!(creds.algorithm, Some(Algorithm::Sha256));
    assert_eq!(
        creds.response,
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    );
}

#[test]
fn rfc7616_authorization_header_parses() {
    let creds: Credentials = format!(
        r#"Digest username="Mufasa",
       realm="http-auth@example.org",
       uri="/dir/index.html",
       algorithm=SHA-256,
       nonce="{RFC7616_NONCE}",
       nc=00000001,
       cnonce="{RFC7616_CNONCE}",
       qop=auth,
       response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
       opaque="{RFC7616_OPAQUE}""#
    )
    .parse()
    .unwrap();
    assert_eq!(creds, rfc7616("SHA-256"));
}
