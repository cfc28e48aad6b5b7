//! `GET /api/v1/tls` and `PUT /api/v1/tls/certificate`: the HTTPS certificate (admin only).
//!
//! An upload is refused (400, `field` naming `certificate` or `private_key`) when the PEM is
//! unreadable, the key does not belong to the certificate, or the certificate is expired or
//! not yet valid. An accepted one is stored in `DATA_DIR/tls/` and served from the next
//! HTTPS connection on, without a restart.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::tls::{CertInfo, TlsError};
use crate::AppState;

/// `GET /api/v1/tls`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TlsView {
    /// Whether this pbxd serves HTTPS now.
    https: bool,
    /// The certificate served (or stored for the next start).
    certificate: Option<CertInfo>,
}

/// Body of `PUT /api/v1/tls/certificate`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CertUpload {
    /// The certificate chain, PEM, leaf first.
    #[schema(example = "-----BEGIN CERTIFICATE-----\n…")]
    certificate: String,
    /// The private key of the leaf, PEM (PKCS#8, PKCS#1 or SEC1); write-only.
    #[schema(example = "-----BEGIN PRIVATE KEY-----\n…")]
    private_key: String,
}

/// The HTTPS state and certificate.
#[utoipa::path(
    operation_id = "get_tls",
    get, path = "/api/v1/tls", tag = "tls",
    responses(
        (status = 200, description = "HTTPS state", body = TlsView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<TlsView>, ApiError> {
    caller.require_admin()?;
    let certificate = match (&state.tls, state.backend.data_dir()) {
        (Some(certs), _) => certs.info(),
        (None, Some(dir)) => tokio::task::spawn_blocking(move || crate::tls::stored_info(&dir))
            .await
            .map_err(ApiError::internal)?,
        (None, None) => None,
    };
    Ok(Json(TlsView {
        https: state.tls.is_some(),
        certificate,
    }))
}

/// Replace the HTTPS certificate and key.
#[utoipa::path(
    operation_id = "put_tls_certificate",
    put, path = "/api/v1/tls/certificate", tag = "tls",
    request_body = CertUpload,
    responses(
        (status = 200, description = "Stored and served from the next connection", body = CertInfo),
        (status = 400, description = "Unreadable, mismatched or expired; `field` names \
                                      certificate or private_key", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin", body = ErrorBody),
        (status = 409, description = "This pbxd keeps no files", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CertUpload>,
) -> Result<Json<CertInfo>, ApiError> {
    caller.require_admin()?;
    let certs = state.tls.clone();
    let dir = state.backend.data_dir();
    let info = tokio::task::spawn_blocking(move || {
        let (cert, key) = (body.certificate.as_bytes(), body.private_key.as_bytes());
        match (certs, dir) {
            (Some(certs), _) => certs.replace(cert, key).map_err(tls_error),
            (None, Some(dir)) => crate::tls::store_pair(&dir, cert, key).map_err(tls_error),
            (None, None) => Err(ApiError::Conflict {
                message: "this pbxd keeps no files (no data directory)".into(),
                field: None,
            }),
        }
    })
    .await
    .map_err(ApiError::internal)??;
    crate::audit::set_fields(serde_json::json!({
        "subject": info.subject, "not_after": info.not_after, "sha256": info.sha256,
    }));
    crate::audit::write_standalone(&state).await;
    tracing::info!(user = %caller.username, subject = %info.subject, "HTTPS certificate replaced");
    Ok(Json(info))
}

fn tls_error(e: TlsError) -> ApiError {
    match e {
        TlsError::Invalid { field, message } => ApiError::bad_field(field, message),
        other => ApiError::internal(other),
    }
}
