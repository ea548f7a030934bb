//! HTTP handlers of one's sessions and of two-factor authentication: extract, authorise, call
//! the service, respond.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};

use super::client::ClientInfo;
use super::model::{
    CodeRequest, Enrolment, PasswordRequest, RecoveryCodes, SecondStepRequest, SessionQuery,
    SessionView, TwoFactorStatus,
};
use super::{sessions, two_factor};
use crate::accounts::model::TokenResponse;
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::policy::{Action, authorize};
use crate::http::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::http::pagination::Page;
use crate::http::ratelimit::client_ip;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(complete_sign_in)
        .service(list_sessions)
        .service(revoke_session)
        .service(revoke_other_sessions)
        .service(two_factor_status)
        .service(enrol)
        .service(confirm)
        .service(disable)
        .service(regenerate);
}

/// Complete a sign-in with two-factor authentication.
///
/// `POST /api/v1/sessions` answers a right password of an account with two-factor
/// authentication with 202 and a `challenge_token` (valid 5 minutes) instead of a session.
/// Send it here with a `code` from the authenticator app, or a `recovery_code` (each works
/// once). A code is accepted once: the same code again (or an older one) is wrong. Wrong codes
/// count as wrong passwords in the login throttle (429 with `Retry-After` past it, and the
/// owner is emailed when they pile up); the challenge stays valid for another try.
#[utoipa::path(tag = "sessions", request_body = SecondStepRequest, responses(
    (status = 200, body = TokenResponse, description = "Signed in"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Code wrong or used already, or the challenge invalid, used or expired"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Neither or both of `code` and `recovery_code`"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many wrong codes or passwords"),
))]
#[post("/api/v1/sessions/two-factor")]
pub async fn complete_sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<SecondStepRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let tokens = two_factor::complete_sign_in(
        &state,
        body.into_inner(),
        client_ip(&req),
        ClientInfo::of(&req),
    )
    .await?;
    Ok(web::Json(tokens))
}

/// One's open sessions, newest sign-in first: the client (from its `User-Agent`), the network
/// it signed in from (never the full address), when it signed in and was last refreshed, and
/// which one is asking.
#[utoipa::path(tag = "sessions", security(("bearer" = [])), params(SessionQuery), responses(
    (status = 200, body = Page<SessionView>),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
))]
#[get("/api/v1/me/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SessionQuery>,
) -> Result<web::Json<Page<SessionView>>, ApiError> {
    authorize(&caller, Action::ReadOwnAccount)?;
    Ok(web::Json(
        sessions::list(&state, &caller, query.into_inner()).await?,
    ))
}

/// Revoke one of one's sessions: its refresh token and access tokens stop working at once
/// (revoking the current one logs out).
#[utoipa::path(tag = "sessions", security(("bearer" = [])), params(("id" = i64, Path, description = "Session id, from the list")), responses(
    (status = 204, description = "Revoked"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No open session of yours has this id"),
))]
#[delete("/api/v1/me/sessions/{id}")]
pub async fn revoke_session(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller, Action::ReadOwnAccount)?;
    sessions::revoke(&state, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revoke every other session: only the one asking stays signed in.
#[utoipa::path(tag = "sessions", security(("bearer" = [])), responses(
    (status = 204, description = "Every other session revoked"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
))]
#[delete("/api/v1/me/sessions")]
pub async fn revoke_other_sessions(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller, Action::ReadOwnAccount)?;
    sessions::revoke_others(&state, &caller).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Whether two-factor authentication is on, and how many recovery codes are left.
#[utoipa::path(tag = "two-factor", security(("bearer" = [])), responses(
    (status = 200, body = TwoFactorStatus),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
))]
#[get("/api/v1/me/two-factor")]
pub async fn two_factor_status(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<TwoFactorStatus>, ApiError> {
    authorize(&caller, Action::ReadOwnAccount)?;
    Ok(web::Json(two_factor::status(&state, &caller).await?))
}

/// Start turning on two-factor authentication (TOTP). Needs the password (wrong ones count
/// like failed logins). Answers the secret and its `otpauth://` address, shown this once: add
/// it to an authenticator app and confirm with a first code. Until then nothing changes;
/// starting again replaces the secret.
#[utoipa::path(tag = "two-factor", security(("bearer" = [])), request_body = PasswordRequest, responses(
    (status = 200, body = Enrolment, description = "Enrolment started; confirm it with a code"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Two-factor authentication is on already"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Wrong password"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many wrong passwords"),
))]
#[post("/api/v1/me/two-factor")]
pub async fn enrol(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<PasswordRequest>,
) -> Result<web::Json<Enrolment>, ApiError> {
    authorize(&caller, Action::ChangeOwnPassword)?;
    let enrolment =
        two_factor::enrol(&state, &caller, body.into_inner().password, client_ip(&req)).await?;
    Ok(web::Json(enrolment))
}

/// Turn two-factor authentication on with a first code from the app. Answers ten recovery
/// codes, shown this once (each signs in once instead of a code; only their hashes are kept).
/// The owner is emailed.
#[utoipa::path(tag = "two-factor", security(("bearer" = [])), request_body = CodeRequest, responses(
    (status = 200, body = RecoveryCodes, description = "Two-factor authentication is on"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "No enrolment waiting, or it is on already"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Wrong code"),
))]
#[post("/api/v1/me/two-factor/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CodeRequest>,
) -> Result<web::Json<RecoveryCodes>, ApiError> {
    authorize(&caller, Action::ChangeOwnPassword)?;
    Ok(web::Json(
        two_factor::confirm(&state, &caller, body.into_inner().code).await?,
    ))
}

/// Turn two-factor authentication off (or drop an enrolment still waiting). Needs the
/// password (wrong ones count like failed logins). The owner is emailed.
#[utoipa::path(tag = "two-factor", security(("bearer" = [])), request_body = PasswordRequest, responses(
    (status = 204, description = "Turned off; secret and recovery codes forgotten"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Two-factor authentication is not on"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Wrong password"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many wrong passwords"),
))]
#[delete("/api/v1/me/two-factor")]
pub async fn disable(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<PasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller, Action::ChangeOwnPassword)?;
    two_factor::disable(&state, &caller, body.into_inner().password, client_ip(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replace the recovery codes with ten new ones (shown this once), with a code from the app.
/// Wrong codes count like failed logins.
#[utoipa::path(tag = "two-factor", security(("bearer" = [])), request_body = CodeRequest, responses(
    (status = 200, body = RecoveryCodes, description = "New recovery codes; the old ones no longer work"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Two-factor authentication is not on"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Wrong code, or used already"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many wrong codes or passwords"),
))]
#[post("/api/v1/me/two-factor/recovery-codes")]
pub async fn regenerate(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CodeRequest>,
) -> Result<web::Json<RecoveryCodes>, ApiError> {
    authorize(&caller, Action::ChangeOwnPassword)?;
    Ok(web::Json(
        two_factor::regenerate(&state, &caller, body.into_inner().code, client_ip(&req)).await?,
    ))
}
