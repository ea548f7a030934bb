//! Diesel queries of the accounts feature: users, sessions and one-time tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{NewUser, UserRow};
use crate::db::AnyConnection;
use crate::db::schema::{sessions, user_tokens, users};

/// Purpose of a one-time token; a token for one purpose never serves another.
#[derive(Clone, Copy, Debug)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }
}

/// Looks a user up by address (index `users_email_lower_key`).
pub fn user_by_email(conn: &mut AnyConnection, email_lower: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email_lower.eq(email_lower))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn user_by_id(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Whether another account uses this display name (index `users_display_name_lower_key`).
pub fn display_name_taken(
    conn: &mut AnyConnection,
    lower: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    let owner: Option<i64> = users::table
        .filter(users::display_name_lower.eq(lower))
        .select(users::id)
        .first(conn)
        .optional()?;
    Ok(owner.is_some_and(|id| Some(id) != except))
}

pub fn insert_user(conn: &mut AnyConnection, user: &NewUser<'_>) -> QueryResult<i64> {
    diesel::insert_into(users::table)
        .values(user)
        .returning(users::id)
        .get_result(conn)
}

pub fn insert_token(
    conn: &mut AnyConnection,
    user_id: i64,
    purpose: TokenPurpose,
    token_hash: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(user_tokens::table)
        .values((
            user_tokens::user_id.eq(user_id),
            user_tokens::purpose.eq(purpose.as_str()),
            user_tokens::token_hash.eq(token_hash),
            user_tokens::expires_at.eq(expires_at),
            user_tokens::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Marks a live token of `purpose` used and returns its user; `None` if unknown, used,
/// expired or of another purpose.
pub fn consume_token(
    conn: &mut AnyConnection,
    token_hash: &str,
    purpose: TokenPurpose,
    now: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    let found: Option<(i64, i64)> = user_tokens::table
        .filter(user_tokens::token_hash.eq(token_hash))
        .filter(user_tokens::purpose.eq(purpose.as_str()))
        .filter(user_tokens::used_at.is_null())
        .filter(user_tokens::expires_at.gt(now))
        .select((user_tokens::id, user_tokens::user_id))
        .first(conn)
        .optional()?;
    let Some((id, user_id)) = found else {
        return Ok(None);
    };
    // The `used_at IS NULL` guard makes a concurrent second use update nothing.
    let updated = diesel::update(
        user_tokens::table
            .find(id)
            .filter(user_tokens::used_at.is_null()),
    )
    .set(user_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok((updated == 1).then_some(user_id))
}

/// Turns an unverified account active once its address is proven.
pub fn mark_verified(
    conn: &mut AnyConnection,
    user_id: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        users::table
            .find(user_id)
            .filter(users::state.eq("unverified")),
    )
    .set((
        users::state.eq("active"),
        users::email_verified_at.eq(now),
        users::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|_| ())
}

pub fn set_password(
    conn: &mut AnyConnection,
    user_id: i64,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
        .execute(conn)
        .map(|_| ())
}

pub fn set_state(
    conn: &mut AnyConnection,
    user_id: i64,
    state: &str,
    until: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::state.eq(state),
            users::state_until.eq(until),
            users::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn set_role(
    conn: &mut AnyConnection,
    user_id: i64,
    role: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((users::role.eq(role), users::updated_at.eq(now)))
        .execute(conn)
        .map(|_| ())
}

pub fn update_profile(
    conn: &mut AnyConnection,
    user_id: i64,
    display_name: &str,
    locale: &str,
    bio: &str,
    notify_email_replies: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::display_name.eq(display_name),
            users::display_name_lower.eq(display_name.to_lowercase()),
            users::locale.eq(locale),
            users::bio.eq(bio),
            users::notify_email_replies.eq(notify_email_replies),
            users::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A `sessions` row: one refresh token of a session family.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: i64,
    pub user_id: i64,
    pub family_id: String,
    pub refresh_hash: String,
    pub replaced_by: Option<i64>,
    pub revoked_at: Option<NaiveDateTime>,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

pub fn insert_session(
    conn: &mut AnyConnection,
    user_id: i64,
    family_id: &str,
    refresh_hash: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(user_id),
            sessions::family_id.eq(family_id),
            sessions::refresh_hash.eq(refresh_hash),
            sessions::expires_at.eq(expires_at),
            sessions::created_at.eq(now),
        ))
        .returning(sessions::id)
        .get_result(conn)
}

/// Finds a refresh token's row (index `sessions_refresh_hash_key`).
pub fn session_by_refresh_hash(
    conn: &mut AnyConnection,
    refresh_hash: &str,
) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .filter(sessions::refresh_hash.eq(refresh_hash))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

/// A session row by id, locked until the transaction ends: refreshes of one token take turns,
/// and the second reads what the first wrote.
pub fn lock_session(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<SessionRow>> {
    crate::db::concurrency::lock_row(conn, "sessions", id)?;
    session_by_id(conn, id)
}

pub fn session_by_id(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

pub fn family_of(conn: &mut AnyConnection, session_id: i64) -> QueryResult<Option<String>> {
    sessions::table
        .find(session_id)
        .select(sessions::family_id)
        .first(conn)
        .optional()
}

/// Records that `old` was rotated into `new` (call with `old` locked and not rotated yet).
pub fn mark_replaced(conn: &mut AnyConnection, old: i64, new: i64) -> QueryResult<()> {
    diesel::update(sessions::table.find(old))
        .set(sessions::replaced_by.eq(new))
        .execute(conn)
        .map(|_| ())
}

/// Revokes every open row of a session family (index `sessions_family_id_idx`).
pub fn revoke_family(
    conn: &mut AnyConnection,
    family_id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .filter(sessions::family_id.eq(family_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)
    .map(|_| ())
}

/// Revokes every open session of a user, except one family if given
/// (index `sessions_user_id_idx`).
pub fn revoke_user_sessions(
    conn: &mut AnyConnection,
    user_id: i64,
    except_family: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let open = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null());
    match except_family {
        Some(family) => diesel::update(open.filter(sessions::family_id.ne(family)))
            .set(sessions::revoked_at.eq(now))
            .execute(conn),
        None => diesel::update(open)
            .set(sessions::revoked_at.eq(now))
            .execute(conn),
    }
    .map(|_| ())
}
