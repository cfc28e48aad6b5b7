//! An Authorization value captured from SIPp 3.6.1 answering an MD5 challenge
//! (compact form: no spaces after commas, parameters in SIPp's order).

use rotary_sip::auth::{ha1, response, Algorithm, Credentials, Qop};

#[test]
fn sipp_authorization_parses_and_verifies() {
    let value = r#"Digest username="1001",realm="rotary",cnonce="6b8b4567",nc=00000001,qop=auth,uri="sip:127.0.0.1:5391",nonce="abc123",response="db2cd42c7dccc4222d58a1042025b288",algorithm=MD5,opaque="op""#;
    let creds: Credentials = value.parse().unwrap();
    assert_eq!(creds.algorithm, Some(Algorithm::Md5));
    assert_eq!(creds.qop, Some(Qop::Auth));
    assert_eq!(creds.nc, Some(1));
    let h = ha1(Algorithm::Md5, "1001", "rotary", "secret");
    let expected = response(
        Algorithm::Md5,
        &h,
        &creds.nonce,
        Some((1, creds.cnonce.as_deref().unwrap())),
        "REGISTER",
        &creds.uri,
    );
    assert_eq!(creds.response, expected);
}
