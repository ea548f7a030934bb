//! The application state every handler, worker and command reaches: the database, the signing
//! keys, the key sealing two-factor secrets, the password hasher, the settings, the
//! wrong-password throttle and the counters shared between servers. Built in one place,
//! [`AppState::new`], by the server and by the command line alike; and, in [`caller`], the
//! extractors that read it to tell who is asking; in [`periodic`], how background jobs run.

pub mod caller;
pub mod periodic;

use std::sync::Arc;
use std::time::Duration;

use crate::auth::password::Hasher;
use crate::auth::seal::SealKey;
use crate::auth::token::TokenKeys;
use crate::config::{ConfigError, Settings};
use crate::db::Db;
use crate::http::ratelimit::{LoginThrottle, SharedCounters};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub keys: Arc<TokenKeys>,
    /// Seals two-factor secrets at rest.
    pub seal: Arc<SealKey>,
    pub hasher: Hasher,
    pub settings: Arc<Settings>,
    /// Wrong passwords, per account and client, per account and per client.
    pub login_throttle: Arc<LoginThrottle>,
    /// On PostgreSQL, the rate-limit and wrong-password counters every server on the
    /// database shares; on SQLite they are kept in process.
    pub shared_counters: Option<SharedCounters>,
}

impl AppState {
    /// The state over an open (and migrated) database: loads or creates the signing keys and
    /// sizes the password hasher (one slot per core unless the settings say otherwise).
    pub fn new(settings: Settings, db: Db) -> Result<Self, ConfigError> {
        let keys = TokenKeys::load(&settings.jwt, &settings.data_dir)?;
        let seal = SealKey::load(settings.auth.two_factor_key.as_ref(), &settings.data_dir)?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let hasher = Hasher::new(
            settings.passwords.hash_slots.unwrap_or(cores),
            Duration::from_millis(settings.passwords.slot_wait_ms),
        );
        let shared_counters = db
            .is_postgres()
            .then(|| SharedCounters::new(db.clone(), keys.counter_key()));
        let login_throttle = match &shared_counters {
            Some(shared) => LoginThrottle::shared(&settings.login_throttle, shared.clone()),
            None => LoginThrottle::new(&settings.login_throttle),
        };
        Ok(Self {
            db,
            keys: Arc::new(keys),
            seal: Arc::new(seal),
            hasher,
            login_throttle: Arc::new(login_throttle),
            shared_counters,
            settings: Arc::new(settings),
        })
    }
}
