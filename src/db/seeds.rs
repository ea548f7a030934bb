//! Data that comes with a migration and is written once, when that migration is applied: the
//! default watched-word rules of a fresh community, and the confusable skeletons of the display
//! names that existed before names were compared by them.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{users, watched_words};
use crate::auth::names;
use crate::filters::DEFAULT_RULES;

/// The version of the migration that creates the moderation tables.
const MODERATION_MIGRATION: &str = "20261125000003";
/// The version of the migration that compares display names by their skeleton.
const SKELETON_MIGRATION: &str = "20261202000001";

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
    if applied.iter().any(|v| v == SKELETON_MIGRATION) {
        skeletons(conn)?;
    }
    Ok(())
}

/// Gives every account the skeleton of its name. Names that were told apart before but share
/// a skeleton keep working: the later accounts get their id appended to the key, so they stay
/// unique while nobody new can take a look-alike of any of them.
fn skeletons(conn: &mut AnyConnection) -> QueryResult<()> {
    let accounts: Vec<(i64, String)> = users::table
        .order(users::id.asc())
        .select((users::id, users::display_name))
        .load(conn)?;
    let mut seen = std::collections::HashSet::new();
    for (id, name) in accounts {
        let mut key = names::skeleton(&name);
        if !seen.insert(key.clone()) {
            key = format!("{key}#{id}");
        }
        diesel::update(users::table.find(id))
            .set(users::display_name_skeleton.eq(&key))
            .execute(conn)?;
    }
    Ok(())
}
