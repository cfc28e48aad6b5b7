//! The routes of accounts, the portal, the audit log, system settings, backups and TLS,
//! merged into the main router in one piece, with their part of the OpenAPI document.

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;
use utoipa::OpenApi;

use super::{accounts, audit_log, backups, me, system_settings, tls};
use crate::AppState;

/// `/api/v1/accounts`, `/me`, `/audit`, `/system-settings`, `/backups`, `/tls`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/accounts",
            get(accounts::list).post(accounts::create),
        )
        .route(
            "/api/v1/accounts/{username}",
            get(accounts::show)
                .patch(accounts::patch)
                .delete(accounts::remove),
        )
        .route("/api/v1/me", get(me::show).put(me::replace))
        .route("/api/v1/me/password", post(me::change_password))
        .route(
            "/api/v1/extensions/{number}/features",
            get(me::show_features).put(me::replace_features),
        )
        .route("/api/v1/audit", get(audit_log::list))
        .route(
            "/api/v1/system-settings",
            get(system_settings::show).patch(system_settings::patch),
        )
        .route("/api/v1/backups", get(backups::list).post(backups::create))
        .route("/api/v1/backups/jobs/{id}", get(backups::job))
        .route(
            "/api/v1/backups/restore",
            post(backups::restore_upload).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/backups/{name}",
            get(backups::download).delete(backups::remove),
        )
        .route(
            "/api/v1/backups/{name}/restore",
            post(backups::restore_stored),
        )
        .route("/api/v1/tls", get(tls::show))
        .route("/api/v1/tls/certificate", put(tls::upload))
}

/// The OpenAPI paths and schemas of these routes (merged into the main document).
#[derive(OpenApi)]
#[openapi(
    paths(
        accounts::list,
        accounts::create,
        accounts::show,
        accounts::patch,
        accounts::remove,
        me::show,
        me::replace,
        me::change_password,
        me::show_features,
        me::replace_features,
        audit_log::list,
        system_settings::show,
        system_settings::patch,
        backups::create,
        backups::job,
        backups::list,
        backups::download,
        backups::remove,
        backups::restore_stored,
        backups::restore_upload,
        tls::show,
        tls::upload,
    ),
    components(schemas(
        accounts::AccountView, accounts::AccountInput, me::MeView, me::FeaturesView,
        me::FeaturesInput, me::ForwardBody, me::FollowMeBody, me::PasswordChange,
        audit_log::AuditPage, audit_log::AuditView, crate::system_settings::SystemSettings,
        crate::system_settings::SystemSettingsInput, crate::backup::BackupInfo,
        crate::backup::BackupOptions, crate::backup::JobView, crate::backup::RestoreReport,
        crate::backup::archive::Includes, backups::JobStarted, tls::TlsView, tls::CertUpload,
        crate::tls::CertInfo,
    )),
    tags(
        (name = "accounts", description = "Login accounts and roles; who am I; the extension \
                                           user portal"),
        (name = "audit", description = "Who changed what, when, from where"),
        (name = "system-settings", description = "Setup wizard state, sessions, automatic \
                                                  backups, HTTPS, region and network"),
        (name = "backups", description = "Backup archives and restore"),
        (name = "tls", description = "The HTTPS certificate"),
    )
)]
pub(crate) struct AdminDoc;
