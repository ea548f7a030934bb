//! The rules of two-factor authentication: enrolment (password, then a secret that is only
//! turned on by a first valid code), recovery codes (shown once, stored hashed, single use),
//! turning it off (password), and the second step of signing in.
//!
//! Guessing is throttled like passwords: a wrong code at the second step, or when new recovery
//! codes are asked for, counts as a wrong password of the account in the login throttle (so
//! the owner is warned as well), and a right password of an account with two-factor
//! authentication does not reset that count, so a guesser who knows the password cannot start
//! over with new challenges. A code is accepted once (the time step of the last code accepted
//! is kept; see [`store::accept_step`]); a recovery code too. The secret is stored sealed
//! (`auth::seal`) and shown only once, when enrolling.

use std::net::IpAddr;

use chrono::Duration;

use super::super::member_data::confirm_password;
use super::super::model::{TokenResponse, UserRow};
use super::super::service::{sign_in_session, wrong_password};
use super::super::store as accounts_store;
use super::client::ClientInfo;
use super::model::{
    Enrolment, RecoveryCodes, SecondStepRequest, TwoFactorChallenge, TwoFactorStatus,
};
use super::store;
use super::totp;
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::seal::SealKey;
use crate::auth::token::{hash_token, random_token};
use crate::db::{self, AnyConnection, utc_opt};
use crate::http::error::ApiError;
use crate::notify::outbox;
use crate::notify::templates::{Email, MailVars, Template};

/// How long a sign-in challenge is valid.
const CHALLENGE_TTL: Duration = Duration::minutes(5);

async fn load_user(state: &AppState, user_id: i64) -> Result<UserRow, ApiError> {
    state
        .db
        .read(move |conn| Ok::<_, ApiError>(accounts_store::user_by_id(conn, user_id)?))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("this account no longer exists".into()))
}

fn now_unix() -> i64 {
    db::now().and_utc().timestamp()
}

/// The secret of a `two_factor` row, opened.
fn open_secret(seal: &SealKey, sealed: &str) -> Result<String, ApiError> {
    seal.open(sealed).ok_or_else(|| {
        ApiError::Internal(
            "a two-factor secret does not open with this server's key (auth.two_factor_key)".into(),
        )
    })
}

/// Accepts a code of the user's authenticator app once; `false` when two-factor
/// authentication is off, the code is wrong, or a code of its time step (or a later one) was
/// accepted already.
fn accept_code(
    conn: &mut AnyConnection,
    seal: &SealKey,
    user_id: i64,
    code: &str,
) -> Result<bool, ApiError> {
    let Some(row) = store::two_factor_of(conn, user_id)?.filter(|r| r.enabled_at.is_some()) else {
        return Ok(false);
    };
    let secret = open_secret(seal, &row.secret)?;
    match totp::matching_step(&secret, code, now_unix())? {
        Some(step) => Ok(store::accept_step(conn, user_id, step)?),
        None => Ok(false),
    }
}

/// New recovery codes for the user, replacing the old ones; returns them in the clear, once.
fn new_recovery_codes(conn: &mut AnyConnection, user_id: i64) -> Result<Vec<String>, ApiError> {
    let codes: Vec<String> = (0..totp::RECOVERY_CODES)
        .map(|_| totp::new_recovery_code())
        .collect();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| hash_token(&totp::normalise_recovery_code(c)))
        .collect();
    store::replace_recovery_codes(conn, user_id, &hashes, db::now())?;
    Ok(codes)
}

fn notice(state: &AppState, user: &UserRow, template: Template) -> Email {
    Email {
        to: user.email.clone(),
        locale: user.locale,
        template,
        vars: MailVars {
            display_name: user.display_name.clone(),
            link: Some(format!(
                "{}/reset-password",
                state.settings.public_url.trim_end_matches('/')
            )),
        },
    }
}

/// `GET /me/two-factor`.
pub async fn status(state: &AppState, caller: &Caller) -> Result<TwoFactorStatus, ApiError> {
    let user_id = caller.user_id;
    state
        .db
        .read(move |conn| {
            let row = store::two_factor_of(conn, user_id)?;
            let left = store::recovery_codes_left(conn, user_id)?;
            Ok(TwoFactorStatus {
                enabled: row.as_ref().is_some_and(|r| r.enabled_at.is_some()),
                enabled_at: utc_opt(row.as_ref().and_then(|r| r.enabled_at)),
                pending: row.as_ref().is_some_and(|r| r.enabled_at.is_none()),
                recovery_codes_left: left,
            })
        })
        .await
}

fn already_on() -> ApiError {
    ApiError::Conflict(
        "two-factor authentication is on already; turn it off first to enrol again".into(),
    )
}

/// `POST /me/two-factor`: checks the password (throttled like a login), then starts an
/// enrolment with a new secret, replacing one still waiting for its first code. Nothing
/// changes at sign-in until [`confirm`].
pub async fn enrol(
    state: &AppState,
    caller: &Caller,
    password: String,
    client: Option<IpAddr>,
) -> Result<Enrolment, ApiError> {
    let user = load_user(state, caller.user_id).await?;
    confirm_password(state, &user, password, client).await?;
    let secret = totp::new_secret();
    let otpauth_uri = totp::otpauth_uri(&secret, &user.display_name)?;
    let stored = state.seal.seal(&secret).map_err(ApiError::Internal)?;
    state
        .db
        .write(move |conn| {
            if store::two_factor_of(conn, user.id)?.is_some_and(|r| r.enabled_at.is_some()) {
                return Err(already_on());
            }
            // Two enrolments at the same moment: the primary key keeps one.
            db::unique_violation(store::start_enrolment(conn, user.id, &stored, db::now()))?
                .ok_or_else(|| ApiError::Conflict("another enrolment was just started".into()))
        })
        .await?;
    Ok(Enrolment {
        secret,
        otpauth_uri,
    })
}

/// `POST /me/two-factor/confirm`: a first valid code turns the enrolment on; returns the
/// recovery codes, once; the owner is emailed.
pub async fn confirm(
    state: &AppState,
    caller: &Caller,
    code: String,
) -> Result<RecoveryCodes, ApiError> {
    let user = load_user(state, caller.user_id).await?;
    let email = notice(state, &user, Template::TwoFactorEnabled);
    let seal = state.seal.clone();
    state
        .db
        .write(move |conn| {
            let row = store::two_factor_of(conn, user.id)?.ok_or_else(|| {
                ApiError::Conflict(
                    "no enrolment is waiting: start one at POST /api/v1/me/two-factor".into(),
                )
            })?;
            if row.enabled_at.is_some() {
                return Err(already_on());
            }
            let secret = open_secret(&seal, &row.secret)?;
            let step = totp::matching_step(&secret, &code, now_unix())?
                .ok_or_else(|| ApiError::invalid("code", "is wrong"))?;
            if !store::enable(conn, user.id, step, db::now())? {
                return Err(already_on());
            }
            let recovery_codes = new_recovery_codes(conn, user.id)?;
            outbox::enqueue(conn, &email)?;
            Ok(RecoveryCodes { recovery_codes })
        })
        .await
}

/// `DELETE /me/two-factor`: checks the password (throttled like a login), then forgets the
/// secret, the recovery codes and pending challenges; the owner is emailed when it was on.
/// 409 when there is nothing to turn off.
pub async fn disable(
    state: &AppState,
    caller: &Caller,
    password: String,
    client: Option<IpAddr>,
) -> Result<(), ApiError> {
    let user = load_user(state, caller.user_id).await?;
    confirm_password(state, &user, password, client).await?;
    let email = notice(state, &user, Template::TwoFactorDisabled);
    state
        .db
        .write(move |conn| {
            if store::two_factor_of(conn, user.id)?.is_none() {
                return Err(ApiError::Conflict(
                    "two-factor authentication is not on".into(),
                ));
            }
            if store::remove_two_factor(conn, user.id)? {
                outbox::enqueue(conn, &email)?;
            }
            Ok(())
        })
        .await
}

/// `POST /me/two-factor/recovery-codes`: a valid code (throttled like a password) replaces
/// the recovery codes with new ones, returned once.
pub async fn regenerate(
    state: &AppState,
    caller: &Caller,
    code: String,
    client: Option<IpAddr>,
) -> Result<RecoveryCodes, ApiError> {
    let user = load_user(state, caller.user_id).await?;
    let attempt = state
        .login_throttle
        .attempt(&crate::auth::email_key(&user.email), client)
        .await?;
    let user_id = user.id;
    let seal = state.seal.clone();
    let codes = state
        .db
        .write(move |conn| {
            if store::two_factor_of(conn, user_id)?.is_none_or(|r| r.enabled_at.is_none()) {
                return Ok(Err(ApiError::Conflict(
                    "two-factor authentication is not on".into(),
                )));
            }
            if !accept_code(conn, &seal, user_id, &code)? {
                return Ok(Err(ApiError::invalid(
                    "code",
                    "is wrong, or was used already",
                )));
            }
            Ok::<_, ApiError>(Ok(new_recovery_codes(conn, user_id)?))
        })
        .await?;
    match codes {
        Ok(recovery_codes) => {
            attempt.succeeded().await;
            Ok(RecoveryCodes { recovery_codes })
        }
        Err(e @ ApiError::Validation(_)) => {
            wrong_password(state, attempt, Some(&user)).await;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// For `POST /sessions`, once the password is right: a challenge when the account has
/// two-factor authentication on, `None` otherwise.
pub(in crate::accounts) fn challenge(
    conn: &mut AnyConnection,
    user_id: i64,
) -> Result<Option<TwoFactorChallenge>, ApiError> {
    if store::two_factor_of(conn, user_id)?.is_none_or(|r| r.enabled_at.is_none()) {
        return Ok(None);
    }
    let token = random_token();
    let now = db::now();
    store::insert_challenge(conn, user_id, &hash_token(&token), now + CHALLENGE_TTL, now)?;
    Ok(Some(TwoFactorChallenge {
        status: "two_factor_required",
        challenge_token: token,
        expires_in: CHALLENGE_TTL.num_seconds(),
    }))
}

/// What the second factor of a sign-in came to.
enum SecondStep {
    Signed(Box<TokenResponse>),
    Wrong,
}

/// `POST /sessions/two-factor`: a code or a recovery code completes a challenge into a
/// session. A challenge works once; a wrong code leaves it for another try (within its five
/// minutes and the throttle).
pub async fn complete_sign_in(
    state: &AppState,
    req: SecondStepRequest,
    client: Option<IpAddr>,
    info: ClientInfo,
) -> Result<TokenResponse, ApiError> {
    let by_code = match (req.code, req.recovery_code) {
        (Some(code), None) => Ok(code),
        (None, Some(recovery)) => Err(totp::normalise_recovery_code(&recovery)),
        _ => {
            return Err(ApiError::invalid(
                "code",
                "give either `code` or `recovery_code`",
            ));
        }
    };
    let invalid = || {
        ApiError::Unauthorized(
            "the sign-in challenge is invalid, used or expired; sign in again".into(),
        )
    };
    let token_hash = hash_token(req.challenge_token.trim());
    let (challenge_id, user) = state
        .db
        .read(move |conn| {
            let Some((id, user_id)) = store::live_challenge(conn, &token_hash, db::now())? else {
                return Ok::<_, ApiError>(None);
            };
            Ok(accounts_store::user_by_id(conn, user_id)?.map(|user| (id, user)))
        })
        .await?
        .ok_or_else(invalid)?;
    let attempt = state
        .login_throttle
        .attempt(&crate::auth::email_key(&user.email), client)
        .await?;
    let app = state.clone();
    let signer = user.clone();
    let outcome = state
        .db
        .write(move |conn| {
            let proved = match &by_code {
                Ok(code) => accept_code(conn, &app.seal, signer.id, code)?,
                Err(recovery) => {
                    store::use_recovery_code(conn, signer.id, &hash_token(recovery), db::now())?
                }
            };
            if !proved {
                return Ok(SecondStep::Wrong);
            }
            // Another request completed this challenge first: this one changes nothing (the
            // code it used is given back by the rollback).
            if !store::take_challenge(conn, challenge_id)? {
                return Err(invalid());
            }
            let fresh = accounts_store::user_by_id(conn, signer.id)?.ok_or_else(invalid)?;
            if !fresh.state().may_sign_in() {
                return Err(invalid());
            }
            let tokens = sign_in_session(&app, conn, &fresh, &info)?;
            Ok(SecondStep::Signed(Box::new(tokens)))
        })
        .await?;
    match outcome {
        SecondStep::Signed(tokens) => {
            attempt.succeeded().await;
            Ok(*tokens)
        }
        SecondStep::Wrong => {
            wrong_password(state, attempt, Some(&user)).await;
            Err(ApiError::Unauthorized(
                "the code is wrong, or was used already".into(),
            ))
        }
    }
}
