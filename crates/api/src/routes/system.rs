//! Unauthenticated endpoints (`/healthz`, `/metrics`, the OpenAPI document) and login/logout.

use std::net::IpAddr;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{peer_ip, Caller};
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::AppState;

/// Body of `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Health {
    /// `ok` when ready, `starting` otherwise.
    #[schema(example = "ok")]
    status: &'static str,
}

/// Body of `POST /api/v1/login`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginRequest {
    /// API user name, e.g. `admin`.
    username: String,
    /// The user's password.
    #[schema(format = Password)]
    password: String,
}

/// Answer of a successful login.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LoginResponse {
    /// Send as `Authorization: Bearer TOKEN`; expires after 12 hours without use.
    token: String,
}

/// Liveness/readiness for load balancers and `pbxctl health`.
#[utoipa::path(
    operation_id = "healthz",
    get, path = "/healthz", tag = "system",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Still starting", body = Health),
    )
)]
pub(crate) async fn healthz(State(state): State<AppState>) -> Response {
    if state.backend.is_ready() {
        (StatusCode::OK, Json(Health { status: "ok" })).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health { status: "starting" }),
        )
            .into_response()
    }
}

/// Prometheus text: the API's HTTP counters followed by the engine's.
#[utoipa::path(
    operation_id = "metrics",
    get, path = "/metrics", tag = "system",
    responses((status = 200, description = "Prometheus text format 0.0.4", body = String,
               content_type = "text/plain"))
)]
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let mut text = state.metrics.render();
    let engine = state.backend.metrics();
    text.push_str(&engine);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    operation_id = "openapi",
    get, path = "/api/v1/openapi.json", tag = "system",
    responses((status = 200, description = "OpenAPI 3.1 document", body = Object))
)]
pub(crate) async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::openapi_json(),
    )
        .into_response()
}

/// Trade a user name and password for a bearer token.
#[utoipa::path(
    operation_id = "login",
    post, path = "/api/v1/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Wrong user name or password", body = ErrorBody),
        (status = 429, description = "Too many failed logins from this address", body = ErrorBody),
    )
)]
pub(crate) async fn login(
    State(state): State<AppState>,
    PeerIp(ip): PeerIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let checked = state
        .auth
        .check_password(&state, ip, &req.username, &req.password)
        .await;
    let entry = match &checked {
        Ok(c) => Some(crate::audit::login_entry(
            &c.username,
            Some(c.role.as_str()),
            ip,
            true,
        )),
        Err(ApiError::Unauthorized { .. }) => {
            Some(crate::audit::login_entry(&req.username, None, ip, false))
        }
        Err(_) => None, // locked out: not another row per attempt
    };
    if let Some(entry) = entry {
        let written = state
            .with_store_unaudited(move |store, _| Ok(store.insert_audit(&entry)?))
            .await;
        if let Err(e) = written {
            tracing::warn!(error = %e, "cannot write the login to the audit log");
        }
    }
    let caller = checked?;
    state.metrics.record_login();
    tracing::info!(user = %caller.username, role = %caller.role, %ip, "API login");
    let token = state.auth.create_session(&caller.username);
    Ok(Json(LoginResponse { token }))
}

/// Invalidate the bearer token of this request (no-op for Basic).
#[utoipa::path(
    operation_id = "logout",
    post, path = "/api/v1/logout", tag = "auth",
    responses(
        (status = 204, description = "Token forgotten"),
        (status = 401, description = "Not authenticated", body = ErrorBody),
    ),
    security(("bearer" = []), ("basic" = []))
)]
pub(crate) async fn logout(
    State(state): State<AppState>,
    _caller: Caller,
    headers: axum::http::HeaderMap,
) -> StatusCode {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    if let Some(token) = token {
        state.auth.end_session(token);
    }
    StatusCode::NO_CONTENT
}

/// Unknown paths answer 404 in the API's JSON error shape.
pub(crate) async fn not_found() -> ApiError {
    ApiError::NotFound("no such resource".into())
}

/// The client's IP address (or one shared bucket without connect info), for the lockout.
pub(crate) struct PeerIp(pub(crate) IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for PeerIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerIp(peer_ip(parts)))
    }
}
