//! Full-text search over posts, in English and Chinese, on both backends.
//!
//! Chinese is written without spaces and most of its words have two characters (狼疮 lupus,
//! 肾炎 nephritis), too short for trigram indexes. So the indexed form of a post
//! ([`index_text`], stored in `posts.search_text`) puts a space around every CJK character, and a
//! query term becomes a *phrase* of its characters: "狼疮" is searched as the phrase "狼 疮".
//! English words are ordinary tokens.
//!
//! - SQLite: the FTS5 table `post_search` (tokenizer `unicode61`, rowid = `posts.id`) holds a copy
//!   of `posts.search_text`; [`index_post`] and [`unindex_post`] keep it in step, in the write
//!   transaction that changes the post. The query is made only of double-quoted phrases, so no
//!   FTS5 syntax typed by a user (`AND`, `*`, `NEAR(`, `-`, `:` …) is ever interpreted. Ranked by
//!   `bm25`.
//! - PostgreSQL: the stored column `posts.search_vector` (`to_tsvector('simple', search_text)`,
//!   generated) follows the text by itself and has a GIN index; each term becomes
//!   `phraseto_tsquery('simple', $n)`, joined with `&&`. Ranked by `ts_rank` over the stored
//!   vector, so no matching post's text is parsed again. Notices (a few thousand) keep an
//!   expression index on `to_tsvector('simple', trials.search_text)`.
//!
//! Both parsers are given text that is already normalised here (lower-cased, fullwidth ASCII
//! folded, punctuation and symbols turned into spaces), so that both backends see the same
//! tokens: PostgreSQL's parser would otherwise make special tokens of host names, paths,
//! decimals and hyphenated words, and, depending on the database locale, glue fullwidth
//! punctuation to the word before it.
//!
//! This is the only module that writes search SQL; each statement lives in a small function that
//! matches on [`backend_of`].

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text};

use super::{AnyConnection, Backend, MultiBackend, backend_of};

/// At most this many query terms are used; further terms are ignored.
const MAX_TERMS: usize = 32;

/// Filters applied to a search besides the text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchFilter {
    /// Only posts of threads on this board.
    pub board_id: Option<i64>,
    /// Only posts of threads carrying this tag (compared as given; tags are stored normalised).
    pub tag: Option<String>,
    /// Leave out the boards for members only (a visitor's search).
    pub public_only: bool,
}

/// One matching post.
#[derive(Clone, Debug, PartialEq, QueryableByName)]
pub struct Hit {
    #[diesel(sql_type = BigInt)]
    pub post_id: i64,
    /// Relevance: higher is better. Comparable only within one result list and one backend.
    #[diesel(sql_type = Double, column_name = score)]
    pub rank: f64,
}

/// The indexed form of a text: lower-cased, with a space around every CJK character (Han,
/// Hiragana, Katakana, Hangul; CJK punctuation excluded), whitespace collapsed. Title (if any)
/// and body are joined.
///
/// Besides, fullwidth ASCII forms are folded to ASCII (`１０ｍｇ` → `10mg`) and every ASCII
/// punctuation character and every non-ASCII punctuation or symbol character (CJK punctuation
/// such as `，。「」`, general punctuation, emoji …) becomes a space, so that both backends
/// split words at exactly the same places.
pub fn index_text(title: Option<&str>, body_plain: &str) -> String {
    let mut spaced = String::with_capacity(title.map_or(0, str::len) + body_plain.len() + 16);
    for part in title.into_iter().chain(std::iter::once(body_plain)) {
        push_spaced(&mut spaced, part);
        spaced.push(' ');
    }
    collapse_whitespace(&spaced)
}

/// Keeps the SQLite FTS table in step with `posts.search_text` for one post (delete + insert by
/// rowid); a no-op on PostgreSQL (the generated `search_vector` column follows the text). Call
/// it in the same write transaction that sets `posts.search_text`.
pub fn index_post(conn: &mut AnyConnection, post_id: i64, search_text: &str) -> QueryResult<()> {
    fts_replace(conn, FtsTable::Posts, post_id, Some(search_text))
}

/// Removes a post from the SQLite FTS table (no-op on PostgreSQL).
pub fn unindex_post(conn: &mut AnyConnection, post_id: i64) -> QueryResult<()> {
    fts_replace(conn, FtsTable::Posts, post_id, None)
}

/// Keeps the SQLite FTS table in step with `trials.search_text` for one notice, as
/// [`index_post`] does for posts.
pub fn index_trial(conn: &mut AnyConnection, trial_id: i64, search_text: &str) -> QueryResult<()> {
    fts_replace(conn, FtsTable::Trials, trial_id, Some(search_text))
}

/// Removes a notice from the SQLite FTS table (no-op on PostgreSQL).
pub fn unindex_trial(conn: &mut AnyConnection, trial_id: i64) -> QueryResult<()> {
    fts_replace(conn, FtsTable::Trials, trial_id, None)
}

/// The SQLite FTS5 tables, each a copy of one table's `search_text` keyed by its id.
#[derive(Clone, Copy)]
enum FtsTable {
    Posts,
    Trials,
}

/// Replaces (or, with `None`, removes) the FTS row of `id` on SQLite; a no-op on PostgreSQL.
fn fts_replace(
    conn: &mut AnyConnection,
    table: FtsTable,
    id: i64,
    search_text: Option<&str>,
) -> QueryResult<()> {
    if backend_of(conn) == Backend::Postgres {
        return Ok(());
    }
    let (delete, insert) = match table {
        FtsTable::Posts => (
            "DELETE FROM post_search WHERE rowid = ?",
            "INSERT INTO post_search (rowid, search_text) VALUES (?, ?)",
        ),
        FtsTable::Trials => (
            "DELETE FROM trial_search WHERE rowid = ?",
            "INSERT INTO trial_search (rowid, search_text) VALUES (?, ?)",
        ),
    };
    diesel::sql_query(delete)
        .bind::<BigInt, _>(id)
        .execute(conn)?;
    if let Some(text) = search_text {
        diesel::sql_query(insert)
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(text)
            .execute(conn)?;
    }
    Ok(())
}

/// A full-text condition on `trials`, as (SQL before the bound value, value, SQL after), for
/// `sql::<Bool>(before).bind::<Text, _>(value).sql(after)`.
pub type TextCondition = (&'static str, String, &'static str);

/// The full-text conditions on `trials.search_text` for these phrases (already normalised by
/// [`index_text`]): one FTS5 `MATCH` of double-quoted phrases on SQLite (nothing a user types
/// is read as FTS5 syntax), one `phraseto_tsquery` per phrase on PostgreSQL (served by
/// `trials_search_idx`).
pub fn trial_text_conditions(conn: &AnyConnection, phrases: &[String]) -> Vec<TextCondition> {
    if phrases.is_empty() {
        return Vec::new();
    }
    match backend_of(conn) {
        Backend::Sqlite => vec![(
            "trials.id IN (SELECT rowid FROM trial_search WHERE trial_search MATCH ",
            fts5_query(phrases),
            ")",
        )],
        Backend::Postgres => phrases
            .iter()
            .map(|p| {
                (
                    "to_tsvector('simple', trials.search_text) @@ phraseto_tsquery('simple', ",
                    p.clone(),
                    ")",
                )
            })
            .collect(),
    }
}

/// Published posts of published threads matching every term of `query`, best first (relevance,
/// then newer first), skipping `offset`, at most `limit`. Returns an empty list for a query with
/// no searchable terms.
pub fn search_posts(
    conn: &mut AnyConnection,
    query: &str,
    filter: &SearchFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    let phrases: Vec<String> = query_terms(query)
        .iter()
        .map(|term| index_text(None, term))
        .filter(|phrase| !phrase.is_empty())
        .collect();
    if phrases.is_empty() || limit <= 0 {
        return Ok(Vec::new());
    }
    let offset = offset.max(0);
    match backend_of(conn) {
        Backend::Sqlite => search_sqlite(conn, &phrases, filter, offset, limit),
        Backend::Postgres => search_postgres(conn, &phrases, filter, offset, limit),
    }
}

/// The terms of a query as the highlighter should look for them in original text (CJK words kept
/// unspaced, e.g. "狼疮"), lower-cased, without duplicates, in query order.
///
/// Terms are the runs of characters between whitespace, ASCII punctuation and non-ASCII
/// punctuation or symbols (the same characters [`index_text`] turns into spaces).
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for run in query.split(|c: char| is_separator(fold_fullwidth(c))) {
        if run.is_empty() {
            continue;
        }
        let term = run.to_lowercase();
        if !terms.contains(&term) {
            terms.push(term);
            if terms.len() == MAX_TERMS {
                break;
            }
        }
    }
    terms
}

/// The SQLite statement: FTS5 `MATCH` over `post_search`, joined to posts and threads.
fn search_sqlite(
    conn: &mut AnyConnection,
    phrases: &[String],
    filter: &SearchFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    let mut sql = String::from(
        "SELECT posts.id AS post_id, -bm25(post_search) AS score \
         FROM post_search \
         JOIN posts ON posts.id = post_search.rowid \
         JOIN threads ON threads.id = posts.thread_id \
         WHERE post_search MATCH ? \
         AND posts.status = 'published' AND threads.status = 'published'",
    );
    push_filter_sql(&mut sql, filter, &mut |_| "?".to_owned(), 2);
    sql.push_str(" ORDER BY score DESC, posts.created_at DESC, posts.id DESC LIMIT ? OFFSET ?");

    let query = diesel::sql_query(sql)
        .into_boxed::<MultiBackend>()
        .bind::<Text, _>(fts5_query(phrases));
    bind_filter_and_page(query, filter, offset, limit).load(conn)
}

/// The PostgreSQL statement: a `tsvector @@ tsquery` over the stored `posts.search_vector`
/// (served by `posts_search_vector_idx`), ranked over the same stored vector.
fn search_postgres(
    conn: &mut AnyConnection,
    phrases: &[String],
    filter: &SearchFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    let tsquery = (1..=phrases.len())
        .map(|n| format!("phraseto_tsquery('simple', ${n})"))
        .collect::<Vec<_>>()
        .join(" && ");
    let mut sql = format!(
        "SELECT posts.id AS post_id, \
         ts_rank(posts.search_vector, ({tsquery}))::float8 AS score \
         FROM posts \
         JOIN threads ON threads.id = posts.thread_id \
         WHERE posts.search_vector @@ ({tsquery}) \
         AND posts.status = 'published' AND threads.status = 'published'"
    );
    let next = push_filter_sql(
        &mut sql,
        filter,
        &mut |n| format!("${n}"),
        phrases.len() + 1,
    );
    sql.push_str(&format!(
        " ORDER BY score DESC, posts.created_at DESC, posts.id DESC LIMIT ${} OFFSET ${}",
        next,
        next + 1
    ));

    let mut query = diesel::sql_query(sql).into_boxed::<MultiBackend>();
    for phrase in phrases {
        query = query.bind::<Text, _>(phrase.clone());
    }
    bind_filter_and_page(query, filter, offset, limit).load(conn)
}

/// Appends the optional board, tag and members-only conditions, numbering placeholders from `first`; returns
/// the number of the next placeholder.
fn push_filter_sql(
    sql: &mut String,
    filter: &SearchFilter,
    placeholder: &mut dyn FnMut(usize) -> String,
    first: usize,
) -> usize {
    let mut next = first;
    if filter.board_id.is_some() {
        sql.push_str(" AND threads.board_id = ");
        sql.push_str(&placeholder(next));
        next += 1;
    }
    if filter.tag.is_some() {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM thread_tags \
             WHERE thread_tags.thread_id = threads.id AND thread_tags.tag = ",
        );
        sql.push_str(&placeholder(next));
        sql.push(')');
        next += 1;
    }
    if filter.public_only {
        sql.push_str(
            " AND NOT EXISTS (SELECT 1 FROM boards \
             WHERE boards.id = threads.board_id AND boards.members_only)",
        );
    }
    next
}

type BoxedQuery =
    diesel::query_builder::BoxedSqlQuery<'static, MultiBackend, diesel::query_builder::SqlQuery>;

/// Binds the filter values and the page, in the order [`push_filter_sql`] placed them.
fn bind_filter_and_page(
    mut query: BoxedQuery,
    filter: &SearchFilter,
    offset: i64,
    limit: i64,
) -> BoxedQuery {
    if let Some(board_id) = filter.board_id {
        query = query.bind::<BigInt, _>(board_id);
    }
    if let Some(tag) = &filter.tag {
        query = query.bind::<Text, _>(tag.clone());
    }
    query.bind::<BigInt, _>(limit).bind::<BigInt, _>(offset)
}

/// An FTS5 query made only of double-quoted phrases (implicitly ANDed); a `"` inside a phrase is
/// doubled, so nothing the user typed is read as FTS5 syntax.
fn fts5_query(phrases: &[String]) -> String {
    phrases
        .iter()
        .map(|phrase| format!("\"{}\"", phrase.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Appends the normalised, CJK-spaced form of `text` (whitespace not yet collapsed).
fn push_spaced(out: &mut String, text: &str) {
    for c in text.chars() {
        let c = fold_fullwidth(c);
        if is_separator(c) {
            out.push(' ');
        } else if is_cjk(c) {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else {
            out.extend(c.to_lowercase());
        }
    }
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Fullwidth forms of ASCII (U+FF01–U+FF5E) to ASCII, the ideographic space to a space.
fn fold_fullwidth(c: char) -> char {
    match c as u32 {
        cp @ 0xFF01..=0xFF5E => char::from_u32(cp - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

/// Characters that separate words: whitespace, controls, ASCII punctuation, and the punctuation
/// and symbol characters of the common non-ASCII punctuation and symbol blocks.
fn is_separator(c: char) -> bool {
    if c.is_whitespace() || c.is_control() {
        return true;
    }
    if c.is_alphanumeric() {
        return false;
    }
    c.is_ascii()
        || matches!(
            c as u32,
            0x00A0..=0x00BF      // Latin-1 punctuation and symbols
            | 0x00D7 | 0x00F7    // × ÷
            | 0x2000..=0x2BFF    // general punctuation … arrows, maths, shapes, dingbats
            | 0x2E00..=0x2E7F    // supplemental punctuation
            | 0x3000..=0x303F    // CJK symbols and punctuation
            | 0x3200..=0x33FF    // enclosed CJK letters, CJK compatibility (symbols only)
            | 0xFE00..=0xFE1F    // variation selectors, vertical forms
            | 0xFE30..=0xFE6F    // CJK compatibility forms, small form variants
            | 0xFF00..=0xFFEF    // halfwidth and fullwidth forms
            | 0x1F000..=0x1FAFF  // emoji, pictographs and other symbols
        )
}

/// Letters of the CJK scripts, each indexed as a word of its own: Han, Hiragana, Katakana,
/// Hangul, Bopomofo, and the ideographic letters of the CJK punctuation block (々 〆 〇).
fn is_cjk(c: char) -> bool {
    c.is_alphanumeric()
        && matches!(
            c as u32,
            0x1100..=0x11FF          // Hangul Jamo
            | 0x3000..=0x303F        // 々 〆 〇 and Hangzhou numerals (letters only)
            | 0x3040..=0x309F        // Hiragana
            | 0x30A0..=0x30FF        // Katakana
            | 0x3100..=0x312F        // Bopomofo
            | 0x3130..=0x318F        // Hangul compatibility Jamo
            | 0x31A0..=0x31BF        // Bopomofo extended
            | 0x31F0..=0x31FF        // Katakana phonetic extensions
            | 0x3400..=0x4DBF        // CJK extension A
            | 0x4E00..=0x9FFF        // CJK unified ideographs
            | 0xA960..=0xA97F        // Hangul Jamo extended A
            | 0xAC00..=0xD7FF        // Hangul syllables, Jamo extended B
            | 0xF900..=0xFAFF        // CJK compatibility ideographs
            | 0xFF66..=0xFFDC        // halfwidth Katakana and Hangul
            | 0x1AFF0..=0x1B16F      // Kana extended and supplement
            | 0x20000..=0x323AF // CJK extensions B–H, compatibility supplement
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::content::PostStatus;
    use crate::auth::model::{Locale, Role};
    use crate::db::schema::{boards, posts, thread_tags, threads, users};
    use crate::db::{DatabaseUrl, Db, DbError};
    use chrono::{Duration, NaiveDateTime};
    use diesel::connection::SimpleConnection;

    // ---- pure functions -------------------------------------------------------------------

    #[test]
    fn index_text_spaces_cjk_and_lowercases() {
        assert_eq!(
            index_text(Some("My Lupus"), "我得了狼疮性肾炎。"),
            "my lupus 我 得 了 狼 疮 性 肾 炎"
        );
        assert_eq!(
            index_text(None, "  SLE患者\n\t(lupus)  ｈｅｌｌｏ１０"),
            "sle 患 者 lupus hello10"
        );
        assert_eq!(
            index_text(
                None,
                "anti-inflammatory, example.com/page 2.5mg “quoted” 🦋"
            ),
            "anti inflammatory example com page 2 5mg quoted"
        );
        assert_eq!(
            index_text(None, "ひらがなカタカナ한국"),
            "ひ ら が な カ タ カ ナ 한 국"
        );
        assert_eq!(index_text(None, "Café"), "café");
        assert_eq!(index_text(Some(""), ""), "");
    }

    #[test]
    fn query_terms_keep_cjk_words_whole() {
        assert_eq!(
            query_terms("Lupus 狼疮，肾炎 lupus \"NEAR(a*\" x:y -z"),
            vec!["lupus", "狼疮", "肾炎", "near", "a", "x", "y", "z"]
        );
        assert!(query_terms(" ,.;\"*()- ").is_empty());
        assert!(query_terms("").is_empty());
    }

    #[test]
    fn fts5_query_is_only_quoted_phrases() {
        let phrases = vec!["狼 疮".to_owned(), "a\"b".to_owned(), "and".to_owned()];
        assert_eq!(fts5_query(&phrases), "\"狼 疮\" \"a\"\"b\" \"and\"");
    }

    // ---- both backends ----------------------------------------------------------------------

    #[test]
    fn search_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("search.db"));
        let db = Db::connect(&url, 2).unwrap();
        db.migrate().unwrap();
        exercise(&db);
    }

    #[test]
    fn search_on_postgres() {
        let Ok(admin_url) = std::env::var("BUTTERFLY_TEST_POSTGRES_URL") else {
            eprintln!("BUTTERFLY_TEST_POSTGRES_URL is not set: PostgreSQL search test skipped");
            return;
        };
        let scratch = ScratchPg::create(&admin_url);
        let db = Db::connect(&DatabaseUrl::Postgres(scratch.url.clone()), 2).unwrap();
        db.migrate().unwrap();
        exercise(&db);
        drop(db);
    }

    /// A uniquely named PostgreSQL database, dropped when this goes out of scope.
    struct ScratchPg {
        admin_url: String,
        name: String,
        url: String,
    }

    impl ScratchPg {
        fn create(admin_url: &str) -> Self {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            let name = format!("butterfly_search_{}_{nanos}", std::process::id());
            let mut admin = PgConnection::establish(admin_url).unwrap();
            admin
                .batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .unwrap();
            let mut url = url::Url::parse(admin_url).unwrap();
            url.set_path(&format!("/{name}"));
            Self {
                admin_url: admin_url.to_owned(),
                name,
                url: url.to_string(),
            }
        }
    }

    impl Drop for ScratchPg {
        fn drop(&mut self) {
            if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
                let _ = admin.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                    self.name
                ));
            }
        }
    }

    const AUTHOR: i64 = 1;

    struct Fixture {
        kidneys: i64,
        my_story: i64,
        base: NaiveDateTime,
    }

    fn board_id(conn: &mut AnyConnection, slug: &str) -> i64 {
        boards::table
            .filter(boards::slug.eq(slug))
            .select(boards::id)
            .first(conn)
            .unwrap()
    }

    fn add_thread(
        db: &Db,
        id: i64,
        board_id: i64,
        status: PostStatus,
        tags: &[&str],
        at: NaiveDateTime,
    ) {
        let tags: Vec<String> = tags.iter().map(|t| (*t).to_owned()).collect();
        db.write_blocking(move |conn| -> Result<(), DbError> {
            diesel::insert_into(threads::table)
                .values((
                    threads::id.eq(id),
                    threads::board_id.eq(board_id),
                    threads::author_id.eq(AUTHOR),
                    threads::title.eq(format!("thread {id}")),
                    threads::tags.eq(tags.join(",")),
                    threads::status.eq(status),
                    threads::last_activity_at.eq(at),
                    threads::created_at.eq(at),
                ))
                .execute(conn)?;
            for tag in tags {
                diesel::insert_into(thread_tags::table)
                    .values((thread_tags::thread_id.eq(id), thread_tags::tag.eq(tag)))
                    .execute(conn)?;
            }
            Ok(())
        })
        .unwrap();
    }

    /// Inserts a post and indexes it in the same transaction, as the forum service does.
    fn add_post(
        db: &Db,
        id: i64,
        thread_id: i64,
        status: PostStatus,
        title: Option<&str>,
        body: &str,
        at: NaiveDateTime,
    ) {
        let body = body.to_owned();
        let text = index_text(title, &body);
        db.write_blocking(move |conn| -> Result<(), DbError> {
            diesel::insert_into(posts::table)
                .values((
                    posts::id.eq(id),
                    posts::thread_id.eq(thread_id),
                    posts::author_id.eq(AUTHOR),
                    posts::body.eq(&body),
                    posts::body_html.eq(&body),
                    posts::search_text.eq(&text),
                    posts::status.eq(status),
                    posts::is_first.eq(title.is_some()),
                    posts::created_at.eq(at),
                ))
                .execute(conn)?;
            index_post(conn, id, &text)?;
            Ok(())
        })
        .unwrap();
    }

    fn edit_post(db: &Db, id: i64, body: &str) {
        let text = index_text(None, body);
        let body = body.to_owned();
        db.write_blocking(move |conn| -> Result<(), DbError> {
            diesel::update(posts::table.find(id))
                .set((posts::body.eq(&body), posts::search_text.eq(&text)))
                .execute(conn)?;
            index_post(conn, id, &text)?;
            Ok(())
        })
        .unwrap();
    }

    fn search(db: &Db, query: &str, filter: &SearchFilter) -> Vec<i64> {
        search_page(db, query, filter, 0, 50)
    }

    fn search_page(
        db: &Db,
        query: &str,
        filter: &SearchFilter,
        offset: i64,
        limit: i64,
    ) -> Vec<i64> {
        let query = query.to_owned();
        let filter = filter.clone();
        db.read_blocking(move |conn| -> Result<Vec<Hit>, DbError> {
            Ok(search_posts(conn, &query, &filter, offset, limit)?)
        })
        .unwrap_or_else(|e| panic!("search failed: {e}"))
        .into_iter()
        .map(|hit| hit.post_id)
        .collect()
    }

    fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
        ids.sort_unstable();
        ids
    }

    fn no_filter() -> SearchFilter {
        SearchFilter::default()
    }

    fn setup(db: &Db) -> Fixture {
        let base = crate::db::now() - Duration::days(1);
        let (kidneys, my_story) = db
            .write_blocking(|conn| -> Result<(i64, i64), DbError> {
                diesel::insert_into(users::table)
                    .values((
                        users::id.eq(AUTHOR),
                        users::email.eq("a@example.org"),
                        users::email_lower.eq("a@example.org"),
                        users::password_hash.eq("x"),
                        users::display_name.eq("Butterfly"),
                        users::display_name_lower.eq("butterfly"),
                        users::locale.eq(Locale::ZhCn),
                        users::role.eq(Role::Member),
                        users::display_name_skeleton.eq("butterfly"),
                        users::created_at.eq(base),
                        users::updated_at.eq(base),
                    ))
                    .execute(conn)?;
                Ok((board_id(conn, "kidneys"), board_id(conn, "my-story")))
            })
            .unwrap();
        let at = |minutes: i64| base + Duration::minutes(minutes);

        // Thread 10 (kidneys, tag nephritis), thread 20 (my story, tag story), thread 30 (held).
        add_thread(
            db,
            10,
            kidneys,
            PostStatus::Published,
            &["nephritis"],
            at(0),
        );
        add_thread(
            db,
            20,
            my_story,
            PostStatus::Published,
            &["story", "diagnosis"],
            at(0),
        );
        add_thread(db, 30, my_story, PostStatus::Held, &["story"], at(0));

        add_post(
            db,
            101,
            10,
            PostStatus::Published,
            Some("肾穿刺结果"),
            "我在二十一岁被诊断为系统性红斑狼疮，后来又得了狼疮性肾炎，现在每个月复查。",
            at(1),
        );
        add_post(
            db,
            102,
            10,
            PostStatus::Published,
            None,
            "Nephritis flare again: my kidneys and lupus are not friends.",
            at(2),
        );
        add_post(
            db,
            201,
            20,
            PostStatus::Published,
            Some("Diagnosed at 21"),
            "My lupus diagnosis came at 21. 医生说是狼疮, and I was scared of 肾炎 later.",
            at(3),
        );
        add_post(
            db,
            202,
            20,
            PostStatus::Held,
            None,
            "A held post about lupus, 狼疮 and 肾炎 and rituximab.",
            at(4),
        );
        add_post(
            db,
            301,
            30,
            PostStatus::Published,
            Some("Held thread"),
            "A published post in a held thread: lupus 狼疮 肾炎 rituximab.",
            at(5),
        );
        // Ranking: the older post says rituximab three times, the newer one once.
        add_post(
            db,
            203,
            20,
            PostStatus::Published,
            None,
            "Rituximab, rituximab and more rituximab: it finally worked for me.",
            at(6),
        );
        add_post(
            db,
            204,
            20,
            PostStatus::Published,
            None,
            "My doctor mentioned rituximab once when we talked about my treatment options.",
            at(7),
        );
        Fixture {
            kidneys,
            my_story,
            base,
        }
    }

    fn exercise(db: &Db) {
        let fx = setup(db);
        let none = no_filter();

        // English words, case-insensitive, and titles are searchable too.
        assert_eq!(sorted(search(db, "lupus", &none)), vec![102, 201]);
        assert_eq!(search(db, "NEPHRITIS", &none), vec![102]);
        assert_eq!(search(db, "diagnosed", &none), vec![201]);
        assert_eq!(search(db, "kidneys lupus", &none), vec![102]);
        assert!(search(db, "lupus remission", &none).is_empty());

        // Two-character Chinese words inside unspaced sentences and mixed text.
        assert_eq!(sorted(search(db, "狼疮", &none)), vec![101, 201]);
        assert_eq!(sorted(search(db, "肾炎", &none)), vec![101, 201]);
        assert_eq!(search(db, "狼疮性肾炎", &none), vec![101]);
        assert_eq!(search(db, "穿刺", &none), vec![101]); // in the title
        assert_eq!(search(db, "lupus 狼疮", &none), vec![201]);
        assert_eq!(search(db, "狼疮，肾炎", &none).len(), 2);
        // The characters must be adjacent: 狼 and 疮 apart do not make 狼疮.
        assert!(search(db, "疮狼", &none).is_empty());
        // One character.
        assert_eq!(sorted(search(db, "肾", &none)), vec![101, 201]);
        assert_eq!(search(db, "医", &none), vec![201]);
        // Fullwidth letters fold to ASCII.
        assert_eq!(sorted(search(db, "ＬＵＰＵＳ", &none)), vec![102, 201]);

        // Held posts and posts of held threads never appear.
        for q in ["rituximab", "held", "狼疮", "肾炎", "lupus"] {
            let ids = search(db, q, &none);
            assert!(!ids.contains(&202), "{q}: held post returned");
            assert!(!ids.contains(&301), "{q}: post of a held thread returned");
        }

        // Board and tag filters.
        let kidneys = SearchFilter {
            board_id: Some(fx.kidneys),
            tag: None,
            public_only: false,
        };
        assert_eq!(search(db, "lupus", &kidneys), vec![102]);
        assert_eq!(search(db, "狼疮", &kidneys), vec![101]);
        let my_story = SearchFilter {
            board_id: Some(fx.my_story),
            tag: None,
            public_only: false,
        };
        assert_eq!(search(db, "狼疮", &my_story), vec![201]);
        let story = SearchFilter {
            board_id: None,
            tag: Some("story".to_owned()),
            public_only: false,
        };
        assert_eq!(search(db, "肾炎", &story), vec![201]);
        let nephritis = SearchFilter {
            board_id: None,
            tag: Some("nephritis".to_owned()),
            public_only: false,
        };
        assert_eq!(sorted(search(db, "lupus", &nephritis)), vec![102]);
        let both = SearchFilter {
            board_id: Some(fx.kidneys),
            tag: Some("story".to_owned()),
            public_only: false,
        };
        assert!(search(db, "lupus", &both).is_empty());
        let both = SearchFilter {
            board_id: Some(fx.my_story),
            tag: Some("diagnosis".to_owned()),
            public_only: false,
        };
        assert_eq!(search(db, "lupus", &both), vec![201]);

        // More matches rank first, although the other post is newer; ranks are descending.
        assert_eq!(search(db, "rituximab", &none), vec![203, 204]);
        let hits = db
            .read_blocking(|conn| -> Result<Vec<Hit>, DbError> {
                Ok(search_posts(conn, "rituximab", &no_filter(), 0, 10)?)
            })
            .unwrap();
        assert!(hits[0].rank > hits[1].rank, "{hits:?}");
        assert!(hits.iter().all(|h| h.rank > 0.0), "{hits:?}");

        // Equal relevance: newer first. Paging with offset and limit.
        add_post(
            db,
            205,
            20,
            PostStatus::Published,
            None,
            "fatigue",
            fx.base + Duration::minutes(8),
        );
        add_post(
            db,
            206,
            20,
            PostStatus::Published,
            None,
            "fatigue",
            fx.base + Duration::minutes(9),
        );
        add_post(
            db,
            207,
            20,
            PostStatus::Published,
            None,
            "fatigue",
            fx.base + Duration::minutes(10),
        );
        assert_eq!(search(db, "fatigue", &none), vec![207, 206, 205]);
        assert_eq!(search_page(db, "fatigue", &none, 0, 2), vec![207, 206]);
        assert_eq!(search_page(db, "fatigue", &none, 2, 2), vec![205]);
        assert!(search_page(db, "fatigue", &none, 3, 2).is_empty());
        assert!(search_page(db, "fatigue", &none, 0, 0).is_empty());

        // Nothing searchable: an empty list, not an error.
        for q in ["", "   ", ",.;!?", "\"\"", "***", "，。！"] {
            assert!(search(db, q, &none).is_empty(), "{q:?}");
        }

        // FTS syntax in the query is never an error, and is taken literally.
        for q in [
            "\"",
            "lupus\"",
            "\"lupus",
            "*",
            "lupus*",
            "AND",
            "lupus AND",
            "AND lupus",
            "lupus OR kidneys",
            "NOT lupus",
            "NEAR(",
            "NEAR(lupus kidneys)",
            "NEAR(lupus kidneys, 2)",
            "-",
            "-lupus",
            "lupus -kidneys",
            ":",
            "search_text:lupus",
            "search_text : lupus",
            "^lupus",
            "(lupus",
            "lupus)",
            "{search_text}: lupus",
            "'; DROP TABLE posts; --",
            "\\",
            "%_",
            "狼疮*",
            "\"狼疮\" AND \"肾炎\"",
        ] {
            let result = db.read_blocking({
                let q = q.to_owned();
                move |conn| -> Result<Vec<Hit>, DbError> {
                    Ok(search_posts(conn, &q, &no_filter(), 0, 10)?)
                }
            });
            assert!(result.is_ok(), "{q:?}: {:?}", result.err());
        }
        // Operators are ordinary words: "lupus OR kidneys" needs all three words.
        assert!(search(db, "lupus OR kidneys", &none).is_empty());
        assert_eq!(search(db, "lupus AND kidneys", &none), vec![102]); // "and" is in 102
        assert_eq!(search(db, "-lupus kidneys", &none), vec![102]);
        assert_eq!(search(db, "search_text:lupus", &none), Vec::<i64>::new());

        // Re-indexing an edited post finds the new text and not the old.
        edit_post(
            db,
            102,
            "Hydroxychloroquine keeps my flares away. 羟氯喹有用。",
        );
        assert!(search(db, "nephritis", &none).is_empty());
        assert_eq!(search(db, "lupus", &none), vec![201]);
        assert_eq!(search(db, "hydroxychloroquine", &none), vec![102]);
        assert_eq!(search(db, "羟氯喹", &none), vec![102]);

        // Unindexing (SQLite) removes the post from the FTS table.
        let backend = db.backend();
        db.write_blocking(|conn| -> Result<(), DbError> { Ok(unindex_post(conn, 102)?) })
            .unwrap();
        match backend {
            Backend::Sqlite => assert!(search(db, "hydroxychloroquine", &none).is_empty()),
            Backend::Postgres => {
                assert_eq!(search(db, "hydroxychloroquine", &none), vec![102]);
            }
        }
        // Indexing again is idempotent.
        let text = index_text(
            None,
            "Hydroxychloroquine keeps my flares away. 羟氯喹有用。",
        );
        for _ in 0..2 {
            let text = text.clone();
            db.write_blocking(move |conn| -> Result<(), DbError> {
                Ok(index_post(conn, 102, &text)?)
            })
            .unwrap();
        }
        assert_eq!(search(db, "hydroxychloroquine", &none), vec![102]);
    }
}
