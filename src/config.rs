//! Settings: built-in defaults, overridden by `butterfly.toml`, overridden by `BUTTERFLY_*`
//! environment variables (nested keys use a double underscore: `BUTTERFLY_JWT__ISSUER`).

use std::fmt;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// A secret string that never shows itself in `Debug` output or logs.
#[derive(Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Every setting of the server.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct Settings {
    /// Address the HTTP server binds to (`port 0` picks a free port).
    pub bind: String,
    /// Folder for the SQLite database, the generated signing key and file mail.
    pub data_dir: PathBuf,
    /// `postgres://…`, `sqlite://path` or a plain path; `None` means `sqlite://{data_dir}/butterfly.db`.
    pub database_url: Option<Secret>,
    /// Largest number of pooled database connections (readers on SQLite).
    pub database_pool_size: u32,
    /// SQLite durability: `normal` (the default) loses no committed write when the process
    /// crashes, but may lose the last ones on a power cut or an operating-system crash; `full`
    /// survives those too, at the cost of a disk sync on every commit.
    pub database_sqlite_synchronous: SqliteSynchronous,
    /// `smtp://host:port`, `smtps://…` (implicit TLS) or `smtp://…?tls=required` (STARTTLS);
    /// `None` writes mail as `.eml` files under `{data_dir}/outbox/`.
    pub smtp_url: Option<Secret>,
    /// Sender address of every email.
    pub mail_from: String,
    /// Base address of the web client; links in emails point there.
    pub public_url: String,
    /// Log filter, in `tracing_subscriber::EnvFilter` syntax.
    pub log: String,
    /// Number of HTTP worker threads; `None` means one per core.
    pub workers: Option<usize>,
    pub jwt: JwtSettings,
    pub passwords: PasswordSettings,
    pub outbox: OutboxSettings,
    pub login_throttle: ThrottleSettings,
    pub auth: AuthSettings,
    pub crisis: CrisisSettings,
    /// Who may read `/metrics`.
    pub metrics: MetricsSettings,
    /// Request limits per client IP and per account on the routes worth abusing.
    pub rate_limits: RateLimitSettings,
    /// Browser origins allowed to call the API from their pages.
    pub cors: CorsSettings,
    /// Reverse proxies (IP addresses or CIDR ranges such as `10.0.0.0/8`) whose
    /// `X-Forwarded-For` is believed; empty means the client is the socket's peer.
    pub trusted_proxies: Vec<String>,
    /// Pause between two passes of the bookmark reminders' worker.
    pub reminder_interval_ms: u64,
    /// Imported notices following their ClinicalTrials.gov record (`butterfly trials sync`).
    pub trial_sync: TrialSyncSettings,
}

/// How imported notices follow their ClinicalTrials.gov record: the registry read, how often,
/// and how politely.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct TrialSyncSettings {
    /// Base address of the ClinicalTrials.gov API; records are read from
    /// `{registry_url}/api/v2/studies/{nctId}`.
    pub registry_url: String,
    /// Seconds between two background sync passes of a running server; 0 (the default) turns
    /// the background job off (`butterfly trials sync` still runs one pass).
    pub interval_secs: u64,
    /// Least time between two requests to the registry, retries included.
    pub request_interval_ms: u64,
    /// Seconds one request may take (connecting, answering and reading the record).
    pub timeout_secs: u64,
    /// Further attempts after a timeout, a connection error, a 5xx or a 429 (0: none).
    pub retries: u32,
    /// Wait before the first retry; each later one doubles it. A `Retry-After` of up to a
    /// minute is honoured instead.
    pub retry_base_ms: u64,
}

impl Default for TrialSyncSettings {
    fn default() -> Self {
        Self {
            registry_url: "https://clinicaltrials.gov".into(),
            interval_secs: 0,
            request_interval_ms: 1_000,
            timeout_secs: 30,
            retries: 3,
            retry_base_ms: 2_000,
        }
    }
}

/// SQLite's `synchronous` setting (see `Settings::database_sqlite_synchronous`).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    #[default]
    Normal,
    Full,
}

/// Support contacts shown to a member whose post reads like they may be in crisis.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct CrisisSettings {
    pub resources_en: Vec<SupportResource>,
    pub resources_zh_cn: Vec<SupportResource>,
}

/// One place to turn to.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SupportResource {
    pub name: String,
    /// Phone number, text line or other way to reach it.
    pub contact: String,
    pub url: Option<String>,
}

fn resource(name: &str, contact: &str, url: Option<&str>) -> SupportResource {
    SupportResource {
        name: name.into(),
        contact: contact.into(),
        url: url.map(str::to_owned),
    }
}

impl Default for CrisisSettings {
    fn default() -> Self {
        Self {
            resources_en: vec![
                resource(
                    "Emergency services",
                    "If you are in immediate danger, call your local emergency number (911 in the US, 999 in the UK, 112 in the EU)",
                    None,
                ),
                resource(
                    "988 Suicide & Crisis Lifeline (US)",
                    "Call or text 988",
                    Some("https://988lifeline.org"),
                ),
                resource(
                    "Samaritans (UK and Ireland)",
                    "Call 116 123, free, day or night",
                    Some("https://www.samaritans.org"),
                ),
                resource(
                    "Find a helpline in your country",
                    "Free, confidential helplines worldwide",
                    Some("https://findahelpline.com"),
                ),
            ],
            resources_zh_cn: vec![
                resource("紧急求助", "如有生命危险，请立即拨打 120 或 110", None),
                resource("希望24热线", "400-161-9995（24小时）", None),
                resource("北京心理危机研究与干预中心", "010-82951332（24小时）", None),
                resource(
                    "香港撒玛利亚防止自杀会",
                    "2389 2222（24小时）",
                    Some("https://www.sbhk.org.hk"),
                ),
            ],
        }
    }
}

/// Access-token signing.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct JwtSettings {
    /// Signing secret; `None` generates one into `{data_dir}/jwt.key` on first start.
    pub secret: Option<Secret>,
    /// Key id written into the `kid` header of new tokens.
    pub kid: String,
    /// Older keys still accepted for verification, so the signing key can rotate.
    pub previous_keys: Vec<VerificationKey>,
    pub issuer: String,
    pub audience: String,
    pub access_ttl_secs: i64,
    pub refresh_ttl_days: i64,
    /// For how long after a refresh the old refresh token is answered with the same successor
    /// again (two tabs refreshing at once, a retried request) instead of counting as reuse.
    pub refresh_reuse_grace_secs: i64,
}

/// A key that verifies tokens but no longer signs them.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct VerificationKey {
    pub kid: String,
    pub secret: Secret,
}

/// Password hashing.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct PasswordSettings {
    /// Hashes allowed at the same time; `None` means one per core.
    pub hash_slots: Option<usize>,
    /// How long a request waits for a hashing slot before it gets 503.
    pub slot_wait_ms: u64,
}

/// The email outbox worker.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct OutboxSettings {
    /// Pause between polls when the outbox is empty.
    pub poll_interval_ms: u64,
    /// Attempts before a message is marked dead (`butterfly outbox requeue-dead` revives
    /// dead messages). With the defaults the attempts span about 20 hours.
    pub max_attempts: i32,
    /// First retry delay; each later one doubles it, up to `max_retry_delay_ms`.
    pub retry_base_ms: u64,
    /// Longest wait between two attempts.
    pub max_retry_delay_ms: u64,
    /// Messages claimed per poll.
    pub batch_size: i64,
    /// Seconds one step of an SMTP exchange (connect, a command, the message) may take. A
    /// claimed message is reserved for a few such steps, so the messages a crashed server had
    /// claimed are sent by another (or after a restart) soon after that.
    pub send_timeout_secs: u64,
}

/// Sign-in rules beyond the password.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct AuthSettings {
    /// Moderators and administrators must turn on two-factor authentication before they can
    /// use their staff powers (they can still sign in, and enrol).
    pub require_2fa_for_staff: bool,
    /// Key that encrypts two-factor secrets at rest (32 characters or more); `None` generates
    /// one into `{data_dir}/two_factor.key` on first start. Servers sharing a database need
    /// the same key.
    pub two_factor_key: Option<Secret>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            require_2fa_for_staff: true,
            two_factor_key: None,
        }
    }
}

/// Throttling of wrong passwords (login, and erasure of one's account). A client is an IPv4
/// address or an IPv6 /64 (its /56 and /48 get four and sixteen times `per_ip`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct ThrottleSettings {
    /// Wrong passwords allowed per account from one client within the window: past it, that
    /// client waits, while the owner signs in from her own as usual.
    pub per_account_and_client: u32,
    /// Wrong passwords allowed per account from all clients together within the window: a
    /// ceiling, much higher, against attackers with many addresses.
    pub per_account: u32,
    /// Wrong passwords allowed per client, whatever the accounts, within the window.
    pub per_ip: u32,
    /// After this many wrong passwords for one account within the window, its owner gets one
    /// email saying someone is trying to sign in (0: never).
    pub alert_after: u32,
    pub window_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            database_pool_size: 8,
            database_sqlite_synchronous: SqliteSynchronous::default(),
            smtp_url: None,
            mail_from: "Butterfly <no-reply@butterfly.localhost>".into(),
            public_url: "http://localhost:8080".into(),
            log: "info".into(),
            workers: None,
            jwt: JwtSettings::default(),
            passwords: PasswordSettings::default(),
            outbox: OutboxSettings::default(),
            login_throttle: ThrottleSettings::default(),
            auth: AuthSettings::default(),
            crisis: CrisisSettings::default(),
            metrics: MetricsSettings::default(),
            rate_limits: RateLimitSettings::default(),
            cors: CorsSettings::default(),
            trusted_proxies: Vec::new(),
            reminder_interval_ms: 60_000,
            trial_sync: TrialSyncSettings::default(),
        }
    }
}

impl Default for JwtSettings {
    fn default() -> Self {
        Self {
            secret: None,
            kid: "k1".into(),
            previous_keys: Vec::new(),
            issuer: "butterfly".into(),
            audience: "butterfly-api".into(),
            access_ttl_secs: 15 * 60,
            refresh_ttl_days: 30,
            refresh_reuse_grace_secs: 30,
        }
    }
}

impl Default for PasswordSettings {
    fn default() -> Self {
        Self {
            hash_slots: None,
            slot_wait_ms: 5_000,
        }
    }
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            poll_interval_ms: 1_000,
            max_attempts: 48,
            retry_base_ms: 5_000,
            max_retry_delay_ms: 30 * 60 * 1_000,
            batch_size: 20,
            send_timeout_secs: 10,
        }
    }
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            per_account_and_client: 10,
            per_account: 100,
            per_ip: 50,
            alert_after: 10,
            window_secs: 15 * 60,
        }
    }
}

/// Access to `/metrics`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct MetricsSettings {
    /// With a token, `/metrics` answers whoever sends `Authorization: Bearer <token>` (and
    /// nobody else); without one, only requests from the loopback interface that no proxy
    /// forwarded. Everyone else gets 404.
    pub token: Option<Secret>,
}

/// One limit: at most `per_ip` requests per client and `per_account` per account per
/// `window_secs` (a burst of that many, refilled evenly: one every window ÷ limit). 0 turns a
/// side off. A client is an IPv4 address, or an IPv6 /64 (its /56 and /48 get 4 and 16 times
/// `per_ip`).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct RateLimit {
    pub per_ip: u32,
    pub per_account: u32,
    pub window_secs: u64,
}

impl RateLimit {
    pub const fn new(per_ip: u32, per_account: u32, window_secs: u64) -> Self {
        Self {
            per_ip,
            per_account,
            window_secs,
        }
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::new(60, 30, 60)
    }
}

/// Request limits by route. The account is the bearer token's user, or, on the routes that
/// take an email address before anyone is signed in (registration, login, reset, resend),
/// that address, trimmed and lower-cased, whoever is signed in. Counters live in each server
/// process: every instance counts on its own.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct RateLimitSettings {
    /// `false` turns every limit off (for example when a proxy in front limits already).
    pub enabled: bool,
    /// `POST /api/v1/accounts`.
    pub registration: RateLimit,
    /// `POST /api/v1/sessions`, on top of the failed-login throttle (`login_throttle`).
    pub login: RateLimit,
    /// `POST /api/v1/password-resets`.
    pub password_reset: RateLimit,
    /// `POST /api/v1/accounts/verify/resend`.
    pub verification_resend: RateLimit,
    /// New threads and replies.
    pub posting: RateLimit,
    /// `POST /api/v1/posts/{id}/flags`.
    pub flagging: RateLimit,
    /// `POST /api/v1/trials/{id}/interest`.
    pub trial_interest: RateLimit,
    /// `GET /api/v1/search`.
    pub search: RateLimit,
    /// New conversations and private messages.
    pub messaging: RateLimit,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        const HOUR: u64 = 60 * 60;
        Self {
            enabled: true,
            registration: RateLimit::new(20, 5, HOUR),
            login: RateLimit::new(100, 20, 15 * 60),
            password_reset: RateLimit::new(20, 5, HOUR),
            verification_resend: RateLimit::new(20, 5, HOUR),
            posting: RateLimit::new(120, 30, 10 * 60),
            flagging: RateLimit::new(60, 30, HOUR),
            trial_interest: RateLimit::new(60, 30, HOUR),
            search: RateLimit::new(120, 60, 60),
            messaging: RateLimit::new(240, 60, 10 * 60),
        }
    }
}

/// Cross-origin requests from browsers.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct CorsSettings {
    /// Origins such as `https://app.example.org`, or `*` for any; empty (the default) sends
    /// no CORS headers, so browsers allow same-origin pages only.
    pub allowed_origins: Vec<String>,
    /// How long browsers may cache a preflight answer.
    pub max_age_secs: usize,
}

impl Default for CorsSettings {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            max_age_secs: 60 * 60,
        }
    }
}

/// A setting that cannot be used; the message is one sentence for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Settings {
    /// Reads defaults, then `file` (or `butterfly.toml` if it exists), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!(
                    "the configuration file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => figment = figment.merge(Toml::file(path)),
            None => figment = figment.merge(Toml::file("butterfly.toml")),
        }
        figment
            .merge(Env::prefixed("BUTTERFLY_").split("__"))
            .extract()
            .map_err(|e| ConfigError(format!("invalid configuration: {e}")))
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> Secret {
        self.database_url.clone().unwrap_or_else(|| {
            Secret::new(format!(
                "sqlite://{}",
                self.data_dir.join("butterfly.db").display()
            ))
        })
    }

    /// One line per setting, secrets redacted, for the start-up log.
    pub fn redacted_summary(&self) -> String {
        let db = self.database_url();
        // A PostgreSQL URL may carry a password; a SQLite location holds none.
        let db = if db.expose().starts_with("postgres") {
            redact_url(db.expose())
        } else {
            db.expose().to_owned()
        };
        format!(
            "bind={} data_dir={} database={} pool_size={} sqlite_synchronous={:?} smtp={} public_url={} log={} jwt.kid={} jwt.secret={} metrics={} rate_limits={} cors.allowed_origins={:?} trusted_proxies={:?}",
            self.bind,
            self.data_dir.display(),
            db,
            self.database_pool_size,
            self.database_sqlite_synchronous,
            match &self.smtp_url {
                Some(url) => redact_url(url.expose()),
                None => format!("files in {}", self.data_dir.join("outbox").display()),
            },
            self.public_url,
            self.log,
            self.jwt.kid,
            if self.jwt.secret.is_some() {
                "[configured]"
            } else {
                "[generated file]"
            },
            if self.metrics.token.is_some() {
                "[token]"
            } else {
                "loopback"
            },
            if self.rate_limits.enabled {
                "on"
            } else {
                "off"
            },
            self.cors.allowed_origins,
            self.trusted_proxies,
        )
    }
}

/// Removes the password of a URL, keeping the rest readable.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("redacted"));
            }
            url.to_string()
        }
        Err(_) => "[unparsable]".into(),
    }
}
