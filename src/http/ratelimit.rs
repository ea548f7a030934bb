//! In-process fixed-window counters, used to throttle failed logins per account and per client
//! IP. Each server instance counts on its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Counts events per key within a window.
#[derive(Clone)]
pub struct Limiter {
    limit: u32,
    window: Duration,
    counts: Arc<Mutex<HashMap<String, (u32, Instant)>>>,
}

impl Limiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit: limit.max(1),
            window,
            counts: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// `Some(seconds to wait)` when `key` has used up its window.
    pub fn blocked(&self, key: &str) -> Option<u64> {
        let counts = self.counts.lock().ok()?;
        let (count, start) = counts.get(key)?;
        let elapsed = start.elapsed();
        (*count >= self.limit && elapsed < self.window)
            .then(|| (self.window - elapsed).as_secs().max(1))
    }

    /// Counts one event for `key`.
    pub fn record(&self, key: &str) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        let now = Instant::now();
        if counts.len() > 100_000 {
            let window = self.window;
            counts.retain(|_, (_, start)| now.duration_since(*start) < window);
        }
        let entry = counts.entry(key.to_owned()).or_insert((0, now));
        if now.duration_since(entry.1) >= self.window {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    /// Forgets `key` (after a successful login).
    pub fn reset(&self, key: &str) {
        if let Ok(mut counts) = self.counts.lock() {
            counts.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_forgets_on_reset() {
        let limiter = Limiter::new(2, Duration::from_secs(60));
        limiter.record("a");
        assert!(limiter.blocked("a").is_none());
        limiter.record("a");
        assert!(limiter.blocked("a").is_some_and(|s| s > 0 && s <= 60));
        assert!(limiter.blocked("b").is_none());
        limiter.reset("a");
        assert!(limiter.blocked("a").is_none());
    }
}
