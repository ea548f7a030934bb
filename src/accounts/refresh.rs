//! Refresh-token rotation with reuse detection, safe when one session refreshes twice at once.
//!
//! Each refresh token is used once: refreshing returns a new pair and the old token is marked
//! as rotated. Presenting a rotated token again normally means it was stolen, and revokes its
//! whole session family. But two tabs of one browser refresh at the same moment, and a client
//! whose answer was lost retries: so, for a short grace window after a rotation
//! (`jwt.refresh_reuse_grace_secs`, 30 s by default), the rotated token is answered with **the
//! same successor** again, as long as that successor has not been used itself. The successor is
//! not stored in the clear: it is derived from the presented token with a key only the server
//! holds (HMAC-SHA256 keyed by the family's random id), so the server can hand it out again
//! while a stolen database still holds nothing but hashes. A replay inside the window gets the
//! owner's own successor, so the chain never forks: whoever uses it second, after the window,
//! revokes the family.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDateTime};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::model::TokenResponse;
use super::service::{open_session_with, session_tokens};
use super::store::{self, SessionRow};
use crate::app::AppState;
use crate::auth::token::hash_token;
use crate::db::{self, AnyConnection};
use crate::http::error::ApiError;

enum Rotation {
    Rotated(Box<TokenResponse>),
    /// The token was already used or revoked: the family has now been revoked.
    Reused,
    Refused,
}

/// The refresh token that follows `token` in its family.
fn successor_of(family_id: &str, token: &str) -> Result<String, ApiError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(family_id.as_bytes())
        .map_err(|e| ApiError::Internal(format!("refresh-token key: {e}")))?;
    mac.update(token.as_bytes());
    Ok(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// `POST /sessions/refresh`: rotates the refresh token (see the module documentation).
pub async fn refresh(state: &AppState, refresh_token: String) -> Result<TokenResponse, ApiError> {
    let app = state.clone();
    let outcome = state
        .db
        .write(move |conn| rotate(&app, conn, refresh_token.trim()))
        .await?;
    match outcome {
        Rotation::Rotated(tokens) => Ok(*tokens),
        Rotation::Reused => {
            tracing::warn!("refresh token reused; its session family was revoked");
            Err(ApiError::Unauthorized(
                "this refresh token was already used; sign in again".into(),
            ))
        }
        Rotation::Refused => Err(ApiError::Unauthorized(
            "the refresh token is invalid or expired".into(),
        )),
    }
}

fn rotate(state: &AppState, conn: &mut AnyConnection, token: &str) -> Result<Rotation, ApiError> {
    let Some(found) = store::session_by_refresh_hash(conn, &hash_token(token))? else {
        return Ok(Rotation::Refused);
    };
    // Refreshes of one token take turns: the second reads what the first wrote.
    let Some(row) = store::lock_session(conn, found.id)? else {
        return Ok(Rotation::Refused);
    };
    let now = db::now();
    if row.revoked_at.is_some() {
        store::revoke_family(conn, &row.family_id, now)?;
        return Ok(Rotation::Reused);
    }
    let successor = successor_of(&row.family_id, token)?;
    // Rotated already: within the grace window, the same successor again; otherwise reuse.
    let again = match row.replaced_by {
        None => None,
        Some(next_id) => {
            let grace = Duration::seconds(state.settings.jwt.refresh_reuse_grace_secs);
            match store::session_by_id(conn, next_id)?
                .filter(|next| is_fresh_successor(next, &successor, now, grace))
            {
                Some(next) => Some(next.id),
                None => {
                    store::revoke_family(conn, &row.family_id, now)?;
                    return Ok(Rotation::Reused);
                }
            }
        }
    };
    if again.is_none() && row.expires_at <= now {
        return Ok(Rotation::Refused);
    }
    let Some(user) = store::user_by_id(conn, row.user_id)? else {
        return Ok(Rotation::Refused);
    };
    if !user.state().may_sign_in() {
        store::revoke_family(conn, &row.family_id, now)?;
        return Ok(Rotation::Refused);
    }
    let tokens = match again {
        Some(next_id) => session_tokens(state, &user, next_id, successor)?,
        None => {
            let (tokens, new_id) =
                open_session_with(state, conn, &user, &row.family_id, successor)?;
            store::mark_replaced(conn, row.id, new_id)?;
            super::security::store::touch_family(conn, &row.family_id, now)?;
            tokens
        }
    };
    Ok(Rotation::Rotated(Box::new(tokens)))
}

/// Whether `next` is the successor derived from the presented token, created within the grace
/// window, and neither used nor revoked since.
fn is_fresh_successor(
    next: &SessionRow,
    successor: &str,
    now: NaiveDateTime,
    grace: Duration,
) -> bool {
    next.refresh_hash == hash_token(successor)
        && next.replaced_by.is_none()
        && next.revoked_at.is_none()
        && next.expires_at > now
        && now - next.created_at <= grace
}
