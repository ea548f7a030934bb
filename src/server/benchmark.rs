//! `butterfly seed --scale N`, composed: the forum's benchmark data (`forum::seed`), then what
//! the other features add to it: [`FLAGGED_POSTS`] posts flagged by one or two members each (the
//! moderation queue) and [`notice_count`] published, recruiting trial notices of the seeded
//! coordinator (`trials::seed`, written through the app's own checks and publication, so their
//! search text and keys are the app's; their timestamps, like the flags', are the time of
//! seeding).

use diesel::prelude::*;

use crate::db::Db;
use crate::db::schema::{posts, users};
use crate::forum::seed::{self, COORDINATOR_EMAIL, Rng, SeedError, SeedReport};
use crate::moderation::{self, model::FlagReason};
use crate::trials::{self, content};

/// Trial notices written per transaction.
const NOTICES_PER_CHUNK: usize = 250;
/// Posts flagged by one or two members (fewer than the three that hide a post).
pub const FLAGGED_POSTS: i64 = 40;

/// Trial notices at a scale: 2,000 at 1.0, at least 20.
pub fn notice_count(scale: f64) -> i64 {
    ((2_000.0 * scale).round() as i64).max(20)
}

/// Seeds an empty database at `scale` (see the module documentation); `password_hash` is the
/// PHC string every account gets, `progress` receives one line per step.
pub fn seed(
    db: &Db,
    scale: f64,
    password_hash: &str,
    mut progress: impl FnMut(&str),
) -> Result<SeedReport, SeedError> {
    let mut report = seed::seed(db, scale, password_hash, &mut progress)?;
    report.flagged_posts = seed_flags(db, report.users, report.posts)?;
    progress(&format!("{} flagged posts", report.flagged_posts));
    let coordinator_id: i64 = db.read_blocking(|conn| {
        users::table
            .filter(users::email_lower.eq(COORDINATOR_EMAIL))
            .select(users::id)
            .first(conn)
            .map_err(SeedError::from)
    })?;
    report.notices = seed_notices(db, notice_count(scale), coordinator_id, &mut progress)?;
    Ok(report)
}

/// Flags [`FLAGGED_POSTS`] distinct posts (at most all of them), each by one or two members
/// other than its author; returns how many.
fn seed_flags(db: &Db, n_users: i64, n_posts: i64) -> Result<i64, SeedError> {
    const REASONS: [FlagReason; 5] = [
        FlagReason::Spam,
        FlagReason::Harassment,
        FlagReason::Misinformation,
        FlagReason::OffTopic,
        FlagReason::PersonalInfo,
    ];
    let mut rng = Rng(0xf1a9_5eed_u64 ^ n_posts as u64);
    let wanted = FLAGGED_POSTS.min(n_posts) as usize;
    let mut flagged: Vec<i64> = Vec::with_capacity(wanted);
    while flagged.len() < wanted {
        let post = 1 + rng.below(n_posts as u64) as i64;
        if !flagged.contains(&post) {
            flagged.push(post);
        }
    }
    db.write_blocking(|conn| -> Result<(), SeedError> {
        for &post_id in &flagged {
            let author: i64 = posts::table
                .find(post_id)
                .select(posts::author_id)
                .first(conn)?;
            let mut reporters: Vec<i64> = Vec::new();
            let wanted = 1 + rng.below(2) as usize;
            while reporters.len() < wanted.min(n_users as usize - 1) {
                let r = 1 + rng.below(n_users as u64) as i64;
                if r != author && !reporters.contains(&r) {
                    reporters.push(r);
                }
            }
            for reporter in reporters {
                let reason = REASONS[rng.below(REASONS.len() as u64) as usize];
                moderation::service::seed_flag(conn, post_id, reporter, reason)?;
            }
        }
        Ok(())
    })?;
    Ok(wanted as i64)
}

/// Publishes `count` trial notices of `coordinator_id` (`trials::seed`), [`NOTICES_PER_CHUNK`]
/// per transaction; returns how many.
fn seed_notices(
    db: &Db,
    count: i64,
    coordinator_id: i64,
    progress: &mut impl FnMut(&str),
) -> Result<i64, SeedError> {
    let mut rng = Rng(0x7e1a_15ee_d000_u64 ^ count as u64);
    let mut pick = |n: usize| rng.below(n as u64) as usize;
    let count = count as usize;
    let mut start = 0;
    while start < count {
        let end = (start + NOTICES_PER_CHUNK).min(count);
        let data: Vec<content::NoticeData> = (start..end)
            .map(|i| content::check(trials::seed::notice(i, &mut pick)))
            .collect::<Result<_, _>>()?;
        db.write_blocking(|conn| -> Result<(), SeedError> {
            for notice in &data {
                trials::service::publish_demo(conn, coordinator_id, notice)?;
            }
            Ok(())
        })?;
        progress(&format!("trial notices {end}/{count}"));
        start = end;
    }
    Ok(count as i64)
}

#[cfg(test)]
mod tests {
    use super::notice_count;

    #[test]
    fn notices_follow_the_scale() {
        assert_eq!(notice_count(1.0), 2_000);
        assert_eq!(notice_count(0.1), 200);
        assert_eq!(notice_count(0.001), 20);
    }
}
