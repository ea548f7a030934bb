//! Fixed-window counters, bounded in memory, for the wrong-password throttle (`login`).
//!
//! The request limits count with governor (see `limiter`); these stay hand-written because
//! the throttle needs what a GCRA state cannot give:
//! - a try is counted before its password is checked and given back afterwards (the right
//!   password, or a password never checked): a GCRA state is one arrival time, the maximum
//!   of all that came before, so taking one request out of it once others have been counted
//!   since is not exact; and governor has no way to forget one key (the right password
//!   clears the count of that account from that client);
//! - the owner is alerted when an account's wrong passwords *reach* `alert_after` within a
//!   window, once per window: a count in a window, which a leaky bucket does not keep;
//! - "10 wrong passwords per 15 minutes" stays exactly that, with no steady refill for a
//!   guesser to pace himself by.
//!
//! [`Windows`] counts events per [`Key`] in windows of one length; a key's window starts at its
//! first event. It holds at most `capacity` keys: expired windows go first, and when every
//! window is still live the one that started longest ago is dropped, so a flood of new keys
//! (addresses, emails) can never grow the map past its cap. Keys are hashed with a random
//! per-process key before they are stored.
//!
//! A key once refused stays refused until its window ends, even when tries are given back
//! meanwhile, as the shared counters' remembered refusals do (`shared`): otherwise each right
//! password of a flood from one client gives a try back and lets the next request through to
//! a password hash (measured on SQLite: half the server's CPU hashing under a login flood,
//! and reads' p99 four times their p99 alone).

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::keys::Key;
use super::quota::whole_seconds;

struct Slot {
    count: u32,
    /// Microseconds since the Unix epoch, as every time here.
    start: i64,
    /// Tells this window apart from others that started at the same instant.
    seq: u64,
    /// A try was refused in this window: it refuses until the window ends.
    refused: bool,
}

#[derive(Default)]
struct Inner {
    slots: HashMap<u64, Slot>,
    /// Every live slot by `(start, seq)`: the oldest window comes first.
    by_start: BTreeMap<(i64, u64), u64>,
    next_seq: u64,
}

/// Counters of one window length (see the module documentation).
pub struct Windows {
    /// Microseconds.
    length: i64,
    capacity: usize,
    hasher: RandomState,
    inner: Mutex<Inner>,
}

impl Windows {
    pub fn new(length: Duration, capacity: usize) -> Self {
        Self {
            length: i64::try_from(length.max(Duration::from_secs(1)).as_micros())
                .unwrap_or(i64::MAX),
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
    fn live(&self, inner: &Inner, id: u64, now: i64) -> Option<(u32, u64)> {
        let slot = inner.slots.get(&id)?;
        let elapsed = now.saturating_sub(slot.start);
        (elapsed < self.length).then(|| (slot.count, self.seconds(self.length - elapsed)))
    }

    /// Microseconds as whole seconds, rounded up.
    fn seconds(&self, micros: i64) -> u64 {
        whole_seconds(Duration::from_micros(u64::try_from(micros).unwrap_or(0)))
    }

    /// Drops expired windows, then the oldest live ones until one more key fits.
    fn make_room(&self, inner: &mut Inner, now: i64) {
        while let Some((&(start, seq), &id)) = inner.by_start.first_key_value() {
            let expired = now.saturating_sub(start) >= self.length;
            if !expired && inner.slots.len() < self.capacity {
                break;
            }
            inner.by_start.remove(&(start, seq));
            inner.slots.remove(&id);
        }
    }

    /// Adds one event to `id`'s window (starting a new one if needed); the new count and the
    /// seconds left.
    fn add(&self, inner: &mut Inner, id: u64, now: i64) -> (u32, u64) {
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
                refused: false,
            },
        );
        inner.by_start.insert((now, seq), id);
        (1, self.seconds(self.length))
    }

    /// Counts one event against each `(key, limit)` (limit 0: not counted), unless one of them
    /// is used up already; then nothing is counted, and the answer is the seconds to wait.
    pub fn try_count(&self, keys: &[(Key<'_>, u32)], now: i64) -> Result<(), u64> {
        let active: Vec<(u64, u32)> = keys
            .iter()
            .filter(|(_, limit)| *limit > 0)
            .map(|(key, limit)| (self.id(key), *limit))
            .collect();
        let mut inner = self.lock();
        let used_up: Vec<(u64, u64)> = active
            .iter()
            .filter_map(|&(id, limit)| {
                let (count, left) = self.live(&inner, id, now)?;
                let refused = inner.slots.get(&id).is_some_and(|slot| slot.refused);
                (count >= limit || refused).then_some((id, left))
            })
            .collect();
        // When several are used up, the client must wait for the last to reset.
        if let Some(wait) = used_up.iter().map(|&(_, left)| left).max() {
            for (id, _) in used_up {
                if let Some(slot) = inner.slots.get_mut(&id) {
                    slot.refused = true;
                }
            }
            return Err(wait);
        }
        for &(id, _) in &active {
            self.add(&mut inner, id, now);
        }
        Ok(())
    }

    /// Counts one event against `key`; returns the count in its window.
    pub fn count(&self, key: &Key<'_>, now: i64) -> u32 {
        let id = self.id(key);
        self.add(&mut self.lock(), id, now).0
    }

    /// `Some(seconds to wait)` when `key` has `limit` (not 0) events in its live window.
    #[cfg(test)]
    pub(super) fn used_up(&self, key: &Key<'_>, limit: u32, now: i64) -> Option<u64> {
        if limit == 0 {
            return None;
        }
        let id = self.id(key);
        let (count, left) = self.live(&self.lock(), id, now)?;
        (count >= limit).then_some(left)
    }

    /// Takes back one event counted for `key` in its live window (a key refused in it stays
    /// refused).
    pub fn uncount(&self, key: &Key<'_>, now: i64) {
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

#[cfg(test)]
mod tests {
    use super::super::MAX_KEYS;
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);
    const T0: i64 = 1_800_000_000_000_000;

    fn us(d: Duration) -> i64 {
        i64::try_from(d.as_micros()).expect("a short time")
    }

    fn keys<'a>(ip: u32, account: u32) -> Vec<(Key<'a>, u32)> {
        vec![(Key::Client(None), ip), (Key::User("7"), account)]
    }

    #[test]
    fn a_used_up_key_refuses_and_a_refused_try_counts_nowhere() {
        let windows = Windows::new(MINUTE, MAX_KEYS);
        let start = T0;
        assert_eq!(windows.try_count(&keys(5, 2), start), Ok(()));
        assert_eq!(windows.try_count(&keys(5, 2), start), Ok(()));
        let later = start + us(Duration::from_millis(1500));
        assert_eq!(windows.try_count(&keys(5, 2), later), Err(59));
        // The client's count stayed at two: three more fit.
        let client = [(Key::Client(None), 5)];
        for _ in 0..3 {
            assert_eq!(windows.try_count(&client, later), Ok(()));
        }
        assert_eq!(windows.try_count(&client, later), Err(59));
        // A new window starts afresh.
        assert_eq!(windows.try_count(&keys(5, 2), start + us(MINUTE)), Ok(()));
    }

    #[test]
    fn zero_turns_a_side_off() {
        let windows = Windows::new(MINUTE, MAX_KEYS);
        let now = T0;
        assert_eq!(windows.try_count(&keys(0, 0), now), Ok(()));
        assert_eq!(windows.len(), 0, "nothing is counted for no limit");
        for _ in 0..10 {
            assert_eq!(windows.try_count(&keys(0, 10), now), Ok(()));
        }
        assert_eq!(windows.try_count(&keys(0, 10), now), Err(60));
    }

    #[test]
    fn an_event_taken_back_frees_its_place_until_the_key_is_refused() {
        let windows = Windows::new(MINUTE, MAX_KEYS);
        let now = T0;
        let key = [(Key::Account("ana@example.org"), 2)];
        assert_eq!(windows.try_count(&key, now), Ok(()));
        assert_eq!(windows.try_count(&key, now), Ok(()));
        windows.uncount(&key[0].0, now);
        assert_eq!(
            windows.try_count(&key, now),
            Ok(()),
            "the place was free again"
        );
        assert!(windows.try_count(&key, now).is_err());
        // Refused once, the key stays refused for the rest of its window, whatever is given
        // back; the next window starts afresh.
        windows.uncount(&key[0].0, now);
        windows.uncount(&key[0].0, now);
        assert_eq!(windows.try_count(&key, now + us(MINUTE) - 1), Err(1));
        assert_eq!(windows.try_count(&key, now + us(MINUTE)), Ok(()));
        windows.forget(&key[0].0);
        // Nothing to take back from a key never counted, or an expired window.
        windows.uncount(&Key::Account("ben@example.org"), now);
        assert_eq!(windows.len(), 0);
        assert_eq!(windows.try_count(&key, now), Ok(()));
        assert_eq!(windows.try_count(&key, now), Ok(()));
        windows.uncount(&key[0].0, now + us(MINUTE));
        assert_eq!(windows.used_up(&key[0].0, 2, now), Some(60));
    }

    #[test]
    fn counts_used_up_and_forget() {
        let windows = Windows::new(MINUTE, MAX_KEYS);
        let now = T0;
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
        assert_eq!(windows.used_up(&key, 2, now + us(MINUTE)), None, "expired");
        windows.forget(&key);
        assert_eq!(windows.used_up(&key, 2, now), None);
        assert_eq!(windows.len(), 0);
    }

    #[test]
    fn the_map_never_outgrows_its_cap_and_drops_the_oldest_live_window_first() {
        let windows = Windows::new(MINUTE, 3);
        let start = T0;
        let names = ["a", "b", "c", "d", "e"];
        for (i, name) in names.iter().enumerate() {
            let at = start + us(Duration::from_secs(i as u64));
            windows.count(&Key::Account(name), at);
            assert!(windows.len() <= 3, "{} keys after {name}", windows.len());
        }
        let at = start + us(Duration::from_secs(5));
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
        let start = T0;
        windows.count(&Key::Account("old"), start);
        windows.count(&Key::Account("live"), start + us(Duration::from_secs(30)));
        // "old" has expired by now: it makes room, "live" stays.
        let now = start + us(Duration::from_secs(61));
        windows.count(&Key::Account("new"), now);
        assert_eq!(windows.len(), 2);
        assert!(windows.used_up(&Key::Account("live"), 1, now).is_some());
        assert!(windows.used_up(&Key::Account("new"), 1, now).is_some());
    }

    #[test]
    fn a_flood_of_keys_stays_within_the_cap() {
        let windows = Windows::new(MINUTE, 1_000);
        let now = T0;
        for i in 0..20_000u32 {
            let name = i.to_string();
            assert_eq!(windows.try_count(&[(Key::Account(&name), 5)], now), Ok(()));
        }
        assert_eq!(windows.len(), 1_000);
        assert_eq!(windows.lock().by_start.len(), 1_000);
    }
}
