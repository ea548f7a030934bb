//! The outbox worker against real SQLite (and PostgreSQL when configured) databases.

use super::*;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::db::{DatabaseUrl, Db, DbError};
use crate::notify::mailer::Mailer;

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
        ..OutboxSettings::default()
    }
}

#[derive(Queryable, Debug)]
struct Row {
    status: OutboxStatus,
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
    assert_eq!(rows[0].status, OutboxStatus::Sent);
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
    assert_eq!(first[0].status, OutboxStatus::Pending);
    assert_eq!(first[0].attempts, 1);
    let error = first[0].last_error.clone().unwrap();
    assert!(!error.contains("abc123"), "{error}");

    assert_eq!(worker.run_once(&rx).await.unwrap(), 1);
    let second = rows(&db);
    assert_eq!(second[0].status, OutboxStatus::Dead);
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
            let lease = claim_timeout(&OutboxSettings::default());
            claim(conn, now, after(now, lease), 10).map_err(DbError::from)
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
    while rows(&db)[0].status != OutboxStatus::Sent {
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
    assert!(
        rows.iter()
            .all(|r| r.status == OutboxStatus::Sent && r.attempts == 1)
    );
    drop((a, b));
}

#[test]
fn retries_back_off_exponentially_up_to_the_cap() {
    let settings = OutboxSettings::default();
    assert_eq!(retry_delay(&settings, 1), Duration::from_secs(5));
    assert_eq!(retry_delay(&settings, 2), Duration::from_secs(10));
    assert_eq!(retry_delay(&settings, 4), Duration::from_secs(40));
    assert_eq!(retry_delay(&settings, 60), Duration::from_secs(30 * 60));
    let uncapped = OutboxSettings {
        retry_base_ms: u64::MAX,
        max_retry_delay_ms: u64::MAX,
        ..settings
    };
    assert_eq!(retry_delay(&uncapped, 3), MAX_RETRY_DELAY);
}

#[test]
fn with_the_defaults_an_email_outlives_a_mail_outage_of_hours() {
    let window = retry_window(&OutboxSettings::default());
    assert!(
        window >= Duration::from_secs(12 * 60 * 60),
        "the default retry window is only {window:?}"
    );
    assert!(window <= Duration::from_secs(48 * 60 * 60), "{window:?}");
}

#[actix_web::test]
async fn what_a_crashed_worker_had_claimed_is_due_again_soon_after_the_send_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let db = test_db(dir.path());
    enqueue_one(&db);
    let settings = OutboxSettings {
        send_timeout_secs: 2,
        ..OutboxSettings::default()
    };
    let lease = claim_timeout(&settings);
    assert_eq!(lease, Duration::from_secs(2 * 6 * 2));
    // A worker claims the message, then its server dies before sending it.
    let before = db::now();
    let claimed = db
        .write_blocking(|conn| {
            let now = db::now();
            claim(conn, now, after(now, lease), 10).map_err(DbError::from)
        })
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let due: chrono::NaiveDateTime = db
        .read_blocking(|c| {
            outbox::table
                .select(outbox::next_attempt_at)
                .first(c)
                .map_err(DbError::from)
        })
        .unwrap();
    let reserved = (due - before).to_std().unwrap();
    assert!(
        reserved <= lease + Duration::from_secs(1),
        "reserved for {reserved:?}"
    );
}

#[actix_web::test]
async fn a_message_sent_twice_carries_the_same_message_id_both_times() {
    let dir = tempfile::tempdir().unwrap();
    let db = test_db(dir.path());
    enqueue_one(&db);
    enqueue_one(&db);
    let mail_dir = dir.path().join("outbox");
    std::fs::create_dir_all(&mail_dir).unwrap();
    let worker = Worker::new(
        db.clone(),
        Mailer::Files(mail_dir.clone()),
        "Butterfly <no-reply@butterfly.example>".into(),
        settings(3),
    );
    let (_tx, rx) = watch::channel(false);
    assert_eq!(worker.run_once(&rx).await.unwrap(), 2);
    // As if the server had crashed after sending, before recording: the first goes again.
    db.write_blocking(|c| {
        diesel::sql_query(
            "UPDATE outbox SET status = 'pending', next_attempt_at = created_at \
             WHERE id = (SELECT MIN(id) FROM outbox)",
        )
        .execute(c)
        .map_err(DbError::from)
    })
    .unwrap();
    assert_eq!(worker.run_once(&rx).await.unwrap(), 1);

    let mut ids: Vec<String> = std::fs::read_dir(&mail_dir)
        .unwrap()
        .map(|f| {
            let raw = std::fs::read_to_string(f.unwrap().path()).unwrap();
            raw.lines()
                .find_map(|l| l.strip_prefix("Message-ID: "))
                .expect("a Message-ID header")
                .to_owned()
        })
        .collect();
    ids.sort();
    assert_eq!(ids.len(), 3);
    assert!(
        ids.iter().all(|id| id.ends_with("@butterfly.example>")),
        "{ids:?}"
    );
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(
        distinct.len(),
        2,
        "one id per message, the same when sent again: {ids:?}"
    );
}

#[actix_web::test]
async fn dead_messages_go_out_once_an_operator_requeues_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = test_db(dir.path());
    enqueue_one(&db);
    let url = format!("smtp://127.0.0.1:{}", closed_port());
    let down = Worker::new(
        db.clone(),
        Mailer::Smtp(lettre::SmtpTransport::from_url(&url).unwrap().build()),
        "no-reply@example.com".into(),
        settings(1),
    );
    let (_tx, rx) = watch::channel(false);
    assert_eq!(down.run_once(&rx).await.unwrap(), 1);
    assert_eq!(rows(&db)[0].status, OutboxStatus::Dead);

    let requeued = db
        .write_blocking(|c| requeue_dead(c).map_err(DbError::from))
        .unwrap();
    assert_eq!(requeued, 1);
    let mail_dir = dir.path().join("outbox");
    std::fs::create_dir_all(&mail_dir).unwrap();
    let up = Worker::new(
        db.clone(),
        Mailer::Files(mail_dir.clone()),
        "no-reply@example.com".into(),
        settings(1),
    );
    assert_eq!(up.run_once(&rx).await.unwrap(), 1);
    let row = &rows(&db)[0];
    assert_eq!((row.status, row.attempts), (OutboxStatus::Sent, 1));
    assert_eq!(std::fs::read_dir(&mail_dir).unwrap().count(), 1);
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
