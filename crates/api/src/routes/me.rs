//! Who am I, and the extension user portal:
//!
//! - `GET /api/v1/me`: the caller's account (name, role, extension) and, for an account tied
//!   to an extension, that extension's portal features; the GUI uses it after login.
//! - `PUT /api/v1/me`: role `user` replaces its features: voicemail PIN (write-only; kept
//!   when left out), call forward (always / busy / no answer), do-not-disturb, follow-me.
//! - `POST /api/v1/me/password`: any role changes its own password (current one required).
//! - `GET`/`PUT /api/v1/extensions/{number}/features`: the same features for staff (any
//!   extension) and for the extension's own user.
//!
//! The engine does not act on the features yet; they are stored for when it does.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use rotary_store::{CallForward, ExtensionFeatures, FollowMeStep, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::check_password_strength;
use crate::auth::{verify_password, Caller};
use crate::error::{ApiError, ApiJson, ErrorBody, IssueBody};
use crate::routes::accounts::hash_blocking;
use crate::AppState;

/// `GET /api/v1/me`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MeView {
    /// Login name.
    username: String,
    /// `admin`, `operator`, `billing` or `user`.
    role: String,
    /// The extension of a `user` account.
    extension: Option<String>,
    /// That extension's portal features (role `user` only).
    features: Option<FeaturesView>,
}

/// An extension's portal features as returned (the PIN only as "is set").
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FeaturesView {
    /// Whether a voicemail PIN is set (the PIN itself is never returned).
    voicemail_pin_set: bool,
    /// Forwarding targets; `null` = off.
    call_forward: ForwardBody,
    /// Do not disturb.
    dnd: bool,
    /// Numbers rung in turn when the extension does not answer.
    follow_me: Vec<FollowMeBody>,
}

/// Call forwarding targets (extension or external numbers).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ForwardBody {
    /// Every call goes here at once.
    #[schema(example = "0301234567")]
    always: Option<String>,
    /// Calls while busy.
    busy: Option<String>,
    /// Calls not answered in time.
    #[schema(example = "102")]
    no_answer: Option<String>,
}

/// One follow-me step.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FollowMeBody {
    /// Number to ring.
    #[schema(example = "0171234567")]
    number: String,
    /// Seconds to ring it (5–120).
    #[schema(example = 20)]
    ring_time: u32,
}

/// Body of `PUT /api/v1/me` and `PUT …/features`: fields left out return to their defaults,
/// except `voicemail_pin`, which is kept when left out (`""` clears it).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FeaturesInput {
    /// New voicemail PIN, 4–10 digits; write-only.
    #[schema(example = "4711")]
    voicemail_pin: Option<String>,
    /// Forwarding targets.
    #[serde(default)]
    call_forward: Option<ForwardBody>,
    /// Do not disturb.
    #[serde(default)]
    dnd: Option<bool>,
    /// Follow-me list, at most 10 steps.
    #[serde(default)]
    follow_me: Option<Vec<FollowMeBody>>,
}

/// Body of `POST /api/v1/me/password`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordChange {
    /// The password used now.
    #[schema(format = Password)]
    current_password: String,
    /// The new password (10+ characters, three character classes).
    #[schema(format = Password)]
    new_password: String,
}

/// The caller's account and (for an extension user) its features.
#[utoipa::path(
    operation_id = "get_me",
    get, path = "/api/v1/me", tag = "accounts",
    responses(
        (status = 200, description = "Who is logged in", body = MeView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<MeView>, ApiError> {
    let features = match (&caller.extension, caller.role) {
        (Some(ext), Role::User) => Some(load_features(&state, ext).await?),
        _ => None,
    };
    Ok(Json(MeView {
        username: caller.username.clone(),
        role: caller.role.to_string(),
        extension: caller.extension.clone(),
        features,
    }))
}

/// Replace the caller's portal features (role `user`).
#[utoipa::path(
    operation_id = "put_me",
    put, path = "/api/v1/me", tag = "accounts",
    request_body = FeaturesInput,
    responses(
        (status = 200, description = "Stored", body = MeView),
        (status = 400, description = "Invalid; `field` names the first bad field", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Not an extension user", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<FeaturesInput>,
) -> Result<Json<MeView>, ApiError> {
    let ext = match (&caller.extension, caller.role) {
        (Some(ext), Role::User) => ext.clone(),
        _ => {
            return Err(ApiError::forbidden(
                "only an extension user has portal features; staff use \
                 /api/v1/extensions/{number}/features",
            ))
        }
    };
    crate::audit::describe("update", "extension-features", Some(&ext));
    let features = save_features(&state, &ext, input).await?;
    Ok(Json(MeView {
        username: caller.username.clone(),
        role: caller.role.to_string(),
        extension: Some(ext),
        features: Some(features),
    }))
}

/// Change the caller's own password.
#[utoipa::path(
    operation_id = "change_my_password",
    post, path = "/api/v1/me/password", tag = "accounts",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; other sessions of this account end"),
        (status = 400, description = "Weak new password (`field` = new_password) or wrong \
                                      current password (`field` = current_password)",
         body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    crate::audit::describe("password", "accounts", Some(&caller.username));
    let name = caller.username.clone();
    let user = state
        .with_store_unaudited(move |store, _| Ok(store.get_user(&name)?))
        .await?
        .ok_or_else(|| ApiError::NotFound("account not found".into()))?;
    let (pw, hash) = (body.current_password.clone(), user.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
        .await
        .map_err(ApiError::internal)?;
    if !ok {
        return Err(ApiError::bad_field(
            "current_password",
            "current_password is wrong",
        ));
    }
    if body.new_password == body.current_password {
        return Err(ApiError::bad_field(
            "new_password",
            "new_password must differ from the current one",
        ));
    }
    check_password_strength("new_password", &body.new_password, &caller.username)?;
    let new_hash = hash_blocking(&body.new_password).await?;
    let old_hash = user.password_hash.clone();
    state
        .with_store(move |store, _| {
            let mut current = store
                .get_user(&user.username)?
                .ok_or_else(|| ApiError::NotFound("account not found".into()))?;
            if current.password_hash != old_hash {
                return Err(ApiError::Conflict {
                    message: "the password was changed meanwhile; try again".into(),
                    field: Some("current_password".into()),
                });
            }
            current.password_hash = new_hash;
            store.upsert_user(&current)?;
            Ok(())
        })
        .await?;
    tracing::info!(user = %caller.username, "password changed");
    Ok(StatusCode::NO_CONTENT)
}

/// The features of one extension (staff, or the extension's own user).
#[utoipa::path(
    operation_id = "get_extension_features",
    get, path = "/api/v1/extensions/{number}/features", tag = "extensions",
    params(("number" = String, Path, description = "Extension number")),
    responses(
        (status = 200, description = "The features", body = FeaturesView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Someone else's extension", body = ErrorBody),
        (status = 404, description = "No such extension", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn show_features(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> Result<Json<FeaturesView>, ApiError> {
    caller.require_pbx_view()?;
    caller.require_extension(&number)?;
    ensure_extension(&state, &number)?;
    Ok(Json(load_features(&state, &number).await?))
}

/// Replace the features of one extension (staff, or the extension's own user).
#[utoipa::path(
    operation_id = "put_extension_features",
    put, path = "/api/v1/extensions/{number}/features", tag = "extensions",
    params(("number" = String, Path, description = "Extension number")),
    request_body = FeaturesInput,
    responses(
        (status = 200, description = "Stored", body = FeaturesView),
        (status = 400, description = "Invalid; `field` names the first bad field", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Someone else's extension", body = ErrorBody),
        (status = 404, description = "No such extension", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn replace_features(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(input): ApiJson<FeaturesInput>,
) -> Result<Json<FeaturesView>, ApiError> {
    caller.require_pbx_view()?;
    caller.require_extension(&number)?;
    ensure_extension(&state, &number)?;
    crate::audit::describe("update", "extension-features", Some(&number));
    Ok(Json(save_features(&state, &number, input).await?))
}

fn ensure_extension(state: &AppState, number: &str) -> Result<(), ApiError> {
    if state.backend.config().extension(number).is_none() {
        return Err(ApiError::NotFound(format!("extension {number} not found")));
    }
    Ok(())
}

async fn load_features(state: &AppState, number: &str) -> Result<FeaturesView, ApiError> {
    let number = number.to_owned();
    let (features, pin) = state
        .with_store_unaudited(move |store, _| {
            Ok((
                store.extension_features(&number)?,
                store.voicemail_pin(&number)?,
            ))
        })
        .await?;
    Ok(view(&features, pin.is_some()))
}

async fn save_features(
    state: &AppState,
    number: &str,
    input: FeaturesInput,
) -> Result<FeaturesView, ApiError> {
    let (features, pin) = validate(number, &input)?;
    let key = number.to_owned();
    let has_pin = state
        .with_store(move |store, _| {
            store.save_extension_features(&key, &features, pin.as_deref())?;
            let pin = store.voicemail_pin(&key)?;
            Ok((store.extension_features(&key)?, pin.is_some()))
        })
        .await?;
    Ok(view(&has_pin.0, has_pin.1))
}

fn view(f: &ExtensionFeatures, pin_set: bool) -> FeaturesView {
    FeaturesView {
        voicemail_pin_set: pin_set,
        call_forward: ForwardBody {
            always: f.call_forward.always.clone(),
            busy: f.call_forward.busy.clone(),
            no_answer: f.call_forward.no_answer.clone(),
        },
        dnd: f.dnd,
        follow_me: f
            .follow_me
            .iter()
            .map(|s| FollowMeBody {
                number: s.number.clone(),
                ring_time: s.ring_time,
            })
            .collect(),
    }
}

/// Check every field; all problems are listed (the first names `field`).
fn validate(
    own: &str,
    input: &FeaturesInput,
) -> Result<(ExtensionFeatures, Option<String>), ApiError> {
    let mut issues = Vec::new();
    let mut bad = |field: String, message: &str| {
        issues.push(IssueBody {
            field,
            message: message.to_owned(),
        })
    };
    let pin = input.voicemail_pin.clone();
    if let Some(p) = &pin {
        let ok =
            p.is_empty() || ((4..=10).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            bad(
                "voicemail_pin".into(),
                "must be 4 to 10 digits (or empty to clear it)",
            );
        }
    }
    let fwd = input.call_forward.clone().unwrap_or_default();
    let mut target = |field: &str, v: &Option<String>| -> Option<String> {
        let v = v.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
        if !is_dial_string(v) {
            bad(
                format!("call_forward.{field}"),
                "must be 1 to 32 characters of digits, *, # or a leading +",
            );
        } else if v == own {
            bad(
                format!("call_forward.{field}"),
                "cannot forward an extension to itself",
            );
        }
        Some(v.to_owned())
    };
    let call_forward = CallForward {
        always: target("always", &fwd.always),
        busy: target("busy", &fwd.busy),
        no_answer: target("no_answer", &fwd.no_answer),
    };
    let steps = input.follow_me.clone().unwrap_or_default();
    if steps.len() > 10 {
        bad("follow_me".into(), "may hold at most 10 numbers");
    }
    let mut follow_me = Vec::new();
    for (i, s) in steps.iter().enumerate().take(10) {
        let number = s.number.trim();
        if !is_dial_string(number) {
            bad(
                format!("follow_me[{i}].number"),
                "must be 1 to 32 characters of digits, *, # or a leading +",
            );
        }
        if !(5..=120).contains(&s.ring_time) {
            bad(
                format!("follow_me[{i}].ring_time"),
                "must be from 5 to 120 seconds",
            );
        }
        follow_me.push(FollowMeStep {
            number: number.to_owned(),
            ring_time: s.ring_time,
        });
    }
    if !issues.is_empty() {
        let first = &issues[0];
        return Err(ApiError::BadRequest {
            message: format!("{} {}", first.field, first.message),
            field: Some(first.field.clone()),
            issues,
        });
    }
    Ok((
        ExtensionFeatures {
            call_forward,
            dnd: input.dnd.unwrap_or(false),
            follow_me,
        },
        pin,
    ))
}

/// A number a phone could dial: digits, `*`, `#`, optionally one leading `+`.
fn is_dial_string(s: &str) -> bool {
    let body = s.strip_prefix('+').unwrap_or(s);
    !body.is_empty()
        && s.len() <= 32
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
}
