//! HTTPS: the generated self-signed certificate is served (a rustls client that trusts
//! only that certificate gets the API over TLS), plain HTTP redirects, and an uploaded
//! certificate is checked (matching key, validity) and served from the next connection.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::StatusCode;
use common::{Harness, ADMIN};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serve the harness's router over TLS on a free port.
async fn serve_tls(h: &Harness, certs: Arc<rotary_api::tls::TlsCerts>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = rotary_api::router(h.state.clone().with_tls(Arc::clone(&certs)));
    tokio::spawn(rotary_api::tls::serve_https(listener, app, certs));
    addr
}

/// One HTTP/1.1 request over TLS to `addr`, trusting only `root` (PEM). Returns the raw
/// response and the DER of the certificate the server showed.
async fn https_get(addr: SocketAddr, root: &[u8], path: &str) -> (String, Vec<u8>) {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(root) {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .expect("TLS handshake with the generated certificate");
    let shown = tls.get_ref().1.peer_certificates().unwrap()[0].to_vec();
    let auth = common::basic_header("admin", common::ADMIN_PW);
    tls.write_all(
        format!(
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: {auth}\r\n\
             Connection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    let _ = tls.read_to_end(&mut out).await;
    (String::from_utf8_lossy(&out).into_owned(), shown)
}

#[tokio::test]
async fn generated_certificate_is_served_and_trusted() {
    let h = Harness::with_files();
    let certs = Arc::new(rotary_api::tls::TlsCerts::load_or_generate(h.dir()).unwrap());
    let cert_pem = std::fs::read(h.dir().join("tls/cert.pem")).unwrap();
    let key = h.dir().join("tls/key.pem");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let addr = serve_tls(&h, Arc::clone(&certs)).await;
    let (resp, _) = https_get(addr, &cert_pem, "/healthz").await;
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains(r#""status":"ok""#), "{resp}");
    let (resp, _) = https_get(addr, &cert_pem, "/api/v1/extensions").await;
    assert!(
        resp.starts_with("HTTP/1.1 200") && resp.contains("\"101\""),
        "{resp}"
    );
    // A second start keeps the same certificate.
    let again = rotary_api::tls::TlsCerts::load_or_generate(h.dir()).unwrap();
    assert_eq!(again.info(), certs.info());
    let info = certs.info().unwrap();
    assert!(info.self_signed);
    assert!(info.names.contains(&"localhost".to_owned()));
    assert!(info.names.contains(&"127.0.0.1".to_owned()));
    let r = h.call("GET", "/api/v1/tls", ADMIN, None).await;
    assert_eq!(r.json["certificate"]["sha256"], info.sha256.as_str());
}

#[tokio::test]
async fn plain_http_redirects_to_https_except_health_and_metrics() {
    let h = Harness::new();
    let app = rotary_api::tls::redirect_to_https(rotary_api::router(h.state.clone()), 8443);
    let send = |method: &'static str, uri: &'static str| {
        let app = app.clone();
        async move {
            use tower::ServiceExt;
            let req = axum::http::Request::builder()
                .method(method)
                .uri(uri)
                .header("host", "pbx.example.com:8080")
                .body(axum::body::Body::empty())
                .unwrap();
            app.oneshot(req).await.unwrap()
        }
    };
    let r = send("GET", "/extensions?x=1").await;
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        r.headers()["location"],
        "https://pbx.example.com:8443/extensions?x=1"
    );
    let r = send("POST", "/api/v1/login").await;
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(send("GET", "/healthz").await.status(), StatusCode::OK);
    assert_eq!(send("GET", "/metrics").await.status(), StatusCode::OK);
}

fn cert_pair(
    names: &[&str],
    not_before: (i32, u8, u8),
    not_after: (i32, u8, u8),
) -> (String, String) {
    let mut params =
        rcgen::CertificateParams::new(names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
            .unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "pbx.example.com");
    params.not_before = rcgen::date_time_ymd(not_before.0, not_before.1, not_before.2);
    params.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), key.serialize_pem())
}

#[tokio::test]
async fn uploaded_certificates_are_checked_and_served_without_restart() {
    let h = Harness::with_files();
    let certs = Arc::new(rotary_api::tls::TlsCerts::load_or_generate(h.dir()).unwrap());
    let addr = serve_tls(&h, Arc::clone(&certs)).await;
    let state = h.state.clone().with_tls(Arc::clone(&certs));
    let put = |body: serde_json::Value| {
        let state = state.clone();
        async move {
            use tower::ServiceExt;
            let req = axum::http::Request::put("/api/v1/tls/certificate")
                .header(
                    "authorization",
                    common::basic_header("admin", common::ADMIN_PW),
                )
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            let resp = rotary_api::router(state).oneshot(req).await.unwrap();
            let status = resp.status();
            let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap();
            (
                status,
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap(),
            )
        }
    };
    let (good_cert, good_key) = cert_pair(&["localhost"], (2020, 1, 1), (2090, 1, 1));
    let (_, other_key) = cert_pair(&["localhost"], (2020, 1, 1), (2090, 1, 1));
    let (old_cert, old_key) = cert_pair(&["localhost"], (2000, 1, 1), (2001, 1, 1));
    for (cert, key, field, words) in [
        (
            good_cert.as_str(),
            other_key.as_str(),
            "private_key",
            "does not belong",
        ),
        (
            old_cert.as_str(),
            old_key.as_str(),
            "certificate",
            "expired",
        ),
        ("not a pem", good_key.as_str(), "certificate", "CERTIFICATE"),
        (good_cert.as_str(), "junk", "private_key", "PEM private key"),
    ] {
        let (status, body) = put(json!({"certificate": cert, "private_key": key})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["field"], field, "{body}");
        assert!(body["error"].as_str().unwrap().contains(words), "{body}");
    }
    let before = certs.info().unwrap();
    assert!(before.self_signed && before.subject.contains("Rotary"));
    let (status, body) = put(json!({"certificate": good_cert, "private_key": good_key})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["subject"], "CN=pbx.example.com");
    // The next connection sees the new certificate; the files hold it for the next start.
    let (resp, shown) = https_get(addr, good_cert.as_bytes(), "/healthz").await;
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let expected = CertificateDer::from_pem_slice(good_cert.as_bytes()).unwrap();
    assert_eq!(shown, expected.to_vec());
    assert_eq!(
        std::fs::read_to_string(h.dir().join("tls/cert.pem")).unwrap(),
        good_cert
    );
    // The key never shows in the audit log.
    let audit = h
        .call("GET", "/api/v1/audit?resource=tls", ADMIN, None)
        .await;
    assert_eq!(audit.json["total"], 1, "{}", audit.text);
    assert!(!audit.text.contains("PRIVATE KEY"));
}
