//! Storage: the connection enum over PostgreSQL and SQLite, the pools, migrations, the two
//! ways to run queries (`Db::read` and `Db::write`, both off the async workers), and the
//! enums stored as text (`text_enum!`).
//!
//! On SQLite every write transaction goes through a one-connection writer pool and begins
//! `IMMEDIATE` (through diesel's transaction manager), so concurrent writers queue on the busy
//! handler instead of failing with "database is locked"; readers keep their own pool (WAL lets
//! them run beside the writer).
//!
//! The pools heal after an outage (see `pool`): broken connections are discarded, suspect ones
//! pinged on checkout, and while the database is unreachable a checkout fails within a second
//! with [`DbError::Unavailable`]. [`DbError::outage`] tells outages (503, 507) from bugs.

pub mod backup;
pub mod concurrency;
mod error;
mod handle;
pub mod metrics;
mod pool;
pub mod schema;
pub mod search;
mod text_enum;

use std::path::PathBuf;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use self::error::{DbError, Outage, outage_of};
pub use self::handle::{Db, PoolMetrics};
pub use self::text_enum::UnknownName;
pub(crate) use self::text_enum::text_enum;
pub use crate::config::SqliteSynchronous;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either supported database.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database a connection talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Postgres,
    Sqlite,
}

/// Tells which backend a connection talks to; used only by the few queries whose SQL differs.
fn backend_of(conn: &AnyConnection) -> Backend {
    match conn {
        AnyConnection::Postgres(_) => Backend::Postgres,
        AnyConnection::Sqlite(_) => Backend::Sqlite,
    }
}

/// After rows were inserted with explicit ids: moves PostgreSQL's identity sequences of these
/// tables past the largest id, so that the next insert does not collide (SQLite needs nothing).
pub fn advance_id_sequences(conn: &mut AnyConnection, tables: &[&'static str]) -> QueryResult<()> {
    if backend_of(conn) == Backend::Sqlite {
        return Ok(());
    }
    for table in tables {
        debug_assert!(table.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        conn.batch_execute(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        ))?;
    }
    Ok(())
}

/// Runs `f`, a read whose best plan does not depend on the values bound, with PostgreSQL's
/// cached generic plan instead of a plan made anew for each execution; call it outside a
/// transaction. On SQLite `f` just runs.
///
/// PostgreSQL plans a prepared statement again for its values whenever its generic plan looks
/// dearer, as a page's `LIMIT $n` makes it look on a large table (a tenth of the rows is
/// guessed), although both plans are the same index scan: then planning costs more than the
/// statement itself. Here `f` runs in a transaction with `SET LOCAL plan_cache_mode =
/// force_generic_plan` and no parallel workers (which a generic plan would otherwise plan for
/// the guessed row count). `SET LOCAL` ends with the transaction, so a pooled connection, or
/// PgBouncer's server connection in transaction mode, keeps no setting.
pub fn with_generic_plan<T>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    type Manager = <AnyConnection as Connection>::TransactionManager;
    match conn {
        AnyConnection::Sqlite(_) => return f(conn),
        // One round trip opens the transaction and sets both (the handle's writes begin the
        // same way, through diesel's transaction manager, which then commits or rolls back).
        AnyConnection::Postgres(pg) => AnsiTransactionManager::begin_transaction_sql(
            pg,
            "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; \
             SET LOCAL max_parallel_workers_per_gather = 0",
        )?,
    }
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            Manager::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// Refreshes the planner statistics of the whole database (`ANALYZE`, on both backends).
pub fn analyze(conn: &mut AnyConnection) -> QueryResult<()> {
    conn.batch_execute("ANALYZE")
}

/// A database location, parsed from its URL scheme.
#[derive(Clone, Debug)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    /// `postgres://` and `postgresql://` select PostgreSQL; `sqlite://path` or a plain path
    /// select SQLite. Any other scheme is refused.
    pub fn parse(raw: &str) -> Result<Self, DbError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(DbError::Url("the database URL is empty".into()));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            url::Url::parse(raw)
                .map_err(|e| DbError::Url(format!("the PostgreSQL URL cannot be parsed: {e}")))?;
            return Ok(Self::Postgres(raw.to_owned()));
        }
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(DbError::Url("the SQLite URL names no file".into()));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            return Err(DbError::Url(format!(
                "unknown database backend `{scheme}`: use postgres:// or sqlite://"
            )));
        }
        Ok(Self::Sqlite(PathBuf::from(raw)))
    }

    fn backend(&self) -> Backend {
        match self {
            Self::Postgres(_) => Backend::Postgres,
            Self::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// The URL without its password, for logs.
    pub fn redacted(&self) -> String {
        match self {
            Self::Postgres(url) => crate::config::redact_url(url),
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
        }
    }

    /// Opens one connection with the default options.
    pub fn connect(&self) -> Result<AnyConnection, DbError> {
        self.connect_with(&ConnectOptions::default())
    }

    /// Opens one connection. PostgreSQL gets a connect timeout unless the URL sets one (a
    /// frozen server must not hang the pool); SQLite gets its pragmas.
    pub fn connect_with(&self, options: &ConnectOptions) -> Result<AnyConnection, DbError> {
        match self {
            Self::Postgres(url) => PgConnection::establish(&with_connect_timeout(url))
                .map(AnyConnection::Postgres)
                .map_err(|e| DbError::Connect(e.to_string())),
            Self::Sqlite(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        DbError::Connect(format!("cannot create {}: {e}", parent.display()))
                    })?;
                }
                let path = path
                    .to_str()
                    .ok_or_else(|| DbError::Connect("the SQLite path is not valid UTF-8".into()))?;
                let mut conn = SqliteConnection::establish(path)
                    .map_err(|e| DbError::Connect(e.to_string()))?;
                let synchronous = match options.sqlite_synchronous {
                    SqliteSynchronous::Normal => "NORMAL",
                    SqliteSynchronous::Full => "FULL",
                };
                conn.batch_execute(&format!(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = {synchronous};"
                ))
                .map_err(|e| DbError::Connect(e.to_string()))?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }
}

/// How connections are opened.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConnectOptions {
    /// SQLite `synchronous`: `NORMAL` survives a crash of the process, `FULL` also a power cut.
    pub sqlite_synchronous: SqliteSynchronous,
}

/// Seconds libpq may take to open a connection, unless the URL says otherwise.
const PG_CONNECT_TIMEOUT_SECS: u32 = 5;

/// The PostgreSQL URL with `connect_timeout` added when it has none.
fn with_connect_timeout(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if !url.query_pairs().any(|(k, _)| k == "connect_timeout") => {
            url.query_pairs_mut()
                .append_pair("connect_timeout", &PG_CONNECT_TIMEOUT_SECS.to_string());
            url.to_string()
        }
        _ => raw.to_owned(),
    }
}

/// Applies the embedded migrations of the connection's backend and returns the versions it
/// applied (the composition root writes the seed data that comes with them).
pub fn migrate_connection(conn: &mut AnyConnection) -> Result<Vec<String>, DbError> {
    let applied: Vec<String> = match conn {
        AnyConnection::Postgres(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
        AnyConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
    }
    .map_err(|e| DbError::Migrate(e.to_string()))?;
    Ok(applied)
}

/// Maps a unique-constraint violation to `Ok(None)`, so callers can answer 409 or retry.
pub fn unique_violation<T>(result: QueryResult<T>) -> QueryResult<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The current time, at the precision both backends store (microseconds).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// A stored time as the UTC time answers show (RFC 3339).
pub fn utc(t: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_naive_utc_and_offset(t, chrono::Utc)
}

/// [`utc`] of an optional stored time.
pub fn utc_opt(t: Option<chrono::NaiveDateTime>) -> Option<chrono::DateTime<chrono::Utc>> {
    t.map(utc)
}

#[cfg(test)]
mod tests;
