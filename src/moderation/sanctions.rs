//! Sanctions (warn, silence, suspend, ban; timed ones end by themselves), lifting them, and
//! moderators' private notes on members.

use chrono::NaiveDateTime;

use super::model::{NoteRequest, NoteView, Person, SanctionKind, SanctionRequest, SanctionView};
use super::service::{notify, sanction_view};
use super::store::{self, SanctionRow};
use crate::accounts::model::UserRow;
use crate::accounts::review as accounts;
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::model::{Role, Sanction};
use crate::auth::policy::{Action, authorize};
use crate::db::utc;
use crate::db::{self, AnyConnection};
use crate::forum::model::StatusChange;
use crate::forum::review as forum;
use crate::http::error::ApiError;
use crate::modlog::{self, LogAction, LogTargetKind};
use crate::notify::inapp::NotificationKind;

const REASON_MAX: usize = 1_000;
const NOTE_MAX: usize = 2_000;

fn no_member() -> ApiError {
    ApiError::NotFound("no such member".into())
}

/// Moderators may act on members and coordinators; only admins on moderators and admins;
/// nobody on themselves.
fn check_rank(caller: &Caller, target: &UserRow) -> Result<(), ApiError> {
    if caller.user_id == target.id {
        return Err(ApiError::Forbidden(
            "you cannot sanction yourself or lift your own sanction".into(),
        ));
    }
    if matches!(target.role, Role::Moderator | Role::Admin) && caller.role != Role::Admin {
        return Err(ApiError::Forbidden(
            "only administrators may sanction moderators and administrators".into(),
        ));
    }
    Ok(())
}

/// The strongest of the member's sanctions in force, and when it ends.
fn in_force(active: &[SanctionRow], now: NaiveDateTime) -> (Sanction, Option<NaiveDateTime>) {
    let live = |kind: SanctionKind| {
        active
            .iter()
            .filter(|s| s.kind == kind && s.lifted_at.is_none())
            .filter(|s| s.ends_at.is_none_or(|end| end > now))
            .map(|s| s.ends_at)
            .max_by_key(|end| end.unwrap_or(NaiveDateTime::MAX))
    };
    if live(SanctionKind::Ban).is_some() {
        (Sanction::Banned, None)
    } else if let Some(until) = live(SanctionKind::Suspend) {
        (Sanction::Suspended, until)
    } else if let Some(until) = live(SanctionKind::Silence) {
        (Sanction::Silenced, until)
    } else {
        (Sanction::None, None)
    }
}

/// Locks the member's account and loads it: sanctions placed or lifted at the same moment are
/// then decided one after the other, each seeing the sanctions committed before it.
fn lock_member(conn: &mut AnyConnection, user_id: i64) -> Result<UserRow, ApiError> {
    db::concurrency::lock_row(conn, "users", user_id)?;
    accounts::find_user(conn, user_id)?.ok_or_else(no_member)
}

/// Records on the account the strongest of its sanctions in force, whatever else is true of
/// the account; called under [`lock_member`].
fn apply_sanctions(conn: &mut AnyConnection, user: &UserRow) -> Result<(), ApiError> {
    let sanctions = store::sanctions_of(conn, &[user.id])?;
    let (sanction, until) = in_force(&sanctions, db::now());
    accounts::set_sanction(conn, user.id, sanction, until)
}

/// `POST /moderation/users/{id}/sanctions`.
pub async fn place(
    state: &AppState,
    caller: &Caller,
    user_id: i64,
    req: SanctionRequest,
) -> Result<SanctionView, ApiError> {
    authorize(caller, Action::Moderate)?;
    let reason = req.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > REASON_MAX {
        return Err(ApiError::invalid(
            "reason",
            format!("is required, at most {REASON_MAX} characters"),
        ));
    }
    let until = match req.kind {
        SanctionKind::Silence | SanctionKind::Suspend => req.until.map(|t| t.naive_utc()),
        SanctionKind::Warn | SanctionKind::Ban => None,
    };
    if until.is_some_and(|t| t <= db::now()) {
        return Err(ApiError::invalid("until", "must be in the future"));
    }
    let who = caller.clone();
    let app = state.clone();
    state
        .db
        .write(move |conn| {
            // The member's posts before the member, the order every transaction follows.
            let removed = if req.kind == SanctionKind::Ban && req.remove_content {
                forum::lock_posts_of(conn, user_id)?
            } else {
                Vec::new()
            };
            let target = lock_member(conn, user_id)?;
            check_rank(&who, &target)?;
            let id =
                store::insert_sanction(conn, target.id, req.kind, &reason, until, who.user_id)?;
            apply_sanctions(conn, &target)?;
            for post in &removed {
                forum::change_status(&app, conn, post, StatusChange::Remove)?;
            }
            let detail = match until {
                Some(end) => format!(
                    "{} until {} (reason: {reason})",
                    req.kind.as_str(),
                    utc(end).to_rfc3339()
                ),
                None => format!("{} (reason: {reason})", req.kind.as_str()),
            };
            notify(conn, target.id, NotificationKind::Sanction, id, &detail)?;
            modlog::append(
                conn,
                &modlog::Entry {
                    actor_id: Some(who.user_id),
                    action: LogAction::Sanction,
                    target_kind: LogTargetKind::User,
                    target_id: target.id,
                    reason: Some(&reason),
                    before: Some(target.state().as_str()),
                    after: Some(&detail),
                },
            )?;
            let row = store::sanction(conn, id)?
                .ok_or_else(|| ApiError::Internal("new sanction vanished".into()))?;
            Ok(sanction_view(&row))
        })
        .await
}

/// `DELETE /moderation/users/{id}/sanctions/{sid}`.
pub async fn lift(
    state: &AppState,
    caller: &Caller,
    user_id: i64,
    sanction_id: i64,
) -> Result<(), ApiError> {
    authorize(caller, Action::Moderate)?;
    let who = caller.clone();
    state
        .db
        .write(move |conn| lift_in(conn, &who, user_id, sanction_id, "lifted"))
        .await
}

/// Lifts a sanction inside a transaction (also used when an appeal overturns it).
pub fn lift_in(
    conn: &mut AnyConnection,
    who: &Caller,
    user_id: i64,
    sanction_id: i64,
    why: &str,
) -> Result<(), ApiError> {
    let target = lock_member(conn, user_id)?;
    let sanction = store::sanction(conn, sanction_id)?
        .filter(|s| s.user_id == user_id)
        .ok_or_else(|| ApiError::NotFound("no such sanction".into()))?;
    if sanction.lifted_at.is_some() {
        return Err(ApiError::Conflict(
            "this sanction was already lifted".into(),
        ));
    }
    check_rank(who, &target)?;
    store::lift_sanction(conn, sanction.id, who.user_id)?;
    apply_sanctions(conn, &target)?;
    notify(
        conn,
        target.id,
        NotificationKind::Sanction,
        sanction.id,
        &format!("your {} was lifted", sanction.kind),
    )?;
    modlog::append(
        conn,
        &modlog::Entry {
            actor_id: Some(who.user_id),
            action: LogAction::LiftSanction,
            target_kind: LogTargetKind::User,
            target_id: target.id,
            reason: Some(why),
            before: Some(sanction.kind.as_str()),
            after: None,
        },
    )?;
    Ok(())
}

/// `GET /moderation/users/{id}/sanctions`.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    user_id: i64,
) -> Result<Vec<SanctionView>, ApiError> {
    authorize(caller, Action::Moderate)?;
    state
        .db
        .read(move |conn| {
            accounts::find_user(conn, user_id)?.ok_or_else(no_member)?;
            Ok(store::sanctions_of(conn, &[user_id])?
                .iter()
                .map(sanction_view)
                .collect())
        })
        .await
}

/// `GET /moderation/users/{id}/notes`.
pub async fn notes(
    state: &AppState,
    caller: &Caller,
    user_id: i64,
) -> Result<Vec<NoteView>, ApiError> {
    authorize(caller, Action::Moderate)?;
    state
        .db
        .read(move |conn| {
            accounts::find_user(conn, user_id)?.ok_or_else(no_member)?;
            let rows = store::notes_of(conn, &[user_id])?;
            let authors: Vec<i64> = rows.iter().map(|r| r.2).collect();
            let people = store::people(conn, &authors)?;
            Ok(rows
                .into_iter()
                .map(|(id, _, author, body, at)| {
                    let (name, role) = people
                        .iter()
                        .find(|p| p.0 == author)
                        .map(|p| (p.1.clone(), Some(p.2)))
                        .unwrap_or_else(|| ("former member".into(), None));
                    NoteView {
                        id,
                        author: Person {
                            id: author,
                            display_name: name,
                            role,
                        },
                        body,
                        created_at: utc(at),
                    }
                })
                .collect())
        })
        .await
}

/// `POST /moderation/users/{id}/notes`.
pub async fn add_note(
    state: &AppState,
    caller: &Caller,
    user_id: i64,
    req: NoteRequest,
) -> Result<Vec<NoteView>, ApiError> {
    authorize(caller, Action::Moderate)?;
    let body = req.body.trim().to_owned();
    if body.is_empty() || body.chars().count() > NOTE_MAX {
        return Err(ApiError::invalid(
            "body",
            format!("must be 1 to {NOTE_MAX} characters"),
        ));
    }
    let me = caller.user_id;
    state
        .db
        .write(move |conn| {
            accounts::find_user(conn, user_id)?.ok_or_else(no_member)?;
            store::insert_note(conn, user_id, me, &body)?;
            Ok::<_, ApiError>(())
        })
        .await?;
    notes(state, caller, user_id).await
}
