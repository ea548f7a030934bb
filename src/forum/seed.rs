//! `butterfly seed --scale N`: deterministic pseudo-random forum data for benchmarks.
//!
//! `--scale 1.0` is the full size of DESIGN §8 (10k users, 100k threads, 1M posts); `0.01` is
//! a hundredth. The same scale always gives the same rows (a fixed-seed SplitMix64 generator,
//! fixed timestamps), on an empty database only.
//!
//! Speed: rows are written in chunks of [`THREADS_PER_CHUNK`] threads, one transaction per chunk,
//! with multi-row `INSERT … VALUES (…), (…)` statements of literal values (the generated text is
//! ours and quoted with [`quote`]); ids are given explicitly, so no `RETURNING` round trip is
//! needed. Post bodies are composed of whole paragraphs from a pool rendered once
//! ([`markdown::render`] of paragraphs joined by blank lines is the concatenation of their
//! renderings; a test checks it), so the sanitiser runs a few hundred times, not a million.
//!
//! Passwords: every seeded account gets the **same** argon2 PHC string, hashed once by the caller
//! from [`SEED_PASSWORD`]; hashing a million-row data set's 10k passwords one by one would take
//! minutes and measure nothing. Seeded accounts can log in with that password.
//!
//! Counters are consistent: `threads.reply_count` (published replies), `threads.reaction_count`
//! (reactions on all its posts, each a row in `reactions`), `posts.*_count`,
//! `threads.last_activity_at` (its last post), `boards.thread_count` and
//! `boards.last_activity_at`. Search: `posts.search_text` is [`search::index_text`] of the title
//! (first post) and the plain text, and each post is put in the SQLite FTS table with
//! [`search::index_post`].
//!
//! Beside the forum: a coordinator ([`COORDINATOR_EMAIL`]) and a moderator ([`MODERATOR_EMAIL`],
//! without two-factor authentication: `perf/run.sh` enrols it), whose trial notices and flags
//! `server::benchmark` adds; and a `reply_to_thread` notification for every reply to a thread of
//! the first [`NOTIFIED_MEMBERS`] members. `member1` is at trust level 1 at least, so the
//! new-member posting pace does not hold the replies a benchmark writes as her.

use std::fmt::Write as _;
use std::time::Instant;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::model::ReactionKind;
use crate::auth::content::PostStatus;
use crate::auth::model::{Locale, Role};
use crate::db::schema::{boards, threads, users};
use crate::db::{self, AnyConnection, Db, DbError, search};
use crate::http::error::ApiError;
use crate::markdown;
use crate::notify::inapp::NotificationKind;

/// The password of every seeded account (documented in `perf/README.md`).
pub const SEED_PASSWORD: &str = "butterfly-seed-password-2026";

/// Threads written per transaction (with all their posts, tags and reactions).
const THREADS_PER_CHUNK: usize = 2_000;
/// Rows per multi-row `INSERT`.
const ROWS_PER_INSERT: usize = 500;
/// Users written per transaction.
const USERS_PER_CHUNK: usize = 5_000;
/// Members (`member1` …) notified of the replies to their threads.
pub const NOTIFIED_MEMBERS: i64 = 50;
/// The coordinator of the seeded trial notices.
pub const COORDINATOR_EMAIL: &str = "coordinator@seed.butterfly.test";
/// The seeded moderator.
pub const MODERATOR_EMAIL: &str = "moderator@seed.butterfly.test";

/// What a seed run wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub users: i64,
    pub threads: i64,
    pub posts: i64,
    pub reactions: i64,
    pub tags: i64,
    /// Published trial notices.
    pub notices: i64,
    pub notifications: i64,
    /// Posts with open flags (each an item of the moderation queue).
    pub flagged_posts: i64,
}

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the scale must be a number above 0 and at most 10")]
    Scale,
    #[error("the database is not empty ({0} users, {1} threads): seed an empty database")]
    NotEmpty(i64, i64),
    #[error("the database has no boards")]
    NoBoards,
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("{0}")]
    Db(#[from] DbError),
    #[error("{0}")]
    Api(#[from] ApiError),
}

/// Row counts of a scale: (users, threads, posts), each at least 1 (posts at least threads).
pub fn sizes(scale: f64) -> (i64, i64, i64) {
    let users = ((10_000.0 * scale).round() as i64).max(2);
    let threads = ((100_000.0 * scale).round() as i64).max(1);
    let posts = ((1_000_000.0 * scale).round() as i64).max(threads);
    (users, threads, posts)
}

/// Seeds an empty database at `scale`. `password_hash` is the PHC string every account gets;
/// `progress` receives one line per step.
pub fn seed(
    db: &Db,
    scale: f64,
    password_hash: &str,
    mut progress: impl FnMut(&str),
) -> Result<SeedReport, SeedError> {
    if !(scale > 0.0 && scale <= 10.0) {
        return Err(SeedError::Scale);
    }
    let (existing_users, existing_threads, board_ids) =
        db.read_blocking(|conn| -> Result<_, SeedError> {
            let users: i64 = users::table.count().get_result(conn)?;
            let threads: i64 = threads::table.count().get_result(conn)?;
            let boards: Vec<(i64, String)> = boards::table
                .order(boards::position.asc())
                .select((boards::id, boards::slug))
                .load(conn)?;
            Ok((users, threads, boards))
        })?;
    if existing_users > 0 || existing_threads > 0 {
        return Err(SeedError::NotEmpty(existing_users, existing_threads));
    }
    if board_ids.is_empty() {
        return Err(SeedError::NoBoards);
    }
    let (n_users, n_threads, n_posts) = sizes(scale);
    let started = Instant::now();
    let mut rng = Rng(0x5eed_b077_e2f1_u64 ^ n_posts as u64);
    let base = NaiveDate::from_ymd_opt(2024, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let mut report = SeedReport::default();

    // ---- users ----
    let mut user_rows = Vec::with_capacity(USERS_PER_CHUNK);
    for id in 1..=n_users {
        let zh = rng.below(100) < 15;
        let created = base + Duration::seconds(rng.below(86_400 * 180) as i64);
        let name = format!("{}{id}", NAMES[rng.below(NAMES.len() as u64) as usize]);
        let email = format!("member{id}@seed.butterfly.test");
        let mut row = String::with_capacity(300);
        let _ = write!(
            row,
            "({id}, {e}, {e}, {h}, {n}, {nl}, {sk}, '{loc}', '', '{role}', {trust}, {t}, {t}, {t})",
            e = quote(&email),
            h = quote(password_hash),
            n = quote(&name),
            nl = quote(&name.to_lowercase()),
            sk = quote(&crate::auth::names::skeleton(&name)),
            loc = if zh { Locale::ZhCn } else { Locale::En },
            role = Role::Member,
            trust = if id == 1 {
                rng.below(3).max(1)
            } else {
                rng.below(3)
            },
            t = ts(created),
        );
        user_rows.push(row);
        if user_rows.len() == USERS_PER_CHUNK || id == n_users {
            db.write_blocking(|conn| -> Result<(), SeedError> {
                Ok(insert_rows(
                    conn,
                    "users (id, email, email_lower, password_hash, display_name, \
                     display_name_lower, display_name_skeleton, locale, bio, role, trust_level, \
                     email_verified_at, created_at, updated_at)",
                    &user_rows,
                )?)
            })?;
            user_rows.clear();
            progress(&format!("users {id}/{n_users}"));
        }
    }
    let staff: Vec<String> = [
        (COORDINATOR_EMAIL, "SeedCoordinator", Role::Coordinator),
        (MODERATOR_EMAIL, "SeedModerator", Role::Moderator),
    ]
    .iter()
    .zip(1..)
    .map(|((email, name, role), offset)| {
        format!(
            "({}, {e}, {e}, {h}, {n}, {nl}, {sk}, '{loc}', '', '{role}', 2, {t}, {t}, {t})",
            n_users + offset,
            e = quote(email),
            h = quote(password_hash),
            n = quote(name),
            nl = quote(&name.to_lowercase()),
            sk = quote(&crate::auth::names::skeleton(name)),
            loc = Locale::En,
            t = ts(base),
        )
    })
    .collect();
    db.write_blocking(|conn| -> Result<(), SeedError> {
        Ok(insert_rows(
            conn,
            "users (id, email, email_lower, password_hash, display_name, display_name_lower, \
             display_name_skeleton, locale, bio, role, trust_level, email_verified_at, \
             created_at, updated_at)",
            &staff,
        )?)
    })?;
    report.users = n_users;

    // ---- posts per thread: 1 + a skewed share of the rest ----
    let mut per_thread = vec![1_u32; n_threads as usize];
    for _ in 0..(n_posts - n_threads) {
        // Squaring a uniform number favours low indexes: a few long threads, many short ones.
        let u = rng.unit();
        let i = ((u * u) * n_threads as f64) as usize;
        per_thread[i.min(n_threads as usize - 1)] += 1;
    }
    // Shuffle which threads are the long ones, deterministically.
    for i in (1..per_thread.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        per_thread.swap(i, j);
    }

    let pool = ParagraphPool::new(&mut rng);
    let span_seconds = 86_400 * 700;
    let mut board_last: Vec<Option<NaiveDateTime>> = vec![None; board_ids.len()];
    let mut board_count: Vec<i64> = vec![0; board_ids.len()];
    let mut next_post_id: i64 = 1;

    let mut thread_rows = Vec::new();
    let mut post_rows = Vec::new();
    let mut tag_rows = Vec::new();
    let mut reaction_rows = Vec::new();
    let mut search_rows: Vec<(i64, String)> = Vec::new();
    let mut notification_rows = Vec::new();
    let mut chunk_start = 1_i64;
    for thread_id in 1..=n_threads {
        // "my-story" (position 2) gets 40 % of the threads, so deep pages exist on it.
        let board_index = if board_ids.len() > 1 && rng.below(100) < 40 {
            1
        } else {
            rng.below(board_ids.len() as u64) as usize
        };
        let board_id = board_ids[board_index].0;
        let author = 1 + rng.below(n_users as u64) as i64;
        let anonymous = rng.below(100) < 5;
        let created = base + Duration::seconds((thread_id * span_seconds) / n_threads);
        let title = pool.title(&mut rng);
        let tags = pick_tags(&mut rng);
        let n = per_thread[(thread_id - 1) as usize] as i64;
        let first_post_id = next_post_id;
        let mut at = created;
        let mut thread_reactions = 0_i64;
        for k in 0..n {
            let post_id = next_post_id;
            next_post_id += 1;
            let post_author = if k == 0 {
                author
            } else {
                1 + rng.below(n_users as u64) as i64
            };
            if k > 0 {
                at += Duration::seconds(60 + rng.below(36_000) as i64);
            }
            let (body, html, plain) = pool.body(&mut rng);
            let search_text = search::index_text((k == 0).then_some(title.as_str()), &plain);
            let mut counts = [0_i64; 3];
            for (kind_index, kind) in ReactionKind::ALL.iter().enumerate() {
                let c = match rng.below(10) {
                    0..=5 => 0,
                    6..=8 => 1 + rng.below(2),
                    _ => 1 + rng.below(6),
                }
                .min(n_users as u64);
                let first_user = rng.below(n_users as u64);
                for r in 0..c {
                    let user = 1 + (first_user + r) % n_users as u64;
                    reaction_rows.push(format!("({post_id}, {user}, '{kind}', {})", ts(at)));
                }
                counts[kind_index] = c as i64;
            }
            thread_reactions += counts.iter().sum::<i64>();
            let anon = if k == 0 {
                anonymous
            } else {
                rng.below(100) < 5
            };
            post_rows.push(format!(
                "({post_id}, {thread_id}, {post_author}, {}, {}, {}, {}, '{published}', {}, \
                 {}, {}, {}, {})",
                quote(&body),
                quote(&html),
                quote(&search_text),
                bool_sql(anon),
                bool_sql(k == 0),
                counts[0],
                counts[1],
                counts[2],
                ts(at),
                published = PostStatus::Published,
            ));
            search_rows.push((post_id, search_text));
            if k > 0 && author <= NOTIFIED_MEMBERS && post_author != author {
                // Every other one read an hour after it came.
                let read = if post_id % 2 == 0 {
                    ts(at + Duration::hours(1))
                } else {
                    "NULL".into()
                };
                notification_rows.push(format!(
                    "({author}, '{}', {post_id}, {thread_id}, {post_author}, NULL, {read}, {})",
                    NotificationKind::ReplyToThread,
                    ts(at),
                ));
            }
        }
        report.reactions += thread_reactions;
        report.tags += tags.len() as i64;
        for tag in &tags {
            tag_rows.push(format!("({thread_id}, {})", quote(tag)));
        }
        thread_rows.push(format!(
            "({thread_id}, {board_id}, {author}, {}, {}, {}, NULL, '{published}', FALSE, FALSE, \
             {first_post_id}, {}, {thread_reactions}, {}, {})",
            quote(&title),
            quote(&tags.join(" ")),
            bool_sql(anonymous),
            n - 1,
            ts(at),
            ts(created),
            published = PostStatus::Published,
        ));
        board_count[board_index] += 1;
        if board_last[board_index].is_none_or(|last| last < at) {
            board_last[board_index] = Some(at);
        }
        if thread_rows.len() == THREADS_PER_CHUNK || thread_id == n_threads {
            db.write_blocking(|conn| -> Result<(), SeedError> {
                insert_rows(
                    conn,
                    "threads (id, board_id, author_id, title, tags, anonymous, content_warning, \
                     status, locked, pinned, first_post_id, reply_count, reaction_count, \
                     last_activity_at, created_at)",
                    &thread_rows,
                )?;
                insert_rows(
                    conn,
                    "posts (id, thread_id, author_id, body, body_html, search_text, anonymous, \
                     status, is_first, support_count, helpful_count, hug_count, created_at)",
                    &post_rows,
                )?;
                insert_rows(conn, "thread_tags (thread_id, tag)", &tag_rows)?;
                insert_rows(
                    conn,
                    "reactions (post_id, user_id, kind, created_at)",
                    &reaction_rows,
                )?;
                insert_rows(
                    conn,
                    "notifications (user_id, kind, subject_id, thread_id, actor_id, detail, \
                     read_at, created_at)",
                    &notification_rows,
                )?;
                for (post_id, text) in &search_rows {
                    search::index_post(conn, *post_id, text)?;
                }
                Ok(())
            })?;
            report.notifications += notification_rows.len() as i64;
            report.posts = next_post_id - 1;
            progress(&format!(
                "threads {chunk_start}-{thread_id}/{n_threads}, posts {}/{n_posts}, {:.1} s",
                report.posts,
                started.elapsed().as_secs_f64()
            ));
            chunk_start = thread_id + 1;
            thread_rows.clear();
            post_rows.clear();
            tag_rows.clear();
            reaction_rows.clear();
            search_rows.clear();
            notification_rows.clear();
        }
    }
    report.threads = n_threads;

    db.write_blocking(|conn| -> Result<(), SeedError> {
        for (i, (board_id, _)) in board_ids.iter().enumerate() {
            diesel::update(boards::table.find(*board_id))
                .set((
                    boards::thread_count.eq(board_count[i]),
                    boards::last_activity_at.eq(board_last[i]),
                ))
                .execute(conn)?;
        }
        Ok(())
    })?;
    db.write_blocking(|conn| -> Result<(), SeedError> { Ok(finish(conn)?) })?;
    progress(&format!("done in {:.1} s", started.elapsed().as_secs_f64()));
    Ok(report)
}

/// Writes `rows` (each a parenthesised tuple of literals) into `target` (`table (columns)`),
/// [`ROWS_PER_INSERT`] rows per statement.
fn insert_rows(conn: &mut AnyConnection, target: &str, rows: &[String]) -> QueryResult<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut sql = String::with_capacity(chunk.iter().map(|r| r.len() + 2).sum::<usize>() + 64);
        sql.push_str("INSERT INTO ");
        sql.push_str(target);
        sql.push_str(" VALUES ");
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(row);
        }
        conn.batch_execute(&sql)?;
    }
    Ok(())
}

/// After explicit ids: moves the identity sequences past them and refreshes planner statistics.
fn finish(conn: &mut AnyConnection) -> QueryResult<()> {
    db::advance_id_sequences(conn, &["users", "threads", "posts"])?;
    db::analyze(conn)
}

/// A SQL string literal (standard quoting: `'` doubled; both backends use standard strings).
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A timestamp literal in the text form diesel writes for SQLite (whole seconds).
fn ts(t: NaiveDateTime) -> String {
    format!("'{}'", t.format("%Y-%m-%d %H:%M:%S"))
}

fn bool_sql(b: bool) -> &'static str {
    if b { "TRUE" } else { "FALSE" }
}

/// SplitMix64: small, fast and the same on every platform and crate version.
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`; the tiny modulo bias does not matter here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1_u64 << 53) as f64
    }
}

fn pick_tags(rng: &mut Rng) -> Vec<String> {
    let n = rng.below(4) as usize;
    let mut tags: Vec<String> = Vec::with_capacity(n);
    while tags.len() < n {
        let t = TAGS[rng.below(TAGS.len() as u64) as usize];
        if !tags.iter().any(|x| x == t) {
            tags.push(t.to_owned());
        }
    }
    tags.sort();
    tags
}

/// Paragraphs rendered once; a post body is one to four of them.
struct ParagraphPool {
    /// (markdown, html, plain text)
    paragraphs: Vec<(String, String, String)>,
}

const POOL_SIZE: usize = 400;

impl ParagraphPool {
    fn new(rng: &mut Rng) -> Self {
        let mut paragraphs = Vec::with_capacity(POOL_SIZE);
        for i in 0..POOL_SIZE {
            let chinese = i % 7 == 0;
            let sentences = if chinese { ZH_SENTENCES } else { EN_SENTENCES };
            let n = 1 + rng.below(3) as usize;
            let mut text = String::new();
            for s in 0..n {
                if s > 0 && !chinese {
                    text.push(' ');
                }
                let sentence = sentences[rng.below(sentences.len() as u64) as usize];
                if !chinese && rng.below(8) == 0 {
                    let _ = write!(text, "**{sentence}**");
                } else {
                    text.push_str(sentence);
                }
            }
            // Seeded paragraphs are a few sentences: far below the rendering bound.
            let html = markdown::render(&text).unwrap_or_default();
            let plain = markdown::plain_text(&text);
            paragraphs.push((text, html, plain));
        }
        Self { paragraphs }
    }

    /// (markdown, html, plain text) of a new body.
    fn body(&self, rng: &mut Rng) -> (String, String, String) {
        let n = 1 + rng.below(4) as usize;
        let mut body = String::new();
        let mut html = String::new();
        let mut plain = String::new();
        for i in 0..n {
            let (m, h, p) = &self.paragraphs[rng.below(self.paragraphs.len() as u64) as usize];
            if i > 0 {
                body.push_str("\n\n");
                plain.push_str("\n\n");
            }
            body.push_str(m);
            html.push_str(h);
            plain.push_str(p);
        }
        (body, html, plain)
    }

    fn title(&self, rng: &mut Rng) -> String {
        TITLES[rng.below(TITLES.len() as u64) as usize].to_owned()
    }
}

const NAMES: &[&str] = &[
    "butterfly",
    "sunflower",
    "maple",
    "river",
    "willow",
    "amber",
    "juniper",
    "coral",
    "meadow",
    "lin",
    "mei",
    "xiaoyu",
    "hope",
    "pebble",
    "robin",
    "sage",
    "hazel",
    "ivy",
    "wren",
    "aurora",
];

const TAGS: &[&str] = &[
    "fatigue",
    "prednisone",
    "hydroxychloroquine",
    "nephritis",
    "rash",
    "joint-pain",
    "diagnosis",
    "pregnancy",
    "sun-sensitivity",
    "diet",
    "sleep",
    "work",
    "anxiety",
    "belimumab",
    "bloodwork",
    "flare",
    "狼疮",
    "肾炎",
];

const TITLES: &[&str] = &[
    "Finally diagnosed after six years",
    "How do you handle fatigue at work?",
    "First flare since starting hydroxychloroquine",
    "Prednisone taper: what helped you?",
    "Kidney biopsy next week, a bit scared",
    "Sun sensitivity tips for summer",
    "Joint pain in the mornings",
    "Telling my employer about lupus",
    "Pregnancy with SLE: my experience",
    "Hair loss and how I coped",
    "Good news: remission for one year!",
    "Brain fog is real",
    "Blood test results I do not understand",
    "Anyone tried belimumab?",
    "Low days and what gets me through them",
    "Caring for my mum who has lupus",
    "Diet changes that made a difference",
    "Sleep problems on steroids",
    "Rash on my cheeks again",
    "Looking for a rheumatologist recommendation",
    "我的狼疮故事",
    "确诊肾炎以后怎么调整生活",
    "激素减量的经验分享",
    "关节疼痛怎么办",
    "夏天防晒的小窍门",
];

const EN_SENTENCES: &[&str] = &[
    "I was diagnosed with lupus three years ago, after a long time of being told it was stress.",
    "The fatigue is the hardest part for me, harder than the joint pain.",
    "My rheumatologist increased my hydroxychloroquine and things are slowly getting better.",
    "Some days I can barely get out of bed, and other days I feel almost normal.",
    "Has anyone else noticed that their symptoms get worse in the summer?",
    "I started wearing SPF 50 every day and a wide hat whenever I go outside.",
    "My kidneys were affected last year and I had to start on mycophenolate.",
    "The biopsy itself was not as bad as I feared; the waiting for results was worse.",
    "Prednisone helped with the flare but the side effects were rough: no sleep, constant hunger.",
    "Tapering slowly made a big difference for me, one milligram at a time.",
    "My family did not understand at first, but they have become my biggest support.",
    "Work has been hard; I asked for flexible hours and my manager agreed.",
    "I keep a symptom diary, which really helps at my appointments.",
    "Brain fog makes me forget words in the middle of a sentence.",
    "Thank you all for sharing, reading this board makes me feel less alone.",
    "My blood tests showed low complement and high anti-dsDNA again.",
    "Gentle yoga and short walks help my joints more than I expected.",
    "I lost a lot of hair during my first big flare, but it grew back.",
    "Please talk to your doctor before changing anything in your treatment.",
    "Being pregnant with lupus needed careful planning, but my daughter is healthy and happy.",
    "Anxiety comes in waves, and talking to a counsellor helped me a lot.",
    "I joined a clinical trial last spring and the team was very supportive.",
    "Cold fingers that turn white are Raynaud's, which many of us have too.",
    "Some people find an anti-inflammatory diet helps, though the evidence is mixed.",
    "Mouth ulcers are back this week, which usually means a flare is coming.",
    "I finally found a rheumatologist who listens, and it changed everything.",
    "Sleep is my best medicine, when the steroids let me sleep at all.",
    "Sending hugs to everyone who is having a hard week.",
    "My chest pain turned out to be pleurisy, which is common with lupus.",
    "Remember that good days count too, even small ones.",
];

const ZH_SENTENCES: &[&str] = &[
    "我三年前被确诊为系统性红斑狼疮。",
    "最难受的是疲劳，比关节疼痛还难熬。",
    "医生给我加了羟氯喹，现在慢慢好转了。",
    "去年查出狼疮肾炎，开始吃吗替麦考酚酯。",
    "激素减量的时候一定要慢，听医生的安排。",
    "夏天出门我都会涂防晒霜，戴帽子。",
    "谢谢大家的分享，看到这里我不再觉得孤单。",
    "家人一开始不理解，后来成了我最大的支持。",
    "有时候脑子像雾一样，说话会忘词。",
    "改变治疗之前，请先和你的医生商量。",
    "睡眠不好的时候，症状好像也会加重。",
    "祝大家这周都顺顺利利，少一点疼痛。",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_paragraph_renderings_concatenate() {
        let mut rng = Rng(7);
        let pool = ParagraphPool::new(&mut rng);
        for _ in 0..200 {
            let (body, html, _) = pool.body(&mut rng);
            assert_eq!(markdown::render(&body), Ok(html), "body: {body}");
        }
    }

    #[test]
    fn sizes_follow_the_scale() {
        assert_eq!(sizes(1.0), (10_000, 100_000, 1_000_000));
        assert_eq!(sizes(0.01), (100, 1_000, 10_000));
    }

    #[test]
    fn quote_doubles_single_quotes() {
        assert_eq!(quote("it's"), "'it''s'");
    }

    #[test]
    fn the_generator_is_deterministic() {
        let (mut a, mut b) = (Rng(42), Rng(42));
        for _ in 0..100 {
            assert_eq!(a.next(), b.next());
        }
    }
}
