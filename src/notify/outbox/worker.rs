//! The outbox worker: claims due messages, sends them one after the other outside any
//! transaction, and records each outcome (sent, retry later, dead).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::{
    Claimed, after, claim, claim_timeout, mark_failed, mark_sent, redact, release, retry_delay,
    send_bound,
};
use crate::config::OutboxSettings;
use crate::db::{self, Db, DbError};
use crate::notify::mailer::Mailer;

/// Sends the outbox. Build it with [`Worker::new`] and run it with [`spawn_worker`] (or call
/// [`Worker::run_once`] directly, e.g. in tests).
pub struct Worker {
    pub(super) db: Db,
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
        let lease = claim_timeout(&self.settings);
        let one_send = send_bound(&self.settings);
        let claimed_at = Instant::now();
        let batch = self
            .db
            .write(move |conn| {
                let now = db::now();
                Ok::<_, DbError>(claim(conn, now, after(now, lease), limit)?)
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
            // Leave the rest for later (or for another server) when asked to stop, or when the
            // lease could run out during the next send.
            let stopping = *shutdown.borrow();
            if stopping || claimed_at.elapsed() + one_send > lease {
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
        tracing::debug!(id, template, "sending email");

        let to = email.to.clone();
        let mailer = Arc::clone(&self.mailer);
        let from = Arc::clone(&self.from);
        let message_id = row.message_id(&from);
        let sent = actix_web::web::block(move || mailer.send(&from, &email, &message_id)).await;
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
        let delay = retry_delay(&self.settings, attempts);
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
