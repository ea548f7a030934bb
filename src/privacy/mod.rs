//! Privacy rights: a member takes a copy of everything Butterfly holds about them
//! (`GET /me/export`) and leaves for good (`DELETE /me`); administrators may read a member's
//! private data, and every such read is written to an insert-only access log they can read
//! and nobody can change.
//!
//! Each feature owns its part of a member's data and exposes it through its `member_data`
//! port (export and erasure); this module composes them and owns the access log.
//!
//! - [`model`]: the export document, the erasure request, the access log entries;
//! - [`export`]: the export, one section per feature;
//! - [`erase`]: the erasure, one transaction, and what is kept and why;
//! - [`access_log`]: the log's storage; [`routes`]: the handlers.

pub mod access_log;
mod erase;
mod export;
pub mod model;
pub mod routes;

use std::net::IpAddr;

use self::model::{
    AccessKind, AccessLogEntry, AccessLogQuery, ContentChoice, DataExport, EraseRequest,
};
use crate::accounts::member_data::{self as accounts, account};
use crate::accounts::model::{Me, UserRow};
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::model::AccountState;
use crate::auth::policy::{Action, authorize};
use crate::db::AnyConnection;
use crate::db::utc;
use crate::http::error::ApiError;
use crate::http::pagination::{self, Cursor, IdCursor, Page};

fn gone() -> ApiError {
    ApiError::Unauthorized("this account no longer exists".into())
}

fn no_member() -> ApiError {
    ApiError::NotFound("no such member".into())
}

/// The export of `user_id`, read in one transaction (one snapshot on SQLite).
async fn export_of(state: &AppState, user_id: i64) -> Result<Option<DataExport>, ApiError> {
    state
        .db
        .read(move |conn: &mut AnyConnection| {
            use diesel::Connection;
            conn.transaction(|conn| match account(conn, user_id)? {
                Some(user) => export::collect(conn, user).map(Some),
                None => Ok(None),
            })
            .map_err(ApiError::from)
        })
        .await
}

/// `GET /me/export`.
pub async fn export_mine(state: &AppState, caller: &Caller) -> Result<DataExport, ApiError> {
    authorize(caller, Action::ExerciseOwnPrivacyRights)?;
    export_of(state, caller.user_id).await?.ok_or_else(gone)
}

/// `DELETE /me`: checks the password (wrong ones count like failed logins from `client`, so
/// this is no way around the login throttle), then erases the account in one transaction.
pub async fn erase_me(
    state: &AppState,
    caller: &Caller,
    req: EraseRequest,
    client: Option<IpAddr>,
) -> Result<(), ApiError> {
    authorize(caller, Action::ExerciseOwnPrivacyRights)?;
    let content = ContentChoice::parse(req.content.trim())
        .ok_or_else(|| ApiError::invalid("content", "must be `remove` or `keep_anonymous`"))?;
    let user_id = caller.user_id;
    let user: UserRow = state
        .db
        .read(move |conn| Ok::<_, ApiError>(account(conn, user_id)?))
        .await?
        .ok_or_else(gone)?;
    accounts::confirm_password(state, &user, req.password, client).await?;
    let app = state.clone();
    state
        .db
        .write(move |conn| {
            // Read again inside the transaction: a concurrent request may have erased it.
            let user = account(conn, user_id)?
                .filter(|u| u.state() != AccountState::Deleted)
                .ok_or_else(gone)?;
            erase::erase(&app, conn, &user, content)
        })
        .await?;
    tracing::info!(
        user_id,
        content = content.as_str(),
        "an account was erased by its owner"
    );
    Ok(())
}

/// Writes the access-log row for `what`, in a write transaction of its own, before anything
/// is read; 404 when there is no such member.
async fn log_access(
    state: &AppState,
    caller: &Caller,
    user_id: i64,
    what: AccessKind,
) -> Result<UserRow, ApiError> {
    authorize(caller, Action::ReadPrivateData)?;
    let actor = caller.user_id;
    state
        .db
        .write(move |conn| {
            let user = account(conn, user_id)?.ok_or_else(no_member)?;
            access_log::record(conn, actor, user_id, what)?;
            Ok(user)
        })
        .await
}

/// `GET /admin/users/{id}`: the private profile, logged.
pub async fn admin_profile(
    state: &AppState,
    caller: &Caller,
    user_id: i64,
) -> Result<Me, ApiError> {
    Ok(
        log_access(state, caller, user_id, AccessKind::PrivateProfile)
            .await?
            .into(),
    )
}

/// `GET /admin/users/{id}/export`: the member's export, logged, without her private messages
/// (reading private messages is no staff power) and without her health profile and the
/// pre-checks she attached to answers (reading them is no staff power either).
pub async fn admin_export(
    state: &AppState,
    caller: &Caller,
    user_id: i64,
) -> Result<DataExport, ApiError> {
    log_access(state, caller, user_id, AccessKind::Export).await?;
    let mut document = export_of(state, user_id).await?.ok_or_else(no_member)?;
    document.messages.sent.clear();
    document.health_profile = None;
    for answer in &mut document.trial_interests {
        answer.pre_check = None;
    }
    Ok(document)
}

/// `GET /admin/access-log`: newest first.
pub async fn access_log_page(
    state: &AppState,
    caller: &Caller,
    query: AccessLogQuery,
) -> Result<Page<AccessLogEntry>, ApiError> {
    authorize(caller, Action::ReadPrivateData)?;
    let limit = pagination::limit(query.limit)?;
    let before = pagination::after_id(query.cursor.as_deref())?;
    let subject = query.subject_user_id;
    let rows = state
        .db
        .read(move |conn| Ok::<_, ApiError>(access_log::page(conn, subject, before, limit)?))
        .await?;
    Ok(pagination::page(
        rows,
        limit,
        |r| IdCursor { id: r.0 }.encode(),
        |(id, actor_id, subject_user_id, what, at)| AccessLogEntry {
            id,
            actor_id,
            subject_user_id,
            what,
            created_at: utc(at),
        },
    ))
}
