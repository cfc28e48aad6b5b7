//! `/api/v1/accounts`: login accounts and their roles (DUC "Settings → Account"), admin only.
//!
//! Roles: `admin`, `operator`, `billing` (call records and recordings only) and `user` (the
//! extension user portal; needs `extension`, and the user name defaults to the extension
//! number, so a user logs in with their extension number and portal password).
//!
//! Passwords are write-only (never returned) and must pass the strength rules of the
//! `accounts` module. The `admin` account cannot be deleted, and the last admin cannot be
//! demoted. Changing an account's password or role, or deleting it, ends its sessions.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use rotary_store::{Role, UserRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::{check_password_strength, check_username};
use crate::auth::{hash_password, Caller};
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::AppState;

/// An account as the API shows it (never the password).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub(crate) struct AccountView {
    /// Login name.
    #[schema(example = "reception")]
    username: String,
    /// `admin`, `operator`, `billing` or `user`.
    #[schema(example = "operator")]
    role: String,
    /// For role `user`: the extension the account belongs to.
    #[schema(example = json!(null))]
    extension: Option<String>,
}

/// Body of POST (all of `username`/`extension`, `password`, `role`) and PATCH (any).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccountInput {
    /// Login name (POST only; defaults to `extension` for role `user`).
    username: Option<String>,
    /// New password; write-only.
    #[schema(format = Password)]
    password: Option<String>,
    /// `admin`, `operator`, `billing` or `user`.
    role: Option<String>,
    /// The extension of a `user` account (must exist); `null` or absent for other roles.
    extension: Option<String>,
}

/// Every account, by name.
#[utoipa::path(
    operation_id = "list_accounts",
    get, path = "/api/v1/accounts", tag = "accounts",
    responses(
        (status = 200, description = "All accounts", body = [AccountView]),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin may manage accounts", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<AccountView>>, ApiError> {
    caller.require_admin()?;
    let users = state.with_store(|store, _| Ok(store.list_users()?)).await?;
    Ok(Json(users.iter().map(view).collect()))
}

/// One account.
#[utoipa::path(
    operation_id = "get_account",
    get, path = "/api/v1/accounts/{username}", tag = "accounts",
    params(("username" = String, Path, description = "Login name")),
    responses(
        (status = 200, description = "The account", body = AccountView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin may manage accounts", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
) -> Result<Json<AccountView>, ApiError> {
    caller.require_admin()?;
    let key = username.clone();
    let user = state
        .with_store(move |store, _| Ok(store.get_user(&key)?))
        .await?
        .ok_or_else(|| not_found(&username))?;
    Ok(Json(view(&user)))
}

/// Create an account.
#[utoipa::path(
    operation_id = "create_account",
    post, path = "/api/v1/accounts", tag = "accounts",
    request_body = AccountInput,
    responses(
        (status = 201, description = "Created", body = AccountView),
        (status = 400, description = "Invalid or weak password; `field` names it", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin may manage accounts", body = ErrorBody),
        (status = 409, description = "The user name is taken", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<AccountInput>,
) -> Result<(StatusCode, Json<AccountView>), ApiError> {
    caller.require_admin()?;
    let role = parse_role(input.role.as_deref())?
        .ok_or_else(|| ApiError::bad_field("role", "role is required"))?;
    let username = match (&input.username, role, &input.extension) {
        (Some(u), _, _) => u.trim().to_owned(),
        (None, Role::User, Some(ext)) => ext.clone(),
        (None, ..) => return Err(ApiError::bad_field("username", "username is required")),
    };
    check_username(&username)?;
    let password = input
        .password
        .as_deref()
        .ok_or_else(|| ApiError::bad_field("password", "password is required"))?;
    check_password_strength("password", password, &username)?;
    let extension = check_extension(&state, role, input.extension.as_deref())?;
    crate::audit::describe("create", "accounts", Some(&username));
    let hash = hash_blocking(password).await?;
    let record = UserRecord {
        username: username.clone(),
        password_hash: hash,
        role,
        extension,
    };
    let stored = record.clone();
    state
        .with_store(move |store, _| {
            if store.get_user(&stored.username)?.is_some() {
                return Err(ApiError::Conflict {
                    message: format!("account {} already exists", stored.username),
                    field: Some("username".into()),
                });
            }
            store.upsert_user(&stored)?;
            Ok(())
        })
        .await?;
    tracing::info!(user = %caller.username, account = %username, role = %role, "account created");
    Ok((StatusCode::CREATED, Json(view(&record))))
}

/// Change an account's password, role or extension.
#[utoipa::path(
    operation_id = "patch_account",
    patch, path = "/api/v1/accounts/{username}", tag = "accounts",
    params(("username" = String, Path, description = "Login name")),
    request_body = AccountInput,
    responses(
        (status = 200, description = "Updated", body = AccountView),
        (status = 400, description = "Invalid or weak password; `field` names it", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin may manage accounts", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 409, description = "Would leave no admin", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
    ApiJson(input): ApiJson<AccountInput>,
) -> Result<Json<AccountView>, ApiError> {
    caller.require_admin()?;
    if input.username.as_deref().is_some_and(|u| u != username) {
        return Err(ApiError::bad_field(
            "username",
            "username cannot be changed; create a new account instead",
        ));
    }
    let role = parse_role(input.role.as_deref())?;
    if let Some(pw) = &input.password {
        check_password_strength("password", pw, &username)?;
    }
    let hash = match &input.password {
        Some(pw) => Some(hash_blocking(pw).await?),
        None => None,
    };
    let key = username.clone();
    let ext_input = input.extension.clone();
    let checker = state.clone();
    let (updated, ends_sessions) = state
        .with_store(move |store, _| {
            let current = store.get_user(&key)?.ok_or_else(|| not_found(&key))?;
            let mut next = current.clone();
            if let Some(role) = role {
                next.role = role;
            }
            if ext_input.is_some() || role.is_some() {
                let wanted = match (&ext_input, next.role) {
                    (Some(e), _) => Some(e.as_str()),
                    (None, Role::User) => current.extension.as_deref(),
                    (None, _) => None,
                };
                next.extension = check_extension(&checker, next.role, wanted)?;
            }
            if let Some(h) = hash {
                next.password_hash = h;
            }
            if current.role == Role::Admin && next.role != Role::Admin {
                ensure_other_admin(store, &key)?;
            }
            store.upsert_user(&next)?;
            let ends = next.password_hash != current.password_hash || next.role != current.role;
            Ok((next, ends))
        })
        .await?;
    if ends_sessions && username != caller.username {
        state.auth.end_sessions_of(&username);
    }
    tracing::info!(user = %caller.username, account = %username, "account updated");
    Ok(Json(view(&updated)))
}

/// Delete an account (not `admin`, not the last admin).
#[utoipa::path(
    operation_id = "delete_account",
    delete, path = "/api/v1/accounts/{username}", tag = "accounts",
    params(("username" = String, Path, description = "Login name")),
    responses(
        (status = 204, description = "Deleted; its sessions are ended"),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Only admin may manage accounts", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 409, description = "The admin account or the last admin", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_admin()?;
    if username == "admin" {
        return Err(ApiError::Conflict {
            message: "the admin account cannot be deleted; change its password instead".into(),
            field: Some("username".into()),
        });
    }
    let key = username.clone();
    state
        .with_store(move |store, _| {
            let current = store.get_user(&key)?.ok_or_else(|| not_found(&key))?;
            if current.role == Role::Admin {
                ensure_other_admin(store, &key)?;
            }
            store.delete_user(&key)?;
            Ok(())
        })
        .await?;
    state.auth.end_sessions_of(&username);
    tracing::info!(user = %caller.username, account = %username, "account deleted");
    Ok(StatusCode::NO_CONTENT)
}

fn view(u: &UserRecord) -> AccountView {
    AccountView {
        username: u.username.clone(),
        role: u.role.to_string(),
        extension: u.extension.clone(),
    }
}

fn not_found(username: &str) -> ApiError {
    ApiError::NotFound(format!("account {username} not found"))
}

fn parse_role(role: Option<&str>) -> Result<Option<Role>, ApiError> {
    role.map(|r| {
        r.parse::<Role>().map_err(|_| {
            ApiError::bad_field("role", "role must be admin, operator, billing or user")
        })
    })
    .transpose()
}

/// The extension a `role` account may have: required (and existing) for `user`, none for
/// the others.
fn check_extension(
    state: &AppState,
    role: Role,
    extension: Option<&str>,
) -> Result<Option<String>, ApiError> {
    match (role, extension) {
        (Role::User, Some(ext)) => {
            if state.backend.config().extension(ext).is_none() {
                return Err(ApiError::bad_field(
                    "extension",
                    format!("extension {ext} does not exist"),
                ));
            }
            Ok(Some(ext.to_owned()))
        }
        (Role::User, None) => Err(ApiError::bad_field(
            "extension",
            "role user needs the extension it belongs to",
        )),
        (_, Some(_)) => Err(ApiError::bad_field(
            "extension",
            "only role user belongs to an extension",
        )),
        (_, None) => Ok(None),
    }
}

/// 409 unless an admin other than `username` remains.
fn ensure_other_admin(store: &rotary_store::Store, username: &str) -> Result<(), ApiError> {
    let others = store
        .list_users()?
        .iter()
        .any(|u| u.role == Role::Admin && u.username != username);
    if others {
        Ok(())
    } else {
        Err(ApiError::Conflict {
            message: "this is the last admin account; make another admin first".into(),
            field: Some("role".into()),
        })
    }
}

/// argon2 is slow on purpose: hash on a blocking thread.
pub(crate) async fn hash_blocking(password: &str) -> Result<String, ApiError> {
    let pw = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(ApiError::internal)
}
