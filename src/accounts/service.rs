//! The rules of accounts and sessions: registration without account enumeration, email
//! verification, login with throttling, refresh-token rotation with reuse detection, password
//! reset and change, and the profile.

use std::net::IpAddr;

use chrono::Duration;

use super::model::{
    Me, NewUser, PublicProfile, RegisterRequest, SessionUser, TokenResponse, UpdateMeRequest,
    UserRow,
};

use super::security::client::ClientInfo;
use super::security::model::TwoFactorChallenge;
use super::store::{self, TokenPurpose};
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::model::{AccountState, Locale, Role};
use crate::auth::names;
use crate::auth::password;
use crate::auth::token::{hash_token, random_token};
use crate::db::{self, AnyConnection, Db};
use crate::http::error::{ApiError, FieldErrors};
use crate::http::ratelimit::{Attempt, Failure};
use crate::modlog::{LogAction, LogTargetKind};
use crate::notify::outbox;
use crate::notify::templates::{Email, MailVars, Template};

const VERIFY_TTL: Duration = Duration::hours(48);
const RESET_TTL: Duration = Duration::minutes(30);
const BIO_MAX: usize = 500;

/// An address trimmed, checked and lower-cased for comparison.
struct EmailAddress {
    written: String,
    lower: String,
}

fn parse_email(raw: &str) -> Result<EmailAddress, String> {
    let written = raw.trim();
    if written.len() > 254 {
        return Err("is too long".into());
    }
    written
        .parse::<lettre::Address>()
        .map_err(|_| "is not a valid email address".to_owned())?;
    Ok(EmailAddress {
        written: written.to_owned(),
        lower: crate::auth::email_key(written),
    })
}

fn parse_locale(raw: Option<&str>) -> Result<Locale, String> {
    match raw {
        None => Ok(Locale::En),
        Some(value) => Locale::parse(value).ok_or_else(|| "must be `en` or `zh-CN`".to_owned()),
    }
}

/// Address of a page of the web client, such as `reset-password`.
fn page(state: &AppState, name: &str) -> String {
    format!("{}/{name}", state.settings.public_url.trim_end_matches('/'))
}

/// Creates a one-time token for `user_id` and returns the secret to email.
fn issue_token(
    conn: &mut AnyConnection,
    user_id: i64,
    purpose: TokenPurpose,
    ttl: Duration,
) -> Result<String, ApiError> {
    let token = random_token();
    let now = db::now();
    store::insert_token(conn, user_id, purpose, &hash_token(&token), now + ttl, now)?;
    Ok(token)
}

fn name_taken() -> ApiError {
    ApiError::invalid("display_name", "is already taken")
}

/// The email that carries the link confirming a registration.
fn verification_email(to: &str, locale: Locale, display_name: &str, link: String) -> Email {
    Email {
        to: to.to_owned(),
        locale,
        template: Template::VerifyEmail,
        vars: MailVars {
            display_name: display_name.to_owned(),
            link: Some(link),
        },
    }
}

/// `POST /accounts`. No account exists before its address is confirmed: every registration
/// waits in `registrations`, holding its name for [`VERIFY_TTL`], whether or not the address
/// has an account, and the only difference is the email: a new address gets the link that
/// creates the account, a known one a warning to its owner. So the answer, the name held and
/// for how long, and the ids of accounts are the same for known and unknown addresses.
pub async fn register(state: &AppState, req: RegisterRequest) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    let email = parse_email(&req.email)
        .map_err(|m| errors.insert("email".into(), m))
        .ok();
    let display_name = names::parse(&req.display_name)
        .map_err(|m| errors.insert("display_name".into(), m))
        .ok();
    let locale = parse_locale(req.locale.as_deref())
        .map_err(|m| errors.insert("locale".into(), m))
        .ok();
    let written_name = display_name.as_ref().map_or("", |n| n.written.as_str());
    if let Err(m) = password::check_strength(&req.password, &[&req.email, written_name]) {
        errors.insert("password".into(), m);
    }
    let (Some(email), Some(display_name), Some(locale)) = (email, display_name, locale) else {
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let taken = {
        let skeleton = display_name.skeleton.clone();
        state
            .db
            .read(move |conn| {
                Ok::<_, ApiError>(store::display_name_taken(conn, &skeleton, None, db::now())?)
            })
            .await?
    };
    if taken {
        return Err(name_taken());
    }
    let hash = state.hasher.hash(req.password).await?;
    let verify_page = page(state, "verify-email");
    let reset_page = page(state, "reset-password");
    state
        .db
        .write(move |conn| {
            let now = db::now();
            store::clear_registrations(conn, &email.lower, now)?;
            if store::display_name_taken(conn, &display_name.skeleton, None, now)? {
                return Err(name_taken());
            }
            let token = random_token();
            let registration = store::NewRegistration {
                email: &email.written,
                email_lower: &email.lower,
                display_name: &display_name.written,
                display_name_skeleton: &display_name.skeleton,
                password_hash: &hash,
                locale,
                token_hash: &hash_token(&token),
                expires_at: now + VERIFY_TTL,
                created_at: now,
            };
            // Two registrations of one name at the same moment: the unique index decides.
            db::unique_violation(store::insert_registration(conn, &registration))?
                .ok_or_else(name_taken)?;
            let email = match store::user_by_email(conn, &email.lower)? {
                Some(owner) => Email {
                    to: owner.email.clone(),
                    locale: owner.locale,
                    template: Template::RegistrationAttempt,
                    vars: MailVars {
                        display_name: owner.display_name.clone(),
                        link: Some(reset_page),
                    },
                },
                None => verification_email(
                    &email.written,
                    locale,
                    &display_name.written,
                    format!("{verify_page}?token={token}"),
                ),
            };
            outbox::enqueue(conn, &email)?;
            Ok(())
        })
        .await
}

fn invalid_token() -> ApiError {
    ApiError::invalid("token", "is invalid, already used or expired")
}

/// `POST /accounts/verify`: the link proves the address, and the account is created, active.
pub async fn verify_email(state: &AppState, token: String) -> Result<(), ApiError> {
    state
        .db
        .write(move |conn| {
            let now = db::now();
            let registration = store::take_registration(conn, &hash_token(token.trim()), now)?
                .ok_or_else(invalid_token)?;
            if store::user_by_email(conn, &registration.email_lower)?.is_some() {
                return Err(ApiError::invalid(
                    "token",
                    "this address already has an account: sign in, or reset its password",
                ));
            }
            let new = NewUser {
                email: &registration.email,
                email_lower: &registration.email_lower,
                password_hash: &registration.password_hash,
                display_name: &registration.display_name,
                display_name_lower: &registration.display_name.to_lowercase(),
                display_name_skeleton: &registration.display_name_skeleton,
                locale: registration.locale,
                bio: "",
                role: Role::Member,
                trust_level: 0,
                email_verified_at: Some(now),
                created_at: now,
                updated_at: now,
            };
            // The name was held by the registration; only an administrator's command could have
            // given it away meanwhile.
            db::unique_violation(store::insert_user(conn, &new))?.ok_or_else(|| {
                ApiError::invalid(
                    "token",
                    "the display name of this registration was taken meanwhile: register again",
                )
            })?;
            Ok(())
        })
        .await
}

/// `POST /accounts/verify/resend`: a new link for a registration waiting for its address,
/// which also holds its name for another [`VERIFY_TTL`]. The registration is renewed the same
/// way whether or not the address has an account; only a new address is emailed.
pub async fn resend_verification(state: &AppState, email: String) -> Result<(), ApiError> {
    let Ok(email) = parse_email(&email) else {
        return Ok(());
    };
    let verify_page = page(state, "verify-email");
    state
        .db
        .write(move |conn| {
            let now = db::now();
            let token = random_token();
            if !store::renew_registration(
                conn,
                &email.lower,
                &hash_token(&token),
                now + VERIFY_TTL,
                now,
            )? {
                return Ok(());
            }
            if store::user_by_email(conn, &email.lower)?.is_some() {
                return Ok(());
            }
            let Some(registration) = store::live_registration(conn, &email.lower, now)? else {
                return Ok(());
            };
            outbox::enqueue(
                conn,
                &verification_email(
                    &registration.email,
                    registration.locale,
                    &registration.display_name,
                    format!("{verify_page}?token={token}"),
                ),
            )?;
            Ok(())
        })
        .await
}

/// Adds a session row to `family_id` with a new random refresh token; returns its tokens and
/// id.
fn open_session(
    state: &AppState,
    conn: &mut AnyConnection,
    user: &UserRow,
    family_id: &str,
) -> Result<(TokenResponse, i64), ApiError> {
    open_session_with(state, conn, user, family_id, random_token())
}

/// Opens a new session (a new family) for `user`, signed in from `client`; returns its tokens.
pub(super) fn sign_in_session(
    state: &AppState,
    conn: &mut AnyConnection,
    user: &UserRow,
    client: &ClientInfo,
) -> Result<TokenResponse, ApiError> {
    let family = random_token();
    super::security::store::insert_family(conn, user.id, &family, client, db::now())?;
    open_session(state, conn, user, &family).map(|(tokens, _)| tokens)
}

/// Adds a session row to `family_id` for this refresh token; returns its tokens and id.
pub(super) fn open_session_with(
    state: &AppState,
    conn: &mut AnyConnection,
    user: &UserRow,
    family_id: &str,
    refresh: String,
) -> Result<(TokenResponse, i64), ApiError> {
    let now = db::now();
    let expires = now + Duration::days(state.settings.jwt.refresh_ttl_days);
    let session_id = store::insert_session(
        conn,
        user.id,
        family_id,
        &hash_token(&refresh),
        expires,
        now,
    )?;
    Ok((
        session_tokens(state, user, session_id, refresh)?,
        session_id,
    ))
}

/// The answer that carries a session's tokens: a new access token for the session, and its
/// refresh token.
pub(super) fn session_tokens(
    state: &AppState,
    user: &UserRow,
    session_id: i64,
    refresh: String,
) -> Result<TokenResponse, ApiError> {
    let access = state
        .keys
        .issue(user.id, session_id, user.role)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(TokenResponse {
        access_token: access,
        token_type: "Bearer",
        expires_in: state.keys.access_ttl_secs,
        refresh_token: refresh,
        user: SessionUser {
            id: user.id,
            display_name: user.display_name.clone(),
            role: user.role,
            state: user.state(),
        },
    })
}

fn wrong_credentials() -> ApiError {
    ApiError::Unauthorized("the email address or the password is wrong".into())
}

fn refused_state(user: &UserRow) -> ApiError {
    match (user.state(), user.state_until()) {
        (AccountState::Suspended, Some(until)) => ApiError::Forbidden(format!(
            "this account is suspended until {}",
            crate::db::utc(until).to_rfc3339()
        )),
        (AccountState::Suspended, None) => ApiError::Forbidden("this account is suspended".into()),
        (AccountState::Banned, _) => ApiError::Forbidden("this account is banned".into()),
        _ => wrong_credentials(),
    }
}

/// Settles a try at a password as wrong. When that takes the account to the warning threshold
/// of its window, its owner (if the address has one) gets one email saying someone is trying
/// to sign in.
pub(super) async fn wrong_password(state: &AppState, attempt: Attempt, owner: Option<&UserRow>) {
    let failure = attempt.failed().await;
    let Some(owner) = owner.filter(|_| failure == Failure::AlertOwner) else {
        return;
    };
    let email = Email {
        to: owner.email.clone(),
        locale: owner.locale,
        template: Template::SignInAttempts,
        vars: MailVars {
            display_name: owner.display_name.clone(),
            link: Some(page(state, "reset-password")),
        },
    };
    let queued = state
        .db
        .write(move |conn| Ok::<_, ApiError>(outbox::enqueue(conn, &email)?))
        .await;
    if let Err(e) = queued {
        // The answer stays the wrong-password one; only the warning is lost.
        tracing::error!(error = %e, "the sign-in attempts warning could not be queued");
    }
}

/// What a right password leads to.
pub enum SignIn {
    /// A session.
    Session(Box<TokenResponse>),
    /// The account has two-factor authentication on: a challenge to complete with a code.
    SecondStep(TwoFactorChallenge),
}

/// `POST /sessions`: checks the password (same work and answer for unknown addresses).
/// Wrong passwords are throttled per account and client, per account and per client (see
/// [`crate::http::ratelimit::LoginThrottle`]): a guesser is stopped while the owner, from her
/// own client, still signs in. For an account with two-factor authentication a right
/// password gives a challenge, not a session, and does not reset the account's count from
/// this client (the code does, see `security::two_factor`).
pub async fn login(
    state: &AppState,
    email: String,
    password: String,
    client: Option<IpAddr>,
    info: ClientInfo,
) -> Result<SignIn, ApiError> {
    let email_lower = crate::auth::email_key(&email);
    let attempt = state.login_throttle.attempt(&email_lower, client).await?;
    let user = {
        let email_lower = email_lower.clone();
        state
            .db
            .read(move |conn| Ok::<_, ApiError>(store::user_by_email(conn, &email_lower)?))
            .await?
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = state.hasher.verify(password, stored).await?;
    let user = match user {
        Some(user) if matches => user,
        user => {
            wrong_password(state, attempt, user.as_ref()).await;
            return Err(wrong_credentials());
        }
    };
    if !user.state().may_sign_in() {
        attempt.succeeded().await;
        return Err(refused_state(&user));
    }
    let app = state.clone();
    let signed = state
        .db
        .write(move |conn| {
            if let Some(challenge) = super::security::two_factor::challenge(conn, user.id)? {
                return Ok(SignIn::SecondStep(challenge));
            }
            Ok::<_, ApiError>(SignIn::Session(Box::new(sign_in_session(
                &app, conn, &user, &info,
            )?)))
        })
        .await?;
    match signed {
        // The try is given back (the attempt is dropped), without starting the count again.
        SignIn::SecondStep(_) => attempt.release().await,
        SignIn::Session(_) => attempt.succeeded().await,
    }
    Ok(signed)
}

/// `DELETE /sessions/current`: revokes the caller's session family.
pub async fn logout(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    let session_id = caller.session_id;
    state
        .db
        .write(move |conn| {
            if let Some(family) = store::family_of(conn, session_id)? {
                store::revoke_family(conn, &family, db::now())?;
            }
            Ok(())
        })
        .await
}

/// `DELETE /sessions`: revokes every session of the caller.
pub async fn logout_everywhere(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    let user_id = caller.user_id;
    state
        .db
        .write(move |conn| {
            store::revoke_user_sessions(conn, user_id, None, db::now())?;
            Ok(())
        })
        .await
}

/// `POST /password-resets`: emails a reset link when the address has an account; the answer
/// is the same either way.
pub async fn request_reset(state: &AppState, email: String) -> Result<(), ApiError> {
    let Ok(email) = parse_email(&email) else {
        return Ok(());
    };
    let reset_page = page(state, "reset-password");
    state
        .db
        .write(move |conn| {
            let Some(user) = store::user_by_email(conn, &email.lower)? else {
                return Ok(());
            };
            if !user.state().may_sign_in() && user.state() != AccountState::Suspended {
                return Ok(());
            }
            let token = issue_token(conn, user.id, TokenPurpose::ResetPassword, RESET_TTL)?;
            outbox::enqueue(
                conn,
                &Email {
                    to: user.email.clone(),
                    locale: user.locale,
                    template: Template::ResetPassword,
                    vars: MailVars {
                        display_name: user.display_name.clone(),
                        link: Some(format!("{reset_page}?token={token}")),
                    },
                },
            )?;
            Ok(())
        })
        .await
}

fn password_changed_email(state: &AppState, user: &UserRow) -> Email {
    Email {
        to: user.email.clone(),
        locale: user.locale,
        template: Template::PasswordChanged,
        vars: MailVars {
            display_name: user.display_name.clone(),
            link: Some(page(state, "reset-password")),
        },
    }
}

/// `POST /password-resets/confirm`: sets the new password, ends every other reset link of the
/// account and revokes every session.
pub async fn confirm_reset(
    state: &AppState,
    token: String,
    new_password: String,
) -> Result<(), ApiError> {
    password::check_strength(&new_password, &[])
        .map_err(|m| ApiError::invalid("new_password", m))?;
    let hash = state.hasher.hash(new_password).await?;
    let app = state.clone();
    state
        .db
        .write(move |conn| {
            let now = db::now();
            let user_id = store::consume_token(
                conn,
                &hash_token(token.trim()),
                TokenPurpose::ResetPassword,
                now,
            )?
            .ok_or_else(invalid_token)?;
            store::set_password(conn, user_id, &hash, now)?;
            store::end_tokens(conn, user_id, TokenPurpose::ResetPassword, now)?;
            store::revoke_user_sessions(conn, user_id, None, now)?;
            if let Some(user) = store::user_by_id(conn, user_id)? {
                outbox::enqueue(conn, &password_changed_email(&app, &user))?;
            }
            Ok(())
        })
        .await
}

async fn load_user(state: &AppState, user_id: i64) -> Result<UserRow, ApiError> {
    state
        .db
        .read(move |conn| Ok::<_, ApiError>(store::user_by_id(conn, user_id)?))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("this account no longer exists".into()))
}

/// `POST /me/password`: checks the current password, sets the new one, ends every reset link
/// still outstanding and revokes every other session.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    current_password: String,
    new_password: String,
) -> Result<(), ApiError> {
    let user = load_user(state, caller.user_id).await?;
    if let Err(m) = password::check_strength(&new_password, &[&user.email, &user.display_name]) {
        return Err(ApiError::invalid("new_password", m));
    }
    if !state
        .hasher
        .verify(current_password, Some(user.password_hash.clone()))
        .await?
    {
        return Err(ApiError::invalid("current_password", "is wrong"));
    }
    let hash = state.hasher.hash(new_password).await?;
    let app = state.clone();
    let session_id = caller.session_id;
    state
        .db
        .write(move |conn| {
            let now = db::now();
            store::set_password(conn, user.id, &hash, now)?;
            store::end_tokens(conn, user.id, TokenPurpose::ResetPassword, now)?;
            let family = store::family_of(conn, session_id)?;
            store::revoke_user_sessions(conn, user.id, family.as_deref(), now)?;
            outbox::enqueue(conn, &password_changed_email(&app, &user))?;
            Ok(())
        })
        .await
}

/// `GET /me`.
pub async fn me(state: &AppState, caller: &Caller) -> Result<Me, ApiError> {
    Ok(load_user(state, caller.user_id).await?.into())
}

/// `PATCH /me`: display name, locale and bio.
pub async fn update_me(
    state: &AppState,
    caller: &Caller,
    req: UpdateMeRequest,
) -> Result<Me, ApiError> {
    let mut errors = FieldErrors::new();
    let display_name = match req.display_name.as_deref().map(names::parse) {
        Some(Err(m)) => {
            errors.insert("display_name".into(), m);
            None
        }
        Some(Ok(name)) => Some(name),
        None => None,
    };
    let locale = match req.locale.as_deref().map(|l| parse_locale(Some(l))) {
        Some(Err(m)) => {
            errors.insert("locale".into(), m);
            None
        }
        Some(Ok(locale)) => Some(locale),
        None => None,
    };
    let req_emails = req.notify_email_replies;
    let profile_hidden = req.profile_hidden;
    let bio = req.bio.map(|b| b.trim().to_owned());
    if bio.as_ref().is_some_and(|b| b.chars().count() > BIO_MAX) {
        errors.insert(
            "bio".into(),
            format!("must be at most {BIO_MAX} characters"),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let user_id = caller.user_id;
    state
        .db
        .write(move |conn| {
            let now = db::now();
            let mut changes = store::ProfileChanges {
                display_name: None,
                display_name_lower: None,
                display_name_skeleton: None,
                locale,
                bio: bio.as_deref(),
                notify_email_replies: req_emails,
                profile_hidden,
                updated_at: now,
            };
            if let Some(name) = &display_name {
                if store::display_name_taken(conn, &name.skeleton, Some(user_id), now)? {
                    return Err(name_taken());
                }
                changes = changes.name(name);
            }
            // Two members taking one name at the same moment: the unique index decides.
            db::unique_violation(store::update_profile(conn, user_id, &changes))?
                .ok_or_else(name_taken)?;
            store::user_by_id(conn, user_id)?
                .map(Me::from)
                .ok_or_else(|| ApiError::Internal("updated user vanished".into()))
        })
        .await
}

/// `GET /users/{id}`: the public profile; deleted accounts do not exist for others.
/// A profile its member hid is, for visitors, like one that does not exist.
pub async fn public_profile(
    state: &AppState,
    caller: Option<&Caller>,
    user_id: i64,
) -> Result<PublicProfile, ApiError> {
    let visitor = caller.is_none();
    state
        .db
        .read(move |conn| Ok::<_, ApiError>(store::user_by_id(conn, user_id)?))
        .await?
        .filter(|u| u.state() != AccountState::Deleted)
        .filter(|u| !(visitor && u.profile_hidden))
        .map(PublicProfile::from)
        .ok_or_else(|| ApiError::NotFound("no such member".into()))
}

/// Creates an active, verified account with a role (the `admin create-user` command). Blocks:
/// call it off the async workers.
pub fn create_user_blocking(
    db: &Db,
    email: &str,
    display_name: &str,
    password: &str,
    role: Role,
) -> Result<i64, ApiError> {
    let mut errors = FieldErrors::new();
    let email = parse_email(email)
        .map_err(|m| errors.insert("email".into(), m))
        .ok();
    let display_name = names::parse(display_name)
        .map_err(|m| errors.insert("display_name".into(), m))
        .ok();
    let written_name = display_name.as_ref().map_or("", |n| n.written.as_str());
    if let Err(m) = password::check_strength(password, &[written_name]) {
        errors.insert("password".into(), m);
    }
    let (Some(email), Some(display_name)) = (email, display_name) else {
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let hash = password::hash_blocking(password)?;
    db.write_blocking(|conn| {
        let now = db::now();
        if store::user_by_email(conn, &email.lower)?.is_some() {
            return Err(ApiError::invalid("email", "already has an account"));
        }
        if store::display_name_taken(conn, &display_name.skeleton, None, now)? {
            return Err(name_taken());
        }
        let lower = display_name.written.to_lowercase();
        let new = NewUser {
            email: &email.written,
            email_lower: &email.lower,
            password_hash: &hash,
            display_name: &display_name.written,
            display_name_lower: &lower,
            display_name_skeleton: &display_name.skeleton,
            locale: Locale::En,
            bio: "",
            role,
            trust_level: 2,
            email_verified_at: Some(now),
            created_at: now,
            updated_at: now,
        };
        Ok(store::insert_user(conn, &new)?)
    })
}

/// The same as [`create_user_blocking`], from async code.
pub async fn create_user(
    db: &Db,
    email: &str,
    display_name: &str,
    password: &str,
    role: Role,
) -> Result<i64, ApiError> {
    let (db, email, display_name, password) = (
        db.clone(),
        email.to_owned(),
        display_name.to_owned(),
        password.to_owned(),
    );
    actix_web::web::block(move || create_user_blocking(&db, &email, &display_name, &password, role))
        .await
        .map_err(|_| ApiError::Internal("account creation was cancelled".into()))?
}

/// Changes the role of the account with this address (the `admin set-role` command); the
/// change is written to the moderation log.
pub fn set_role_blocking(db: &Db, email: &str, role: Role) -> Result<(), ApiError> {
    let lower = email.trim().to_lowercase();
    db.write_blocking(|conn| {
        let user = store::user_by_email(conn, &lower)?
            .ok_or_else(|| ApiError::NotFound(format!("no account has the address {email}")))?;
        store::set_role(conn, user.id, role, db::now())?;
        crate::modlog::append(
            conn,
            &crate::modlog::Entry {
                actor_id: None,
                action: LogAction::RoleChange,
                target_kind: LogTargetKind::User,
                target_id: user.id,
                reason: Some("set by an operator on the command line"),
                before: Some(user.role.as_str()),
                after: Some(role.as_str()),
            },
        )?;
        Ok(())
    })
}
