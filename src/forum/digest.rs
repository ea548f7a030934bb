//! The optional email digest of followed activity: a member chooses daily or weekly (or none),
//! and a background job sends her, at most once a day or once an ISO week, one email in her
//! language saying that there is new activity where she follows (new posts in threads and
//! boards she watches, replies and mentions she has not read), with a link to her
//! notifications and nothing of what was written. A server claims a member's digest for a
//! period with a conditional update, so two servers never send it twice.

use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::DigestFrequency;
use super::store;
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::policy::{Action, authorize};
use crate::db::schema::activity_digests;
use crate::db::{self, AnyConnection};
use crate::http::error::ApiError;
use crate::notify::inapp::{self, NotificationKind};
use crate::notify::outbox;
use crate::notify::templates::{Email, MailVars, Template};

/// `GET` and `PUT /me/digest`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DigestSettings {
    pub frequency: DigestFrequency,
}

/// What the digest counts: activity where she follows, and what is addressed to her.
const DIGEST_KINDS: [NotificationKind; 5] = [
    NotificationKind::WatchedThreadPost,
    NotificationKind::WatchedBoardThread,
    NotificationKind::ReplyToThread,
    NotificationKind::ReplyToPost,
    NotificationKind::Mention,
];

/// Members whose digests one pass of the job considers at most.
const BATCH: i64 = 500;

/// How often the job looks for digests to send.
pub const INTERVAL: std::time::Duration = std::time::Duration::from_secs(300);

/// One pass of the job (see [`send_due`]), logged.
pub async fn sweep(state: AppState) {
    let app = state.clone();
    match state.db.write(move |conn| send_due(&app, conn)).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(sent = n, "queued activity digests"),
        Err(e) => tracing::warn!(error = %e, "sending activity digests failed"),
    }
}

/// `GET /me/digest`.
pub async fn settings(state: &AppState, caller: &Caller) -> Result<DigestSettings, ApiError> {
    authorize(caller, Action::ProtectOneself)?;
    let me = caller.user_id;
    let frequency: Option<DigestFrequency> = state
        .db
        .read(move |conn| {
            Ok::<_, ApiError>(
                activity_digests::table
                    .find(me)
                    .select(activity_digests::frequency)
                    .first(conn)
                    .optional()?,
            )
        })
        .await?;
    Ok(DigestSettings {
        frequency: frequency.unwrap_or(DigestFrequency::Off),
    })
}

/// `PUT /me/digest`: the first digest covers what happens from now on.
pub async fn choose(
    state: &AppState,
    caller: &Caller,
    req: DigestSettings,
) -> Result<DigestSettings, ApiError> {
    authorize(caller, Action::ProtectOneself)?;
    let me = caller.user_id;
    let frequency = req.frequency;
    state
        .db
        .write(move |conn| {
            if frequency == DigestFrequency::Off {
                diesel::delete(activity_digests::table.find(me)).execute(conn)?;
                return Ok::<_, ApiError>(());
            }
            let now = db::now();
            db::concurrency::insert_or_update(
                conn,
                diesel::insert_into(activity_digests::table).values((
                    activity_digests::user_id.eq(me),
                    activity_digests::frequency.eq(frequency),
                    activity_digests::since.eq(now),
                    activity_digests::updated_at.eq(now),
                )),
                |conn| {
                    diesel::update(activity_digests::table.find(me))
                        .set((
                            activity_digests::frequency.eq(frequency),
                            activity_digests::updated_at.eq(now),
                        ))
                        .execute(conn)
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(DigestSettings { frequency })
}

/// The period a digest of `frequency` belongs to at `now`: the day, or the ISO week.
fn period(frequency: DigestFrequency, now: NaiveDateTime) -> String {
    match frequency {
        DigestFrequency::Weekly => {
            let week = now.date().iso_week();
            format!("{}-W{:02}", week.year(), week.week())
        }
        DigestFrequency::Daily | DigestFrequency::Off => now.date().format("%Y-%m-%d").to_string(),
    }
}

/// One pass of the job, in one write transaction: claims each digest not yet sent for its
/// current period, and queues an email where there is unread activity since the last one.
/// Returns the number of emails queued.
pub fn send_due(state: &AppState, conn: &mut AnyConnection) -> Result<usize, ApiError> {
    let now = db::now();
    let daily = period(DigestFrequency::Daily, now);
    let weekly = period(DigestFrequency::Weekly, now);
    let due: Vec<(i64, DigestFrequency, NaiveDateTime)> = activity_digests::table
        .filter(
            activity_digests::frequency
                .eq(DigestFrequency::Daily)
                .and(
                    activity_digests::last_period
                        .ne(&daily)
                        .or(activity_digests::last_period.is_null()),
                )
                .or(activity_digests::frequency.eq(DigestFrequency::Weekly).and(
                    activity_digests::last_period
                        .ne(&weekly)
                        .or(activity_digests::last_period.is_null()),
                )),
        )
        .order(activity_digests::user_id.asc())
        .limit(BATCH)
        .select((
            activity_digests::user_id,
            activity_digests::frequency,
            activity_digests::since,
        ))
        .load(conn)?;
    let mut sent = 0;
    for (user_id, frequency, since) in due {
        let key = period(frequency, now);
        // The claim: only the server whose update changes the row sends this period's digest.
        let claimed = diesel::update(
            activity_digests::table.find(user_id).filter(
                activity_digests::last_period
                    .ne(&key)
                    .or(activity_digests::last_period.is_null()),
            ),
        )
        .set((
            activity_digests::last_period.eq(&key),
            activity_digests::since.eq(now),
        ))
        .execute(conn)?;
        if claimed == 0 || inapp::unread_since(conn, user_id, since, &DIGEST_KINDS)? == 0 {
            continue;
        }
        let Some(recipient) = store::email_recipient(conn, user_id, false)? else {
            continue;
        };
        outbox::enqueue(
            conn,
            &Email {
                to: recipient.email,
                locale: recipient.locale,
                template: Template::ActivityDigest,
                vars: MailVars {
                    display_name: recipient.display_name,
                    link: Some(format!(
                        "{}/notifications",
                        state.settings.public_url.trim_end_matches('/')
                    )),
                },
            },
        )?;
        sent += 1;
    }
    Ok(sent)
}

/// Erasure: her digest choice goes.
pub(super) fn erase(conn: &mut AnyConnection, user_id: i64) -> QueryResult<()> {
    diesel::delete(activity_digests::table.find(user_id))
        .execute(conn)
        .map(|_| ())
}

/// Her digest choice, for the export (`off` when none).
pub(super) fn frequency_of(conn: &mut AnyConnection, user_id: i64) -> QueryResult<DigestFrequency> {
    Ok(activity_digests::table
        .find(user_id)
        .select(activity_digests::frequency)
        .first(conn)
        .optional()?
        .unwrap_or(DigestFrequency::Off))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn a_period_is_the_day_or_the_iso_week() {
        let at = |y, m, d| {
            NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|d| d.and_hms_opt(23, 59, 0))
                .expect("a date")
        };
        assert_eq!(
            period(DigestFrequency::Daily, at(2026, 12, 3)),
            "2026-12-03"
        );
        assert_eq!(period(DigestFrequency::Weekly, at(2026, 12, 3)), "2026-W49");
        // ISO weeks cross years: 2027-01-01 is a Friday of 2026's week 53.
        assert_eq!(period(DigestFrequency::Weekly, at(2027, 1, 1)), "2026-W53");
    }
}
