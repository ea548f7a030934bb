//! Watched words managed by moderators, and reading the moderation log (in full for
//! moderators; without names and removed content for everyone).

use chrono::NaiveDateTime;

use super::model::{
    LogEntry, LogQuery, Person, PublicLogEntry, WatchedWordRequest, WatchedWordView,
};
use super::store;
use super::store::LogAudience;
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::model::Role;
use crate::auth::policy::{Action, authorize};
use crate::db::utc;
use crate::filters::{self, WordAction};
use crate::http::error::ApiError;
use crate::http::pagination::{self, Cursor, IdCursor, Page};
use crate::modlog::{self, LogAction, LogTargetKind};

fn view((id, pattern, action, at): (i64, String, WordAction, NaiveDateTime)) -> WatchedWordView {
    WatchedWordView {
        id,
        pattern,
        action,
        created_at: utc(at),
    }
}

/// `GET /moderation/watched-words`.
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<WatchedWordView>, ApiError> {
    authorize(caller, Action::Moderate)?;
    let rows = state
        .db
        .read(|conn| Ok::<_, ApiError>(store::watched_words(conn)?))
        .await?;
    Ok(rows.into_iter().map(view).collect())
}

/// `POST /moderation/watched-words`.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    req: WatchedWordRequest,
) -> Result<WatchedWordView, ApiError> {
    authorize(caller, Action::Moderate)?;
    let pattern =
        filters::check_pattern(&req.pattern).map_err(|m| ApiError::invalid("pattern", m))?;
    let me = caller.user_id;
    state
        .db
        .write(move |conn| {
            let id = crate::db::unique_violation(store::insert_watched_word(
                conn, &pattern, req.action, me,
            ))?
            .ok_or_else(|| {
                ApiError::Conflict(format!("a rule for \"{pattern}\" exists already"))
            })?;
            modlog::append(
                conn,
                &modlog::Entry {
                    actor_id: Some(me),
                    action: LogAction::WatchedWordAdded,
                    target_kind: LogTargetKind::WatchedWord,
                    target_id: id,
                    reason: None,
                    before: None,
                    after: Some(&format!("{pattern} → {}", req.action.as_str())),
                },
            )?;
            let rows = store::watched_words(conn)?;
            rows.into_iter()
                .find(|r| r.0 == id)
                .map(view)
                .ok_or_else(|| ApiError::Internal("new rule vanished".into()))
        })
        .await
}

/// `DELETE /moderation/watched-words/{id}`.
pub async fn delete(state: &AppState, caller: &Caller, id: i64) -> Result<(), ApiError> {
    authorize(caller, Action::Moderate)?;
    let me = caller.user_id;
    state
        .db
        .write(move |conn| {
            let gone = || ApiError::NotFound("no such rule".into());
            let (pattern, action) = store::watched_word(conn, id)?.ok_or_else(gone)?;
            if !store::delete_watched_word(conn, id)? {
                return Err(gone());
            }
            modlog::append(
                conn,
                &modlog::Entry {
                    actor_id: Some(me),
                    action: LogAction::WatchedWordRemoved,
                    target_kind: LogTargetKind::WatchedWord,
                    target_id: id,
                    reason: None,
                    before: Some(&format!("{pattern} → {action}")),
                    after: None,
                },
            )?;
            Ok(())
        })
        .await
}

async fn log_rows(
    state: &AppState,
    audience: LogAudience,
    query: LogQuery,
) -> Result<(Vec<store::LogRow>, Vec<(i64, String, Role)>, i64), ApiError> {
    let limit = pagination::limit(query.limit)?;
    let before = pagination::after_id(query.cursor.as_deref())?;
    let (rows, people) = state
        .db
        .read(move |conn| {
            let rows = store::log_page(conn, audience, before, limit)?;
            let people = match audience {
                LogAudience::Staff => {
                    let actors: Vec<i64> = rows.iter().filter_map(|r| r.1).collect();
                    store::people(conn, &actors)?
                }
                LogAudience::Public => Vec::new(),
            };
            Ok::<_, ApiError>((rows, people))
        })
        .await?;
    Ok((rows, people, limit))
}

/// `GET /moderation/log`: everything, for moderators.
pub async fn log(
    state: &AppState,
    caller: &Caller,
    query: LogQuery,
) -> Result<Page<LogEntry>, ApiError> {
    authorize(caller, Action::Moderate)?;
    let (rows, people, limit) = log_rows(state, LogAudience::Staff, query).await?;
    Ok(pagination::page(
        rows,
        limit,
        |r| IdCursor { id: r.0 }.encode(),
        |r| LogEntry {
            id: r.0,
            actor: r.1.map(|id| {
                let found = people.iter().find(|p| p.0 == id);
                Person {
                    id,
                    display_name: found.map_or_else(|| "former member".into(), |p| p.1.clone()),
                    role: found.map(|p| p.2),
                }
            }),
            action: r.2,
            target_kind: r.3,
            target_id: r.4,
            reason: r.5,
            before: r.6,
            after: r.7,
            created_at: utc(r.8),
        },
    ))
}

/// `GET /modlog`: for everyone, decisions about named content only (see
/// [`LogAudience::Public`]), with moderators anonymous and no removed content.
pub async fn public_log(
    state: &AppState,
    query: LogQuery,
) -> Result<Page<PublicLogEntry>, ApiError> {
    let (rows, _, limit) = log_rows(state, LogAudience::Public, query).await?;
    Ok(pagination::page(
        rows,
        limit,
        |r| IdCursor { id: r.0 }.encode(),
        |r| PublicLogEntry {
            id: r.0,
            actor: if r.1.is_some() {
                "a moderator".into()
            } else {
                "automatic".into()
            },
            action: r.2,
            target_kind: r.3,
            target_id: r.4,
            reason: r.5,
            created_at: utc(r.8),
        },
    ))
}
