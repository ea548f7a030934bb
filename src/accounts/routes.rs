//! HTTP handlers of accounts, sessions, password resets and profiles: extract, authorise,
//! call the service, respond.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use super::model::{
    ChangePasswordRequest, EmailRequest, LoginRequest, Me, PublicProfile, RefreshRequest,
    RegisterRequest, ResetConfirmRequest, StatusResponse, TokenRequest, TokenResponse,
    UpdateMeRequest,
};
use super::security::client::ClientInfo;
use super::security::model::TwoFactorChallenge;
use super::service;
use crate::app::AppState;
use crate::app::caller::MaybeCaller;
use crate::auth::Caller;
use crate::auth::policy::{Action, authorize};
use crate::http::error::{ApiError, Problem};
use crate::http::json::Json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register)
        .service(verify)
        .service(resend_verification)
        .service(login)
        .service(refresh)
        .service(logout)
        .service(logout_everywhere)
        .service(request_reset)
        .service(confirm_reset)
        .service(me)
        .service(update_me)
        .service(change_password)
        .service(public_profile)
        .configure(super::security::routes::configure);
}

fn accepted(status: &'static str) -> HttpResponse {
    HttpResponse::Accepted().json(StatusResponse { status })
}

/// Register a new account.
///
/// Always answers 202 for a well-formed request, whether or not the address already has an
/// account: a new address receives a verification link (valid 48 hours), a known one a
/// warning to its owner. The account exists once the link is followed; until then the
/// registration holds its display name (for 48 hours, whatever the address), and signing in
/// answers as for an unknown address.
#[utoipa::path(tag = "accounts", request_body = RegisterRequest, responses(
    (status = 202, body = StatusResponse, description = "Verification email on its way"),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "Malformed JSON"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields (`errors` names them)"),
))]
#[post("/api/v1/accounts")]
pub async fn register(
    state: web::Data<AppState>,
    body: Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    service::register(&state, body.into_inner()).await?;
    Ok(accepted("verification_sent"))
}

/// Confirm an email address with the token from the emailed link.
#[utoipa::path(tag = "accounts", request_body = TokenRequest, responses(
    (status = 200, body = StatusResponse, description = "Address confirmed; the account now exists and is active"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Token invalid, used or expired"),
))]
#[post("/api/v1/accounts/verify")]
pub async fn verify(
    state: web::Data<AppState>,
    body: Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    service::verify_email(&state, body.into_inner().token).await?;
    Ok(HttpResponse::Ok().json(StatusResponse { status: "verified" }))
}

/// Send a new verification link. Always 202.
#[utoipa::path(tag = "accounts", request_body = EmailRequest, responses(
    (status = 202, body = StatusResponse, description = "A new link is sent if the address has a registration waiting for its confirmation"),
))]
#[post("/api/v1/accounts/verify/resend")]
pub async fn resend_verification(
    state: web::Data<AppState>,
    body: Json<EmailRequest>,
) -> Result<HttpResponse, ApiError> {
    service::resend_verification(&state, body.into_inner().email).await?;
    Ok(accepted("verification_sent"))
}

/// Log in with email and password.
///
/// A wrong password and an unknown address get the same answer in the same time. Wrong
/// passwords are throttled (429 with `Retry-After`) per account from one client, so whoever
/// guesses waits while the owner still signs in from her own; per account from everywhere,
/// with a much higher ceiling; and per client. The owner is emailed once when they pile up.
///
/// For an account with two-factor authentication, a right password answers 202 with a
/// challenge instead of a session: complete it at `POST /api/v1/sessions/two-factor`.
#[utoipa::path(tag = "sessions", request_body = LoginRequest, responses(
    (status = 200, body = TokenResponse, description = "Signed in"),
    (status = 202, body = TwoFactorChallenge, description = "Password right; two-factor authentication is on: send a code with the challenge to `POST /api/v1/sessions/two-factor`"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Wrong email or password"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Account suspended or banned"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many failed attempts"),
    (status = 503, body = Problem, content_type = "application/problem+json", description = "Server busy hashing; retry"),
))]
#[post("/api/v1/sessions")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let client = crate::http::ratelimit::client_ip(&req);
    let info = ClientInfo::of(&req);
    Ok(
        match service::login(&state, body.email, body.password, client, info).await? {
            service::SignIn::Session(tokens) => HttpResponse::Ok().json(tokens),
            service::SignIn::SecondStep(challenge) => HttpResponse::Accepted().json(challenge),
        },
    )
}

/// Exchange a refresh token for new tokens. The old refresh token dies: presenting it again
/// later revokes the whole session. Refreshing the same token again within
/// `jwt.refresh_reuse_grace_secs` (30 s by default; two tabs refreshing at once, or a retry
/// after a lost answer) returns the same new refresh token (and a fresh access token for the
/// same session) instead, as long as that new token has not been used yet. Simultaneous
/// refreshes therefore all succeed, with the same refresh token.
#[utoipa::path(tag = "sessions", request_body = RefreshRequest, responses(
    (status = 200, body = TokenResponse, description = "New tokens; the same refresh token for every refresh of one token within the grace window"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Refresh token invalid, expired, revoked, or reused after the grace window (the session is then revoked)"),
))]
#[post("/api/v1/sessions/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let tokens = super::refresh::refresh(&state, body.into_inner().refresh_token).await?;
    Ok(web::Json(tokens))
}

/// Log out this session.
#[utoipa::path(tag = "sessions", security(("bearer" = [])), responses(
    (status = 204, description = "Logged out"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
))]
#[delete("/api/v1/sessions/current")]
pub async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    authorize(&caller, Action::ReadOwnAccount)?;
    service::logout(&state, &caller).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Log out every session of the account.
#[utoipa::path(tag = "sessions", security(("bearer" = [])), responses(
    (status = 204, description = "Every session logged out"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
))]
#[delete("/api/v1/sessions")]
pub async fn logout_everywhere(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller, Action::ReadOwnAccount)?;
    service::logout_everywhere(&state, &caller).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ask for a password-reset link (valid 30 minutes). Always 202.
#[utoipa::path(tag = "accounts", request_body = EmailRequest, responses(
    (status = 202, body = StatusResponse, description = "A link is sent if the address has an account"),
))]
#[post("/api/v1/password-resets")]
pub async fn request_reset(
    state: web::Data<AppState>,
    body: Json<EmailRequest>,
) -> Result<HttpResponse, ApiError> {
    service::request_reset(&state, body.into_inner().email).await?;
    Ok(accepted("reset_sent"))
}

/// Set a new password with the token from the reset link; every session is logged out.
#[utoipa::path(tag = "accounts", request_body = ResetConfirmRequest, responses(
    (status = 200, body = StatusResponse, description = "Password changed"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Token invalid/used/expired, or weak password"),
))]
#[post("/api/v1/password-resets/confirm")]
pub async fn confirm_reset(
    state: web::Data<AppState>,
    body: Json<ResetConfirmRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    service::confirm_reset(&state, body.token, body.new_password).await?;
    Ok(HttpResponse::Ok().json(StatusResponse {
        status: "password_changed",
    }))
}

/// One's own account.
#[utoipa::path(tag = "profile", security(("bearer" = [])), responses(
    (status = 200, body = Me),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
))]
#[get("/api/v1/me")]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<web::Json<Me>, ApiError> {
    authorize(&caller, Action::ReadOwnAccount)?;
    Ok(web::Json(service::me(&state, &caller).await?))
}

/// Change display name, locale or bio.
#[utoipa::path(tag = "profile", security(("bearer" = [])), request_body = UpdateMeRequest, responses(
    (status = 200, body = Me),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Account not verified or read-only"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields"),
))]
#[patch("/api/v1/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<UpdateMeRequest>,
) -> Result<web::Json<Me>, ApiError> {
    authorize(&caller, Action::EditOwnProfile)?;
    Ok(web::Json(
        service::update_me(&state, &caller, body.into_inner()).await?,
    ))
}

/// Change one's password; every other session is logged out and an email confirms it.
#[utoipa::path(tag = "profile", security(("bearer" = [])), request_body = ChangePasswordRequest, responses(
    (status = 204, description = "Password changed"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Current password wrong, or new one weak"),
))]
#[post("/api/v1/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller, Action::ChangeOwnPassword)?;
    let body = body.into_inner();
    service::change_password(&state, &caller, body.current_password, body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A member's public profile (never the email address). A member may hide it from visitors:
/// they are answered as for an unknown member.
#[utoipa::path(tag = "profile", params(("id" = i64, Path, description = "User id")), responses(
    (status = 200, body = PublicProfile),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Invalid access token"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such member, or a hidden profile asked by a visitor"),
))]
#[get("/api/v1/users/{id}")]
pub async fn public_profile(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<i64>,
) -> Result<web::Json<PublicProfile>, ApiError> {
    Ok(web::Json(
        service::public_profile(&state, caller.0.as_ref(), id.into_inner()).await?,
    ))
}
