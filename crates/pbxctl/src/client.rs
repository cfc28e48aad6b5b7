//! The HTTP side: one blocking `ureq` agent, Basic auth on every request, and the mapping of
//! API error bodies (`{"error": …, "field": …}`) to one readable line.

use std::fmt;
use std::io::Write;
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;

/// Why a command failed; printed as `error: <Display>` with exit status 1.
#[derive(Debug)]
pub(crate) enum CliError {
    /// The API answered with an error status; `message` and `field` come from its JSON body.
    Api {
        /// HTTP status code.
        status: u16,
        /// The API's `error` text (or a generic one when the body had none).
        message: String,
        /// The API's `field`, naming the bad input, when present.
        field: Option<String>,
    },
    /// The server could not be reached or the connection broke.
    Transport(String),
    /// A local problem: an output file, a malformed answer.
    Local(String),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Api {
                message,
                field: Some(field),
                ..
            } => {
                write!(f, "{message} (field: {field})")
            }
            CliError::Api {
                message,
                field: None,
                status,
            } if *status == 401 => {
                write!(
                    f,
                    "{message} (check --user/--password or PBX_USER/PBX_PASSWORD)"
                )
            }
            CliError::Api {
                message,
                field: None,
                ..
            } => f.write_str(message),
            CliError::Transport(msg) | CliError::Local(msg) => f.write_str(msg),
        }
    }
}

/// A configured connection to one pbxd.
pub(crate) struct Client {
    agent: ureq::Agent,
    base: String,
    authorization: Option<String>,
}

impl Client {
    /// A client for `base_url`; without a password requests go out unauthenticated (and the API
    /// will answer 401 except for `/healthz`).
    /// `cacert`: a PEM certificate (or chain) trusted for HTTPS instead of the web roots.
    pub(crate) fn new(
        base_url: &str,
        user: &str,
        password: Option<&str>,
        cacert: Option<&std::path::Path>,
    ) -> Result<Self, CliError> {
        let mut builder = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(5))
            .timeout_read(Duration::from_secs(60))
            .timeout_write(Duration::from_secs(60));
        if let Some(path) = cacert {
            builder = builder.tls_config(trusting(path)?);
        }
        let agent = builder.build();
        let authorization = password.map(|pw| {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pw}"));
            format!("Basic {token}")
        });
        Ok(Client {
            agent,
            base: base_url.trim_end_matches('/').to_owned(),
            authorization,
        })
    }

    /// `GET path?query` and parse the JSON answer.
    pub(crate) fn get_json(&self, path: &str, query: &[(&str, String)]) -> Result<Value, CliError> {
        let mut req = self.request("GET", path);
        for (k, v) in query {
            req = req.query(k, v);
        }
        let resp = self.call(req.call())?;
        read_json(resp)
    }

    /// Send `body` as JSON with `method` and parse the JSON answer.
    pub(crate) fn send_json(
        &self,
        method: &str,
        path: &str,
        body: &Value,
    ) -> Result<Value, CliError> {
        let req = self.request(method, path);
        let resp = self.call(req.send_json(body))?;
        read_json(resp)
    }

    /// `DELETE path`; success is any 2xx.
    pub(crate) fn delete(&self, path: &str) -> Result<(), CliError> {
        self.call(self.request("DELETE", path).call()).map(drop)
    }

    /// `GET path?query` and stream the body into `sink` without buffering it whole.
    pub(crate) fn download(
        &self,
        path: &str,
        query: &[(&str, String)],
        sink: &mut dyn Write,
    ) -> Result<(), CliError> {
        let mut req = self.request("GET", path);
        for (k, v) in query {
            req = req.query(k, v);
        }
        let resp = self.call(req.call())?;
        let mut reader = resp.into_reader();
        std::io::copy(&mut reader, sink)
            .map(drop)
            .map_err(|e| CliError::Transport(format!("download interrupted: {e}")))
    }

    /// Send `body` (`len` bytes when known) with `content_type` by POST, streaming it, and
    /// parse the JSON answer.
    pub(crate) fn upload(
        &self,
        path: &str,
        content_type: &str,
        len: Option<u64>,
        body: &mut dyn std::io::Read,
    ) -> Result<Value, CliError> {
        let mut req = self
            .request("POST", path)
            .set("Content-Type", content_type)
            .timeout(Duration::from_secs(3600));
        if let Some(len) = len {
            req = req.set("Content-Length", &len.to_string());
        }
        let resp = self.call(req.send(body))?;
        read_json(resp)
    }

    /// `GET /healthz` (no auth). A 503 is an API error "not ready".
    pub(crate) fn health(&self) -> Result<Value, CliError> {
        let req = self.agent.get(&format!("{}/healthz", self.base));
        match self.call(req.call()) {
            Ok(resp) => read_json(resp),
            Err(CliError::Api { status: 503, .. }) => Err(CliError::Api {
                status: 503,
                message: "pbxd is not ready yet (still starting)".into(),
                field: None,
            }),
            Err(e) => Err(e),
        }
    }

    fn request(&self, method: &str, path: &str) -> ureq::Request {
        let req = self.agent.request(method, &format!("{}{path}", self.base));
        match &self.authorization {
            Some(auth) => req.set("Authorization", auth),
            None => req,
        }
    }

    /// Turn ureq's outcome into a response or a `CliError` carrying the API's own message.
    fn call(
        &self,
        result: Result<ureq::Response, ureq::Error>,
    ) -> Result<ureq::Response, CliError> {
        match result {
            Ok(resp) if (300..400).contains(&resp.status()) => {
                // Only GET/HEAD redirects are followed; a POST to a pbxd that redirects plain
                // HTTP to HTTPS ends here.
                let location = resp.header("location").unwrap_or("?").to_owned();
                Err(CliError::Api {
                    status: resp.status(),
                    message: format!(
                        "pbxd redirects to {location}; give that address (https://…) as --url"
                    ),
                    field: None,
                })
            }
            Ok(resp) => Ok(resp),
            Err(ureq::Error::Status(status, resp)) => Err(api_error(status, resp)),
            Err(ureq::Error::Transport(t)) => {
                let detail = match t.message() {
                    Some(m) => format!("{}: {m}", t.kind()),
                    None => t.kind().to_string(),
                };
                Err(CliError::Transport(format!(
                    "cannot reach {}: {detail}",
                    self.base
                )))
            }
        }
    }
}

/// Percent-encode one path segment (everything but RFC 3986 unreserved characters).
pub(crate) fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Parse a success body; an empty body (204) reads as `null`.
fn read_json(resp: ureq::Response) -> Result<Value, CliError> {
    let text = resp
        .into_string()
        .map_err(|e| CliError::Transport(format!("reading the answer failed: {e}")))?;
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text)
        .map_err(|e| CliError::Local(format!("the server's answer is not JSON: {e}")))
}

/// Build the error for a non-2xx answer from its `{"error","field"}` body, or from the status.
fn api_error(status: u16, resp: ureq::Response) -> CliError {
    let reason = resp.status_text().to_owned();
    let body = resp.into_string().unwrap_or_default();
    let parsed: Option<Value> = serde_json::from_str(&body).ok();
    let message = parsed
        .as_ref()
        .and_then(|v| v.get("error"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            let trimmed = body.trim();
            (!trimmed.is_empty() && trimmed.len() < 200).then(|| trimmed.to_owned())
        })
        .unwrap_or_else(|| format!("HTTP {status} {reason}"));
    let field = parsed
        .as_ref()
        .and_then(|v| v.get("field"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    CliError::Api {
        status,
        message,
        field,
    }
}

/// A TLS client configuration that trusts exactly the certificates in the PEM file `path`.
fn trusting(path: &std::path::Path) -> Result<std::sync::Arc<rustls::ClientConfig>, CliError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let bad = |why: String| CliError::Local(format!("--cacert {}: {why}", path.display()));
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| bad(format!("not a PEM certificate ({e})")))?;
        roots.add(cert).map_err(|e| bad(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(bad("no certificate in the file".into()));
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(std::sync::Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded() {
        assert_eq!(encode_segment("101"), "101");
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn api_errors_render_with_field() {
        let e = CliError::Api {
            status: 400,
            message: "too weak".into(),
            field: Some("secret".into()),
        };
        assert_eq!(e.to_string(), "too weak (field: secret)");
        let e = CliError::Api {
            status: 404,
            message: "no such extension".into(),
            field: None,
        };
        assert_eq!(e.to_string(), "no such extension");
    }
}
