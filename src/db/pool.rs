//! Pools that heal. A connection goes back to its pool only when diesel says it is sound (no
//! transaction left open, transaction manager not in error, no panic unwinding); a broken one is
//! dropped and replaced. On checkout a connection is pinged when it has been idle for a while
//! or when the pool has seen a failure since it was last known good, so that after a database
//! restart the dead connections are weeded out before a request gets them, while a busy pool
//! pays no extra round trip. The pool also knows whether the database is reachable at all, so
//! that requests fail fast with 503 during an outage instead of waiting for a connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::r2d2::R2D2Connection;

use super::{AnyConnection, ConnectOptions, DatabaseUrl, DbError};

/// A connection used or pinged this recently is trusted without a ping, unless the pool has
/// seen a failure since (the same bypass window HikariCP uses).
const TRUSTED_FOR: Duration = Duration::from_millis(500);

/// One pooled connection and what the pool knows about it.
pub struct Pooled {
    conn: AnyConnection,
    /// When it last answered, or was handed back sound.
    known_good_at: Instant,
    /// The pool's failure generation at that time.
    generation: u64,
    /// Off while the pool pings it, so that pings are not counted as application statements.
    counting: Arc<AtomicBool>,
}

impl std::ops::Deref for Pooled {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

/// What the pools of one database know about it, shared by the reader and writer pools.
#[derive(Debug, Default)]
pub struct Health {
    /// Bumped on every failure seen (a broken connection, a failed ping or connect): every
    /// connection known good before it is pinged at its next checkout.
    generation: AtomicU64,
    /// The last attempt to open a connection (or to ping one) failed.
    unreachable: AtomicBool,
}

impl Health {
    fn suspect(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// Whether the database looked unreachable at the last attempt to reach it.
    pub fn is_unreachable(&self) -> bool {
        self.unreachable.load(Ordering::Relaxed)
    }
}

/// Counts the SQL statements a pool's connections run (for metrics and query-count tests).
struct StatementCounter {
    total: Arc<AtomicU64>,
    counting: Arc<AtomicBool>,
}

impl diesel::connection::Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        if let diesel::connection::InstrumentationEvent::StartQuery { .. } = event
            && self.counting.load(Ordering::Relaxed)
        {
            self.total.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Opens, checks and recycles the pooled connections of one database.
pub struct Manager {
    pub url: DatabaseUrl,
    pub options: ConnectOptions,
    pub statements: Arc<AtomicU64>,
    pub health: Arc<Health>,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = DbError;

    fn connect(&self) -> Result<Pooled, DbError> {
        let generation = self.health.generation();
        match self.url.connect_with(&self.options) {
            Ok(mut conn) => {
                self.health.unreachable.store(false, Ordering::Relaxed);
                let counting = Arc::new(AtomicBool::new(true));
                conn.set_instrumentation(StatementCounter {
                    total: self.statements.clone(),
                    counting: counting.clone(),
                });
                Ok(Pooled {
                    conn,
                    known_good_at: Instant::now(),
                    generation,
                    counting,
                })
            }
            Err(e) => {
                self.health.unreachable.store(true, Ordering::Relaxed);
                self.health.suspect();
                Err(e)
            }
        }
    }

    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), DbError> {
        let generation = self.health.generation();
        if pooled.generation == generation && pooled.known_good_at.elapsed() < TRUSTED_FOR {
            return Ok(());
        }
        pooled.counting.store(false, Ordering::Relaxed);
        let answer = pooled.conn.ping();
        pooled.counting.store(true, Ordering::Relaxed);
        match answer {
            Ok(()) => {
                pooled.generation = generation;
                pooled.known_good_at = Instant::now();
                Ok(())
            }
            Err(e) => {
                self.health.unreachable.store(true, Ordering::Relaxed);
                self.health.suspect();
                Err(DbError::Unavailable(e.to_string()))
            }
        }
    }

    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        let broken = std::thread::panicking() || pooled.conn.is_broken();
        if broken {
            self.health.suspect();
        } else {
            pooled.known_good_at = Instant::now();
        }
        broken
    }
}

/// Checkout counters of one pool.
#[derive(Debug, Default)]
pub struct CheckoutCounters {
    pub checkouts: AtomicU64,
    pub waits: AtomicU64,
    pub wait_micros: AtomicU64,
    pub timeouts: AtomicU64,
    /// Time requests' database work waited for a thread of the blocking pool.
    pub queued_micros: AtomicU64,
    /// Time connections were held: the statements, decoding their rows and the work done
    /// between them, commits included.
    pub held_micros: AtomicU64,
}

/// A checkout slower than this found no idle connection and waited (for metrics).
const WAIT_THRESHOLD: Duration = Duration::from_millis(1);

impl CheckoutCounters {
    pub fn record(&self, waited: Duration) {
        self.checkouts.fetch_add(1, Ordering::Relaxed);
        if waited >= WAIT_THRESHOLD {
            self.waits.fetch_add(1, Ordering::Relaxed);
            self.wait_micros
                .fetch_add(micros(waited), Ordering::Relaxed);
        }
    }

    /// Work that waited `queued` for a blocking thread.
    pub fn record_queued(&self, queued: Duration) {
        self.queued_micros
            .fetch_add(micros(queued), Ordering::Relaxed);
    }

    /// A connection held for `held`.
    pub fn record_held(&self, held: Duration) {
        self.held_micros.fetch_add(micros(held), Ordering::Relaxed);
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}
