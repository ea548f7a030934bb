//! The email outbox as stories observe it. A message is queued in the same transaction as the
//! request that causes it, so a row exists once the answer is in; the worker then sends it.
//!
//! A story that says an email was *not* sent must first wait for the moment in question to be
//! handled: [`TestApp::drain_outbox`] waits until nothing is left to send, after which every
//! message queued so far has reached the SMTP receiver. Never a fixed sleep: it passes without
//! proving anything when the worker is slow.

use std::time::{Duration, Instant};

use butterfly::db::DbError;
use butterfly::db::schema::outbox;
use diesel::prelude::*;

use super::database::Count;
use super::{ReceivedEmail, TestApp};

/// How long the outbox may take to send what is queued before the test fails.
const DRAIN_WAIT: Duration = Duration::from_secs(20);

impl TestApp {
    /// Outbox rows matching a condition both backends understand (`status = 'sent'`).
    pub async fn outbox_count(&self, condition: &str) -> i64 {
        let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM outbox WHERE {condition}");
        self.db()
            .read(move |conn| {
                diesel::sql_query(sql)
                    .get_result::<Count>(conn)
                    .map(|count| count.n)
                    .map_err(DbError::Query)
            })
            .await
            .expect("the outbox can be read")
    }

    /// Waits until at least `count` outbox rows match `condition`.
    pub async fn wait_for_outbox(&self, condition: &str, count: i64) {
        let start = Instant::now();
        while self.outbox_count(condition).await < count {
            assert!(
                start.elapsed() < DRAIN_WAIT,
                "the outbox never had {count} row(s) with {condition}"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Emails of `template` queued for `to` (final once the answer that queued them is in).
    pub async fn queued(&self, to: &str, template: &str) -> i64 {
        self.outbox_count(&format!("to_addr = '{to}' AND template = '{template}'"))
            .await
    }

    /// Waits until the outbox has nothing left to send: every message queued so far has been
    /// handed to the SMTP receiver. Fails the test when one was given up (dead), since what
    /// arrived would then prove nothing.
    pub async fn drain_outbox(&self) {
        let start = Instant::now();
        loop {
            let pending = self.outbox_with_status("pending").await;
            if pending == 0 {
                break;
            }
            assert!(
                start.elapsed() < DRAIN_WAIT,
                "the outbox still has {pending} message(s) to send after {DRAIN_WAIT:?}"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        let dead = self.outbox_with_status("dead").await;
        assert_eq!(dead, 0, "the outbox gave up {dead} message(s)");
    }

    /// Every message `address` got, once the outbox has nothing left to send.
    pub async fn emails_once_sent(&self, address: &str) -> Vec<ReceivedEmail> {
        self.drain_outbox().await;
        // The receiver stores a message before it acknowledges it, so what the outbox marked
        // sent is there; waiting for it only makes a wrong count fail with a clear message.
        let sent = self
            .outbox_count(&format!(
                "status = 'sent' AND to_addr = '{}'",
                address.replace('\'', "''")
            ))
            .await;
        let sent = usize::try_from(sent).unwrap_or(usize::MAX);
        if sent > 0 {
            self.wait_for_emails(address, sent).await;
        }
        self.emails_to(address)
    }

    async fn outbox_with_status(&self, status: &'static str) -> i64 {
        self.db()
            .read(move |conn| {
                outbox::table
                    .filter(outbox::status.eq(status))
                    .count()
                    .get_result(conn)
                    .map_err(DbError::Query)
            })
            .await
            .unwrap_or_else(|e| panic!("cannot read the outbox: {e}"))
    }
}
