//! Where governor keeps its per-key state for the request limits: a map that never holds more
//! than a fixed number of keys.
//!
//! governor's own keyed stores grow with every new key until `retain_recent` is called, so a
//! flood of new addresses or emails between two sweeps could grow them without end; and they
//! offer no way to put a key's state back. [`BoundedStore`] implements governor's `StateStore`
//! with both:
//! - at most `capacity` keys: when a new key comes to a full store, the sixteenth of its keys
//!   whose allowance is closest to whole again (the smallest theoretical arrival time, so keys
//!   already back to a fresh state go first) is dropped: one pass over the map every
//!   `capacity / 16` new keys;
//! - [`BoundedStore::get`] and [`BoundedStore::restore`], with which a check of several keys
//!   puts back what it took when one of them refuses (see `limiter`).
//!
//! The keys are `u64` hashes made with a per-process random key, so the store holds neither
//! addresses nor emails.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::state::keyed::ShrinkableKeyedStateStore;

/// A bounded governor state store; clones share the same map.
#[derive(Clone)]
pub struct BoundedStore {
    capacity: usize,
    /// The theoretical arrival time of each key's next request, in governor's reckoning.
    map: Arc<Mutex<HashMap<u64, Nanos>>>,
}

impl BoundedStore {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            map: Arc::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Nanos>> {
        // A panic while holding the lock leaves the map usable.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The state of `key`, to hand back to [`BoundedStore::restore`].
    pub fn get(&self, key: u64) -> Option<Nanos> {
        self.lock().get(&key).copied()
    }

    /// Puts back a state read by [`BoundedStore::get`] (`None`: the key was not there).
    pub fn restore(&self, key: u64, state: Option<Nanos>) {
        let mut map = self.lock();
        match state {
            Some(tat) => {
                map.insert(key, tat);
            }
            None => {
                map.remove(&key);
            }
        }
    }

    /// Drops the keys closest to a fresh state, a sixteenth of the capacity at least.
    fn make_room(&self, map: &mut HashMap<u64, Nanos>) {
        let keep = self.capacity - (self.capacity / 16).max(1);
        if map.len() <= keep {
            return;
        }
        let mut times: Vec<Nanos> = map.values().copied().collect();
        let cut = times.len() - keep;
        let (_, &mut threshold, _) = times.select_nth_unstable(cut - 1);
        // Exactly `cut` keys go: all below the threshold, then as many as needed at it.
        let below = times.iter().filter(|tat| **tat < threshold).count();
        let mut ties = cut - below;
        map.retain(|_, tat| match (*tat).cmp(&threshold) {
            Ordering::Less => false,
            Ordering::Equal if ties > 0 => {
                ties -= 1;
                false
            }
            _ => true,
        });
    }
}

impl StateStore for BoundedStore {
    type Key = u64;

    fn measure_and_replace<T, F, E>(&self, key: &u64, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        let mut map = self.lock();
        let (outcome, tat) = f(map.get(key).copied())?;
        if !map.contains_key(key) && map.len() >= self.capacity {
            self.make_room(&mut map);
        }
        map.insert(*key, tat);
        Ok(outcome)
    }
}

impl ShrinkableKeyedStateStore<u64> for BoundedStore {
    fn retain_recent(&self, drop_below: Nanos) {
        self.lock().retain(|_, tat| *tat > drop_below);
    }

    fn shrink_to_fit(&self) {
        self.lock().shrink_to_fit();
    }

    fn len(&self) -> usize {
        self.lock().len()
    }

    fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sets `key` to `tat` through governor's interface.
    fn put(store: &BoundedStore, key: u64, tat: u64) {
        let stored: Result<(), ()> = store.measure_and_replace(&key, |_| Ok(((), Nanos::new(tat))));
        assert_eq!(stored, Ok(()));
    }

    #[test]
    fn a_full_store_drops_the_keys_closest_to_a_fresh_state() {
        let store = BoundedStore::new(32);
        // Keys 0..32 with arrival times 1000, 1001, ...: key 0 is the closest to fresh.
        for key in 0..32u64 {
            put(&store, key, 1_000 + key);
        }
        assert_eq!(store.len(), 32);
        put(&store, 100, 5_000);
        // One sixteenth of 32 (two keys) made room: the two smallest times.
        assert_eq!(store.len(), 31);
        assert_eq!(store.get(0), None);
        assert_eq!(store.get(1), None);
        assert_eq!(store.get(2), Some(Nanos::new(1_002)));
        assert_eq!(store.get(100), Some(Nanos::new(5_000)));
        // A key already held is updated in place, whatever the fill.
        put(&store, 100, 6_000);
        put(&store, 200, 7_000);
        assert_eq!(store.len(), 32);
        put(&store, 2, 8_000);
        assert_eq!(store.len(), 32);
    }

    #[test]
    fn keys_with_the_same_state_are_not_all_dropped_at_once() {
        let store = BoundedStore::new(16);
        for key in 0..16u64 {
            put(&store, key, 1_000);
        }
        put(&store, 99, 1_000);
        assert_eq!(store.len(), 16, "one made room for one");
        assert!(store.get(99).is_some());
    }

    #[test]
    fn a_flood_of_new_keys_stays_within_the_cap() {
        let store = BoundedStore::new(1_000);
        for key in 0..20_000u64 {
            put(&store, key, key);
            assert!(store.len() <= 1_000, "{} keys", store.len());
        }
        // The newest key is always kept, the oldest are gone.
        assert!(store.get(19_999).is_some());
        assert_eq!(store.get(0), None);
    }

    #[test]
    fn a_refusal_stores_nothing_and_restore_puts_back_what_was_there() {
        let store = BoundedStore::new(10);
        let refused: Result<(), &str> = store.measure_and_replace(&7, |_| Err("no"));
        assert_eq!(refused, Err("no"));
        assert!(store.is_empty());
        put(&store, 7, 50);
        let before = store.get(7);
        put(&store, 7, 90);
        put(&store, 8, 90);
        store.restore(7, before);
        store.restore(8, None);
        assert_eq!(store.get(7), Some(Nanos::new(50)));
        assert_eq!(store.get(8), None);
        assert_eq!(store.len(), 1);
        store.retain_recent(Nanos::new(50));
        assert!(store.is_empty(), "50 is not above 50");
    }
}
