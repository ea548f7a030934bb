//! The rules of one's sessions: the list (the current one marked), revoking one, revoking
//! every other. A revoked session's refresh token and access tokens stop working at once (the
//! `Caller` extractor reads the session row of every request).

use super::super::store as accounts_store;
use super::model::{SessionQuery, SessionView};
use super::store;
use crate::app::AppState;
use crate::auth::Caller;
use crate::db::{self, utc};
use crate::http::error::ApiError;
use crate::http::pagination::{self, Cursor, IdCursor, Page};

/// `GET /me/sessions`: the caller's open sessions, newest sign-in first.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    query: SessionQuery,
) -> Result<Page<SessionView>, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let before = pagination::after_id(query.cursor.as_deref())?;
    let (user_id, session_id) = (caller.user_id, caller.session_id);
    let (rows, current) = state
        .db
        .read(move |conn| {
            let now = db::now();
            let rows = store::open_families(conn, user_id, before, limit + 1, now)?;
            let current = accounts_store::family_of(conn, session_id)?;
            Ok::<_, ApiError>((rows, current))
        })
        .await?;
    Ok(pagination::page(
        rows,
        limit,
        |r| IdCursor { id: r.0 }.encode(),
        |(id, family, client, network, created_at, last_used_at)| SessionView {
            id,
            current: current.as_deref() == Some(family.as_str()),
            client,
            network,
            created_at: utc(created_at),
            last_used_at: utc(last_used_at),
        },
    ))
}

/// `DELETE /me/sessions/{id}`: revokes one of the caller's sessions (the current one too,
/// which is logging out). Another member's session, or one already closed, is 404: nobody
/// learns that an id exists.
pub async fn revoke(state: &AppState, caller: &Caller, id: i64) -> Result<(), ApiError> {
    let user_id = caller.user_id;
    state
        .db
        .write(move |conn| {
            let now = db::now();
            let family = store::open_family(conn, user_id, id, now)?.ok_or_else(|| {
                ApiError::NotFound("you have no open session with this id".into())
            })?;
            accounts_store::revoke_family(conn, &family, now)?;
            Ok(())
        })
        .await
}

/// `DELETE /me/sessions`: revokes every session of the caller but the current one.
pub async fn revoke_others(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    let (user_id, session_id) = (caller.user_id, caller.session_id);
    state
        .db
        .write(move |conn| {
            let family = accounts_store::family_of(conn, session_id)?;
            accounts_store::revoke_user_sessions(conn, user_id, family.as_deref(), db::now())?;
            Ok(())
        })
        .await
}
