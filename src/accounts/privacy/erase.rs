//! The steps of erasing an account, run in the one write transaction of `DELETE /me`. Each
//! step names the table it clears; together with `export.rs` this is the list of where
//! Butterfly keeps personal data.
//!
//! What stays, and why:
//! - the `users` row, scrubbed (email `deleted-<random>@invalid`, display name
//!   `Former member #<random>`, no bio, an unusable password hash, state `deleted`): the ids in
//!   posts, reactions, sanctions and logs keep pointing at something, and the member is an
//!   opaque id from then on; the address and the name are free to be registered again;
//! - posts kept by choice (`keep_anonymous`), shown as "Former member" to everyone;
//! - reactions given: they count on other members' posts, and point at the opaque id only;
//! - flags the member made (their notes erased): they weigh in moderation decisions;
//! - sanctions received and appeals (their texts erased): the record of moderation;
//! - the moderation log and the access log, which are append-only and hold ids, fixed words
//!   and moderators' reasons; no code writes a name or an address into them.
//!
//! No "goodbye" email is sent: it would put the address back into the outbox.

use diesel::prelude::*;

use super::model::ContentChoice;
use crate::accounts::model::UserRow;
use crate::accounts::store;
use crate::app::AppState;
use crate::auth::content::{NoticeState, PostStatus};
use crate::auth::model::{Role, erased_display_name};
use crate::auth::names;
use crate::db::schema::{
    appeals, coordinator_applications, flags, member_notes, mod_items, notifications, outbox,
    post_revisions, posts, reply_email_ledger, thread_tags, threads, trial_alert_hits,
    trial_alert_ledger, trial_alerts, trial_interests, trials, user_tokens, users,
};
use crate::db::{self, AnyConnection};
use crate::forum::model::{DELETED_PLACEHOLDER, StatusChange};
use crate::forum::service as forum;
use crate::http::error::ApiError;
use crate::moderation::model::AppealStatus;
use crate::modlog::{self, LogAction, LogTargetKind};
use crate::queue::{self, ItemKind, ItemStatus, Resolution};
use crate::trials::model::ApplicationStatus;

diesel::define_sql_function! {
    /// SQL `lower()`, the same on both backends for the ASCII of email addresses.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// What a removed post and a removed thread title say instead.
pub const REMOVED_PLACEHOLDER: &str = "[removed]";
/// How open queue items about the member are closed.
const RESOLUTION: Resolution = Resolution::AccountErased;
const CLOSED_REASON: &str = "the coordinator's account was deleted";

/// Erases `user` (whose password was checked) in the caller's transaction.
pub fn erase(
    state: &AppState,
    conn: &mut AnyConnection,
    user: &UserRow,
    content: ContentChoice,
) -> Result<(), ApiError> {
    let id = user.id;
    if content == ContentChoice::Remove {
        remove_posts(state, conn, id)?;
    }
    erase_deleted_posts(conn, id)?;
    erase_moderation_records(conn, id)?;
    erase_trial_records(conn, id)?;
    forget_account(conn, user)?;
    modlog::append(
        conn,
        &modlog::Entry {
            actor_id: Some(id),
            action: LogAction::AccountErased,
            target_kind: LogTargetKind::User,
            target_id: id,
            reason: Some(match content {
                ContentChoice::Remove => "the member erased the account and removed the posts",
                ContentChoice::KeepAnonymous => {
                    "the member erased the account and kept the posts as a former member"
                }
            }),
            before: None,
            after: None,
        },
    )?;
    Ok(())
}

/// `remove`: every live post leaves through the forum's own rule (counters, search index); then
/// every post's text, its earlier versions and the titles of the member's threads are erased.
/// A thread she started that others answered stays, its first post a "[deleted]" placeholder,
/// so their replies are not lost with it; her other posts are removed.
fn remove_posts(state: &AppState, conn: &mut AnyConnection, id: i64) -> Result<(), ApiError> {
    for post in forum::lock_posts_of(conn, id)? {
        let answered = post.is_first
            && threads::table
                .find(post.thread_id)
                .select(threads::reply_count)
                .first::<i32>(conn)?
                > 0;
        let change = if answered {
            StatusChange::Delete
        } else {
            StatusChange::Remove
        };
        forum::change_status(state, conn, &post, change)?;
    }
    let mine = || {
        posts::table
            .filter(posts::author_id.eq(id))
            .select(posts::id)
    };
    let open_about_posts: Vec<(ItemKind, i64)> = mod_items::table
        .filter(mod_items::status.eq(ItemStatus::Open))
        .filter(mod_items::kind.eq_any([
            ItemKind::FlaggedPost,
            ItemKind::HeldPost,
            ItemKind::Crisis,
        ]))
        .filter(mod_items::subject_id.eq_any(mine()))
        .select((mod_items::kind, mod_items::subject_id))
        .load(conn)?;
    for (kind, subject_id) in open_about_posts {
        queue::resolve_subject(conn, kind, subject_id, id, RESOLUTION)?;
    }
    diesel::update(post_revisions::table.filter(post_revisions::post_id.eq_any(mine())))
        .set((
            post_revisions::title.eq(None::<String>),
            post_revisions::body.eq(""),
        ))
        .execute(conn)?;
    diesel::update(posts::table.filter(posts::author_id.eq(id)))
        .set((
            posts::body.eq(REMOVED_PLACEHOLDER),
            posts::body_html.eq(format!("<p>{REMOVED_PLACEHOLDER}</p>")),
            posts::search_text.eq(""),
        ))
        .execute(conn)?;
    let started = threads::table
        .filter(threads::author_id.eq(id))
        .select(threads::id);
    diesel::delete(thread_tags::table.filter(thread_tags::thread_id.eq_any(started)))
        .execute(conn)?;
    diesel::update(threads::table.filter(threads::author_id.eq(id)))
        .set((
            threads::title.eq(REMOVED_PLACEHOLDER),
            threads::tags.eq(""),
            threads::content_warning.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Posts the member deleted show a placeholder already: their text and versions go, whatever
/// the choice.
fn erase_deleted_posts(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    let deleted = posts::table
        .filter(posts::author_id.eq(id))
        .filter(posts::status.eq(PostStatus::Deleted))
        .select(posts::id);
    diesel::update(post_revisions::table.filter(post_revisions::post_id.eq_any(deleted)))
        .set((
            post_revisions::title.eq(None::<String>),
            post_revisions::body.eq(""),
        ))
        .execute(conn)?;
    diesel::update(
        posts::table
            .filter(posts::author_id.eq(id))
            .filter(posts::status.eq(PostStatus::Deleted)),
    )
    .set((
        posts::body.eq(DELETED_PLACEHOLDER),
        posts::body_html.eq(format!("<p>{DELETED_PLACEHOLDER}</p>")),
        posts::search_text.eq(""),
    ))
    .execute(conn)?;
    Ok(())
}

/// Notes about the member, the member's notifications and reply-email ledger go; flags keep
/// their reason without the note; appeals keep their outcome without the text; open queue
/// items about the member's appeals and the items the member had claimed are let go.
fn erase_moderation_records(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    diesel::delete(member_notes::table.filter(member_notes::user_id.eq(id))).execute(conn)?;
    diesel::delete(notifications::table.filter(notifications::user_id.eq(id))).execute(conn)?;
    diesel::delete(reply_email_ledger::table.filter(reply_email_ledger::user_id.eq(id)))
        .execute(conn)?;
    diesel::update(flags::table.filter(flags::reporter_id.eq(id)))
        .set(flags::note.eq(None::<String>))
        .execute(conn)?;
    let open_appeals: Vec<i64> = appeals::table
        .filter(appeals::user_id.eq(id))
        .filter(appeals::status.eq(AppealStatus::Open))
        .select(appeals::id)
        .load(conn)?;
    for appeal_id in open_appeals {
        queue::resolve_subject(conn, ItemKind::Appeal, appeal_id, id, RESOLUTION)?;
    }
    diesel::update(appeals::table.filter(appeals::user_id.eq(id)))
        .set(appeals::body.eq(""))
        .execute(conn)?;
    diesel::update(
        mod_items::table
            .filter(mod_items::claimed_by.eq(id))
            .filter(mod_items::status.eq(ItemStatus::Open)),
    )
    .set((
        mod_items::claimed_by.eq(None::<i64>),
        mod_items::claimed_until.eq(None::<chrono::NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Interests, saved searches and coordinator applications go. A coordinator's notices stay
/// (other members answered them), without contact details: published ones are closed, ones
/// under review go back to draft, drafts stay drafts (only administrators see them).
fn erase_trial_records(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    let now = db::now();
    diesel::delete(trial_interests::table.filter(trial_interests::user_id.eq(id))).execute(conn)?;
    diesel::delete(trial_alert_hits::table.filter(trial_alert_hits::user_id.eq(id)))
        .execute(conn)?;
    diesel::delete(trial_alerts::table.filter(trial_alerts::user_id.eq(id))).execute(conn)?;
    diesel::delete(trial_alert_ledger::table.filter(trial_alert_ledger::user_id.eq(id)))
        .execute(conn)?;
    let pending: Vec<i64> = coordinator_applications::table
        .filter(coordinator_applications::user_id.eq(id))
        .filter(coordinator_applications::status.eq(ApplicationStatus::Pending))
        .select(coordinator_applications::id)
        .load(conn)?;
    for application_id in pending {
        queue::resolve_subject(
            conn,
            ItemKind::CoordinatorApplication,
            application_id,
            id,
            RESOLUTION,
        )?;
    }
    diesel::delete(
        coordinator_applications::table.filter(coordinator_applications::user_id.eq(id)),
    )
    .execute(conn)?;

    let notices: Vec<(i64, NoticeState)> = trials::table
        .filter(trials::coordinator_id.eq(id))
        .select((trials::id, trials::state))
        .load(conn)?;
    for (trial_id, state) in notices {
        match state {
            NoticeState::Published => {
                diesel::update(trials::table.find(trial_id))
                    .set((
                        trials::state.eq(NoticeState::Closed),
                        trials::closed_reason.eq(CLOSED_REASON),
                        trials::closed_at.eq(now),
                    ))
                    .execute(conn)?;
                modlog::append(
                    conn,
                    &modlog::Entry {
                        actor_id: Some(id),
                        action: LogAction::TrialNoticeClosed,
                        target_kind: LogTargetKind::TrialNotice,
                        target_id: trial_id,
                        reason: Some(CLOSED_REASON),
                        before: None,
                        after: None,
                    },
                )?;
            }
            NoticeState::PendingReview => {
                diesel::update(trials::table.find(trial_id))
                    .set(trials::state.eq(NoticeState::Draft))
                    .execute(conn)?;
                queue::resolve_subject(conn, ItemKind::TrialNotice, trial_id, id, RESOLUTION)?;
            }
            NoticeState::Draft | NoticeState::Closed => {}
        }
    }
    diesel::update(trials::table.filter(trials::coordinator_id.eq(id)))
        .set((
            trials::contact_name.eq(None::<String>),
            trials::contact_email.eq(None::<String>),
            trials::contact_phone.eq(None::<String>),
            trials::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sessions revoked (old access and refresh tokens get 401), one-time tokens and every email
/// to the address deleted (sent ones too: the outbox must not keep the address), and the
/// account row scrubbed.
fn forget_account(conn: &mut AnyConnection, user: &UserRow) -> QueryResult<()> {
    let now = db::now();
    store::revoke_user_sessions(conn, user.id, None, now)?;
    diesel::delete(user_tokens::table.filter(user_tokens::user_id.eq(user.id))).execute(conn)?;
    // Compared ignoring case, which reads the whole outbox; erasures are rare.
    diesel::delete(outbox::table.filter(lower(outbox::to_addr).eq(user.email.to_lowercase())))
        .execute(conn)?;
    let tag = format!("{:016x}", rand::random::<u64>());
    let email = format!("deleted-{tag}@invalid");
    let name = erased_display_name(&tag);
    diesel::update(users::table.find(user.id))
        .set((
            users::email.eq(&email),
            users::email_lower.eq(&email),
            // Not a hash of anything: no password ever matches it.
            users::password_hash.eq("erased"),
            users::display_name.eq(&name),
            users::display_name_lower.eq(name.to_lowercase()),
            users::bio.eq(""),
            users::role.eq(Role::Member),
            users::display_name_skeleton.eq(names::skeleton(&name)),
            users::deleted_at.eq(now),
            users::trust_level.eq(0),
            users::email_verified_at.eq(None::<chrono::NaiveDateTime>),
            users::notify_email_replies.eq(false),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
