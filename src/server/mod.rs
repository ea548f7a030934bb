//! The composition root: the route table, the OpenAPI document and its page, metrics, health,
//! the background workers, migrations with their seed data, and the demo data; and
//! [`Application`], which builds the server from settings: checks the data folder, opens the database and runs
//! migrations, loads the signing keys and the mailer, wraps the routes in their middleware
//! (security headers, metrics, CORS, request id, rate limits), binds the listener, and returns
//! a server that runs until stopped (SIGTERM/Ctrl-C or its handle), stopping the background
//! workers after the last request in flight.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Condition, ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};

pub mod benchmark;
pub mod demo;
pub mod docs;
mod fallback;
pub mod health;
pub mod metrics;
pub mod openapi;
pub mod seeds;

use crate::app::AppState;
use crate::config::{ConfigError, Settings};
use crate::db::{ConnectOptions, DatabaseUrl, Db, DbError};
use crate::http::metrics::RequestMetrics;
use crate::http::ratelimit::{RouteLimits, TrustedProxies};
use crate::notify::mailer::Mailer;
use crate::notify::outbox;
use metrics::Metrics;

/// Why the server could not start; each message is one sentence for the operator.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Database(#[from] DbError),
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: String, reason: String },
    #[error("{0}")]
    Server(String),
}

/// A built, bound server with its background workers.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    mailer: Mailer,
}

/// Checks that the data folder exists (creating it) and can be written.
fn check_data_dir(settings: &Settings) -> Result<(), ConfigError> {
    let dir = &settings.data_dir;
    std::fs::create_dir_all(dir).map_err(|e| {
        ConfigError(format!(
            "the data folder {} cannot be created: {e}",
            dir.display()
        ))
    })?;
    let probe = dir.join(".write-check");
    std::fs::write(&probe, b"ok")
        .and_then(|_| std::fs::remove_file(&probe))
        .map_err(|e| {
            ConfigError(format!(
                "the data folder {} is not writable: {e}",
                dir.display()
            ))
        })
}

impl Application {
    /// Everything that can fail at start fails here, before the first request.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        check_data_dir(&settings)?;
        let trusted_proxies = TrustedProxies::parse(&settings.trusted_proxies)?;
        crate::http::headers::check_cors(&settings.cors)?;
        let url = DatabaseUrl::parse(settings.database_url().expose())?;
        let mailer = Mailer::from_settings(&settings).map_err(|e| ConfigError(e.to_string()))?;
        let pool_size = settings.database_pool_size;
        let options = ConnectOptions {
            sqlite_synchronous: settings.database_sqlite_synchronous,
        };
        let db = web::block(move || -> Result<Db, DbError> {
            let db = Db::connect_with(&url, pool_size, options)?;
            seeds::migrate(&db)?;
            Ok(db)
        })
        .await
        .map_err(|_| StartupError::Server("start-up was interrupted".into()))??;

        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let state = AppState::new(settings, db)?;
        state.hasher.warm_up();

        let listener = TcpListener::bind(&state.settings.bind).map_err(|e| StartupError::Bind {
            addr: state.settings.bind.clone(),
            reason: e.to_string(),
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| StartupError::Server(e.to_string()))?
            .port();
        let workers = state.settings.workers.unwrap_or(cores).max(1);
        // Blocking threads serve database queries and password hashes.
        let blocking = (state.settings.database_pool_size as usize + cores + 2).max(4);
        let data = web::Data::new(state.clone());
        let trusted_proxies = web::Data::new(trusted_proxies);
        let route_limits = web::Data::new(RouteLimits::new(
            state.settings.rate_limits.clone(),
            crate::app::caller::bearer_requester,
            state.shared_counters.clone(),
        ));
        let requests = web::Data::new(RequestMetrics::default());
        let metrics = web::Data::new(Metrics::new(&state, &requests, &route_limits));
        let cors_settings = state.settings.cors.clone();
        let server = HttpServer::new(move || {
            let cors = crate::http::headers::cors(&cors_settings);
            // The last `wrap` is the outermost layer.
            App::new()
                .app_data(data.clone())
                .app_data(trusted_proxies.clone())
                .app_data(route_limits.clone())
                .app_data(requests.clone())
                .app_data(metrics.clone())
                .app_data(crate::http::json_config())
                .app_data(crate::http::query_config())
                .app_data(fallback::path_config())
                .wrap(
                    ErrorHandlers::new().default_handler(crate::http::problem_for_framework_errors),
                )
                .wrap(from_fn(crate::http::reject_nul))
                .wrap(from_fn(crate::http::ratelimit::enforce))
                .wrap(from_fn(crate::telemetry::request_id))
                .wrap(Condition::new(cors.is_some(), cors.unwrap_or_default()))
                .wrap(from_fn(crate::http::metrics::record))
                .wrap(from_fn(crate::http::headers::security_headers))
                .configure(routes)
                .default_service(web::to(fallback::not_found))
        })
        .workers(workers)
        .worker_max_blocking_threads(blocking)
        .shutdown_timeout(30)
        .listen(listener)
        .map_err(|e| StartupError::Server(e.to_string()))?
        .run();
        tracing::info!(
            port,
            settings = %state.settings.redacted_summary(),
            "butterfly is ready"
        );
        Ok(Self {
            port,
            server,
            state,
            mailer,
        })
    }

    /// The bound port (useful with `bind = "127.0.0.1:0"`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from elsewhere.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub fn db(&self) -> Db {
        self.state.db.clone()
    }

    /// Serves until stopped, then stops the background workers cleanly.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let trials_worker =
            crate::trials::worker::spawn_worker(self.state.clone(), stopped.clone());
        let digest_worker = crate::app::periodic::spawn(
            self.state.clone(),
            crate::forum::digest::INTERVAL,
            stopped.clone(),
            crate::forum::digest::sweep,
        );
        let reminders = crate::app::periodic::spawn(
            self.state.clone(),
            Duration::from_millis(self.state.settings.reminder_interval_ms),
            stopped.clone(),
            crate::forum::bookmarks::reminders::sweep,
        );
        // Imported notices follow their registry record, when the setting turns the job on.
        let sync_every = self.state.settings.trial_sync.interval_secs;
        let registry_sync = (sync_every > 0).then(|| {
            crate::app::periodic::spawn(
                self.state.clone(),
                Duration::from_secs(sync_every),
                stopped.clone(),
                crate::trials::sync::sweep,
            )
        });
        // The counters shared between servers drop the keys whose allowance is whole again.
        let counter_sweep = self.state.shared_counters.is_some().then(|| {
            crate::app::periodic::spawn(
                self.state.clone(),
                COUNTER_SWEEP,
                stopped.clone(),
                sweep_shared_counters,
            )
        });
        let worker = outbox::spawn_worker(
            self.state.db.clone(),
            self.mailer,
            self.state.settings.mail_from.clone(),
            self.state.settings.outbox.clone(),
            stopped,
        );
        let result = self.server.await;
        let _ = stop.send(true);
        let _ = worker.await;
        let _ = trials_worker.await;
        let _ = digest_worker.await;
        let _ = reminders.await;
        for job in [registry_sync, counter_sweep].into_iter().flatten() {
            let _ = job.await;
        }
        tracing::info!("butterfly stopped");
        result
    }
}

/// How often the counters shared between servers are swept.
const COUNTER_SWEEP: Duration = Duration::from_secs(60);

/// One sweep of the shared counters (see `SharedCounters::sweep`).
async fn sweep_shared_counters(state: AppState) {
    let Some(counters) = &state.shared_counters else {
        return;
    };
    match counters.sweep().await {
        Ok(swept) => tracing::debug!(swept, "shared rate-limit counters swept"),
        Err(e) => tracing::warn!(error = %e, "the shared rate-limit counters could not be swept"),
    }
}

/// Every route of the API (public so that the contract test can build the route table).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(health::live)
        .service(health::ready)
        .service(openapi::document)
        .service(metrics::get_metrics)
        .configure(docs::configure)
        .configure(crate::accounts::routes::configure)
        .configure(crate::forum::routes::configure)
        .configure(crate::moderation::routes::configure)
        .configure(crate::notify::routes::configure)
        .configure(crate::relations::routes::configure)
        .configure(crate::messages::routes::configure)
        .configure(crate::trials::routes::configure)
        .configure(crate::privacy::routes::configure);
}
