//! What moderation needs to act on accounts: find one, and record the sanction in force.

use super::model::UserRow;
use super::store;
use crate::auth::model::Sanction;
use crate::db::{self, AnyConnection};
use crate::http::error::ApiError;

/// An account, for other features' rules (`None` if it does not exist).
pub fn find_user(conn: &mut AnyConnection, user_id: i64) -> Result<Option<UserRow>, ApiError> {
    Ok(store::user_by_id(conn, user_id)?)
}

/// Records the sanction in force on an account (the strongest of its sanctions, computed while
/// the account's row is locked); a suspension or a ban ends every session at once.
pub fn set_sanction(
    conn: &mut AnyConnection,
    user_id: i64,
    sanction: Sanction,
    until: Option<chrono::NaiveDateTime>,
) -> Result<(), ApiError> {
    let now = db::now();
    store::set_sanction(conn, user_id, sanction, until, now)?;
    if matches!(sanction, Sanction::Suspended | Sanction::Banned) {
        store::revoke_user_sessions(conn, user_id, None, now)?;
    }
    Ok(())
}
