//! The one error type of the API and the JSON body extractor that produces it.
//!
//! Client mistakes answer `{"error": …, "field": …}` with a 4xx status (interface.md). Server
//! faults answer a plain 500; the message is attached to the response as a [`ServerFault`]
//! extension so the metrics middleware logs it exactly once and never sends it out.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rotary_config::ConfigIssue;
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::ToSchema;

/// Every way an API request can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ApiError {
    /// The request is invalid (400); `field` names the first bad field when known.
    #[error("{message}")]
    BadRequest {
        /// What is wrong, fit for showing to the user.
        message: String,
        /// The offending field of the JSON body or query.
        field: Option<String>,
        /// Every problem found, for forms that mark all bad fields at once.
        issues: Vec<IssueBody>,
    },
    /// Missing or wrong credentials (401).
    #[error("{message}")]
    Unauthorized {
        /// Why the credentials were refused.
        message: &'static str,
        /// The `WWW-Authenticate` challenge scheme to send: `Basic` or `Bearer`.
        challenge: Challenge,
    },
    /// Authenticated, but the role does not allow this (403).
    #[error("{message}")]
    Forbidden {
        /// What is not allowed.
        message: String,
        /// The field the caller may not change, if that is the reason.
        field: Option<String>,
    },
    /// No such resource (404).
    #[error("{0}")]
    NotFound(String),
    /// The resource already exists (409).
    #[error("{message}")]
    Conflict {
        /// What conflicts.
        message: String,
        /// The field holding the conflicting value.
        field: Option<String>,
    },
    /// An upload over its size limit (413); names the field.
    #[error("{message}")]
    TooLarge {
        /// What is too large and the limit.
        message: String,
        /// The upload's field.
        field: String,
    },
    /// The request body is larger than this endpoint takes (413).
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The body is not JSON (415).
    #[error("request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    /// A WebSocket endpoint was requested without a WebSocket upgrade (426).
    #[error("this endpoint speaks WebSocket only; send an Upgrade: websocket request")]
    UpgradeRequired,
    /// Too many failed logins from this address (429).
    #[error("too many failed logins; try again later")]
    TooManyRequests {
        /// Seconds until the address may try again (`Retry-After`).
        retry_after_secs: u64,
    },
    /// A fault on our side (500). The text is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Which `WWW-Authenticate` challenge a 401 carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// `Basic realm="rotary"`: for requests without credentials or with Basic ones.
    Basic,
    /// `Bearer realm="rotary"`: for a rejected token, so browsers do not pop up a dialog.
    Bearer,
}

/// The JSON shape of every client error (interface.md).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    /// What is wrong.
    pub(crate) error: String,
    /// The offending field, when one is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) field: Option<String>,
    /// All validation problems (400 on validation only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) issues: Vec<IssueBody>,
}

/// One validation problem inside [`ErrorBody::issues`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub(crate) struct IssueBody {
    /// Field name as in the JSON body.
    pub(crate) field: String,
    /// What is wrong with it.
    pub(crate) message: String,
}

/// Marker left on a 500 response for the logging middleware; the body stays generic.
#[derive(Clone, Debug)]
pub(crate) struct ServerFault(pub(crate) String);

impl ApiError {
    /// A 400 naming `field`.
    pub(crate) fn bad_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            message: message.into(),
            field: Some(field.into()),
            issues: vec![],
        }
    }

    /// A 400 from validation issues: the first names the field, all are listed.
    pub(crate) fn invalid(issues: &[ConfigIssue]) -> Self {
        let issues: Vec<IssueBody> = issues
            .iter()
            .map(|i| IssueBody {
                field: i.field.to_owned(),
                message: i.message.clone(),
            })
            .collect();
        match issues.first() {
            Some(first) => ApiError::BadRequest {
                message: format!("{} {}", first.field, first.message),
                field: Some(first.field.clone()),
                issues,
            },
            None => ApiError::BadRequest {
                message: "invalid request".into(),
                field: None,
                issues,
            },
        }
    }

    /// A 403 with a message.
    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden {
            message: message.into(),
            field: None,
        }
    }

    /// A 500 from any displayable fault.
    pub(crate) fn internal(fault: impl std::fmt::Display) -> Self {
        ApiError::Internal(fault.to_string())
    }
}

impl From<rotary_store::StoreError> for ApiError {
    /// Store failures the handler did not map to a client error are server faults.
    fn from(e: rotary_store::StoreError) -> Self {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, field, issues) = match &self {
            ApiError::BadRequest { field, issues, .. } => {
                (StatusCode::BAD_REQUEST, field.clone(), issues.clone())
            }
            ApiError::Unauthorized { .. } => (StatusCode::UNAUTHORIZED, None, vec![]),
            ApiError::Forbidden { field, .. } => (StatusCode::FORBIDDEN, field.clone(), vec![]),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, None, vec![]),
            ApiError::Conflict { field, .. } => (StatusCode::CONFLICT, field.clone(), vec![]),
            ApiError::TooLarge { field, .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, Some(field.clone()), vec![])
            }
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, None, vec![]),
            ApiError::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, None, vec![]),
            ApiError::UpgradeRequired => (StatusCode::UPGRADE_REQUIRED, None, vec![]),
            ApiError::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, None, vec![]),
            ApiError::Internal(fault) => {
                let mut resp =
                    (StatusCode::INTERNAL_SERVER_ERROR, "internal server error\n").into_response();
                resp.extensions_mut().insert(ServerFault(fault.clone()));
                return resp;
            }
        };
        let body = ErrorBody {
            error: self.to_string(),
            field,
            issues,
        };
        let mut resp = (status, Json(body)).into_response();
        match self {
            ApiError::Unauthorized { challenge, .. } => {
                let value = match challenge {
                    Challenge::Basic => r#"Basic realm="rotary""#,
                    Challenge::Bearer => r#"Bearer realm="rotary""#,
                };
                resp.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(value));
            }
            ApiError::TooManyRequests { retry_after_secs } => {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            ApiError::UpgradeRequired => {
                let headers = resp.headers_mut();
                headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
                headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
            }
            _ => {}
        }
        resp
    }
}

/// A JSON request body whose errors come out in the API's `{"error","field"}` shape, naming
/// the field serde complained about (unknown field, wrong type) instead of axum's plain text.
#[derive(Debug)]
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|ct| {
                let essence = ct
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                essence == "application/json" || essence.ends_with("+json")
            });
        if !json_type {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::BadRequest {
                message: format!("cannot read request body: {e}"),
                field: None,
                issues: vec![],
            })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// The query string as decoded `(key, value)` pairs. Handlers read the keys they know (the
/// last occurrence wins) and report bad values with the key as `field`; unknown keys are
/// ignored.
#[derive(Debug, Default)]
pub(crate) struct QueryPairs(Vec<(String, String)>);

impl QueryPairs {
    /// The value of `key`, if given and not empty.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The value of `key` parsed as a number, or a 400 naming `key`.
    pub(crate) fn number<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, ApiError> {
        self.get(key)
            .map(|v| {
                v.parse::<T>().map_err(|_| {
                    ApiError::bad_field(key, format!("{key} must be a non-negative integer"))
                })
            })
            .transpose()
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for QueryPairs {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        if parts.uri.query().is_none() {
            return Ok(QueryPairs::default());
        }
        axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map(|q| QueryPairs(q.0))
            .map_err(|e| ApiError::BadRequest {
                message: format!("malformed query string: {}", e.body_text()),
                field: None,
                issues: vec![],
            })
    }
}

/// Deserialize `bytes`, turning serde's complaint into a 400 that names the field.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest {
            message: "request body is empty; expected a JSON object".into(),
            field: None,
            issues: vec![],
        });
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| json_error(&e))?;
    // Trailing garbage after the value is a syntax error too.
    de.end().map_err(|e| ApiError::BadRequest {
        message: format!("invalid JSON: {}", strip_position(&e.to_string())),
        field: None,
        issues: vec![],
    })?;
    Ok(value)
}

/// Map a serde error with its path to the API error body.
fn json_error(err: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let inner = err.inner();
    let message = strip_position(&inner.to_string());
    if inner.is_syntax() || inner.is_eof() || inner.is_io() {
        return ApiError::BadRequest {
            message: format!("invalid JSON: {message}"),
            field: None,
            issues: vec![],
        };
    }
    // serde reports an unknown field at the parent's path; the name is in the message.
    let field = unknown_field_name(&message).or_else(|| {
        let path = err.path().to_string();
        (path != ".").then_some(path)
    });
    ApiError::BadRequest {
        message,
        field,
        issues: vec![],
    }
}

/// The name in serde's "unknown field `x`, expected …".
fn unknown_field_name(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let end = rest.find('`')?;
    Some(rest[..end].to_owned())
}

/// serde_json appends " at line L column C"; the client does not need it twice.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Probe {
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        count: Option<u8>,
    }

    fn field_of(body: &str) -> (Option<String>, String) {
        match parse_json::<Probe>(body.as_bytes()) {
            Err(ApiError::BadRequest { field, message, .. }) => (field, message),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn names_unknown_and_mistyped_fields() {
        assert_eq!(field_of(r#"{"nme":"x"}"#).0.as_deref(), Some("nme"));
        assert_eq!(field_of(r#"{"count":"x"}"#).0.as_deref(), Some("count"));
        assert_eq!(field_of(r#"{"count":900}"#).0.as_deref(), Some("count"));
    }

    #[test]
    fn syntax_errors_have_no_field() {
        let (field, message) = field_of(r#"{"name":"#);
        assert_eq!(field, None);
        assert!(message.starts_with("invalid JSON"), "{message}");
        assert_eq!(field_of("").0, None);
        assert!(field_of(r#"{} {}"#).1.contains("trailing"));
    }
}
