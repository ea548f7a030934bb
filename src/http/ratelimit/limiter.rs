//! The counting core of the request limits: governor's GCRA, one keyed limiter per limit.
//!
//! A limit of N requests per window is a governor quota with a burst of N that refills one
//! request every window ÷ N: a client may send N at once, and then keeps N per window at an
//! even pace; in no stretch of time shorter than a window does it get more than N plus what
//! refilled meanwhile (there is no window boundary at which a fresh N arrives at once).
//!
//! What is written here rather than taken from governor, and why:
//! - a request counts against several keys (client networks, account), each with its own
//!   limit, and a refused request must consume nothing, which governor (one key per check)
//!   does not do: [`Counters::try_count`] checks every key, and when one refuses, puts back
//!   the state of those that allowed it. The whole step holds one lock per set of counters,
//!   so nothing else changes those keys between the check and the putting back;
//! - governor's keyed state grows with every new key until `retain_recent` is called: the
//!   state lives in a [`BoundedStore`] (a hard cap), and every minute the keys whose
//!   allowance is whole again are dropped (governor's `retain_recent`);
//! - the `RateLimit-*` numbers (`Quota`) from governor's state snapshots: the remaining
//!   burst, and the seconds until the allowance is whole again.

use std::hash::{BuildHasher, RandomState};
use std::num::NonZeroU32;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use governor::clock::{Clock, MonotonicClock};
use governor::middleware::{StateInformationMiddleware, StateSnapshot};
use governor::nanos::Nanos;
use governor::{NotUntil, RateLimiter};

use super::MAX_KEYS;
use super::keys::Key;
use super::quota::{Quota, Verdict, whole_seconds};
use super::store::BoundedStore;

/// How often keys whose allowance is whole again are dropped.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The longest window counted: governor keeps time in nanoseconds of a `u64` (584 years), and
/// a longer window would overflow it; a year is as good as forever for these limits.
pub(super) const LONGEST_WINDOW: Duration = Duration::from_secs(366 * 24 * 60 * 60);

type Governor<C> = RateLimiter<u64, BoundedStore, C, StateInformationMiddleware>;

/// One limit: governor's limiter over its own bounded store.
struct Limiter<C: Clock> {
    limit: u32,
    /// The time one request's share takes to refill (window ÷ limit).
    period: Duration,
    store: BoundedStore,
    governor: Governor<C>,
}

impl<C: Clock> Limiter<C> {
    fn allowed(&self, snapshot: &StateSnapshot) -> Quota {
        let remaining = snapshot.remaining_burst_capacity().min(self.limit);
        // The burst refills one request per period; what is left over is less than one.
        let until_whole = self.period.saturating_mul(self.limit - remaining);
        Quota {
            limit: self.limit,
            remaining,
            reset_secs: whole_seconds(until_whole),
        }
    }

    fn refused(&self, not_until: &NotUntil<C::Instant>, now: C::Instant) -> (Quota, u64) {
        let wait = not_until.wait_time_from(now);
        let until_whole = wait.saturating_add(self.period.saturating_mul(self.limit - 1));
        let quota = Quota {
            limit: self.limit,
            remaining: 0,
            reset_secs: whole_seconds(until_whole),
        };
        (quota, whole_seconds(wait))
    }
}

/// The counters of one rule: a limiter for each of its limits (see the module documentation).
pub struct Counters<C: Clock = MonotonicClock> {
    hasher: RandomState,
    clock: C,
    limiters: Vec<Limiter<C>>,
    /// Held through each count; the time of the next sweep.
    gate: Mutex<C::Instant>,
}

impl Counters {
    /// Counters for `limits` (0s and repeats are ignored) per `window`.
    pub fn new(window: Duration, limits: impl IntoIterator<Item = u32>) -> Self {
        Self::with_clock(window, limits, MAX_KEYS, MonotonicClock)
    }
}

impl<C: Clock + Clone> Counters<C> {
    pub fn with_clock(
        window: Duration,
        limits: impl IntoIterator<Item = u32>,
        capacity: usize,
        clock: C,
    ) -> Self {
        let window = window.clamp(Duration::from_secs(1), LONGEST_WINDOW);
        let mut limiters: Vec<Limiter<C>> = Vec::new();
        for limit in limits {
            let Some(burst) = NonZeroU32::new(limit) else {
                continue;
            };
            if limiters.iter().any(|l| l.limit == limit) {
                continue;
            }
            let period = (window / limit).max(Duration::from_nanos(1));
            let Some(quota) = governor::Quota::with_period(period) else {
                continue;
            };
            let store = BoundedStore::new(capacity);
            let governor: Governor<C> =
                RateLimiter::new(quota.allow_burst(burst), store.clone(), clock.clone());
            limiters.push(Limiter {
                limit,
                period,
                store,
                governor,
            });
        }
        let next_sweep = clock.now() + Nanos::from(SWEEP_EVERY);
        Self {
            hasher: RandomState::new(),
            clock,
            limiters,
            gate: Mutex::new(next_sweep),
        }
    }

    fn lock(&self) -> MutexGuard<'_, C::Instant> {
        // A panic while holding the lock leaves the counters usable.
        self.gate.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops the keys whose allowance is whole again, once a minute.
    fn sweep(&self, next_sweep: &mut C::Instant, now: C::Instant) {
        if now < *next_sweep {
            return;
        }
        *next_sweep = now + Nanos::from(SWEEP_EVERY);
        for limiter in &self.limiters {
            let before = limiter.governor.len();
            limiter.governor.retain_recent();
            if limiter.governor.len() < before / 2 {
                limiter.governor.shrink_to_fit();
            }
        }
    }

    /// Counts one request against each `(key, limit)` (limit 0, or one these counters were
    /// not made for: not counted), unless one of them is used up; then nothing is counted.
    pub fn try_count(&self, keys: &[(Key<'_>, u32)]) -> Verdict {
        let active: Vec<(&Limiter<C>, u64)> = keys
            .iter()
            .filter_map(|(key, limit)| {
                let limiter = self.limiters.iter().find(|l| l.limit == *limit)?;
                Some((limiter, self.hasher.hash_one(key)))
            })
            .collect();
        if active.is_empty() {
            return Verdict::Unlimited;
        }
        let mut next_sweep = self.lock();
        self.sweep(&mut next_sweep, self.clock.now());
        let mut taken = Vec::with_capacity(active.len());
        let mut tightest: Option<Quota> = None;
        let mut refused: Option<(Quota, u64)> = None;
        for (limiter, id) in active {
            let before = limiter.store.get(id);
            match limiter.governor.check_key(&id) {
                Ok(snapshot) => {
                    taken.push((limiter, id, before));
                    tightest = Some(limiter.allowed(&snapshot).tighter(tightest));
                }
                Err(not_until) => {
                    let now = self.clock.now();
                    let this = limiter.refused(&not_until, now);
                    // When several are used up, the client must wait for the last.
                    if refused.is_none_or(|(_, wait)| this.1 > wait) {
                        refused = Some(this);
                    }
                }
            }
        }
        match refused {
            Some((quota, retry_after)) => {
                for (limiter, id, before) in taken.into_iter().rev() {
                    limiter.store.restore(id, before);
                }
                Verdict::Refused { quota, retry_after }
            }
            None => tightest.map_or(Verdict::Unlimited, Verdict::Allowed),
        }
    }

    /// Keys held by all the limiters.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.limiters.iter().map(|l| l.governor.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn make(limits: &[u32], capacity: usize) -> (Counters<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        let counters =
            Counters::with_clock(MINUTE, limits.iter().copied(), capacity, clock.clone());
        (counters, clock)
    }

    fn keys<'a>(ip: u32, account: u32) -> Vec<(Key<'a>, u32)> {
        vec![(Key::Client(None), ip), (Key::User("7"), account)]
    }

    fn allowed(verdict: Verdict) -> Quota {
        match verdict {
            Verdict::Allowed(quota) => quota,
            other => panic!("refused: {other:?}"),
        }
    }

    #[test]
    fn the_tightest_limit_is_reported_and_refuses_when_used_up() {
        let (counters, clock) = make(&[5, 2], MAX_KEYS);
        // Two per minute: a burst of two, then one every thirty seconds.
        let quota = |remaining, reset_secs| Quota {
            limit: 2,
            remaining,
            reset_secs,
        };
        assert_eq!(allowed(counters.try_count(&keys(5, 2))), quota(1, 30));
        assert_eq!(allowed(counters.try_count(&keys(5, 2))), quota(0, 60));
        clock.advance(Duration::from_millis(1500));
        assert_eq!(
            counters.try_count(&keys(5, 2)),
            Verdict::Refused {
                // Whole again in 58.5 s; the next request fits in 28.5 s.
                quota: quota(0, 59),
                retry_after: 29,
            }
        );
        // One request's share refills after its period, not the whole allowance at once.
        clock.advance(Duration::from_millis(28_500));
        assert_eq!(allowed(counters.try_count(&keys(5, 2))), quota(0, 60));
        assert!(matches!(
            counters.try_count(&keys(5, 2)),
            Verdict::Refused { .. }
        ));
        // A whole window later the whole burst is back.
        clock.advance(MINUTE);
        assert_eq!(allowed(counters.try_count(&keys(5, 2))), quota(1, 30));
    }

    #[test]
    fn a_refused_request_consumes_nothing_from_any_of_its_keys() {
        let (counters, _clock) = make(&[5, 1], MAX_KEYS);
        allowed(counters.try_count(&[(Key::User("7"), 1)]));
        // The account is used up: tries that also count the client are refused, and take
        // nothing from the client either.
        for _ in 0..10 {
            assert!(matches!(
                counters.try_count(&keys(5, 1)),
                Verdict::Refused { quota, .. } if quota.limit == 1
            ));
        }
        let client = [(Key::Client(None), 5)];
        for remaining in (0..5).rev() {
            assert_eq!(allowed(counters.try_count(&client)).remaining, remaining);
        }
        // When several are used up, the longer wait is told.
        match counters.try_count(&keys(5, 1)) {
            Verdict::Refused { quota, retry_after } => {
                assert_eq!((quota.limit, retry_after), (1, 60));
            }
            other => panic!("allowed: {other:?}"),
        }
    }

    #[test]
    fn over_any_stretch_a_client_gets_its_burst_and_what_refilled_no_more() {
        // Three a minute, tried once a second for ten minutes: the burst of three, then one
        // every twenty seconds.
        let (counters, clock) = make(&[3], MAX_KEYS);
        let key = [(Key::Account("ana@example.org"), 3)];
        let mut allowed_at = Vec::new();
        for second in 0..600u64 {
            if let Verdict::Allowed(_) = counters.try_count(&key) {
                allowed_at.push(second);
            }
            clock.advance(Duration::from_secs(1));
        }
        assert_eq!(allowed_at.len(), 3 + 600 / 20 - 1, "{allowed_at:?}");
        // In any one minute: at most three, plus the three that refilled over it.
        for start in 0..540 {
            let in_minute = allowed_at
                .iter()
                .filter(|s| (start..start + 60).contains(*s))
                .count();
            assert!(in_minute <= 6, "{in_minute} from {start} s");
        }
        // After the first minute the pace is three a minute.
        let later = allowed_at.iter().filter(|s| **s >= 60).count();
        assert_eq!(later, 27);
    }

    #[test]
    fn a_window_past_a_year_counts_as_a_year() {
        let counters = Counters::new(Duration::from_secs(u64::MAX), [1, u32::MAX]);
        let key = [(Key::Account("ana@example.org"), 1)];
        assert_eq!(
            allowed(counters.try_count(&key)).reset_secs,
            366 * 24 * 60 * 60
        );
        assert!(matches!(
            counters.try_count(&key),
            Verdict::Refused { retry_after, .. } if retry_after > 365 * 24 * 60 * 60
        ));
        allowed(counters.try_count(&[(Key::Client(None), u32::MAX)]));
    }

    #[test]
    fn zero_turns_a_side_off() {
        let (counters, _clock) = make(&[0, 10], MAX_KEYS);
        assert_eq!(counters.try_count(&keys(0, 0)), Verdict::Unlimited);
        assert_eq!(counters.len(), 0, "nothing is counted for no limit");
        for _ in 0..10 {
            allowed(counters.try_count(&keys(0, 10)));
        }
        assert!(matches!(
            counters.try_count(&keys(0, 10)),
            Verdict::Refused { .. }
        ));
    }

    #[test]
    fn keys_whose_allowance_is_whole_again_are_swept_every_minute() {
        let (counters, clock) = make(&[2], MAX_KEYS);
        for i in 0..100u32 {
            let name = i.to_string();
            allowed(counters.try_count(&[(Key::Account(&name), 2)]));
        }
        assert_eq!(counters.len(), 100);
        // Whole again after thirty seconds, swept once the minute is over.
        clock.advance(Duration::from_secs(59));
        allowed(counters.try_count(&[(Key::Account("late"), 2)]));
        assert_eq!(counters.len(), 101);
        clock.advance(Duration::from_secs(1));
        allowed(counters.try_count(&[(Key::Account("late"), 2)]));
        assert_eq!(counters.len(), 1, "only the key still counting stays");
    }

    #[test]
    fn a_flood_of_keys_stays_within_the_cap() {
        let (counters, _clock) = make(&[5, 80], 1_000);
        for i in 0..20_000u32 {
            let name = i.to_string();
            counters.try_count(&[(Key::Account(&name), 5), (Key::User(&name), 80)]);
            assert!(counters.len() <= 2_000);
        }
        // A key in use keeps its count through the flood when it is the most used.
        let (counters, _clock) = make(&[5], 1_000);
        let victim = [(Key::Account("ana@example.org"), 5)];
        for _ in 0..5 {
            allowed(counters.try_count(&victim));
        }
        for i in 0..20_000u32 {
            let name = i.to_string();
            counters.try_count(&[(Key::Account(&name), 5)]);
        }
        assert!(matches!(
            counters.try_count(&victim),
            Verdict::Refused { .. }
        ));
    }
}
