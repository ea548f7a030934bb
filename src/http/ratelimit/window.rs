//! Fixed-window counters, bounded in memory.
//!
//! [`Windows`] counts events per [`Key`] in windows of one length; a key's window starts at its
//! first event. It holds at most `capacity` keys: expired windows go first, and when every
//! window is still live the one that started longest ago is dropped, so a flood of new keys
//! (addresses, emails) can never grow the map past its cap. Keys are hashed with a random
//! per-process key before they are stored.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::keys::Key;

/// Keys each set of counters holds at most (about 100 bytes each).
pub const MAX_KEYS: usize = 50_000;

/// Where a key stands in its window, as the `RateLimit-*` headers tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window ends.
    pub reset_secs: u64,
}

impl Quota {
    /// The quota a client should be told about: fewer requests left first, then the later
    /// reset.
    pub fn tighter(self, other: Option<Quota>) -> Quota {
        match other {
            Some(other)
                if (other.remaining, std::cmp::Reverse(other.reset_secs))
                    < (self.remaining, std::cmp::Reverse(self.reset_secs)) =>
            {
                other
            }
            _ => self,
        }
    }
}

/// The outcome of counting one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No limit applies (all set to 0).
    Unlimited,
    Allowed(Quota),
    Refused(Quota),
}

struct Slot {
    count: u32,
    start: Instant,
    /// Tells this window apart from others that started at the same instant.
    seq: u64,
}

#[derive(Default)]
struct Inner {
    slots: HashMap<u64, Slot>,
    /// Every live slot by `(start, seq)`: the oldest window comes first.
    by_start: BTreeMap<(Instant, u64), u64>,
    next_seq: u64,
}

/// Counters of one window length (see the module documentation).
pub struct Windows {
    length: Duration,
    capacity: usize,
    hasher: RandomState,
    inner: Mutex<Inner>,
}

impl Windows {
    pub fn new(length: Duration, capacity: usize) -> Self {
        Self {
            length: length.max(Duration::from_secs(1)),
            capacity: capacity.max(1),
            hasher: RandomState::new(),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn id(&self, key: &Key<'_>) -> u64 {
        self.hasher.hash_one(key)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves the counters usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keys held now (expired windows included until they are swept).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.lock().slots.len()
    }

    /// The count of `key` in its live window, with the seconds left.
    fn live(&self, inner: &Inner, id: u64, now: Instant) -> Option<(u32, u64)> {
        let slot = inner.slots.get(&id)?;
        let elapsed = now.saturating_duration_since(slot.start);
        (elapsed < self.length).then(|| (slot.count, seconds_left(self.length - elapsed)))
    }

    /// Drops expired windows, then the oldest live ones until one more key fits.
    fn make_room(&self, inner: &mut Inner, now: Instant) {
        while let Some((&(start, seq), &id)) = inner.by_start.first_key_value() {
            let expired = now.saturating_duration_since(start) >= self.length;
            if !expired && inner.slots.len() < self.capacity {
                break;
            }
            inner.by_start.remove(&(start, seq));
            inner.slots.remove(&id);
        }
    }

    /// Adds one event to `id`'s window (starting a new one if needed); the new count and the
    /// seconds left.
    fn add(&self, inner: &mut Inner, id: u64, now: Instant) -> (u32, u64) {
        if let Some((count, left)) = self.live(inner, id, now)
            && let Some(slot) = inner.slots.get_mut(&id)
        {
            slot.count = count.saturating_add(1);
            return (slot.count, left);
        }
        if let Some(old) = inner.slots.remove(&id) {
            inner.by_start.remove(&(old.start, old.seq));
        }
        self.make_room(inner, now);
        let seq = inner.next_seq;
        inner.next_seq += 1;
        inner.slots.insert(
            id,
            Slot {
                count: 1,
                start: now,
                seq,
            },
        );
        inner.by_start.insert((now, seq), id);
        (1, self.length.as_secs().max(1))
    }

    /// Counts one event against each `(key, limit)` (limit 0: not counted), unless one of them
    /// is used up already; then nothing is counted.
    pub fn try_count(&self, keys: &[(Key<'_>, u32)], now: Instant) -> Verdict {
        let active: Vec<(u64, u32)> = keys
            .iter()
            .filter(|(_, limit)| *limit > 0)
            .map(|(key, limit)| (self.id(key), *limit))
            .collect();
        if active.is_empty() {
            return Verdict::Unlimited;
        }
        let mut inner = self.lock();
        let mut refused: Option<Quota> = None;
        for &(id, limit) in &active {
            if let Some((count, left)) = self.live(&inner, id, now)
                && count >= limit
            {
                // When several are used up, the client must wait for the last to reset.
                if refused.is_none_or(|r| left > r.reset_secs) {
                    refused = Some(Quota {
                        limit,
                        remaining: 0,
                        reset_secs: left,
                    });
                }
            }
        }
        if let Some(quota) = refused {
            return Verdict::Refused(quota);
        }
        let mut tightest: Option<Quota> = None;
        for &(id, limit) in &active {
            let (count, left) = self.add(&mut inner, id, now);
            let quota = Quota {
                limit,
                remaining: limit.saturating_sub(count),
                reset_secs: left,
            };
            tightest = Some(quota.tighter(tightest));
        }
        tightest.map_or(Verdict::Unlimited, Verdict::Allowed)
    }

    /// Counts one event against `key`; returns the count in its window.
    pub fn count(&self, key: &Key<'_>, now: Instant) -> u32 {
        let id = self.id(key);
        self.add(&mut self.lock(), id, now).0
    }

    /// `Some(seconds to wait)` when `key` has `limit` (not 0) events in its live window.
    #[cfg(test)]
    pub(super) fn used_up(&self, key: &Key<'_>, limit: u32, now: Instant) -> Option<u64> {
        if limit == 0 {
            return None;
        }
        let id = self.id(key);
        let (count, left) = self.live(&self.lock(), id, now)?;
        (count >= limit).then_some(left)
    }

    /// Takes back one event counted for `key` in its live window.
    pub fn uncount(&self, key: &Key<'_>, now: Instant) {
        let id = self.id(key);
        let mut inner = self.lock();
        if self.live(&inner, id, now).is_some()
            && let Some(slot) = inner.slots.get_mut(&id)
        {
            slot.count = slot.count.saturating_sub(1);
        }
    }

    /// Forgets `key`.
    pub fn forget(&self, key: &Key<'_>) {
        let id = self.id(key);
        let mut inner = self.lock();
        if let Some(old) = inner.slots.remove(&id) {
            inner.by_start.remove(&(old.start, old.seq));
        }
    }
}

/// Whole seconds, rounded up, at least 1.
fn seconds_left(left: Duration) -> u64 {
    (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn keys<'a>(ip: u32, account: u32) -> Vec<(Key<'a>, u32)> {
        vec![(Key::Client(None), ip), (Key::User("7"), account)]
    }

    #[test]
    fn the_tightest_limit_is_reported_and_refuses_when_used_up() {
        let windows = Windows::new(MINUTE, MAX_KEYS);
        let start = Instant::now();
        let first = windows.try_count(&keys(5, 2), start);
        assert_eq!(
            first,
            Verdict::Allowed(Quota {
                limit: 2,
                remaining: 1,
                reset_secs: 60
            })
        );
        windows.try_count(&keys(5, 2), start);
        let refused = windows.try_count(&keys(5, 2), start + Duration::from_millis(1500));
        assert_eq!(
            refused,
            Verdict::Refused(Quota {
                limit: 2,
                remaining: 0,
                reset_secs: 59
            })
        );
        // A refused request is not counted; a new window starts afresh.
        let later = windows.try_count(&keys(5, 2), start + MINUTE);
        assert!(matches!(later, Verdict::Allowed(q) if q.remaining == 1));
    }

    #[test]
    fn zero_turns_a_side_off() {
        let windows = Windows::new(MINUTE, MAX_KEYS);
        let now = Instant::now();
        assert_eq!(windows.try_count(&keys(0, 0), now), Verdict::Unlimited);
        assert_eq!(windows.len(), 0, "nothing is counted for no limit");
        for _ in 0..10 {
            assert!(matches!(
                windows.try_count(&keys(0, 10), now),
                Verdict::Allowed(_)
            ));
        }
        assert!(matches!(
            windows.try_count(&keys(0, 10), now),
            Verdict::Refused(_)
        ));
    }

    #[test]
    fn an_event_taken_back_frees_its_place() {
        let windows = Windows::new(MINUTE, MAX_KEYS);
        let now = Instant::now();
        let key = [(Key::Account("ana@example.org"), 2)];
        windows.try_count(&key, now);
        windows.try_count(&key, now);
        assert!(matches!(windows.try_count(&key, now), Verdict::Refused(_)));
        windows.uncount(&key[0].0, now);
        assert!(matches!(windows.try_count(&key, now), Verdict::Allowed(q) if q.remaining == 0));
        // Nothing to take back from a key never counted, or an expired window.
        windows.uncount(&Key::Account("ben@example.org"), now);
        assert_eq!(windows.len(), 1);
        windows.uncount(&key[0].0, now + MINUTE);
        assert_eq!(windows.used_up(&key[0].0, 2, now), Some(60));
    }

    #[test]
    fn counts_used_up_and_forget() {
        let windows = Windows::new(MINUTE, MAX_KEYS);
        let now = Instant::now();
        let key = Key::Account("ana@example.org");
        assert_eq!(windows.count(&key, now), 1);
        assert_eq!(windows.used_up(&key, 2, now), None);
        assert_eq!(windows.count(&key, now), 2);
        assert_eq!(windows.used_up(&key, 2, now), Some(60));
        assert_eq!(windows.used_up(&key, 0, now), None, "0 is no limit");
        assert_eq!(
            windows.used_up(&Key::Account("ben@example.org"), 1, now),
            None
        );
        assert_eq!(windows.used_up(&key, 2, now + MINUTE), None, "expired");
        windows.forget(&key);
        assert_eq!(windows.used_up(&key, 2, now), None);
        assert_eq!(windows.len(), 0);
    }

    #[test]
    fn the_map_never_outgrows_its_cap_and_drops_the_oldest_live_window_first() {
        let windows = Windows::new(MINUTE, 3);
        let start = Instant::now();
        let names = ["a", "b", "c", "d", "e"];
        for (i, name) in names.iter().enumerate() {
            let at = start + Duration::from_secs(i as u64);
            windows.count(&Key::Account(name), at);
            assert!(windows.len() <= 3, "{} keys after {name}", windows.len());
        }
        let at = start + Duration::from_secs(5);
        // All five windows are live; the two oldest made room for the newest.
        assert_eq!(windows.used_up(&Key::Account("a"), 1, at), None);
        assert_eq!(windows.used_up(&Key::Account("b"), 1, at), None);
        for kept in ["c", "d", "e"] {
            assert!(
                windows.used_up(&Key::Account(kept), 1, at).is_some(),
                "{kept}"
            );
        }
        // A key counted again keeps its window (and its place) without growing the map.
        windows.count(&Key::Account("c"), at);
        assert_eq!(windows.len(), 3);
        assert_eq!(windows.used_up(&Key::Account("c"), 2, at), Some(57));
    }

    #[test]
    fn expired_windows_go_before_live_ones() {
        let windows = Windows::new(MINUTE, 2);
        let start = Instant::now();
        windows.count(&Key::Account("old"), start);
        windows.count(&Key::Account("live"), start + Duration::from_secs(30));
        // "old" has expired by now: it makes room, "live" stays.
        let now = start + Duration::from_secs(61);
        windows.count(&Key::Account("new"), now);
        assert_eq!(windows.len(), 2);
        assert!(windows.used_up(&Key::Account("live"), 1, now).is_some());
        assert!(windows.used_up(&Key::Account("new"), 1, now).is_some());
    }

    #[test]
    fn a_flood_of_keys_stays_within_the_cap() {
        let windows = Windows::new(MINUTE, 1_000);
        let now = Instant::now();
        for i in 0..20_000u32 {
            let name = i.to_string();
            windows.try_count(&[(Key::Account(&name), 5)], now);
        }
        assert_eq!(windows.len(), 1_000);
        assert_eq!(windows.lock().by_start.len(), 1_000);
    }

    #[test]
    fn quota_tighter_prefers_fewer_remaining_then_the_later_reset() {
        let q = |remaining, reset_secs| Quota {
            limit: 10,
            remaining,
            reset_secs,
        };
        assert_eq!(q(3, 10).tighter(Some(q(2, 5))), q(2, 5));
        assert_eq!(q(2, 5).tighter(Some(q(3, 10))), q(2, 5));
        assert_eq!(q(2, 5).tighter(Some(q(2, 9))), q(2, 9));
        assert_eq!(q(2, 5).tighter(None), q(2, 5));
    }
}
