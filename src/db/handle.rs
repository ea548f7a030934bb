//! The database handle: the reader and writer pools, `Db::read` and `Db::write` (both off the
//! async workers), write transactions through diesel's transaction manager, and readiness.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;

use super::pool::{CheckoutCounters, Health, Manager};
use super::{AnyConnection, Backend, ConnectOptions, DatabaseUrl, DbError, migrate_connection};

type Pool = r2d2::Pool<Manager>;
type PooledConnection = r2d2::PooledConnection<Manager>;

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
    /// Time requests' database work waited for a blocking thread before its checkout.
    pub queued_seconds: f64,
    /// Time connections were held (statements, decoding and the work between them).
    pub held_seconds: f64,
}

/// Handle to the database: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Db {
    backend: Backend,
    readers: Pool,
    /// On SQLite a single connection; on PostgreSQL the same pool as `readers`.
    writer: Pool,
    /// The folder of the SQLite file, where readiness checks that there is room to write.
    sqlite_dir: Option<PathBuf>,
    health: Arc<Health>,
    statements: Arc<AtomicU64>,
    reader_checkouts: Arc<CheckoutCounters>,
    writer_checkouts: Arc<CheckoutCounters>,
}

/// How long a request waits for a pooled connection while the database is up.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request waits for a connection while the database looks unreachable, before it
/// gets 503: long enough to catch a database that has just come back.
const OUTAGE_CHECKOUT: Duration = Duration::from_secs(1);
/// A checkout waits in slices of this length, to notice an outage that began meanwhile.
const CHECKOUT_SLICE: Duration = Duration::from_millis(500);
/// How long start-up waits for the first connection. r2d2 also retries a failed connection
/// with a backoff capped at half of it, which bounds how long the pool takes to notice that
/// the database is back.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(4);
/// Bytes readiness writes next to a SQLite database to prove there is room for a write.
const READY_PROBE_BYTES: usize = 64 * 1024;

impl Db {
    /// Builds the pools, keeping one connection ready, and checks that it opens.
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> Result<Self, DbError> {
        Self::build(url, pool_size, 1, ConnectOptions::default())
    }

    /// [`Db::connect`] with these connection options.
    pub fn connect_with(
        url: &DatabaseUrl,
        pool_size: u32,
        options: ConnectOptions,
    ) -> Result<Self, DbError> {
        Self::build(url, pool_size, 1, options)
    }

    /// Builds pools that open connections only when asked, for short-lived commands: no
    /// background thread is still connecting when the process exits.
    pub fn connect_on_demand(url: &DatabaseUrl, pool_size: u32) -> Result<Self, DbError> {
        Self::build(url, pool_size, 0, ConnectOptions::default())
    }

    /// [`Db::connect_on_demand`] with these connection options.
    pub fn connect_on_demand_with(
        url: &DatabaseUrl,
        pool_size: u32,
        options: ConnectOptions,
    ) -> Result<Self, DbError> {
        Self::build(url, pool_size, 0, options)
    }

    fn build(
        url: &DatabaseUrl,
        pool_size: u32,
        min_idle: u32,
        options: ConnectOptions,
    ) -> Result<Self, DbError> {
        let statements = Arc::new(AtomicU64::new(0));
        let health = Arc::new(Health::default());
        let build = |size: u32| {
            r2d2::Pool::builder()
                .max_size(size.max(1))
                .min_idle(Some(min_idle))
                .connection_timeout(CONNECT_TIMEOUT)
                .test_on_check_out(true)
                .error_handler(Box::new(r2d2::NopErrorHandler))
                .build(Manager {
                    url: url.clone(),
                    options,
                    statements: statements.clone(),
                    health: health.clone(),
                })
                .map_err(|e| DbError::Connect(e.to_string()))
        };
        let reader_checkouts = Arc::new(CheckoutCounters::default());
        let readers = build(pool_size)?;
        let (writer, writer_checkouts) = match url.backend() {
            Backend::Sqlite => (build(1)?, Arc::new(CheckoutCounters::default())),
            Backend::Postgres => (readers.clone(), reader_checkouts.clone()),
        };
        let sqlite_dir = match url {
            DatabaseUrl::Sqlite(path) => Some(
                path.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."))
                    .to_path_buf(),
            ),
            DatabaseUrl::Postgres(_) => None,
        };
        Ok(Self {
            backend: url.backend(),
            readers,
            writer,
            sqlite_dir,
            health,
            statements,
            reader_checkouts,
            writer_checkouts,
        })
    }

    /// SQL statements run so far through this handle's pools (pool pings not included).
    pub fn statements_executed(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    pub(super) fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether this is a PostgreSQL database, which several servers may share.
    pub fn is_postgres(&self) -> bool {
        self.backend == Backend::Postgres
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
                queued_seconds: counters.queued_micros.load(Ordering::Relaxed) as f64 / 1e6,
                held_seconds: counters.held_micros.load(Ordering::Relaxed) as f64 / 1e6,
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

    /// A connection from `pool`. While the database is reachable this waits up to
    /// [`CHECKOUT_TIMEOUT`] for a free connection (then `PoolTimeout`); while it looks
    /// unreachable, [`OUTAGE_CHECKOUT`] at most (then `Unavailable`).
    fn checkout(
        &self,
        pool: &Pool,
        counters: &CheckoutCounters,
    ) -> Result<PooledConnection, DbError> {
        let started = Instant::now();
        loop {
            let slice = if self.health.is_unreachable() {
                OUTAGE_CHECKOUT
            } else {
                CHECKOUT_SLICE
            };
            match pool.get_timeout(slice) {
                Ok(conn) => {
                    counters.record(started.elapsed());
                    return Ok(conn);
                }
                Err(e) if self.health.is_unreachable() => {
                    counters.timeouts.fetch_add(1, Ordering::Relaxed);
                    return Err(DbError::Unavailable(e.to_string()));
                }
                Err(_) if started.elapsed() >= CHECKOUT_TIMEOUT => {
                    counters.timeouts.fetch_add(1, Ordering::Relaxed);
                    return Err(DbError::PoolTimeout);
                }
                Err(_) => {}
            }
        }
    }

    /// Applies pending migrations and returns the versions applied.
    pub fn migrate(&self) -> Result<Vec<String>, DbError> {
        let mut conn = self.checkout(&self.writer, &self.writer_checkouts)?;
        migrate_connection(&mut conn)
    }

    /// Runs read-only queries on the blocking pool.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let db = self.clone();
        let asked = Instant::now();
        actix_web::web::block(move || {
            db.reader_checkouts.record_queued(asked.elapsed());
            db.read_blocking(f)
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
        let asked = Instant::now();
        actix_web::web::block(move || {
            db.writer_checkouts.record_queued(asked.elapsed());
            db.write_blocking(f)
        })
        .await
        .map_err(|_| E::from(DbError::Cancelled))?
    }

    /// The same as [`Db::write`], for code already off the async workers (CLI, background jobs).
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<DbError>,
    {
        let mut conn = self.checkout(&self.writer, &self.writer_checkouts)?;
        let started = Instant::now();
        let result = in_transaction(&mut conn, f);
        self.writer_checkouts.record_held(started.elapsed());
        result
    }

    /// The same as [`Db::read`], for code already off the async workers.
    pub fn read_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<DbError>,
    {
        let mut conn = self.checkout(&self.readers, &self.reader_checkouts)?;
        let started = Instant::now();
        let result = f(&mut conn);
        self.reader_checkouts.record_held(started.elapsed());
        result
    }

    /// Whether the database can serve: it answers a query, and on SQLite its folder has room
    /// for a write (a full disk fails every write while reads still work). Blocking.
    pub fn check_ready(&self) -> Result<(), DbError> {
        self.read_blocking(|conn| conn.batch_execute("SELECT 1").map_err(DbError::from))?;
        match &self.sqlite_dir {
            Some(dir) => probe_room_to_write(dir),
            None => Ok(()),
        }
    }
}

/// Writes (and removes) a small file in `dir`: fails with `StorageFull` when the disk is full.
fn probe_room_to_write(dir: &Path) -> Result<(), DbError> {
    use std::io::Write;
    let probe = dir.join(".butterfly-ready-probe");
    let written = std::fs::File::create(&probe).and_then(|mut file| {
        file.write_all(&[0u8; READY_PROBE_BYTES])?;
        file.sync_data()
    });
    let _ = std::fs::remove_file(&probe);
    written.map_err(|e| match e.raw_os_error() {
        Some(libc::ENOSPC) | Some(libc::EDQUOT) => {
            DbError::StorageFull(format!("no room to write in {}: {e}", dir.display()))
        }
        _ => DbError::Unavailable(format!("cannot write in {}: {e}", dir.display())),
    })
}

/// Runs `f` in one transaction through diesel's transaction manager (`BEGIN IMMEDIATE` on
/// SQLite, so that writers queue on the busy handler; a plain `BEGIN` on PostgreSQL). A failed
/// `COMMIT` is rolled back by diesel; a connection whose transaction could not be closed is
/// marked broken and the pool discards it instead of handing it out again.
fn in_transaction<T, E, F>(conn: &mut AnyConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<DbError>,
{
    match conn {
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        AnyConnection::Postgres(c) => AnsiTransactionManager::begin_transaction(c),
    }
    .map_err(DbError::from)?;
    type Manager = <AnyConnection as Connection>::TransactionManager;
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn).map_err(DbError::from)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = Manager::rollback_transaction(conn) {
                tracing::warn!(error = %rollback, "a failed transaction could not be rolled back");
            }
            Err(e)
        }
    }
}
