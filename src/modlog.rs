//! The append-only moderation log: every decision, sanction, lift, watched-word change and
//! role change. Rows are only ever inserted; no code path updates or deletes them.

use diesel::prelude::*;

use crate::db::schema::mod_log;
use crate::db::{self, AnyConnection};

/// One entry to append.
pub struct Entry<'a> {
    /// `None` for the system (automatic filters, expiries).
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: i64,
    pub reason: Option<&'a str>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// Appends an entry, in the caller's transaction.
pub fn append(conn: &mut AnyConnection, entry: &Entry<'_>) -> QueryResult<()> {
    diesel::insert_into(mod_log::table)
        .values((
            mod_log::actor_id.eq(entry.actor_id),
            mod_log::action.eq(entry.action),
            mod_log::target_kind.eq(entry.target_kind),
            mod_log::target_id.eq(entry.target_id),
            mod_log::reason.eq(entry.reason),
            mod_log::before_text.eq(entry.before),
            mod_log::after_text.eq(entry.after),
            mod_log::created_at.eq(db::now()),
        ))
        .execute(conn)
        .map(|_| ())
}
