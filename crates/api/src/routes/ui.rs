//! The admin web GUI: the static files of `web-ui/`, embedded at compile time and served at `/`.
//!
//! The router hands this module every request no API route matched (it is the fallback), so
//! `/api/…`, `/healthz` and `/metrics` always win. Here:
//!
//! - `GET`/`HEAD` of an embedded file answers it with its Content-Type;
//! - any other `GET`/`HEAD` outside `/api/` whose last segment has no file extension answers
//!   `index.html`, so the GUI's client-side routes (`/extensions`, `/cdr`, …) survive a reload;
//! - everything else (unknown `/api/…` paths, other methods, missing assets) keeps the API's
//!   JSON 404.
//!
//! Every GUI response carries a strict Content-Security-Policy (scripts, styles and
//! connections from this origin only, no inline code, no framing) and `Cache-Control:
//! no-cache` with a content-hash ETag, so browsers revalidate cheaply and never run a stale
//! GUI after an upgrade.

use std::sync::OnceLock;

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The policy every GUI response carries. `connect-src 'self'` covers the event WebSocket
/// (same host and port) in current browsers.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' \
                   data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; \
                   base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// One embedded file of `web-ui/`.
struct Asset {
    /// URL path, e.g. `/js/app.js`.
    path: &'static str,
    /// Its bytes.
    body: &'static [u8],
    /// Its Content-Type.
    content_type: &'static str,
}

/// Embed `web-ui/<file>` under the URL `/<file>`, typed by its extension.
macro_rules! asset {
    ($file:literal) => {
        Asset {
            path: concat!("/", $file),
            body: include_bytes!(concat!("../../../../web-ui/", $file)),
            content_type: content_type_of($file),
        }
    };
}

/// Every file the GUI consists of. A new page is one more line here (a unit test checks that
/// every file of `web-ui/` that browsers load is listed).
static ASSETS: &[Asset] = &[
    asset!("index.html"),
    asset!("app.css"),
    asset!("favicon.svg"),
    asset!("js/app.js"),
    asset!("js/api.js"),
    asset!("js/events.js"),
    asset!("js/html.js"),
    asset!("js/widgets.js"),
    asset!("js/forms.js"),
    asset!("js/crud.js"),
    asset!("js/pages/index.js"),
    asset!("js/pages/login.js"),
    asset!("js/pages/dashboard.js"),
    asset!("js/pages/extensions.js"),
    asset!("js/pages/registrations.js"),
    asset!("js/pages/settings.js"),
    asset!("js/pages/cdr.js"),
    asset!("js/pages/accounts.js"),
    asset!("js/pages/audit.js"),
    asset!("js/pages/backups.js"),
    asset!("js/pages/https.js"),
    asset!("js/pages/me.js"),
    asset!("js/pages/wizard.js"),
    asset!("js/pages/calls.js"),
    asset!("js/pages/trunks.js"),
    asset!("js/pages/outbound.js"),
    asset!("js/pages/inbound.js"),
    asset!("js/pages/timeconditions.js"),
    asset!("js/pages/ivrs.js"),
    asset!("js/pages/departments.js"),
    asset!("js/pages/blacklist.js"),
    asset!("js/pages/options.js"),
    asset!("js/pages/tracer.js"),
    asset!("js/pages/sounds.js"),
    asset!("vendor/preact.mjs"),
    asset!("vendor/hooks.mjs"),
    asset!("vendor/htm.mjs"),
];

/// The Content-Type of a file, from its extension.
const fn content_type_of(file: &str) -> &'static str {
    let b = file.as_bytes();
    if ends_with(b, b".html") {
        "text/html; charset=utf-8"
    } else if ends_with(b, b".css") {
        "text/css; charset=utf-8"
    } else if ends_with(b, b".js") || ends_with(b, b".mjs") {
        "text/javascript; charset=utf-8"
    } else if ends_with(b, b".svg") {
        "image/svg+xml"
    } else if ends_with(b, b".json") {
        "application/json"
    } else {
        "application/octet-stream"
    }
}

/// `const` suffix test (str::ends_with is not const).
const fn ends_with(s: &[u8], suffix: &[u8]) -> bool {
    if suffix.len() > s.len() {
        return false;
    }
    let start = s.len() - suffix.len();
    let mut i = 0;
    while i < suffix.len() {
        if s[start + i] != suffix[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The router's fallback: a GUI file, `index.html` for client routes, or the JSON 404.
pub(crate) async fn fallback(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let index = if method == Method::GET || method == Method::HEAD {
        lookup(uri.path())
    } else {
        None
    };
    match index {
        Some(index) => serve(index, &method, &headers),
        None => super::system::not_found().await.into_response(),
    }
}

/// Index into [`ASSETS`] of what `path` should answer, if anything.
fn lookup(path: &str) -> Option<usize> {
    if path == "/api" || path.starts_with("/api/") {
        return None;
    }
    if let Some(i) = ASSETS.iter().position(|a| a.path == path) {
        return Some(i);
    }
    let last = path.rsplit('/').next().unwrap_or("");
    if last.contains('.') {
        // Looks like a file that does not exist: a real 404, not the app shell.
        return None;
    }
    ASSETS.iter().position(|a| a.path == "/index.html")
}

/// Answer asset `index` with caching and security headers (304 when the ETag matches).
fn serve(index: usize, method: &Method, headers: &HeaderMap) -> Response {
    let asset = &ASSETS[index];
    let etag = etag(index);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let (status, body) = if fresh {
        (StatusCode::NOT_MODIFIED, &[][..])
    } else if *method == Method::HEAD {
        (StatusCode::OK, &[][..])
    } else {
        (StatusCode::OK, asset.body)
    };
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

/// The quoted ETag of asset `index`: a prefix of the SHA-256 of its bytes, computed once.
fn etag(index: usize) -> &'static str {
    static TAGS: OnceLock<Vec<String>> = OnceLock::new();
    let tags = TAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| format!("\"{}\"", &hex::encode(Sha256::digest(a.body))[..20]))
            .collect()
    });
    tags.get(index).map_or("\"\"", String::as_str)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use axum::body::Body;
    use axum::http::Request;
    use axum::Router;
    use tower::ServiceExt;

    use super::*;

    async fn get(method: &str, uri: &str, if_none_match: Option<&str>) -> Response {
        let app: Router = Router::new().fallback(fallback);
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(tag) = if_none_match {
            req = req.header(header::IF_NONE_MATCH, tag);
        }
        app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap()
    }

    async fn body_text(resp: Response) -> String {
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    fn header_of(resp: &Response, name: header::HeaderName) -> &str {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    #[tokio::test]
    async fn root_and_client_routes_serve_the_app_shell_with_strict_headers() {
        for uri in ["/", "/extensions", "/cdr/", "/settings?x=1"] {
            let resp = get("GET", uri, None).await;
            assert_eq!(resp.status(), StatusCode::OK, "{uri}");
            assert_eq!(
                header_of(&resp, header::CONTENT_TYPE),
                "text/html; charset=utf-8"
            );
            let csp = header_of(&resp, header::CONTENT_SECURITY_POLICY).to_owned();
            assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe"));
            assert_eq!(header_of(&resp, header::CACHE_CONTROL), "no-cache");
            assert_eq!(header_of(&resp, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
            assert!(body_text(resp).await.contains("<script type=\"module\""));
        }
    }

    #[tokio::test]
    async fn assets_have_their_content_type_and_revalidate_by_etag() {
        let resp = get("GET", "/vendor/preact.mjs", None).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            header_of(&resp, header::CONTENT_TYPE),
            "text/javascript; charset=utf-8"
        );
        let tag = header_of(&resp, header::ETAG).to_owned();
        assert!(tag.starts_with('"') && tag.len() == 22, "{tag}");
        let again = get("GET", "/vendor/preact.mjs", Some(&tag)).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(body_text(again).await.is_empty());
        let css = get("GET", "/app.css", Some("\"other\"")).await;
        assert_eq!(css.status(), StatusCode::OK);
        assert_eq!(
            header_of(&css, header::CONTENT_TYPE),
            "text/css; charset=utf-8"
        );
        let head = get("HEAD", "/js/app.js", None).await;
        assert_eq!(head.status(), StatusCode::OK);
        assert!(body_text(head).await.is_empty());
    }

    #[tokio::test]
    async fn api_paths_missing_files_and_other_methods_stay_json_404() {
        for (method, uri) in [
            ("GET", "/api/v1/nothing-here"),
            ("GET", "/api"),
            ("GET", "/missing.js"),
            ("GET", "/js/nope.js"),
            ("POST", "/"),
            ("DELETE", "/extensions"),
        ] {
            let resp = get(method, uri, None).await;
            assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{method} {uri}");
            let v: serde_json::Value = serde_json::from_str(&body_text(resp).await).unwrap();
            assert!(v["error"].is_string(), "{method} {uri}");
        }
    }

    /// Every file a browser may load from `web-ui/` must be embedded (or the GUI breaks only
    /// in a release build); build inputs (`vendor.sh`, docs, checksums) are not served.
    #[test]
    fn every_served_file_of_web_ui_is_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web-ui");
        let mut files = Vec::new();
        collect(&root, &mut files);
        let served = [".html", ".css", ".js", ".mjs", ".svg"];
        for file in files {
            let rel = file
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if !served.iter().any(|ext| rel.ends_with(ext)) {
                continue;
            }
            let url = format!("/{rel}");
            assert!(
                ASSETS.iter().any(|a| a.path == url),
                "web-ui/{rel} is not listed in ASSETS (crates/api/src/routes/ui.rs)"
            );
        }
    }

    fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                collect(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}
