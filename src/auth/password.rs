//! Password hashing with argon2id (m = 19456 KiB, t = 2, p = 1) on the blocking pool, at most
//! one hash per slot at once, with the metrics of its slots ([`Hasher::register_metrics`]);
//! plus the password rules applied at registration and change.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use prometheus_client::encoding::{EncodeMetric, MetricEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::{MetricType, TypedMetric};
use prometheus_client::registry::Registry;
use tokio::sync::Semaphore;

use crate::http::error::ApiError;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hash of a random password, verified against when the account does not exist, so that an
/// unknown email costs the same time as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        argon2()
            .hash_password(b"butterfly dummy password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Limits concurrent hashing to a fixed number of slots; callers wait a bounded time.
#[derive(Clone)]
pub struct Hasher {
    slots: Arc<Semaphore>,
    size: usize,
    wait: Duration,
    counters: SlotCounters,
}

/// How often callers had to wait for a slot (metrics).
#[derive(Clone, Default)]
struct SlotCounters {
    /// Hashes that found every slot busy and waited.
    waits: Counter,
    /// Callers waiting right now.
    waiting: Gauge,
    /// Waits that ran out of time (the request got 503).
    timeouts: Counter,
    /// Hashes computed (new passwords and checks, the dummy check for an unknown address too).
    computed: Counter,
}

/// The slots free when the metrics are read.
#[derive(Debug)]
struct FreeSlots(Arc<Semaphore>);

impl TypedMetric for FreeSlots {
    const TYPE: MetricType = MetricType::Gauge;
}

impl EncodeMetric for FreeSlots {
    fn encode(&self, mut encoder: MetricEncoder) -> std::fmt::Result {
        encoder.encode_gauge(&self.0.available_permits())
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

/// Counts a caller as waiting until dropped (also when its request is cancelled).
struct Waiting<'a>(&'a SlotCounters);

impl<'a> Waiting<'a> {
    fn start(counters: &'a SlotCounters) -> Self {
        counters.waits.inc();
        counters.waiting.inc();
        Self(counters)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.dec();
    }
}

impl Hasher {
    pub fn new(slots: usize, wait: Duration) -> Self {
        let size = slots.max(1);
        Self {
            slots: Arc::new(Semaphore::new(size)),
            size,
            wait,
            counters: SlotCounters::default(),
        }
    }

    /// Registers the slots, the free slots, the callers waiting, the waits, their timeouts and
    /// the hashes computed.
    pub fn register_metrics(&self, registry: &mut Registry) {
        let counters = &self.counters;
        registry.register(
            "butterfly_password_hash_slots",
            "Password hashes (argon2id) allowed at once",
            ConstGauge::new(self.size),
        );
        registry.register(
            "butterfly_password_hash_slots_available",
            "Hashing slots free right now",
            FreeSlots(self.slots.clone()),
        );
        registry.register(
            "butterfly_password_hash_waiting",
            "Requests waiting for a hashing slot right now",
            counters.waiting.clone(),
        );
        registry.register(
            "butterfly_password_hash_waits",
            "Hashes that found every slot busy and waited",
            counters.waits.clone(),
        );
        registry.register(
            "butterfly_password_hash_timeouts",
            "Waits for a hashing slot that ran out of time (answered 503)",
            counters.timeouts.clone(),
        );
        registry.register(
            "butterfly_password_hashes",
            "Password hashes computed: new passwords and checks, including the check against a \
             dummy hash that an unknown address gets",
            counters.computed.clone(),
        );
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = match self.slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(tokio::sync::TryAcquireError::Closed) => {
                return Err(ApiError::Internal("password hasher closed".into()));
            }
            Err(tokio::sync::TryAcquireError::NoPermits) => {
                let _waiting = Waiting::start(&self.counters);
                tokio::time::timeout(self.wait, self.slots.clone().acquire_owned())
                    .await
                    .map_err(|_| {
                        self.counters.timeouts.inc();
                        ApiError::Unavailable {
                            detail: "the server is busy; please try again shortly".into(),
                            retry_after: 2,
                        }
                    })?
                    .map_err(|_| ApiError::Internal("password hasher closed".into()))?
            }
        };
        let counters = self.counters.clone();
        let result = actix_web::web::block(move || {
            let value = job();
            drop(permit);
            counters.computed.inc();
            value
        })
        .await
        .map_err(|_| ApiError::Internal("password hashing was cancelled".into()))?;
        Ok(result)
    }

    /// Hashes a new password into a PHC string.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move || hash_blocking(&password)).await?
    }

    /// Checks a password against a stored hash; `None` checks against a dummy hash and fails.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        self.run(move || {
            let known = stored.is_some();
            let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
            let matches = PasswordHash::new(&stored)
                .map(|parsed| {
                    argon2()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false);
            known && matches
        })
        .await
    }

    /// Computes the dummy hash now, so the first unknown-email login is not faster than others.
    pub fn warm_up(&self) {
        let _ = dummy_hash();
    }
}

/// Hashes a password on the current thread (command-line tools, outside the server).
pub fn hash_blocking(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("hashing failed: {e}")))
}

/// Checks a new password: length, and not a common or easily guessed one. `context` holds the
/// account's own words (email, display name), which make a password weak too.
pub fn check_strength(password: &str, context: &[&str]) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(format!("must be at least {MIN_LENGTH} characters"));
    }
    if length > MAX_LENGTH {
        return Err(format!("must be at most {MAX_LENGTH} characters"));
    }
    let estimate = zxcvbn::zxcvbn(password, context);
    if (estimate.score() as u8) < 2 {
        return Err(
            "is too common or too easy to guess; try a longer phrase of unrelated words".into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_strength;

    #[test]
    fn common_passwords_are_refused() {
        for p in [
            "password123",
            "qwertyuiop",
            "1234567890",
            "iloveyou12",
            "Password1!",
        ] {
            assert!(check_strength(p, &[]).is_err(), "{p} should be refused");
        }
    }

    #[test]
    fn passphrases_are_accepted() {
        assert!(check_strength("butterfly wings over kidneys", &[]).is_ok());
        assert!(check_strength("蝴蝶 在 春天 飞过 花园 42", &[]).is_ok());
    }

    #[test]
    fn length_limits_apply() {
        assert!(check_strength("short", &[]).is_err());
        assert!(check_strength(&"a".repeat(129), &[]).is_err());
    }

    #[test]
    fn own_name_makes_a_password_weak() {
        assert!(check_strength("ana_lupus_2024", &["ana_lupus_2024"]).is_err());
    }
}
