//! The email outbox: [`enqueue`] writes a message in the caller's transaction (so the email exists
//! if and only if the event does), and the [`Worker`] sends due messages in the background.
//!
//! The worker claims a batch of due rows in one write transaction (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL; SQLite write transactions are exclusive already) and pushes their
//! `next_attempt_at` forward by a lease, so another server leaves them alone while they are being
//! sent. The lease follows from the send timeout (a few SMTP steps, twice over), so the messages
//! of a server that crashed are picked up soon after. Each message is then sent outside any
//! transaction on the blocking pool and marked `sent`, or rescheduled with exponential backoff
//! capped at `max_retry_delay_ms`, or — after the last attempt, about 20 hours with the defaults —
//! marked `dead` and kept; `butterfly outbox requeue-dead` sends dead messages again.
//! A message is never deleted, so none is lost while the mail server is down.
//!
//! Delivery is at least once: a server that crashes between sending and recording sends the
//! message again. Every message carries a `Message-ID` made from its outbox row, the same at
//! every attempt, so a receiving mail system can drop the duplicate.
//!
//! The backlog (pending and dead messages) is a metric, read when scraped ([`register_backlog`]).

use std::time::Duration;

use diesel::dsl::count_star;
use diesel::prelude::*;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::auth::model::Locale;
use crate::config::OutboxSettings;
use crate::db::schema::outbox;
use crate::db::{self, AnyConnection};
use crate::notify::templates::{Email, MailVars, Template};

mod worker;

pub use self::worker::{Worker, spawn_worker};

crate::db::text_enum! {
    /// Where a message stands.
    pub enum OutboxStatus {
        /// Waiting for its next attempt (or leased by a worker sending it).
        Pending = "pending",
        Sent = "sent",
        /// Given up after the last attempt; kept, and sent again by `requeue-dead`.
        Dead = "dead",
    }
}

/// The SMTP steps of one send that may each take up to the send timeout: connect, greeting,
/// EHLO, MAIL and RCPT, DATA, the message and its answer.
const SEND_STEPS: u32 = 6;
/// Longest wait between two attempts, whatever the settings say.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(24 * 60 * 60);
/// Longest error text kept in `last_error`.
const MAX_ERROR_CHARS: usize = 500;

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewMessage<'a> {
    to_addr: &'a str,
    locale: Locale,
    template: Template,
    payload: String,
    status: OutboxStatus,
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
            locale: email.locale,
            template: email.template,
            payload,
            status: OutboxStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
        })
        .execute(conn)?;
    Ok(())
}

/// The backlog: (pending messages, dead messages), in one grouped count served by
/// `outbox_status_next_attempt_idx` (status, next_attempt_at).
pub fn backlog(conn: &mut AnyConnection) -> QueryResult<(i64, i64)> {
    let counts = outbox::table
        .filter(outbox::status.eq_any([OutboxStatus::Pending, OutboxStatus::Dead]))
        .group_by(outbox::status)
        .select((outbox::status, count_star()))
        .load::<(OutboxStatus, i64)>(conn)?;
    let count = |status: OutboxStatus| {
        counts
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n)
    };
    Ok((count(OutboxStatus::Pending), count(OutboxStatus::Dead)))
}

/// Registers the backlog, read now, in a scrape's registry (a
/// [`TableGauges`](crate::db::metrics::TableGauges)).
pub fn register_backlog(conn: &mut AnyConnection, registry: &mut Registry) -> QueryResult<()> {
    let (pending, dead) = backlog(conn)?;
    let messages = Family::<[(&str, &str); 1], Gauge>::default();
    messages
        .get_or_create(&[("status", OutboxStatus::Pending.as_str())])
        .set(pending);
    messages
        .get_or_create(&[("status", OutboxStatus::Dead.as_str())])
        .set(dead);
    registry.register(
        "butterfly_outbox_messages",
        "Emails in the outbox by status: pending (not sent yet) and dead (given up)",
        messages,
    );
    Ok(())
}

/// A claimed outbox row, as much as sending needs. The template is read as text: a row this
/// version cannot render (written by another version) is marked dead on its own instead of
/// failing the claim of the whole batch.
#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = outbox)]
struct Claimed {
    id: i64,
    to_addr: String,
    locale: Locale,
    template: String,
    payload: String,
    attempts: i32,
    created_at: chrono::NaiveDateTime,
}

impl Claimed {
    /// The `Message-ID` of this message: the same at every attempt, unique per outbox row.
    fn message_id(&self, from: &str) -> String {
        let domain = from
            .rsplit_once('@')
            .map(|(_, d)| d.trim_end_matches('>').trim())
            .filter(|d| !d.is_empty())
            .unwrap_or("butterfly.localhost");
        format!(
            "<outbox.{}.{}@{domain}>",
            self.id,
            self.created_at.and_utc().timestamp_micros()
        )
    }

    /// The email this row describes, or why it can never be sent.
    fn email(&self) -> Result<Email, &'static str> {
        let template = Template::parse(&self.template).ok_or("unknown template")?;
        let vars = serde_json::from_str::<MailVars>(&self.payload)
            .map_err(|_| "the payload does not fit the template")?;
        Ok(Email {
            to: self.to_addr.clone(),
            locale: self.locale,
            template,
            vars,
        })
    }
}

/// Ids of due messages, locked for this transaction; another server skips them (see
/// `db::concurrency::claim_ids`). Served by the index on (status, next_attempt_at).
fn due_ids(
    conn: &mut AnyConnection,
    now: chrono::NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    db::concurrency::claim_ids(
        conn,
        outbox::table
            .filter(outbox::status.eq(OutboxStatus::Pending))
            .filter(outbox::next_attempt_at.le(now))
            .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
            .limit(limit)
            .select(outbox::id),
    )
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
            .filter(outbox::status.eq(OutboxStatus::Pending)),
    )
    .set(outbox::next_attempt_at.eq(now))
    .execute(conn)?;
    Ok(())
}

fn mark_sent(conn: &mut AnyConnection, id: i64, now: chrono::NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq(OutboxStatus::Pending)),
    )
    .set((
        outbox::status.eq(OutboxStatus::Sent),
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::sent_at.eq(now),
        outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Makes every dead message pending again, due now, with a fresh count of attempts; returns
/// how many. For `butterfly outbox requeue-dead`, once whatever kept the mail from going out
/// is fixed.
pub fn requeue_dead(conn: &mut AnyConnection) -> QueryResult<usize> {
    diesel::update(outbox::table.filter(outbox::status.eq(OutboxStatus::Dead)))
        .set((
            outbox::status.eq(OutboxStatus::Pending),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(db::now()),
        ))
        .execute(conn)
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
        .filter(outbox::status.eq(OutboxStatus::Pending));
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
                outbox::status.eq(OutboxStatus::Dead),
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

/// Delay before attempt `attempts + 1`: `retry_base_ms * 2^(attempts-1)`, at most
/// `max_retry_delay_ms` (and never more than a day).
fn retry_delay(settings: &OutboxSettings, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(32);
    let ms = settings.retry_base_ms.saturating_mul(1u64 << doublings);
    Duration::from_millis(ms)
        .min(Duration::from_millis(settings.max_retry_delay_ms))
        .min(MAX_RETRY_DELAY)
}

/// From the first attempt to the last: how long a message is retried before it is dead.
pub fn retry_window(settings: &OutboxSettings) -> Duration {
    (1..settings.max_attempts.max(1))
        .map(|attempts| retry_delay(settings, attempts))
        .sum()
}

/// The longest one send may take: every SMTP step at its timeout.
fn send_bound(settings: &OutboxSettings) -> Duration {
    Duration::from_secs(settings.send_timeout_secs.max(1)) * SEND_STEPS
}

/// How long claimed messages are reserved for the server that claimed them: twice the longest
/// send, so the worker can always finish the message in hand within the lease (it gives the
/// rest of a batch back when less than one send is left).
pub fn claim_timeout(settings: &OutboxSettings) -> Duration {
    send_bound(settings) * 2
}

fn after(now: chrono::NaiveDateTime, delay: Duration) -> chrono::NaiveDateTime {
    chrono::Duration::from_std(delay)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests;
