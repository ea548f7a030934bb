//! Who hears about what in the trial feature: in-app notifications, and the two emails (an
//! answer to a coordinator's notice, the daily alert digest), always written in the
//! transaction of the event. Emails carry a link, never health details.

use chrono::{Duration, NaiveDateTime};
use diesel::QueryResult;

use super::filters;
use super::model::{InterestStatus, Site};
use super::store::{self, alerts as alert_store, interests as interest_store};
use crate::app::AppState;
use crate::db::AnyConnection;
use crate::notify::inapp::{self, NewNotification, NotificationKind};
use crate::notify::outbox;
use crate::notify::templates::{Email, MailVars, Template};

/// At most one alert email a day per member.
pub const ALERT_EMAIL_INTERVAL: Duration = Duration::hours(24);
/// At most one answer email an hour per notice.
pub const INTEREST_EMAIL_INTERVAL: Duration = Duration::hours(1);

/// Records an in-app notification.
pub fn tell(
    conn: &mut AnyConnection,
    user_id: i64,
    kind: NotificationKind,
    subject_id: i64,
    actor_id: Option<i64>,
    detail: &str,
) -> QueryResult<()> {
    inapp::record_event(
        conn,
        &NewNotification {
            user_id,
            kind,
            subject_id,
            thread_id: None,
            actor_id,
            detail: (!detail.is_empty()).then_some(detail),
        },
    )
}

fn page(state: &AppState, path: &str) -> String {
    format!("{}/{path}", state.settings.public_url.trim_end_matches('/'))
}

/// Emails a member who can still sign in; silently skips other accounts.
fn email(
    conn: &mut AnyConnection,
    user_id: i64,
    template: Template,
    link: String,
) -> QueryResult<bool> {
    let Some((to, locale, display_name)) = interest_store::reachable_account(conn, user_id)? else {
        return Ok(false);
    };
    outbox::enqueue(
        conn,
        &Email {
            to,
            locale,
            template,
            vars: MailVars {
                display_name,
                link: Some(link),
            },
        },
    )?;
    Ok(true)
}

/// The coordinator changed the status of a member's answer: she is told in-app, and by email
/// if she asked for it. Call only when the status did change.
pub fn answer_updated(
    state: &AppState,
    conn: &mut AnyConnection,
    trial_id: i64,
    member_id: i64,
    status: InterestStatus,
    by_email: bool,
) -> QueryResult<()> {
    tell(
        conn,
        member_id,
        NotificationKind::TrialAnswerUpdate,
        trial_id,
        None,
        status.as_str(),
    )?;
    if by_email {
        email(
            conn,
            member_id,
            Template::TrialUpdate,
            page(state, &format!("trials/{trial_id}")),
        )?;
    }
    Ok(())
}

/// A notice changed its recruitment status or closed: everyone who answered it (and did not
/// withdraw) or watches it is told once, in-app, and by email if they asked for it. Call only
/// when the change did happen.
pub fn notice_updated(
    state: &AppState,
    conn: &mut AnyConnection,
    trial_id: i64,
    detail: &str,
) -> QueryResult<()> {
    for (member_id, by_email) in interest_store::followers(conn, trial_id)? {
        tell(
            conn,
            member_id,
            NotificationKind::TrialNoticeUpdate,
            trial_id,
            None,
            detail,
        )?;
        if by_email {
            email(
                conn,
                member_id,
                Template::TrialUpdate,
                page(state, &format!("trials/{trial_id}")),
            )?;
        }
    }
    Ok(())
}

/// Sites of a published notice opened or closed: each member who answered it (and did not
/// withdraw) or watches it, and whose private health profile names the city and country of
/// such a site, is told once per site, in-app, and by email (a link only) if she asked. A
/// member without a city in her profile is not told: a country is not "near".
pub fn sites_changed(
    state: &AppState,
    conn: &mut AnyConnection,
    trial_id: i64,
    opened: &[Site],
    closed: &[Site],
) -> QueryResult<()> {
    if opened.is_empty() && closed.is_empty() {
        return Ok(());
    }
    let followers = interest_store::followers(conn, trial_id)?;
    let ids: Vec<i64> = followers.iter().map(|(id, _)| *id).collect();
    let places = super::precheck::service::places_of(conn, &ids)?;
    for (member_id, by_email) in followers {
        let Some((_, Some(country), Some(city))) = places.iter().find(|p| p.0 == member_id) else {
            continue;
        };
        let here = |s: &&Site| {
            filters::country_key(&s.country) == filters::country_key(country)
                && filters::condition_key(&s.city) == filters::condition_key(city)
        };
        let news: Vec<String> = opened
            .iter()
            .filter(here)
            .map(|s| format!("a site in {} opened: {}", s.city, s.facility))
            .chain(
                closed
                    .iter()
                    .filter(here)
                    .map(|s| format!("a site in {} closed: {}", s.city, s.facility)),
            )
            .collect();
        for detail in &news {
            tell(
                conn,
                member_id,
                NotificationKind::TrialNoticeUpdate,
                trial_id,
                None,
                detail,
            )?;
        }
        if by_email && !news.is_empty() {
            email(
                conn,
                member_id,
                Template::TrialUpdate,
                page(state, &format!("trials/{trial_id}")),
            )?;
        }
    }
    Ok(())
}

/// A member answered a notice: the coordinator is told in-app, and by email unless another
/// answer to the same notice came within the hour (that email covers this one too).
pub fn interest_received(
    state: &AppState,
    conn: &mut AnyConnection,
    trial_id: i64,
    coordinator_id: i64,
    interest_id: i64,
    member_id: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    tell(
        conn,
        coordinator_id,
        NotificationKind::TrialInterest,
        trial_id,
        Some(member_id),
        "",
    )?;
    if !interest_store::answered_since(conn, trial_id, interest_id, now - INTEREST_EMAIL_INTERVAL)?
    {
        email(
            conn,
            coordinator_id,
            Template::TrialInterest,
            page(state, &format!("trials/{trial_id}/interests")),
        )?;
    }
    Ok(())
}

/// Sends the member one email about every alert hit not emailed yet, if none went out in the
/// last day; otherwise the hits wait for the worker's next digest. Returns whether it sent.
pub fn alert_digest(
    state: &AppState,
    conn: &mut AnyConnection,
    user_id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    // Digests for one member take turns (two notices published at once, or a publication
    // and the worker), so the ledger read here is the last one written.
    store::lock_member(conn, user_id)?;
    let last = alert_store::last_email(conn, user_id)?;
    if last.is_some_and(|t| now - t < ALERT_EMAIL_INTERVAL) {
        return Ok(false);
    }
    if alert_store::mark_emailed(conn, user_id, now)? == 0 {
        return Ok(false);
    }
    alert_store::record_email(conn, user_id, last.is_some(), now)?;
    email(
        conn,
        user_id,
        Template::TrialAlert,
        page(state, "me/trial-alerts"),
    )
}
