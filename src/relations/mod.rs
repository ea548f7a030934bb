//! Relations between members: who ignores whom. A member she ignores sees nothing change; for
//! her, his posts are collapsed (the forum's `author_ignored` flag), and nothing of his reaches
//! her: no notification (his replies and mentions are not recorded), no private message and no
//! message request. Moderation notices have no actor, so ignoring a moderator never stops them.
//! Moderators see how many members ignore someone, a signal in the moderation queue.

pub mod member_data;
pub mod routes;
pub mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::policy::{Action, authorize};
use crate::db::utc;
use crate::http::error::ApiError;
use crate::http::pagination::{self, Cursor, IdCursor, Page};

/// How many members one may ignore: enough for any real need, and a bound on the lists the
/// forum and the notifications check against.
pub const MAX_IGNORED: i64 = 1_000;

/// A member one ignores.
#[derive(Debug, Serialize, ToSchema)]
pub struct IgnoredMember {
    pub user_id: i64,
    pub display_name: String,
    /// Since when.
    pub ignored_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct IgnoredQuery {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

fn no_such_member() -> ApiError {
    ApiError::NotFound("no such member".into())
}

/// `PUT /me/ignored/{user_id}`: ignore a member (again: no change). Erased and unknown
/// accounts are 404; oneself is 403 (as reacting to or flagging one's own post); past
/// [`MAX_IGNORED`], 409.
pub async fn ignore(state: &AppState, caller: &Caller, target: i64) -> Result<(), ApiError> {
    authorize(caller, Action::ProtectOneself)?;
    if target == caller.user_id {
        return Err(ApiError::Forbidden("you cannot ignore yourself".into()));
    }
    let me = caller.user_id;
    state
        .db
        .write(move |conn| {
            if !store::is_member(conn, target)? {
                return Err(no_such_member());
            }
            // The count is a soft bound: two requests at once may pass it by one.
            if !store::ignores(conn, me, target)? && store::count_ignored(conn, me)? >= MAX_IGNORED
            {
                return Err(ApiError::Conflict(format!(
                    "you ignore {MAX_IGNORED} members already, the most one can"
                )));
            }
            store::ignore(conn, me, target, crate::db::now())?;
            Ok(())
        })
        .await
}

/// `DELETE /me/ignored/{user_id}`: stop ignoring (whether or not one did).
pub async fn unignore(state: &AppState, caller: &Caller, target: i64) -> Result<(), ApiError> {
    authorize(caller, Action::ProtectOneself)?;
    let me = caller.user_id;
    state
        .db
        .write(move |conn| Ok::<_, ApiError>(store::unignore(conn, me, target)?))
        .await?;
    Ok(())
}

/// `GET /me/ignored`: the members one ignores, by account (the newest accounts first).
pub async fn list(
    state: &AppState,
    caller: &Caller,
    query: IgnoredQuery,
) -> Result<Page<IgnoredMember>, ApiError> {
    authorize(caller, Action::ProtectOneself)?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::after_id(query.cursor.as_deref())?;
    let me = caller.user_id;
    let rows = state
        .db
        .read(move |conn| Ok::<_, ApiError>(store::ignored_page(conn, me, after, limit)?))
        .await?;
    Ok(pagination::page(
        rows,
        limit,
        |r| IdCursor { id: r.user_id }.encode(),
        |r| IgnoredMember {
            user_id: r.user_id,
            display_name: r.display_name,
            ignored_at: utc(r.created_at),
        },
    ))
}
