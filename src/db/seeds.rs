//! Seed data that comes with a migration and is written once, when that migration is applied:
//! the default watched-word rules of a fresh community.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::watched_words;
use crate::moderation::filters::DEFAULT_RULES;

/// The version of the migration that creates the moderation tables.
const MODERATION_MIGRATION: &str = "20261125000003";

/// Writes the seeds of the migrations in `applied` (their versions).
pub fn after_migrations(conn: &mut AnyConnection, applied: &[String]) -> QueryResult<()> {
    if applied.iter().any(|v| v == MODERATION_MIGRATION) {
        let now = super::now();
        for (pattern, action) in DEFAULT_RULES {
            diesel::insert_into(watched_words::table)
                .values((
                    watched_words::pattern.eq(*pattern),
                    watched_words::action.eq(action.as_str()),
                    watched_words::created_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}
