//! Diesel queries of the accounts feature: users, sessions and one-time tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{NewUser, UserRow};

use crate::auth::model::{Locale, Role, Sanction};
use crate::auth::names::DisplayName;
use crate::db::AnyConnection;
use crate::db::schema::{registrations, sessions, user_tokens, users};

crate::db::text_enum! {
    /// Purpose of a one-time token of an account; a token for one purpose never serves
    /// another. (The link that confirms a registration is kept with the registration.)
    pub enum TokenPurpose {
        ResetPassword = "reset_password",
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

/// Whether a name with this skeleton belongs to another account or is held by a registration
/// waiting for its confirmation (indexes `users_display_name_skeleton_key` and
/// `registrations_display_name_skeleton_key`).
pub fn display_name_taken(
    conn: &mut AnyConnection,
    skeleton: &str,
    except: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let owner: Option<i64> = users::table
        .filter(users::display_name_skeleton.eq(skeleton))
        .select(users::id)
        .first(conn)
        .optional()?;
    if owner.is_some_and(|id| Some(id) != except) {
        return Ok(true);
    }
    let held: i64 = registrations::table
        .filter(registrations::display_name_skeleton.eq(skeleton))
        .filter(registrations::expires_at.gt(now))
        .count()
        .get_result(conn)?;
    Ok(held > 0)
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
            user_tokens::purpose.eq(purpose),
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
        .filter(user_tokens::purpose.eq(purpose))
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

/// Ends every unused token of `purpose` of an account (after a password change or reset, no
/// older reset link may still work).
pub fn end_tokens(
    conn: &mut AnyConnection,
    user_id: i64,
    purpose: TokenPurpose,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        user_tokens::table
            .filter(user_tokens::user_id.eq(user_id))
            .filter(user_tokens::purpose.eq(purpose))
            .filter(user_tokens::used_at.is_null()),
    )
    .set(user_tokens::used_at.eq(now))
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

pub fn set_sanction(
    conn: &mut AnyConnection,
    user_id: i64,
    sanction: Sanction,
    until: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::sanction.eq(sanction),
            users::sanction_until.eq(until),
            users::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn set_role(
    conn: &mut AnyConnection,
    user_id: i64,
    role: Role,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((users::role.eq(role), users::updated_at.eq(now)))
        .execute(conn)
        .map(|_| ())
}

/// What a member changes of her profile; `None` leaves a column as it is.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = users)]
pub struct ProfileChanges<'a> {
    pub display_name: Option<&'a str>,
    pub display_name_lower: Option<String>,
    pub display_name_skeleton: Option<&'a str>,
    pub locale: Option<Locale>,
    pub bio: Option<&'a str>,
    pub notify_email_replies: Option<bool>,
    pub profile_hidden: Option<bool>,
    pub updated_at: NaiveDateTime,
}

impl<'a> ProfileChanges<'a> {
    /// Changes the name, with the columns it is compared by.
    pub fn name(mut self, name: &'a DisplayName) -> Self {
        self.display_name = Some(&name.written);
        self.display_name_lower = Some(name.written.to_lowercase());
        self.display_name_skeleton = Some(&name.skeleton);
        self
    }
}

pub fn update_profile(
    conn: &mut AnyConnection,
    user_id: i64,
    changes: &ProfileChanges<'_>,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(changes)
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

// ----- registrations waiting for their address to be confirmed -----

/// A registration waiting for its confirmation.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = registrations)]
pub struct RegistrationRow {
    pub id: i64,
    pub email: String,
    pub email_lower: String,
    pub display_name: String,
    pub display_name_skeleton: String,
    pub password_hash: String,
    pub locale: Locale,
}

/// A new `registrations` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = registrations)]
pub struct NewRegistration<'a> {
    pub email: &'a str,
    pub email_lower: &'a str,
    pub display_name: &'a str,
    pub display_name_skeleton: &'a str,
    pub password_hash: &'a str,
    pub locale: Locale,
    pub token_hash: &'a str,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

/// Forgets registrations that expired (index `registrations_expires_at_idx`) and any earlier
/// registration of this address (index `registrations_email_lower_idx`): the newest wins.
pub fn clear_registrations(
    conn: &mut AnyConnection,
    email_lower: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        registrations::table.filter(
            registrations::expires_at
                .le(now)
                .or(registrations::email_lower.eq(email_lower)),
        ),
    )
    .execute(conn)
    .map(|_| ())
}

pub fn insert_registration(
    conn: &mut AnyConnection,
    registration: &NewRegistration<'_>,
) -> QueryResult<()> {
    diesel::insert_into(registrations::table)
        .values(registration)
        .execute(conn)
        .map(|_| ())
}

/// Gives the live registration of an address a new token and a new lifetime; `false` when
/// the address has none.
pub fn renew_registration(
    conn: &mut AnyConnection,
    email_lower: &str,
    token_hash: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        registrations::table
            .filter(registrations::email_lower.eq(email_lower))
            .filter(registrations::expires_at.gt(now)),
    )
    .set((
        registrations::token_hash.eq(token_hash),
        registrations::expires_at.eq(expires_at),
    ))
    .execute(conn)
    .map(|n| n > 0)
}

/// The live registration of an address (index `registrations_email_lower_idx`).
pub fn live_registration(
    conn: &mut AnyConnection,
    email_lower: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<RegistrationRow>> {
    registrations::table
        .filter(registrations::email_lower.eq(email_lower))
        .filter(registrations::expires_at.gt(now))
        .select(RegistrationRow::as_select())
        .first(conn)
        .optional()
}

/// Takes the live registration this token confirms out of the table (index
/// `registrations_token_hash_key`); the `DELETE` decides, so a link works once even when it is
/// opened twice at the same moment.
pub fn take_registration(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<RegistrationRow>> {
    let found: Option<RegistrationRow> = registrations::table
        .filter(registrations::token_hash.eq(token_hash))
        .filter(registrations::expires_at.gt(now))
        .select(RegistrationRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = found else {
        return Ok(None);
    };
    let deleted = diesel::delete(registrations::table.find(row.id)).execute(conn)?;
    Ok((deleted == 1).then_some(row))
}
