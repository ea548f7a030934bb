//! Data that comes with a migration and is written once, when that migration is applied: the
//! default watched-word rules of a fresh community, and the confusable skeletons of the display
//! names that existed before names were compared by them.

use diesel::prelude::*;

use crate::auth::names;
use crate::db::schema::{users, watched_words};
use crate::db::{AnyConnection, Db, DbError, migrate_connection};
use crate::filters::DEFAULT_RULES;

/// The version of the migration that creates the moderation tables.
const MODERATION_MIGRATION: &str = "20261125000003";
/// The version of the migration that compares display names by their skeleton.
const SKELETON_MIGRATION: &str = "20261202000001";

/// Applies the pending migrations, then the seed data of those it applied.
pub fn migrate(db: &Db) -> Result<(), DbError> {
    let applied = db.migrate()?;
    db.write_blocking(|conn| after_migrations(conn, &applied).map_err(DbError::Query))
}

/// The same as [`migrate`] on one connection (the tests build their template database so).
pub fn migrate_connection_with_seeds(conn: &mut AnyConnection) -> Result<(), DbError> {
    let applied = migrate_connection(conn)?;
    after_migrations(conn, &applied).map_err(DbError::Query)
}

/// Writes the seeds of the migrations in `applied` (their versions).
fn after_migrations(conn: &mut AnyConnection, applied: &[String]) -> QueryResult<()> {
    if applied.iter().any(|v| v == MODERATION_MIGRATION) {
        let now = crate::db::now();
        for (pattern, action) in DEFAULT_RULES {
            diesel::insert_into(watched_words::table)
                .values((
                    watched_words::pattern.eq(*pattern),
                    watched_words::action.eq(*action),
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
