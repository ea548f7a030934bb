//! Notifications' part of a member's privacy rights: the member's notifications in the data
//! export, and what erasing the account clears (the notifications, and every email to the
//! address, sent ones too: the outbox must not keep it).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::inapp::NotificationKind;
use crate::db::schema::{notifications, outbox};
use crate::db::{AnyConnection, utc, utc_opt};

diesel::define_sql_function! {
    /// SQL `lower()`, the same on both backends for the ASCII of email addresses.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportNotification {
    pub id: i64,
    pub kind: NotificationKind,
    pub subject_id: i64,
    pub thread_id: Option<i64>,
    pub detail: Option<String>,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Index `notifications_user_idx` (user_id, id). The actor is left out: a reply's author
/// may have posted anonymously.
pub fn notifications_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportNotification>> {
    type Row = (
        i64,
        NotificationKind,
        i64,
        Option<i64>,
        Option<String>,
        Option<NaiveDateTime>,
        NaiveDateTime,
    );
    let rows: Vec<Row> = notifications::table
        .filter(notifications::user_id.eq(id))
        .order(notifications::id.asc())
        .select((
            notifications::id,
            notifications::kind,
            notifications::subject_id,
            notifications::thread_id,
            notifications::detail,
            notifications::read_at,
            notifications::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ExportNotification {
            id: r.0,
            kind: r.1,
            subject_id: r.2,
            thread_id: r.3,
            detail: r.4,
            read_at: utc_opt(r.5),
            created_at: utc(r.6),
        })
        .collect())
}

/// Deletes the member's notifications and every email to `email`, in the caller's
/// transaction. The address is compared ignoring case, which reads the whole outbox; erasures
/// are rare.
pub fn erase(conn: &mut AnyConnection, id: i64, email: &str) -> QueryResult<()> {
    diesel::delete(notifications::table.filter(notifications::user_id.eq(id))).execute(conn)?;
    diesel::delete(outbox::table.filter(lower(outbox::to_addr).eq(email.to_lowercase())))
        .execute(conn)?;
    Ok(())
}
