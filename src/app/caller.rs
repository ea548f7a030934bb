//! The `Caller` extractor: a handler that takes a `Caller` argument cannot run without a valid
//! access token whose session is still open and whose account may still sign in (and it tells
//! whether a staff account still has to turn on two-factor authentication); and
//! [`bearer_requester`], which the rate limiter asks for the account of a request.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use diesel::prelude::*;

use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::model::{AccountState, Role, Sanction};
use crate::db::schema::{sessions, two_factor, users};
use crate::http::error::ApiError;
use crate::http::ratelimit::Requester;

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn unauthorized() -> ApiError {
    ApiError::Unauthorized("a valid access token is required".into())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("state missing".into()))?;
            let token = token.ok_or_else(unauthorized)?;
            let claims = state.keys.verify(&token).map_err(|e| {
                tracing::debug!(reason = %e, "access token refused");
                unauthorized()
            })?;
            let user_id: i64 = claims.sub.parse().map_err(|_| unauthorized())?;
            let session_id = claims.sid;
            let require_2fa = state.settings.auth.require_2fa_for_staff;
            // One query: the session must be open and belong to the token's user; and whether
            // the account has two-factor authentication turned on.
            let row = state
                .db
                .read(move |conn| {
                    sessions::table
                        .inner_join(users::table)
                        .filter(sessions::id.eq(session_id))
                        .filter(sessions::user_id.eq(user_id))
                        .filter(sessions::revoked_at.is_null())
                        .select((
                            users::role,
                            users::sanction,
                            users::sanction_until,
                            users::deleted_at.is_not_null(),
                            diesel::dsl::exists(
                                two_factor::table
                                    .filter(two_factor::user_id.eq(users::id))
                                    .filter(two_factor::enabled_at.is_not_null()),
                            ),
                        ))
                        .first::<(Role, Sanction, Option<chrono::NaiveDateTime>, bool, bool)>(conn)
                        .optional()
                        .map_err(ApiError::from)
                })
                .await?
                .ok_or_else(unauthorized)?;
            let (role, sanction) = (row.0, row.1);
            let account_state = AccountState::derive(row.3, sanction, row.2, crate::db::now());
            if !account_state.may_sign_in() {
                return Err(unauthorized());
            }
            Ok(Caller {
                user_id,
                session_id,
                role,
                state: account_state,
                state_until: (account_state == AccountState::Silenced)
                    .then_some(row.2)
                    .flatten(),
                needs_two_factor: require_2fa
                    && matches!(role, Role::Moderator | Role::Admin)
                    && !row.4,
            })
        })
    }
}

/// For endpoints open to visitors: no `Authorization` header gives `None`; a header that does
/// not authenticate is still refused with 401, so a client never silently reads as a visitor.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequest for MaybeCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req.headers().get(header::AUTHORIZATION).is_none() {
            return Box::pin(async { Ok(MaybeCaller(None)) });
        }
        let caller = Caller::from_request(req, payload);
        Box::pin(async move { caller.await.map(|c| MaybeCaller(Some(c))) })
    }
}

/// The user id and staff role of a valid bearer token, without asking the database (a revoked
/// session's token still counts against its own account, which is harmless; its requests are
/// refused by [`Caller`] anyway). A role taken away shows once the token is renewed, within
/// `auth.access_ttl_secs`.
pub fn bearer_requester(req: &HttpRequest) -> Option<Requester> {
    let state = req.app_data::<web::Data<AppState>>()?;
    let claims = state.keys.verify(&bearer(req)?).ok()?;
    let staff = matches!(
        Role::parse(&claims.role),
        Some(Role::Moderator | Role::Admin)
    );
    Some(Requester {
        account: claims.sub,
        staff,
    })
}
