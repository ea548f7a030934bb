//! The counters kept in PostgreSQL, shared by every server on one database, so that N servers
//! behind a load balancer allow a client what one server does, not N times that. On SQLite one
//! process serves, and the counters stay in it (`limiter`, `window`).
//!
//! - Request limits: `rate_counters`, one row per key holding the GCRA's theoretical arrival
//!   time (the same algorithm as governor in `limiter`: a burst of N, refilled one request every
//!   window ÷ N). A request is one conditional upsert per key, all of them in one transaction,
//!   rolled back when one key refuses, so a refused request consumes nothing anywhere.
//! - Wrong passwords: `throttle_windows`, one row per key with its count and the end of its
//!   window, counted the way `window` counts them in process.
//!
//! The row an upsert touches stays locked until the transaction ends, so requests fired together
//! at several servers take turns on each key, and the keys of a request are taken in one fixed
//! order (by id), so two requests never wait for each other. Both tables are UNLOGGED (no WAL;
//! a crash empties them, which forgives at most one window); [`SharedCounters::sweep`] deletes
//! the rows whose allowance is whole again or whose window is over.
//!
//! Each server also remembers, for a while, the keys it saw refused ([`Refusals`]): until such a
//! key fits again, its requests are refused without asking the database. A flood from one
//! client then costs the database one refusal per key and server, not one locked row that
//! every flooding request waits on with a pooled connection (measured: reads starved under a
//! 200-way login flood from one address).
//!
//! Keys are HMAC-SHA256 (under a key derived from the signing secret, which the servers share)
//! of the counter's name and the key's bytes: the tables hold neither addresses nor emails, and
//! whoever reads the database cannot test guesses without the secret. Times are PostgreSQL's
//! clock (`clock_timestamp()`, in microseconds since the Unix epoch), read by each statement
//! once it holds the row: one clock for every server, and requests that waited for a row are
//! reckoned from when they got it, in the order they got it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::keys::Key;
use super::quota::{Quota, Verdict, whole_seconds};
use crate::db::{AnyConnection, Db, DbError};

/// The counters in the database (see the module documentation).
#[derive(Clone)]
pub struct SharedCounters {
    db: Db,
    /// HMAC-SHA256 keyed once; each id starts from a clone of it.
    mac: Hmac<Sha256>,
    refusals: Arc<Refusals>,
}

/// The keys this server saw refused, each with when it fits again (see the module
/// documentation); at most [`Refusals::CAPACITY`] of them.
#[derive(Default)]
struct Refusals {
    until: Mutex<HashMap<i64, Instant>>,
}

impl Refusals {
    const CAPACITY: usize = 50_000;

    fn lock(&self) -> MutexGuard<'_, HashMap<i64, Instant>> {
        // A panic while holding the lock leaves the map usable.
        self.until.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Of `ids`, the one refused longest still, with how long it is refused.
    fn refused(&self, ids: impl IntoIterator<Item = i64>, now: Instant) -> Option<(i64, Duration)> {
        let until = self.lock();
        ids.into_iter()
            .filter_map(|id| {
                let left = until.get(&id)?.checked_duration_since(now)?;
                (!left.is_zero()).then_some((id, left))
            })
            .max_by_key(|(_, left)| *left)
    }

    /// `id` is refused for `wait` from `now`. When the map is full of keys still refused, it
    /// is not remembered (the database still answers for it).
    fn remember(&self, id: i64, wait: Duration, now: Instant) {
        let mut until = self.lock();
        if until.len() >= Self::CAPACITY {
            until.retain(|_, t| *t > now);
        }
        if until.len() < Self::CAPACITY {
            until.insert(id, now + wait);
        }
    }

    /// Forgets `ids` (their windows start again).
    fn forget(&self, ids: &[i64]) {
        let mut until = self.lock();
        for id in ids {
            until.remove(id);
        }
    }
}

/// One key of a request and its limit: `limit` requests per `window`.
pub struct Limit {
    pub id: i64,
    pub limit: u32,
    pub window: Duration,
}

/// One key of a wrong-password count and its limit (0: counted, never refused).
pub struct Event {
    pub id: i64,
    pub limit: u32,
}

/// PostgreSQL's clock in microseconds since the Unix epoch, read when evaluated.
const NOW: &str = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint";

/// Now, in microseconds since the Unix epoch (this process's clock).
pub fn now_micros() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

fn duration(micros: i64) -> Duration {
    Duration::from_micros(u64::try_from(micros).unwrap_or(0))
}

#[derive(QueryableByName)]
struct Tat {
    #[diesel(sql_type = BigInt)]
    tat: i64,
    /// The clock when the row was read or written.
    #[diesel(sql_type = BigInt)]
    now: i64,
}

#[derive(QueryableByName)]
struct Left {
    #[diesel(sql_type = BigInt)]
    left: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Integer)]
    count: i32,
}

/// Why a counting transaction ended without committing.
enum Abort<T> {
    Db(DbError),
    /// A key refused: everything counted is rolled back.
    Refused(T),
}

impl<T> From<DbError> for Abort<T> {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

impl<T> From<diesel::result::Error> for Abort<T> {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

impl SharedCounters {
    pub fn new(db: Db, key: [u8; 32]) -> Self {
        Self {
            db,
            mac: Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key"),
            refusals: Arc::default(),
        }
    }

    /// The row id of `key` in the counter `name`.
    pub fn id(&self, name: &str, key: &Key<'_>) -> i64 {
        let mut mac = self.mac.clone();
        mac.update(name.as_bytes());
        mac.update(&[0]);
        mac.update(&key.encode());
        let digest = mac.finalize().into_bytes();
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(id)
    }

    /// Counts one request against every limit, unless one of them is used up; then nothing is
    /// counted, and the verdict tells the longest wait.
    pub async fn take(&self, mut limits: Vec<Limit>) -> Result<Verdict, DbError> {
        limits.retain(|l| l.limit > 0);
        if limits.is_empty() {
            return Ok(Verdict::Unlimited);
        }
        limits.sort_by_key(|l| l.id);
        let started = Instant::now();
        let known = self.refusals.refused(limits.iter().map(|l| l.id), started);
        if let Some((limit, left)) = known.and_then(|(id, left)| {
            let limit = limits.iter().find(|l| l.id == id)?;
            Some((limit, left))
        }) {
            let gcra = Gcra::new(limit);
            let quota = Quota {
                limit: limit.limit,
                remaining: 0,
                reset_secs: whole_seconds(left + duration(gcra.tolerance)),
            };
            let retry_after = whole_seconds(left);
            return Ok(Verdict::Refused { quota, retry_after });
        }
        let outcome = self
            .db
            .write(move |conn| {
                let mut tightest: Option<Quota> = None;
                let mut refused: Vec<(i64, Quota, u64)> = Vec::new();
                for limit in &limits {
                    let gcra = Gcra::new(limit);
                    match gcra.take(conn, limit.id)? {
                        Ok(quota) => tightest = Some(quota.tighter(tightest)),
                        Err((quota, wait)) => refused.push((limit.id, quota, wait)),
                    }
                }
                match refused.is_empty() {
                    true => Ok(tightest),
                    false => Err(Abort::Refused(refused)),
                }
            })
            .await;
        match outcome {
            Ok(quota) => Ok(quota.map_or(Verdict::Unlimited, Verdict::Allowed)),
            Err(Abort::Refused(refused)) => {
                for (id, _, wait) in &refused {
                    self.refusals
                        .remember(*id, Duration::from_secs(*wait), started);
                }
                // When several are used up, the client must wait for the last.
                let (_, quota, retry_after) = refused
                    .into_iter()
                    .max_by_key(|(_, _, wait)| *wait)
                    .expect("a refusal");
                Ok(Verdict::Refused { quota, retry_after })
            }
            Err(Abort::Db(e)) => Err(e),
        }
    }

    /// Counts one event against every key in windows of `length`, unless one of them has
    /// reached its limit; then nothing is counted, and the answer is the seconds to wait.
    pub async fn try_count(
        &self,
        mut events: Vec<Event>,
        length: Duration,
    ) -> Result<Result<(), u64>, DbError> {
        events.retain(|e| e.limit > 0);
        events.sort_by_key(|e| e.id);
        let started = Instant::now();
        if let Some((_, left)) = self.refusals.refused(events.iter().map(|e| e.id), started) {
            return Ok(Err(whole_seconds(left)));
        }
        let length = micros(length);
        let outcome = self
            .db
            .write(move |conn| {
                let mut refused: Vec<(i64, u64)> = Vec::new();
                for event in &events {
                    if count_event(conn, event, length)?.is_none() {
                        let left = diesel::sql_query(format!(
                            "SELECT ends_at - {NOW} AS left FROM throttle_windows WHERE key = $1"
                        ))
                        .bind::<BigInt, _>(event.id)
                        .get_result::<Left>(conn)?
                        .left;
                        refused.push((event.id, whole_seconds(duration(left))));
                    }
                }
                match refused.is_empty() {
                    true => Ok(()),
                    false => Err(Abort::Refused(refused)),
                }
            })
            .await;
        match outcome {
            Ok(()) => Ok(Ok(())),
            Err(Abort::Refused(refused)) => {
                for (id, wait) in &refused {
                    self.refusals
                        .remember(*id, Duration::from_secs(*wait), started);
                }
                // When several are used up, the client must wait for the last to reset.
                Ok(Err(refused
                    .iter()
                    .map(|(_, wait)| *wait)
                    .max()
                    .unwrap_or(1)))
            }
            Err(Abort::Db(e)) => Err(e),
        }
    }

    /// Counts one event against `id` in a window of `length`; the count in that window.
    pub async fn count(&self, id: i64, length: Duration) -> Result<u32, DbError> {
        let length = micros(length);
        self.db
            .write(move |conn| {
                let count = count_event(conn, &Event { id, limit: 0 }, length)?;
                Ok(count.unwrap_or(0))
            })
            .await
    }

    /// Takes back one event counted for each of `ids` in its live window.
    pub async fn uncount(&self, mut ids: Vec<i64>) -> Result<(), DbError> {
        ids.sort_unstable();
        // A key refused here stays refused until its window ends, though one try came back:
        // otherwise every right password of a flooding client would send its whole flood to
        // the database again.
        self.db
            .write(move |conn| {
                for id in ids {
                    diesel::sql_query(format!(
                        "UPDATE throttle_windows SET count = count - 1 \
                         WHERE key = $1 AND ends_at > {NOW} AND count > 0"
                    ))
                    .bind::<BigInt, _>(id)
                    .execute(conn)?;
                }
                Ok(())
            })
            .await
    }

    /// Forgets the window of `id`.
    pub async fn forget(&self, id: i64) -> Result<(), DbError> {
        self.refusals.forget(&[id]);
        self.db
            .write(move |conn| {
                diesel::sql_query("DELETE FROM throttle_windows WHERE key = $1")
                    .bind::<BigInt, _>(id)
                    .execute(conn)?;
                Ok(())
            })
            .await
    }

    /// Deletes the request counters whose allowance is whole again and the windows that are
    /// over; the rows deleted. Any server may run it, at any time.
    pub async fn sweep(&self) -> Result<usize, DbError> {
        self.db
            .write(move |conn| {
                let counters =
                    diesel::sql_query(format!("DELETE FROM rate_counters WHERE tat <= {NOW}"))
                        .execute(conn)?;
                let windows = diesel::sql_query(format!(
                    "DELETE FROM throttle_windows WHERE ends_at <= {NOW}"
                ))
                .execute(conn)?;
                Ok(counters + windows)
            })
            .await
    }
}

/// One GCRA limit in microseconds: one request's share refills in `period`; a key may run
/// ahead of now by `tolerance` (the rest of the burst).
struct Gcra {
    limit: u32,
    period: i64,
    tolerance: i64,
}

impl Gcra {
    fn new(limit: &Limit) -> Self {
        let period = (micros(limit.window) / i64::from(limit.limit)).max(1);
        Self {
            limit: limit.limit,
            period,
            tolerance: period.saturating_mul(i64::from(limit.limit) - 1),
        }
    }

    /// Counts one request against `id`: its quota, or (when used up, counting nothing) the
    /// quota with the seconds until the next request fits. The clock is read once the
    /// statement holds the row (in `DO UPDATE`), so a request that waited for another is
    /// reckoned after it.
    fn take(&self, conn: &mut AnyConnection, id: i64) -> QueryResult<Result<Quota, (Quota, u64)>> {
        let taken = diesel::sql_query(format!(
            "INSERT INTO rate_counters AS c (key, tat) VALUES ($1, {NOW} + $2) \
             ON CONFLICT (key) DO UPDATE SET tat = GREATEST(c.tat, {NOW}) + $2 \
             WHERE c.tat <= {NOW} + $3 \
             RETURNING tat, {NOW} AS now"
        ))
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(self.period)
        .bind::<BigInt, _>(self.tolerance)
        .get_result::<Tat>(conn)
        .optional()?;
        if let Some(Tat { tat, now }) = taken {
            let until_whole = tat - now;
            let left = self.period.saturating_mul(i64::from(self.limit)) - until_whole;
            let remaining = u32::try_from((left / self.period).max(0)).unwrap_or(0);
            return Ok(Ok(Quota {
                limit: self.limit,
                remaining: remaining.min(self.limit),
                reset_secs: whole_seconds(duration(until_whole)),
            }));
        }
        // The conflicting row is locked by the upsert: it cannot have changed since.
        let Tat { tat, now } = diesel::sql_query(format!(
            "SELECT tat, {NOW} AS now FROM rate_counters WHERE key = $1"
        ))
        .bind::<BigInt, _>(id)
        .get_result::<Tat>(conn)?;
        let tat = tat.max(now);
        let quota = Quota {
            limit: self.limit,
            remaining: 0,
            reset_secs: whole_seconds(duration(tat - now)),
        };
        Ok(Err((
            quota,
            whole_seconds(duration(tat - now - self.tolerance)),
        )))
    }
}

/// Counts one event against `event.id` in a window of `length` (a new window when the last
/// is over), unless its live window holds `event.limit` (not 0) already: the new count, or
/// `None`.
fn count_event(conn: &mut AnyConnection, event: &Event, length: i64) -> QueryResult<Option<u32>> {
    let counted = diesel::sql_query(format!(
        "INSERT INTO throttle_windows AS w (key, count, ends_at) VALUES ($1, 1, {NOW} + $2) \
         ON CONFLICT (key) DO UPDATE SET \
           count = CASE WHEN w.ends_at <= {NOW} THEN 1 ELSE w.count + 1 END, \
           ends_at = CASE WHEN w.ends_at <= {NOW} THEN {NOW} + $2 ELSE w.ends_at END \
         WHERE $3 = 0 OR w.ends_at <= {NOW} OR w.count < $3 \
         RETURNING count"
    ))
    .bind::<BigInt, _>(event.id)
    .bind::<BigInt, _>(length)
    .bind::<Integer, _>(i32::try_from(event.limit).unwrap_or(i32::MAX))
    .get_result::<Count>(conn)
    .optional()?;
    Ok(counted.map(|c| u32::try_from(c.count).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_key_is_refused_until_it_fits_then_asked_again() {
        let refusals = Refusals::default();
        let now = Instant::now();
        assert_eq!(refusals.refused([1, 2], now), None);
        refusals.remember(1, Duration::from_secs(30), now);
        refusals.remember(2, Duration::from_secs(10), now);
        // The longest refusal among the keys asked about.
        assert_eq!(
            refusals.refused([2, 1, 3], now),
            Some((1, Duration::from_secs(30)))
        );
        assert_eq!(refusals.refused([3], now), None);
        let later = now + Duration::from_secs(10);
        assert_eq!(
            refusals.refused([2], later),
            None,
            "fits again after its wait"
        );
        refusals.forget(&[1]);
        assert_eq!(refusals.refused([1], now), None, "forgotten");
    }

    #[test]
    fn the_refusals_kept_are_bounded() {
        let refusals = Refusals::default();
        let now = Instant::now();
        for id in 0..(Refusals::CAPACITY as i64 + 10) {
            refusals.remember(id, Duration::from_secs(60), now);
        }
        assert_eq!(refusals.lock().len(), Refusals::CAPACITY);
        // Once those have passed, new ones take their places.
        let later = now + Duration::from_secs(61);
        refusals.remember(-1, Duration::from_secs(60), later);
        assert_eq!(refusals.lock().len(), 1);
    }
}
