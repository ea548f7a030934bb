//! The steps of erasing an account, run in the one write transaction of `DELETE /me`: each
//! feature erases its own part (`member_data` in `forum`, `moderation`, `trials`, `messages`,
//! `notify`, `relations` and `accounts`), in that order, and the erasure is written to the moderation log.
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

use super::model::ContentChoice;
use crate::accounts::member_data as accounts;
use crate::accounts::model::UserRow;
use crate::app::AppState;
use crate::db::AnyConnection;
use crate::forum::member_data as forum;
use crate::http::error::ApiError;
use crate::messages::member_data as messages;
use crate::moderation::member_data as moderation;
use crate::modlog::{self, LogAction, LogTargetKind};
use crate::notify::member_data as notify;
use crate::queue::Resolution;
use crate::relations::member_data as relations;
use crate::trials::member_data as trials;

/// How open queue items about the member are closed.
const RESOLUTION: Resolution = Resolution::AccountErased;

/// Erases `user` (whose password was checked) in the caller's transaction.
pub fn erase(
    state: &AppState,
    conn: &mut AnyConnection,
    user: &UserRow,
    content: ContentChoice,
) -> Result<(), ApiError> {
    let id = user.id;
    forum::erase(
        state,
        conn,
        id,
        content == ContentChoice::Remove,
        RESOLUTION,
    )?;
    moderation::erase(conn, id, RESOLUTION)?;
    trials::erase(conn, id, RESOLUTION)?;
    messages::erase(conn, id, RESOLUTION)?;
    notify::erase(conn, id, &user.email)?;
    relations::erase(conn, id)?;
    accounts::forget(conn, user)?;
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
