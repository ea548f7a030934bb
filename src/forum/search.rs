//! Search over thread titles and post bodies, in English and Chinese: the database ranks the
//! published posts that match (`db::search`), this module loads them in one query and builds a
//! highlighted snippet around the first match.

use chrono::NaiveDateTime;
use diesel::dsl::exists;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::model::{SearchHit, SearchQuery};

use super::store;
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::model::{AuthorSummary, Role};
use crate::auth::policy;
use crate::db::schema::{boards, member_ignores, posts, threads, users};
use crate::db::search::{self, SearchFilter};
use crate::db::utc;
use crate::http::error::ApiError;
use crate::http::pagination::{self, Cursor, Page};
use crate::markdown;
use crate::notify::templates::escape;

const QUERY_MAX: usize = 200;
/// Characters of context on each side of the first match.
const SNIPPET_CONTEXT: usize = 80;
/// Deepest page a search can reach.
const MAX_OFFSET: i64 = 1_000;

/// The position in search results: how many hits come before the next page (results are
/// ranked, so there is no key to resume from).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OffsetCursor {
    offset: i64,
}

impl Cursor for OffsetCursor {}

type HitRow = (
    i64,
    i64,
    String,
    String,
    i64,
    String,
    Role,
    bool,
    String,
    bool,
    NaiveDateTime,
    bool,
);

/// `GET /search`.
pub async fn search(
    state: &AppState,
    caller: Option<&Caller>,
    query: SearchQuery,
) -> Result<Page<SearchHit>, ApiError> {
    let q = query.q.trim().to_owned();
    if q.is_empty() || q.chars().count() > QUERY_MAX {
        return Err(ApiError::invalid(
            "q",
            format!("must be 1 to {QUERY_MAX} characters"),
        ));
    }
    let limit = pagination::limit(query.limit)?;
    let offset = match query.cursor.as_deref() {
        Some(c) => OffsetCursor::decode(c)?.offset.clamp(0, MAX_OFFSET),
        None => 0,
    };
    let terms = search::query_terms(&q);
    let tag = query.tag.map(|t| t.trim().to_lowercase());
    let board = query.board;
    let public_only = caller.is_none();
    let me = caller.map_or(-1, |c| c.user_id);
    let rows: Vec<HitRow> = state
        .db
        .read(move |conn| {
            let board_id = match board {
                Some(slug) => Some(
                    store::board_by_slug(conn, &slug)?
                        .ok_or_else(|| ApiError::invalid("board", "no such board"))?
                        .id,
                ),
                None => None,
            };
            let filter = SearchFilter {
                board_id,
                tag,
                public_only,
            };
            let hits = search::search_posts(conn, &q, &filter, offset, limit + 1)?;
            let ids: Vec<i64> = hits.iter().map(|h| h.post_id).collect();
            let mut rows: Vec<HitRow> = posts::table
                .inner_join(threads::table.on(threads::id.eq(posts::thread_id)))
                .inner_join(boards::table.on(boards::id.eq(threads::board_id)))
                .inner_join(users::table.on(users::id.eq(posts::author_id)))
                .filter(posts::id.eq_any(&ids))
                .select((
                    posts::id,
                    posts::thread_id,
                    threads::title,
                    boards::slug,
                    posts::author_id,
                    users::display_name,
                    users::role,
                    posts::anonymous,
                    posts::body,
                    posts::is_first,
                    posts::created_at,
                    exists(
                        member_ignores::table
                            .filter(member_ignores::user_id.eq(me))
                            .filter(member_ignores::ignored_id.eq(posts::author_id)),
                    ),
                ))
                .load(conn)?;
            rows.sort_by_key(|r| ids.iter().position(|id| *id == r.0));
            Ok::<_, ApiError>(rows)
        })
        .await?;
    let mut page = pagination::page(
        rows,
        limit,
        |_| String::new(),
        |r| SearchHit {
            post_id: r.0,
            thread_id: r.1,
            snippet: snippet(
                &format!(
                    "{}{}",
                    if r.9 {
                        format!("{} — ", r.2)
                    } else {
                        String::new()
                    },
                    markdown::plain_text(&r.8)
                ),
                &terms,
            ),
            thread_title: r.2,
            board: r.3,
            author: AuthorSummary::new(
                r.4,
                r.5,
                r.6,
                r.7,
                policy::sees_anonymous_author(caller, r.4),
            ),
            is_first: r.9,
            created_at: utc(r.10),
            author_ignored: r.11 && (!r.7 || policy::sees_anonymous_author(caller, r.4)),
        },
    );
    if page.next_cursor.is_some() {
        let next = offset + limit;
        page.next_cursor = (next <= MAX_OFFSET).then(|| OffsetCursor { offset: next }.encode());
    }
    Ok(page)
}

/// Text around the first match of any term, HTML-escaped, each match wrapped in `<mark>`.
fn snippet(text: &str, terms: &[String]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    let terms: Vec<Vec<char>> = terms
        .iter()
        .map(|t| t.chars().collect::<Vec<_>>())
        .filter(|t| !t.is_empty())
        .collect();
    let match_at = |i: usize| {
        terms
            .iter()
            .find(|t| lower[i..].starts_with(t))
            .map(|t| t.len())
    };
    let first = (0..lower.len())
        .find(|i| match_at(*i).is_some())
        .unwrap_or(0);
    let start = first.saturating_sub(SNIPPET_CONTEXT);
    let end = (first + SNIPPET_CONTEXT).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut i = start;
    while i < end {
        if let Some(len) = match_at(i) {
            let stop = (i + len).min(chars.len());
            out.push_str("<mark>");
            out.push_str(&escape(&chars[i..stop].iter().collect::<String>()));
            out.push_str("</mark>");
            i = stop;
        } else {
            out.push_str(&escape(&chars[i].to_string()));
            i += 1;
        }
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snippet;

    #[test]
    fn snippets_mark_matches_and_escape_the_rest() {
        let s = snippet(
            "My <b>lupus</b> flare: 我的狼疮又复发了",
            &["lupus".into(), "狼疮".into()],
        );
        assert_eq!(
            s,
            "My &lt;b&gt;<mark>lupus</mark>&lt;/b&gt; flare: 我的<mark>狼疮</mark>又复发了"
        );
    }

    #[test]
    fn long_texts_are_cut_around_the_first_match() {
        let text = format!("{}kidney{}", "a ".repeat(200), " b".repeat(200));
        let s = snippet(&text, &["kidney".into()]);
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert!(s.contains("<mark>kidney</mark>"));
    }
}
