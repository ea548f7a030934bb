//! The email outbox: [`enqueue`] writes a message in the caller's transaction (so the email exists
//! if and only if the event does), and the [`Worker`] sends due messages in the background.
//!
//! The worker claims a batch of due rows in one write transaction (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL; SQLite write transactions are exclusive already) and pushes their
//! `next_attempt_at` forward by a lease, so another server leaves them alone while they are being
//! sent. Each message is then sent outside any transaction on the blocking pool and marked `sent`,
//! or rescheduled with exponential backoff, or — after the last attempt — marked `dead` and kept.
//! A message is never deleted, so none is lost while the mail server is down.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use tokio::sync::watch;

use crate::accounts::model::Locale;
use crate::config::OutboxSettings;
use crate::db::schema::outbox;
use crate::db::{self, AnyConnection, Backend, Db, DbError};
use crate::notify::mailer::Mailer;
use crate::notify::templates::{MailVars, Template};

/// An email to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Email {
    pub to: String,
    pub locale: Locale,
    pub template: Template,
    pub vars: MailVars,
}

const PENDING: &str = "pending";
const SENT: &str = "sent";
const DEAD: &str = "dead";

/// How long a claimed message is reserved for the server that claimed it.
const LEASE: Duration = Duration::from_secs(5 * 60);
/// Longest wait between two attempts, whatever the settings say.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(24 * 60 * 60);
/// Longest error text kept in `last_error`.
const MAX_ERROR_CHARS: usize = 500;

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewMessage<'a> {
    to_addr: &'a str,
    locale: &'a str,
    template: &'a str,
    payload: String,
    status: &'a str,
    attempts: i32,
    next_attempt_at: chrono::NaiveDateTime,
    created_at: chrono::NaiveDateTime,
}

/// Writes the message into the outbox; called inside the caller's write transaction, so the
/// email exists iff the event does.
pub fn enqueue(conn: &mut AnyConnection, email: &Email) -> QueryResult<()> {
    let payload = serde_json::to_string(&email.vars)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let now = db::now();
    diesel::insert_into(outbox::table)
        .values(NewMessage {
            to_addr: email.to.trim(),
            locale: email.locale.as_str(),
            template: email.template.as_str(),
            payload,
            status: PENDING,
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
        })
        .execute(conn)?;
    Ok(())
}

/// Stats for metrics: (pending messages, dead messages).
pub fn backlog(conn: &mut AnyConnection) -> QueryResult<(i64, i64)> {
    let count = |conn: &mut AnyConnection, status: &str| {
        outbox::table
            .filter(outbox::status.eq(status))
            .count()
            .get_result::<i64>(conn)
    };
    Ok((count(conn, PENDING)?, count(conn, DEAD)?))
}

/// A claimed outbox row, as much as sending needs.
#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = outbox)]
struct Claimed {
    id: i64,
    to_addr: String,
    locale: String,
    template: String,
    payload: String,
    attempts: i32,
}

impl Claimed {
    /// The email this row describes, or why it can never be sent.
    fn email(&self) -> Result<Email, &'static str> {
        let template = Template::parse(&self.template).ok_or("unknown template")?;
        let locale = Locale::parse(&self.locale).ok_or("unknown locale")?;
        let vars = serde_json::from_str::<MailVars>(&self.payload)
            .map_err(|_| "the payload does not fit the template")?;
        Ok(Email {
            to: self.to_addr.clone(),
            locale,
            template,
            vars,
        })
    }
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// Ids of due messages, locked for this transaction. The one place where the SQL differs by
/// backend: PostgreSQL skips rows another server has locked; on SQLite the write transaction is
/// exclusive already (`BEGIN IMMEDIATE`). Served by the index on (status, next_attempt_at).
fn due_ids(
    conn: &mut AnyConnection,
    now: chrono::NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    match db::backend_of(conn) {
        Backend::Postgres => {
            use diesel::sql_types::{BigInt, Timestamp};
            let rows = diesel::sql_query(
                "SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
                 ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED",
            )
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .load::<IdRow>(conn)?;
            Ok(rows.into_iter().map(|r| r.id).collect())
        }
        Backend::Sqlite => outbox::table
            .filter(outbox::status.eq(PENDING))
            .filter(outbox::next_attempt_at.le(now))
            .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
            .limit(limit)
            .select(outbox::id)
            .load(conn),
    }
}

/// Claims up to `limit` due messages and leases them until `lease_until`. Run it inside a write
/// transaction.
fn claim(
    conn: &mut AnyConnection,
    now: chrono::NaiveDateTime,
    lease_until: chrono::NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    let ids = due_ids(conn, now, limit)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
        .set(outbox::next_attempt_at.eq(lease_until))
        .execute(conn)?;
    outbox::table
        .filter(outbox::id.eq_any(&ids))
        .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
        .select(Claimed::as_select())
        .load(conn)
}

/// Gives unsent claimed messages back, due at once.
fn release(conn: &mut AnyConnection, ids: &[i64], now: chrono::NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(ids))
            .filter(outbox::status.eq(PENDING)),
    )
    .set(outbox::next_attempt_at.eq(now))
    .execute(conn)?;
    Ok(())
}

fn mark_sent(conn: &mut AnyConnection, id: i64, now: chrono::NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq(PENDING)),
    )
    .set((
        outbox::status.eq(SENT),
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::sent_at.eq(now),
        outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: the message is retried at `retry_at`, or is dead when `None`.
fn mark_failed(
    conn: &mut AnyConnection,
    id: i64,
    attempts: i32,
    error: &str,
    retry_at: Option<chrono::NaiveDateTime>,
) -> QueryResult<()> {
    let target = outbox::table
        .filter(outbox::id.eq(id))
        .filter(outbox::status.eq(PENDING));
    let error = truncate(error, MAX_ERROR_CHARS);
    match retry_at {
        Some(at) => diesel::update(target)
            .set((
                outbox::attempts.eq(attempts),
                outbox::last_error.eq(error),
                outbox::next_attempt_at.eq(at),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                outbox::status.eq(DEAD),
                outbox::attempts.eq(attempts),
                outbox::last_error.eq(error),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// Removes the recipient's address from an error text.
fn redact(error: &str, to: &str) -> String {
    let to = to.trim();
    if to.is_empty() {
        return error.to_owned();
    }
    error
        .replace(to, "[recipient]")
        .replace(&to.to_lowercase(), "[recipient]")
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Delay before attempt `attempts + 1`: `retry_base_ms * 2^(attempts-1)`, at most a day.
fn retry_delay(retry_base_ms: u64, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(32);
    let ms = retry_base_ms.saturating_mul(1u64 << doublings);
    Duration::from_millis(ms).min(MAX_RETRY_DELAY)
}

fn after(now: chrono::NaiveDateTime, delay: Duration) -> chrono::NaiveDateTime {
    chrono::Duration::from_std(delay)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(now)
}

/// Sends the outbox. Build it with [`Worker::new`] and run it with [`spawn_worker`] (or call
/// [`Worker::run_once`] directly, e.g. in tests).
pub struct Worker {
    db: Db,
    mailer: Arc<Mailer>,
    from: Arc<str>,
    settings: OutboxSettings,
}

/// What happened to one message, for the caller's logs and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Sent,
    Retry,
    Dead,
}

impl Worker {
    /// `from` is the sender address of every email (`settings.mail_from`).
    pub fn new(db: Db, mailer: Mailer, from: String, settings: OutboxSettings) -> Self {
        Self {
            db,
            mailer: Arc::new(mailer),
            from: from.into(),
            settings,
        }
    }

    /// Claims one batch of due messages and sends them, one after the other. Stops after the
    /// message in hand when `shutdown` turns true, giving the rest of the batch back. Returns how
    /// many messages were claimed.
    pub async fn run_once(&self, shutdown: &watch::Receiver<bool>) -> Result<usize, DbError> {
        let limit = self.settings.batch_size.max(1);
        let claimed_at = Instant::now();
        let batch = self
            .db
            .write(move |conn| {
                let now = db::now();
                Ok::<_, DbError>(claim(conn, now, after(now, LEASE), limit)?)
            })
            .await?;
        let claimed = batch.len();
        let mut rows = batch.into_iter();
        while let Some(row) = rows.next() {
            let id = row.id;
            if let Err(e) = self.deliver(row).await {
                // The lease runs out and the message is tried again then; it is not lost.
                tracing::error!(id, error = %e, "cannot record the outcome of an outbox message");
            }
            // Leave the rest for later (or for another server) when asked to stop, or before the
            // lease of the remaining messages could run out while they wait here.
            let stopping = *shutdown.borrow();
            if stopping || claimed_at.elapsed() > LEASE / 2 {
                let rest: Vec<i64> = rows.map(|r| r.id).collect();
                if !rest.is_empty() {
                    self.db
                        .write(move |conn| Ok::<_, DbError>(release(conn, &rest, db::now())?))
                        .await?;
                }
                break;
            }
        }
        Ok(claimed)
    }

    /// Sends one claimed message and records what happened.
    async fn deliver(&self, row: Claimed) -> Result<Outcome, DbError> {
        let id = row.id;
        let attempts = row.attempts.saturating_add(1);
        let email = match row.email() {
            Ok(email) => email,
            Err(why) => {
                tracing::error!(id, template = %row.template, outcome = "dead", reason = why,
                    "outbox message cannot be sent");
                self.db
                    .write(move |conn| {
                        Ok::<_, DbError>(mark_failed(conn, id, attempts, why, None)?)
                    })
                    .await?;
                return Ok(Outcome::Dead);
            }
        };
        let template = email.template.as_str();
        tracing::debug!(id, template, to = %email.to, "sending email");

        let to = email.to.clone();
        let mailer = Arc::clone(&self.mailer);
        let from = Arc::clone(&self.from);
        let sent = actix_web::web::block(move || mailer.send(&from, &email)).await;
        let failure = match sent {
            Ok(Ok(())) => None,
            // A server may quote the recipient in its answer; keep the address out of the logs.
            Ok(Err(e)) => Some((redact(&e.to_string(), &to), e.is_permanent())),
            Err(_) => Some(("the sending task was cancelled".to_owned(), false)),
        };

        let Some((error, permanent)) = failure else {
            self.db
                .write(move |conn| Ok::<_, DbError>(mark_sent(conn, id, db::now())?))
                .await?;
            tracing::info!(id, template, attempts, outcome = "sent", "email sent");
            return Ok(Outcome::Sent);
        };

        let max_attempts = self.settings.max_attempts.max(1);
        let delay = retry_delay(self.settings.retry_base_ms, attempts);
        let give_up = permanent || attempts >= max_attempts;
        let logged = error.clone();
        self.db
            .write(move |conn| {
                let retry_at = (!give_up).then(|| after(db::now(), delay));
                Ok::<_, DbError>(mark_failed(conn, id, attempts, &error, retry_at)?)
            })
            .await?;
        if give_up {
            tracing::error!(id, template, attempts, outcome = "dead", error = %logged,
                "email could not be sent and will not be retried");
            Ok(Outcome::Dead)
        } else {
            tracing::warn!(id, template, attempts, outcome = "retry",
                retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %logged, "email could not be sent; it will be retried");
            Ok(Outcome::Retry)
        }
    }

    /// Polls until `shutdown` turns true (or its sender is dropped).
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let poll = Duration::from_millis(self.settings.poll_interval_ms.max(1));
        let full_batch = usize::try_from(self.settings.batch_size.max(1)).unwrap_or(usize::MAX);
        tracing::info!(mailer = ?self.mailer, "outbox worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            let more = match self.run_once(&shutdown).await {
                // A full batch: more may be due right now.
                Ok(n) => n >= full_batch,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox poll failed; trying again later");
                    false
                }
            };
            if !more && !pause(&mut shutdown, poll).await {
                break;
            }
        }
        tracing::info!("outbox worker stopped");
    }
}

/// Waits for `duration` or until shutdown; false when the worker should stop.
async fn pause(shutdown: &mut watch::Receiver<bool>, duration: Duration) -> bool {
    tokio::select! {
        () = tokio::time::sleep(duration) => !*shutdown.borrow(),
        changed = shutdown.changed() => match changed {
            Ok(()) => !*shutdown.borrow(),
            Err(_) => {
                tracing::info!("the shutdown channel closed; stopping the outbox worker");
                false
            }
        },
    }
}

/// Starts the outbox worker on the current actix runtime. It stops promptly when `shutdown`
/// becomes true (or its sender is dropped), after finishing the message in hand.
pub fn spawn_worker(
    db: Db,
    mailer: Mailer,
    mail_from: String,
    settings: OutboxSettings,
    shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let worker = Worker::new(db, mailer, mail_from, settings);
    actix_web::rt::spawn(worker.run(shutdown))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DatabaseUrl;

    fn test_db(dir: &std::path::Path) -> Db {
        let db = Db::connect(&DatabaseUrl::Sqlite(dir.join("test.db")), 2).unwrap();
        db.migrate().unwrap();
        db
    }

    const LINK: &str = "http://localhost:8080/verify-email?token=abc123";

    fn email() -> Email {
        Email {
            to: "ann@example.com".into(),
            locale: Locale::ZhCn,
            template: Template::VerifyEmail,
            vars: MailVars {
                display_name: "Ann".into(),
                link: Some(LINK.into()),
            },
        }
    }

    fn settings(max_attempts: i32) -> OutboxSettings {
        OutboxSettings {
            poll_interval_ms: 20,
            max_attempts,
            retry_base_ms: 0,
            batch_size: 10,
        }
    }

    #[derive(Queryable, Debug)]
    struct Row {
        status: String,
        attempts: i32,
        last_error: Option<String>,
        sent_at: Option<chrono::NaiveDateTime>,
    }

    fn rows(db: &Db) -> Vec<Row> {
        db.read_blocking(|conn| {
            outbox::table
                .order(outbox::id)
                .select((
                    outbox::status,
                    outbox::attempts,
                    outbox::last_error,
                    outbox::sent_at,
                ))
                .load::<Row>(conn)
                .map_err(DbError::from)
        })
        .unwrap()
    }

    fn enqueue_one(db: &Db) {
        db.write_blocking(|conn| enqueue(conn, &email()).map_err(DbError::from))
            .unwrap();
    }

    /// A local port on which nothing listens, for an SMTP server that is down.
    fn closed_port() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }

    #[actix_web::test]
    async fn an_enqueued_email_is_written_once_and_marked_sent() {
        let dir = tempfile::tempdir().unwrap();
        let db = test_db(dir.path());
        enqueue_one(&db);
        assert_eq!(
            db.read_blocking(|c| backlog(c).map_err(DbError::from))
                .unwrap(),
            (1, 0)
        );

        let mail_dir = dir.path().join("outbox");
        std::fs::create_dir_all(&mail_dir).unwrap();
        let worker = Worker::new(
            db.clone(),
            Mailer::Files(mail_dir.clone()),
            "Butterfly <no-reply@butterfly.localhost>".into(),
            settings(3),
        );
        let (_tx, rx) = watch::channel(false);
        assert_eq!(worker.run_once(&rx).await.unwrap(), 1);
        assert_eq!(worker.run_once(&rx).await.unwrap(), 0, "sent once only");

        let rows = rows(&db);
        assert_eq!(rows[0].status, "sent");
        assert_eq!(rows[0].attempts, 1);
        assert!(rows[0].sent_at.is_some());
        let files: Vec<_> = std::fs::read_dir(&mail_dir).unwrap().collect();
        assert_eq!(files.len(), 1);
        let raw = std::fs::read(files[0].as_ref().unwrap().path()).unwrap();
        let text = crate::notify::mailer::read_text_part(&raw).unwrap();
        assert!(text.lines().any(|l| l == LINK));
        assert_eq!(
            db.read_blocking(|c| backlog(c).map_err(DbError::from))
                .unwrap(),
            (0, 0)
        );
    }

    #[actix_web::test]
    async fn a_mail_server_that_is_down_delays_the_email_until_it_is_dead_but_kept() {
        let dir = tempfile::tempdir().unwrap();
        let db = test_db(dir.path());
        enqueue_one(&db);
        let url = format!("smtp://127.0.0.1:{}", closed_port());
        let mailer = Mailer::Smtp(lettre::SmtpTransport::from_url(&url).unwrap().build());
        let worker = Worker::new(
            db.clone(),
            mailer,
            "no-reply@example.com".into(),
            settings(2),
        );
        let (_tx, rx) = watch::channel(false);

        assert_eq!(worker.run_once(&rx).await.unwrap(), 1);
        let first = rows(&db);
        assert_eq!(first[0].status, "pending");
        assert_eq!(first[0].attempts, 1);
        let error = first[0].last_error.clone().unwrap();
        assert!(!error.contains("abc123"), "{error}");

        assert_eq!(worker.run_once(&rx).await.unwrap(), 1);
        let second = rows(&db);
        assert_eq!(second[0].status, "dead");
        assert_eq!(second[0].attempts, 2);
        assert_eq!(
            db.read_blocking(|c| backlog(c).map_err(DbError::from))
                .unwrap(),
            (0, 1)
        );
    }

    #[actix_web::test]
    async fn a_claimed_message_is_not_claimed_again_while_leased() {
        let dir = tempfile::tempdir().unwrap();
        let db = test_db(dir.path());
        enqueue_one(&db);
        enqueue_one(&db);
        let claim_now = |db: &Db| {
            db.write_blocking(|conn| {
                let now = db::now();
                claim(conn, now, after(now, LEASE), 10).map_err(DbError::from)
            })
            .unwrap()
        };
        assert_eq!(claim_now(&db).len(), 2);
        assert_eq!(claim_now(&db).len(), 0);
        let ids: Vec<i64> = db
            .read_blocking(|c| {
                outbox::table
                    .select(outbox::id)
                    .load(c)
                    .map_err(DbError::from)
            })
            .unwrap();
        db.write_blocking(|c| release(c, &ids, db::now()).map_err(DbError::from))
            .unwrap();
        assert_eq!(claim_now(&db).len(), 2, "released messages are due again");
    }

    #[actix_web::test]
    async fn the_worker_stops_when_told_to() {
        let dir = tempfile::tempdir().unwrap();
        let db = test_db(dir.path());
        let mail_dir = dir.path().join("outbox");
        std::fs::create_dir_all(&mail_dir).unwrap();
        let (tx, rx) = watch::channel(false);
        let handle = spawn_worker(
            db.clone(),
            Mailer::Files(mail_dir.clone()),
            "no-reply@example.com".into(),
            settings(3),
            rx,
        );
        enqueue_one(&db);
        let deadline = Instant::now() + Duration::from_secs(10);
        while rows(&db)[0].status != "sent" {
            assert!(Instant::now() < deadline, "the worker never sent the email");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), handle)
            .await
            .unwrap()
            .unwrap();
    }

    /// A fresh PostgreSQL database when `BUTTERFLY_TEST_POSTGRES_URL` is set; dropped on drop.
    struct PgDatabase {
        admin_url: String,
        name: String,
        url: DatabaseUrl,
    }

    impl PgDatabase {
        fn create() -> Option<Self> {
            use diesel::connection::SimpleConnection;
            let admin_url = std::env::var("BUTTERFLY_TEST_POSTGRES_URL").ok()?;
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos();
            let name = format!("butterfly_outbox_{}_{nanos}", std::process::id());
            let mut admin = diesel::PgConnection::establish(&admin_url).unwrap();
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap();
            let mut url = url::Url::parse(&admin_url).unwrap();
            url.set_path(&name);
            Some(Self {
                admin_url,
                name,
                url: DatabaseUrl::Postgres(url.to_string()),
            })
        }
    }

    impl Drop for PgDatabase {
        fn drop(&mut self) {
            use diesel::connection::SimpleConnection;
            if let Ok(mut admin) = diesel::PgConnection::establish(&self.admin_url) {
                let _ = admin.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ));
            }
        }
    }

    #[actix_web::test]
    async fn two_servers_on_one_postgres_database_send_each_message_once() {
        let Some(pg) = PgDatabase::create() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let mail_dir = dir.path().join("outbox");
        std::fs::create_dir_all(&mail_dir).unwrap();
        let server = || {
            let db = Db::connect(&pg.url, 4).unwrap();
            let settings = OutboxSettings {
                batch_size: 3,
                ..settings(3)
            };
            Worker::new(
                db,
                Mailer::Files(mail_dir.clone()),
                "no-reply@example.com".into(),
                settings,
            )
        };
        let (a, b) = (server(), server());
        a.db.migrate().unwrap();
        for _ in 0..30 {
            enqueue_one(&a.db);
        }
        let (_tx, rx) = watch::channel(false);
        let mut claimed = 0;
        for _ in 0..100 {
            let (x, y) = tokio::join!(a.run_once(&rx), b.run_once(&rx));
            let (x, y) = (x.unwrap(), y.unwrap());
            claimed += x + y;
            if x + y == 0 {
                break;
            }
        }
        assert_eq!(claimed, 30, "every message was claimed exactly once");
        assert_eq!(std::fs::read_dir(&mail_dir).unwrap().count(), 30);
        let rows = rows(&a.db);
        assert!(rows.iter().all(|r| r.status == "sent" && r.attempts == 1));
        drop((a, b));
    }

    #[test]
    fn retries_back_off_exponentially() {
        assert_eq!(retry_delay(5_000, 1), Duration::from_secs(5));
        assert_eq!(retry_delay(5_000, 2), Duration::from_secs(10));
        assert_eq!(retry_delay(5_000, 4), Duration::from_secs(40));
        assert_eq!(retry_delay(5_000, 60), MAX_RETRY_DELAY);
        assert_eq!(retry_delay(u64::MAX, 3), MAX_RETRY_DELAY);
    }

    #[test]
    fn errors_never_name_the_recipient() {
        assert_eq!(
            redact(
                "550 <Ann@Example.com>: unknown user ann@example.com",
                "Ann@Example.com"
            ),
            "550 <[recipient]>: unknown user [recipient]"
        );
    }

    #[test]
    fn long_errors_are_cut() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("错误错误错误", 2), "错误…");
    }
}
