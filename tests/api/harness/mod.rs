//! The test harness: `TestApp` starts the real server on `127.0.0.1:0` against a fresh database
//! (SQLite, or PostgreSQL when `BUTTERFLY_TEST_POSTGRES_URL` is set) with a real SMTP receiver,
//! and offers the requests and account set-ups the stories are told with. Every helper a story
//! needs lives here, so that the test files only tell stories:
//!
//! - [`people`]: who signs in ([`people::Person`]) and what they are told in-app;
//! - [`forum`], [`moderation`], [`trials`]: the requests of each feature;
//! - [`json`], [`pages`], [`http`], [`metrics`]: reading answers, lists, headers and metrics;
//! - [`sessions`]: signing in from a named client, one's sessions, ending one;
//! - [`two_factor`]: the authenticator apps of the accounts it enrolled (staff are, when made);
//! - [`mail`], [`outbox`]: the SMTP receiver, and waiting for the outbox to drain before saying
//!   that an email did not come;
//! - [`database`], [`faults`]: fresh databases, and the clusters and disks fault stories break;
//! - [`registry`]: a local stand-in for ClinicalTrials.gov serving study records.

pub mod database;
pub mod faults;
pub mod forum;
pub mod http;
pub mod json;
pub mod mail;
pub mod metrics;
pub mod moderation;
pub mod outbox;
pub mod pages;
pub mod people;
pub mod registry;
pub mod sessions;
pub mod trials;
pub mod two_factor;

use std::path::Path;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use awc::http::Method;
use butterfly::config::{Secret, Settings};
use butterfly::db::{Db, DbError};
use butterfly::server::Application;
use diesel::connection::SimpleConnection;
use serde_json::Value;

pub use self::database::TestDatabase;
pub use self::http::Reply;
pub use self::mail::{MailServer, ReceivedEmail};
pub use self::people::Tokens;

/// The access-token signing secret every test server uses.
pub const JWT_SECRET: &str = "butterfly-test-signing-secret-0123456789abcdef";
/// The key every test server seals two-factor secrets with.
pub const TWO_FACTOR_KEY: &str = "butterfly-test-two-factor-key-0123456789abcdef";
/// The web client's address; email links start with it.
pub const PUBLIC_URL: &str = "http://client.test";
/// A password the server accepts (long, not common).
pub const PASSWORD: &str = "lilac harbour quietly 93";
/// Another acceptable password, for changes and resets.
pub const NEW_PASSWORD: &str = "amber kettle wanders 27";

/// How long the helpers wait for an email before failing the test.
pub const EMAIL_WAIT: Duration = Duration::from_secs(10);

/// A running server and everything it talks to; dropping it stops the server and drops its
/// database (when no other app uses it).
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The settings the server was started with.
    pub settings: Settings,
    pub database: Arc<TestDatabase>,
    pub mail: Arc<MailServer>,
    /// The authenticator apps of the accounts the harness enrolled in two-factor
    /// authentication (shared with sibling servers).
    pub authenticators: two_factor::Authenticators,
    db: Db,
    handle: actix_web::dev::ServerHandle,
    /// The server runs on its own thread and actix system, as in its own process, so that it
    /// can be stopped (and waited for) when the test ends.
    thread: Option<std::thread::JoinHandle<()>>,
    client: awc::Client,
    _data_dir: tempfile::TempDir,
}

type Tweak = Box<dyn FnOnce(&mut Settings)>;

/// Options for starting a `TestApp`.
#[must_use]
pub struct AppBuilder {
    tweaks: Vec<Tweak>,
    database: Option<Arc<TestDatabase>>,
    mail: Option<Arc<MailServer>>,
}

impl AppBuilder {
    /// Changes settings after the test defaults are applied.
    pub fn settings(mut self, tweak: impl FnOnce(&mut Settings) + 'static) -> Self {
        self.tweaks.push(Box::new(tweak));
        self
    }

    /// Uses this database instead of a fresh one.
    pub fn database(mut self, database: Arc<TestDatabase>) -> Self {
        self.database = Some(database);
        self
    }

    /// Sends mail to this receiver (which may be down) instead of a fresh running one.
    pub fn mail(mut self, mail: Arc<MailServer>) -> Self {
        self.mail = Some(mail);
        self
    }

    pub async fn spawn(self) -> TestApp {
        let database = self
            .database
            .unwrap_or_else(|| Arc::new(TestDatabase::create()));
        let mail = self.mail.unwrap_or_else(|| Arc::new(MailServer::start()));
        let data_dir = tempfile::Builder::new()
            .prefix("butterfly-data-")
            .tempdir()
            .expect("cannot create a data folder");
        let mut settings = test_settings(&database, &mail, data_dir.path());
        for tweak in self.tweaks {
            tweak(&mut settings);
        }
        TestApp::launch(settings, database, mail, data_dir).await
    }
}

/// The settings of a test server: port 0, this database and mail receiver, fast outbox polling.
fn test_settings(database: &TestDatabase, mail: &MailServer, data_dir: &Path) -> Settings {
    let mut settings = Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: data_dir.to_path_buf(),
        database_url: Some(Secret::new(database.url())),
        database_pool_size: 4,
        smtp_url: Some(Secret::new(mail.url())),
        public_url: PUBLIC_URL.into(),
        workers: Some(2),
        ..Settings::default()
    };
    settings.jwt.secret = Some(Secret::new(JWT_SECRET));
    // Sibling servers on one database share it, as a real deployment's instances must.
    settings.auth.two_factor_key = Some(Secret::new(TWO_FACTOR_KEY));
    settings.outbox.poll_interval_ms = 50;
    settings.outbox.retry_base_ms = 200;
    // Stories post, search and sign in far faster than people do; the rate limits are told in
    // `platform.rs`, which turns them back on.
    settings.rate_limits.enabled = false;
    settings
}

impl TestApp {
    /// A server with the test defaults, a fresh database and a running mail receiver.
    pub async fn spawn() -> Self {
        Self::builder().spawn().await
    }

    /// A server whose settings the test adjusts first.
    pub async fn spawn_with(tweak: impl FnOnce(&mut Settings) + 'static) -> Self {
        Self::builder().settings(tweak).spawn().await
    }

    pub fn builder() -> AppBuilder {
        AppBuilder {
            tweaks: Vec::new(),
            database: None,
            mail: None,
        }
    }

    /// A second server on the same database and mail receiver, with the same settings.
    pub async fn spawn_sibling(&self) -> Self {
        let settings = self.settings.clone();
        let data_dir = tempfile::Builder::new()
            .prefix("butterfly-data-")
            .tempdir()
            .expect("cannot create a data folder");
        let mut settings = settings;
        settings.bind = "127.0.0.1:0".into();
        settings.data_dir = data_dir.path().to_path_buf();
        let mut sibling =
            Self::launch(settings, self.database.clone(), self.mail.clone(), data_dir).await;
        sibling.authenticators = self.authenticators.clone();
        sibling
    }

    async fn launch(
        settings: Settings,
        database: Arc<TestDatabase>,
        mail: Arc<MailServer>,
        data_dir: tempfile::TempDir,
    ) -> Self {
        let (ready_tx, ready_rx) = mpsc::channel();
        let server_settings = settings.clone();
        let thread = std::thread::Builder::new()
            .name("test-server".into())
            .spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    match Application::build(server_settings).await {
                        Ok(app) => {
                            let _ = ready_tx.send(Ok((app.port(), app.handle(), app.db())));
                            if let Err(e) = app.run_until_stopped().await {
                                eprintln!("the test server stopped with an error: {e}");
                            }
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e.to_string()));
                        }
                    }
                });
            })
            .expect("cannot start a server thread");
        let (port, handle, db) = loop {
            match ready_rx.try_recv() {
                Ok(Ok(ready)) => break ready,
                Ok(Err(e)) => panic!("the server does not start: {e}"),
                Err(mpsc::TryRecvError::Empty) => {
                    actix_web::rt::time::sleep(Duration::from_millis(5)).await;
                }
                Err(mpsc::TryRecvError::Disconnected) => {
                    panic!("the server thread ended before the server started")
                }
            }
        };
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        Self {
            address: format!("http://127.0.0.1:{port}"),
            settings,
            database,
            mail,
            authenticators: Default::default(),
            db,
            handle,
            thread: Some(thread),
            client,
            _data_dir: data_dir,
        }
    }

    /// Stops the server gracefully: it stops accepting at once; the returned future completes
    /// when the requests in flight are answered and the workers have stopped.
    pub fn stop(&self) -> impl std::future::Future<Output = ()> + use<> {
        self.handle.stop(true)
    }

    /// Stops the server gracefully and waits until it and its background workers have
    /// finished: whatever they were doing (an email being sent) is done when this returns.
    pub async fn shut_down(mut self) {
        self.handle.stop(true).await;
        if let Some(thread) = self.thread.take() {
            let start = Instant::now();
            while !thread.is_finished() {
                assert!(
                    start.elapsed() < Duration::from_secs(30),
                    "the server's workers did not stop within 30 s"
                );
                actix_web::rt::time::sleep(Duration::from_millis(10)).await;
            }
            thread.join().expect("the server thread did not panic");
        }
    }

    // ----- HTTP -----

    /// Sends one request with these extra headers; `body` is sent as is.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for &(name, value) in headers {
            request = request.insert_header((name, value));
        }
        let sent = match body {
            Some(body) => request.send_body(body).await,
            None => request.send().await,
        };
        let mut response = sent.unwrap_or_else(|e| panic!("{method} {path} failed: {e}"));
        let body = response
            .body()
            .limit(16 * 1024 * 1024)
            .await
            .unwrap_or_else(|e| panic!("cannot read the answer to {method} {path}: {e}"));
        Reply {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// One request with an optional bearer token and, when given, a JSON body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        match body {
            Some(body) => {
                let bytes = serde_json::to_vec(body).expect("JSON serialises");
                let headers = [("content-type", "application/json")];
                self.request(method, path, token, &headers, Some(bytes))
                    .await
            }
            None => self.request(method, path, token, &[], None).await,
        }
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::POST, path, None, Some(body)).await
    }

    /// POST with a bearer token.
    pub async fn post_json_as(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch_json(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::GET, path, token, &[], None).await
    }

    /// `PUT` without a body.
    pub async fn put(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::PUT, path, token, &[], None).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::DELETE, path, token, &[], None).await
    }

    // ----- email -----

    /// Every message received so far for `address`.
    pub fn emails_to(&self, address: &str) -> Vec<ReceivedEmail> {
        self.mail.received_by(address)
    }

    /// The first message for `address`, waiting up to [`EMAIL_WAIT`] for it.
    pub async fn wait_for_email(&self, address: &str) -> ReceivedEmail {
        self.wait_for_emails(address, 1).await.remove(0)
    }

    /// The first `count` messages for `address`, waiting up to [`EMAIL_WAIT`] for them.
    pub async fn wait_for_emails(&self, address: &str, count: usize) -> Vec<ReceivedEmail> {
        self.wait_for_emails_within(address, count, EMAIL_WAIT)
            .await
    }

    /// The first `count` messages for `address`, waiting up to `limit` for them.
    pub async fn wait_for_emails_within(
        &self,
        address: &str,
        count: usize,
        limit: Duration,
    ) -> Vec<ReceivedEmail> {
        self.mail.wait_for(address, count, limit).await
    }

    // ----- database -----

    /// The server's database handle.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Runs SQL that both backends accept, as set-up for what HTTP cannot arrange (for example
    /// to make a token expire, or time pass).
    pub async fn execute_sql(&self, sql: impl Into<String>) {
        let sql = sql.into();
        let shown = sql.clone();
        self.db
            .write(move |conn| conn.batch_execute(&sql).map_err(DbError::Query))
            .await
            .unwrap_or_else(|e| panic!("`{shown}` failed: {e}"));
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop the server and wait (briefly) for its thread, so that no worker, pool or
        // background task outlives the test: they would keep reconnecting to a dropped database,
        // and database clients still running when the process exits can crash it.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let start = Instant::now();
            while !thread.is_finished() && start.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(10));
            }
            if thread.is_finished() {
                let _ = thread.join();
            } else {
                eprintln!("warning: a test server did not stop within 10 s of the test's end");
            }
        }
    }
}
