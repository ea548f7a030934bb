//! Two tools for a "check, then write" that must hold when requests arrive together
//! (PostgreSQL runs READ COMMITTED: a check does not see what another transaction has not
//! committed yet).
//!
//! - [`lock_row`] serialises the transactions that decide from one row and what hangs off it
//!   (a post and its flags, a session and its successor): the second waits for the first to
//!   commit, then reads what it wrote.
//! - [`insert_ignoring_conflicts`] inserts a row unless a unique index already holds one, and
//!   tells which happened, without the unique violation that would abort a PostgreSQL
//!   transaction.
//! - [`insert_or_update`] is the upsert built on it.
//! - [`claim_ids`] loads the ids of due jobs, skipping those another server is working on.
//! - [`lock_key`] serialises the transactions that decide from the absence of a row (no
//!   notice for this registry id yet), where there is no row to lock.

use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::BigInt;

use super::{AnyConnection, Backend, MultiBackend, backend_of};

/// Locks the row `id` of `table` until the transaction ends: `SELECT … FOR NO KEY UPDATE` on
/// PostgreSQL (which leaves foreign-key checks of inserts that point at the row free), nothing
/// on SQLite, where write transactions are serialised already (`BEGIN IMMEDIATE` on one writer
/// connection). Lock the parent before the children, everywhere, so two transactions never
/// wait for each other.
pub fn lock_row(conn: &mut AnyConnection, table: &'static str, id: i64) -> QueryResult<()> {
    match backend_of(conn) {
        Backend::Postgres => {
            diesel::sql_query(format!(
                "SELECT 1 FROM {table} WHERE id = $1 FOR NO KEY UPDATE"
            ))
            .bind::<BigInt, _>(id)
            .execute(conn)?;
            Ok(())
        }
        Backend::Sqlite => Ok(()),
    }
}

/// Locks a name until the transaction ends: a transaction-level advisory lock on PostgreSQL
/// (the name hashed to 64 bits with SHA-256, so every server agrees on the key), nothing on
/// SQLite, where write transactions are serialised already. Take several in a fixed order
/// (sorted), so two transactions never wait for each other.
pub fn lock_key(conn: &mut AnyConnection, name: &str) -> QueryResult<()> {
    match backend_of(conn) {
        Backend::Postgres => {
            use sha2::{Digest, Sha256};
            let digest = Sha256::digest(name.as_bytes());
            let mut key = [0u8; 8];
            key.copy_from_slice(&digest[..8]);
            diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                .bind::<BigInt, _>(i64::from_be_bytes(key))
                .execute(conn)?;
            Ok(())
        }
        Backend::Sqlite => Ok(()),
    }
}

/// An `INSERT … VALUES …` followed by `ON CONFLICT DO NOTHING` (the same SQL on both
/// backends; SQLite has it since 3.24).
struct IgnoreConflicts<Q>(Q);

impl<Q: QueryFragment<MultiBackend>> QueryFragment<MultiBackend> for IgnoreConflicts<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(" ON CONFLICT DO NOTHING");
        Ok(())
    }
}

impl<Q> QueryId for IgnoreConflicts<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> RunQueryDsl<AnyConnection> for IgnoreConflicts<Q> {}

/// Runs a single-row `diesel::insert_into(…).values(…)` (without `RETURNING`) unless a unique
/// index already holds such a row; returns whether the row was inserted. When another
/// transaction is inserting the same key, PostgreSQL waits for it to end and then decides.
pub fn insert_ignoring_conflicts<Q>(conn: &mut AnyConnection, insert: Q) -> QueryResult<bool>
where
    Q: QueryFragment<MultiBackend>,
{
    IgnoreConflicts(insert).execute(conn).map(|n| n == 1)
}

/// Inserts a row (as [`insert_ignoring_conflicts`]), or when a unique index already holds one,
/// changes that row with `update` instead: an upsert in two statements, safe under concurrency
/// because the insert waits for any other transaction inserting the same key.
pub fn insert_or_update<Q>(
    conn: &mut AnyConnection,
    insert: Q,
    update: impl FnOnce(&mut AnyConnection) -> QueryResult<usize>,
) -> QueryResult<()>
where
    Q: QueryFragment<MultiBackend>,
{
    if !insert_ignoring_conflicts(conn, insert)? {
        update(conn)?;
    }
    Ok(())
}

/// A `SELECT`, followed by `FOR UPDATE SKIP LOCKED` when `skip_locked` (PostgreSQL only).
struct SkipLocked<Q> {
    query: Q,
    skip_locked: bool,
}

impl<Q: QueryFragment<MultiBackend>> QueryFragment<MultiBackend> for SkipLocked<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        self.query.walk_ast(out.reborrow())?;
        if self.skip_locked {
            out.push_sql(" FOR UPDATE SKIP LOCKED");
        }
        Ok(())
    }
}

impl<Q> QueryId for SkipLocked<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for SkipLocked<Q> {
    type SqlType = Q::SqlType;
}

impl<Q> RunQueryDsl<AnyConnection> for SkipLocked<Q> {}

/// Loads the ids a `SELECT id …` finds and locks their rows until the transaction ends, skipping
/// rows another transaction holds: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so that several
/// servers claiming from one job table never take the same job; on SQLite the write
/// transaction holds the whole database already, and the query runs as it is.
pub fn claim_ids<Q>(conn: &mut AnyConnection, query: Q) -> QueryResult<Vec<i64>>
where
    Q: QueryFragment<MultiBackend> + diesel::query_builder::Query<SqlType = BigInt>,
{
    let skip_locked = matches!(backend_of(conn), Backend::Postgres);
    SkipLocked { query, skip_locked }.load(conn)
}
