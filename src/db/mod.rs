//! Storage: the connection enum over PostgreSQL and SQLite, the pools, migrations, and the two
//! ways to run queries (`Db::read` and `Db::write`, both off the async workers).
//!
//! On SQLite every write transaction goes through a one-connection writer pool and begins
//! `IMMEDIATE`, so concurrent writers queue on the busy handler instead of failing with
//! "database is locked"; readers keep their own pool (WAL lets them run beside the writer).

pub mod backup;
pub mod concurrency;
pub mod schema;
pub mod search;
mod seeds;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

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
pub enum Backend {
    Postgres,
    Sqlite,
}

/// Tells which backend a connection talks to; used only by the few queries whose SQL differs.
pub fn backend_of(conn: &AnyConnection) -> Backend {
    match conn {
        AnyConnection::Postgres(_) => Backend::Postgres,
        AnyConnection::Sqlite(_) => Backend::Sqlite,
    }
}

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{0}")]
    Url(String),
    #[error("cannot open the database: {0}")]
    Connect(String),
    #[error("database migrations failed: {0}")]
    Migrate(String),
    #[error("no database connection became free in time")]
    PoolTimeout,
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("a database task was cancelled")]
    Cancelled,
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

    pub fn backend(&self) -> Backend {
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

    /// Opens one connection, with the SQLite pragmas set.
    pub fn connect(&self) -> Result<AnyConnection, DbError> {
        match self {
            Self::Postgres(url) => PgConnection::establish(url)
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
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                )
                .map_err(|e| DbError::Connect(e.to_string()))?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }
}

/// Counts the SQL statements a pool's connections run (for metrics and query-count tests).
struct StatementCounter(Arc<AtomicU64>);

impl diesel::connection::Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        if let diesel::connection::InstrumentationEvent::StartQuery { .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Opens pooled connections for one database URL.
struct Manager {
    url: DatabaseUrl,
    statements: Arc<AtomicU64>,
}

impl r2d2::ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = DbError;

    fn connect(&self) -> Result<AnyConnection, DbError> {
        let mut conn = self.url.connect()?;
        conn.set_instrumentation(StatementCounter(self.statements.clone()));
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), DbError> {
        conn.batch_execute("SELECT 1").map_err(DbError::Query)
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        false
    }
}

type Pool = r2d2::Pool<Manager>;

/// A checkout slower than this found no idle connection and waited (for metrics).
const WAIT_THRESHOLD: Duration = Duration::from_millis(1);

/// Checkout counters of one pool.
#[derive(Debug, Default)]
struct CheckoutCounters {
    checkouts: AtomicU64,
    waits: AtomicU64,
    wait_micros: AtomicU64,
    timeouts: AtomicU64,
}

/// Feeds a pool's checkout events into its counters.
#[derive(Debug)]
struct PoolEvents(Arc<CheckoutCounters>);

impl r2d2::HandleEvent for PoolEvents {
    fn handle_checkout(&self, event: r2d2::event::CheckoutEvent) {
        let counters = &self.0;
        counters.checkouts.fetch_add(1, Ordering::Relaxed);
        let waited = event.duration();
        if waited >= WAIT_THRESHOLD {
            counters.waits.fetch_add(1, Ordering::Relaxed);
            let micros = u64::try_from(waited.as_micros()).unwrap_or(u64::MAX);
            counters.wait_micros.fetch_add(micros, Ordering::Relaxed);
        }
    }

    fn handle_timeout(&self, _event: r2d2::event::TimeoutEvent) {
        self.0.timeouts.fetch_add(1, Ordering::Relaxed);
    }
}

/// The state of one connection pool, for metrics.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolMetrics {
    /// `readers` or `writer` on SQLite; `shared` on PostgreSQL.
    pub name: &'static str,
    pub in_use: u32,
    pub idle: u32,
    pub max: u32,
    pub checkouts: u64,
    /// Checkouts that found no idle connection and waited (1 ms or more).
    pub waits: u64,
    /// Time spent in those waits.
    pub wait_seconds: f64,
    /// Checkouts that gave up (the request got 503).
    pub timeouts: u64,
}

/// Handle to the database: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Db {
    backend: Backend,
    readers: Pool,
    /// On SQLite a single connection; on PostgreSQL the same pool as `readers`.
    writer: Pool,
    statements: Arc<AtomicU64>,
    reader_checkouts: Arc<CheckoutCounters>,
    writer_checkouts: Arc<CheckoutCounters>,
}

/// How long a request waits for a pooled connection.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(10);

impl Db {
    /// Builds the pools, keeping one connection ready, and checks that it opens.
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> Result<Self, DbError> {
        Self::build(url, pool_size, 1)
    }

    /// Builds pools that open connections only when asked, for short-lived commands: no
    /// background thread is still connecting when the process exits.
    pub fn connect_on_demand(url: &DatabaseUrl, pool_size: u32) -> Result<Self, DbError> {
        Self::build(url, pool_size, 0)
    }

    fn build(url: &DatabaseUrl, pool_size: u32, min_idle: u32) -> Result<Self, DbError> {
        let statements = Arc::new(AtomicU64::new(0));
        let build = |size: u32, counters: &Arc<CheckoutCounters>| {
            r2d2::Pool::builder()
                .max_size(size.max(1))
                .min_idle(Some(min_idle))
                .connection_timeout(CHECKOUT_TIMEOUT)
                .test_on_check_out(false)
                .event_handler(Box::new(PoolEvents(counters.clone())))
                .build(Manager {
                    url: url.clone(),
                    statements: statements.clone(),
                })
                .map_err(|e| DbError::Connect(e.to_string()))
        };
        let reader_checkouts = Arc::new(CheckoutCounters::default());
        let readers = build(pool_size, &reader_checkouts)?;
        let (writer, writer_checkouts) = match url.backend() {
            Backend::Sqlite => {
                let counters = Arc::new(CheckoutCounters::default());
                (build(1, &counters)?, counters)
            }
            Backend::Postgres => (readers.clone(), reader_checkouts.clone()),
        };
        Ok(Self {
            backend: url.backend(),
            readers,
            writer,
            statements,
            reader_checkouts,
            writer_checkouts,
        })
    }

    /// SQL statements run so far through this handle's pools.
    pub fn statements_executed(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Pool statistics: (connections in use, idle connections).
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.readers.state();
        (
            state.connections - state.idle_connections,
            state.idle_connections,
        )
    }

    /// Connections and checkout waits of each pool: `readers` and `writer` on SQLite, one
    /// `shared` pool on PostgreSQL.
    pub fn pool_metrics(&self) -> Vec<PoolMetrics> {
        let one = |name: &'static str, pool: &Pool, counters: &CheckoutCounters| {
            let state = pool.state();
            PoolMetrics {
                name,
                in_use: state.connections - state.idle_connections,
                idle: state.idle_connections,
                max: pool.max_size(),
                checkouts: counters.checkouts.load(Ordering::Relaxed),
                waits: counters.waits.load(Ordering::Relaxed),
                wait_seconds: counters.wait_micros.load(Ordering::Relaxed) as f64 / 1e6,
                timeouts: counters.timeouts.load(Ordering::Relaxed),
            }
        };
        match self.backend {
            Backend::Sqlite => vec![
                one("readers", &self.readers, &self.reader_checkouts),
                one("writer", &self.writer, &self.writer_checkouts),
            ],
            Backend::Postgres => vec![one("shared", &self.readers, &self.reader_checkouts)],
        }
    }

    /// Applies pending migrations.
    pub fn migrate(&self) -> Result<(), DbError> {
        let mut conn = self.writer.get().map_err(|_| DbError::PoolTimeout)?;
        migrate_connection(&mut conn)
    }

    /// Runs read-only queries on the blocking pool.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.readers.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get().map_err(|_| DbError::PoolTimeout)?;
            f(&mut conn)
        })
        .await
        .map_err(|_| E::from(DbError::Cancelled))?
    }

    /// Runs `f` in one write transaction on the blocking pool; an `Err` rolls it back.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || db.write_blocking(f))
            .await
            .map_err(|_| E::from(DbError::Cancelled))?
    }

    /// The same as [`Db::write`], for code already off the async workers (CLI, background jobs).
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<DbError>,
    {
        let mut conn = self.writer.get().map_err(|_| DbError::PoolTimeout)?;
        in_transaction(&mut conn, f)
    }

    /// The same as [`Db::read`], for code already off the async workers.
    pub fn read_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<DbError>,
    {
        let mut conn = self.readers.get().map_err(|_| DbError::PoolTimeout)?;
        f(&mut conn)
    }
}

/// Runs `f` in a transaction: `BEGIN IMMEDIATE` on SQLite, a plain transaction on PostgreSQL.
fn in_transaction<T, E, F>(conn: &mut AnyConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<DbError>,
{
    let begin = match backend_of(conn) {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    };
    conn.batch_execute(begin).map_err(DbError::Query)?;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)));
    match outcome {
        Ok(Ok(value)) => {
            conn.batch_execute("COMMIT").map_err(DbError::Query)?;
            Ok(value)
        }
        Ok(Err(e)) => {
            conn.batch_execute("ROLLBACK").map_err(DbError::Query)?;
            Err(e)
        }
        Err(panic) => {
            let _ = conn.batch_execute("ROLLBACK");
            std::panic::resume_unwind(panic)
        }
    }
}

/// Applies the embedded migrations of the connection's backend, then the seed data that
/// belongs to the migrations just applied.
pub fn migrate_connection(conn: &mut AnyConnection) -> Result<(), DbError> {
    let applied: Vec<String> = match conn {
        AnyConnection::Postgres(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
        AnyConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
    }
    .map_err(|e| DbError::Migrate(e.to_string()))?;
    seeds::after_migrations(conn, &applied).map_err(|e| DbError::Migrate(e.to_string()))
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
