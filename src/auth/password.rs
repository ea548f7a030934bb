//! Password hashing with argon2id (m = 19456 KiB, t = 2, p = 1) on the blocking pool, at most
//! one hash per slot at once, with the metrics of its slots ([`Hasher::register_metrics`]);
//! plus the password rules applied at registration and change.
//!
//! Each slot hashes in its own argon2 memory (19 MiB of blocks), allocated the first time the
//! slot is used and kept: a flood of logins neither allocates 19 MiB per hash nor leaves the
//! allocator holding freed blocks, so the hasher's memory is bounded by its slots.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use argon2::password_hash::{
    Output, PasswordHash, PasswordHasher, PasswordVerifier, Salt, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use prometheus_client::encoding::{EncodeMetric, MetricEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::{MetricType, TypedMetric};
use prometheus_client::registry::Registry;
use tokio::sync::Semaphore;

use crate::http::error::ApiError;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

fn params() -> Params {
    Params::new(19_456, 2, 1, None).unwrap_or_default()
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

/// The argon2 memory of one slot.
type Memory = Vec<Block>;

/// Hashes `password` with `salt` the way `hasher` does, in `memory` (at least the hasher's
/// block count).
fn hash_in<'a>(
    hasher: &Argon2<'_>,
    algorithm: Algorithm,
    version: Version,
    password: &[u8],
    salt: Salt<'a>,
    memory: &mut [Block],
) -> argon2::password_hash::Result<PasswordHash<'a>> {
    let params = hasher.params();
    let blocks = memory
        .get_mut(..params.block_count())
        .ok_or(argon2::password_hash::Error::Crypto)?;
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = Output::init_with(output_len, |out| {
        Ok(hasher.hash_password_into_with_memory(password, salt_bytes, out, &mut *blocks)?)
    })?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: params.try_into()?,
        salt: Some(salt),
        hash: Some(output),
    })
}

/// A new password's PHC string, hashed in `memory`.
fn hash_with(password: &[u8], memory: &mut [Block]) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let (algorithm, version) = (Algorithm::Argon2id, Version::V0x13);
    hash_in(
        &argon2(),
        algorithm,
        version,
        password,
        salt.as_salt(),
        memory,
    )
    .map(|h| h.to_string())
    .map_err(|e| ApiError::Internal(format!("hashing failed: {e}")))
}

/// Whether `password` matches the PHC string `stored`, hashed in `memory`; a stored hash that
/// needs more memory than a slot has (other parameters) is checked with memory of its own.
fn verify_with(password: &[u8], stored: &str, memory: &mut [Block]) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let own = || {
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).ok()?,
            None => Version::default(),
        };
        let params = Params::try_from(&parsed).ok()?;
        (params.block_count() <= memory.len()).then_some((algorithm, version, params))
    };
    match own() {
        Some((algorithm, version, params)) => {
            let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
                return false;
            };
            let hasher = Argon2::new(algorithm, version, params);
            // `Output` compares in constant time.
            hash_in(&hasher, algorithm, version, password, salt, memory)
                .is_ok_and(|computed| computed.hash == Some(expected))
        }
        None => argon2().verify_password(password, &parsed).is_ok(),
    }
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
    /// The memory of the slots used so far and free now (a permit guarantees one, or room to
    /// allocate one).
    memories: Arc<Mutex<Vec<Memory>>>,
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
            memories: Arc::default(),
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

    /// Runs `job` on the blocking pool, in a free slot's memory.
    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut [Block]) -> T + Send + 'static,
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
        let memories = self.memories.clone();
        let result = actix_web::web::block(move || {
            let taken = memories.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let mut memory =
                taken.unwrap_or_else(|| vec![Block::default(); params().block_count()]);
            let value = job(&mut memory);
            memories
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(memory);
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
        self.run(move |memory| hash_with(password.as_bytes(), memory))
            .await?
    }

    /// Checks a password against a stored hash; `None` checks against a dummy hash and fails.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        self.run(move |memory| {
            let known = stored.is_some();
            let stored = stored.as_deref().unwrap_or_else(|| dummy_hash());
            let matches = verify_with(password.as_bytes(), stored, memory);
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
    use super::*;

    #[test]
    fn hashes_in_a_slot_s_memory_are_argon2id_and_check_either_way() {
        let mut memory = vec![Block::default(); params().block_count()];
        let hashed = hash_with(b"a long passphrase here", &mut memory).expect("hashed");
        assert!(
            hashed.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hashed}"
        );
        // What the slot hashed, argon2's own check accepts, and the other way round.
        let parsed = PasswordHash::new(&hashed).expect("a PHC string");
        assert!(
            argon2()
                .verify_password(b"a long passphrase here", &parsed)
                .is_ok()
        );
        let elsewhere = hash_blocking("another passphrase 42").expect("hashed");
        assert!(verify_with(
            b"another passphrase 42",
            &elsewhere,
            &mut memory
        ));
        assert!(!verify_with(
            b"another passphrase 43",
            &elsewhere,
            &mut memory
        ));
        assert!(!verify_with(
            b"a long passphrase here",
            "not a hash",
            &mut memory
        ));
    }

    #[test]
    fn hashes_made_with_other_parameters_are_checked_too() {
        let mut memory = vec![Block::default(); params().block_count()];
        for m_cost in [4_096, 32_768] {
            let params = Params::new(m_cost, 1, 1, None).expect("parameters");
            let other = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
            let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
            let stored = other
                .hash_password(b"old passphrase 77", &salt)
                .expect("hashed")
                .to_string();
            assert!(
                verify_with(b"old passphrase 77", &stored, &mut memory),
                "m={m_cost}"
            );
            assert!(
                !verify_with(b"old passphrase 78", &stored, &mut memory),
                "m={m_cost}"
            );
        }
    }

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
