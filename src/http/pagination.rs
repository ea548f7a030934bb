//! Keyset pagination: list limits, opaque cursors, and the `{items, next_cursor}` page shape.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// `?limit=`: 1 to 100, default 20.
pub fn limit(raw: Option<i64>) -> Result<i64, ApiError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        )),
    }
}

/// A position in a list, as clients pass it back: the sort key of the last item of a page,
/// one serde struct per sort order, written as JSON and then base64url without padding, so the
/// string is opaque to clients. A cursor that does not decode into the struct the list expects
/// (garbage, a cursor of another list or order, a tampered one) is refused with 400.
pub trait Cursor: Serialize + DeserializeOwned {
    /// The cursor string of this position.
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads a cursor made by [`Cursor::encode`] for this list.
    fn decode(cursor: &str) -> Result<Self, ApiError> {
        URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or_else(|| {
                ApiError::BadRequest("the cursor is invalid; start from the first page".into())
            })
    }
}

/// The position in a list ordered by id alone (either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdCursor {
    pub id: i64,
}

impl Cursor for IdCursor {}

/// The id in an optional cursor of a list ordered by id alone.
pub fn after_id(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    cursor
        .map(|c| IdCursor::decode(c).map(|c| c.id))
        .transpose()
}

/// Builds a page from `limit + 1` fetched rows: the extra row only says a next page exists.
pub fn page<R, T>(
    mut rows: Vec<R>,
    limit: i64,
    cursor_of: impl Fn(&R) -> String,
    view: impl FnMut(R) -> T,
) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(cursor_of)
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(view).collect(),
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;
    use proptest::prelude::*;

    use super::*;

    /// A cursor with a field of each kind the lists use.
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Mixed {
        at: NaiveDateTime,
        score: f64,
        rank: i32,
        id: i64,
    }

    impl Cursor for Mixed {}

    fn refused<T: Cursor + std::fmt::Debug>(cursor: &str) -> bool {
        matches!(T::decode(cursor), Err(ApiError::BadRequest(m)) if m == "the cursor is invalid; start from the first page")
    }

    proptest! {
        #[test]
        fn any_string_is_decoded_or_refused_with_400(cursor in ".{0,96}") {
            for result in [IdCursor::decode(&cursor).map(|_| ()), Mixed::decode(&cursor).map(|_| ())] {
                if let Err(e) = result {
                    prop_assert!(matches!(e, ApiError::BadRequest(_)));
                }
            }
        }

        #[test]
        fn any_json_that_is_not_the_lists_cursor_is_refused(json in "[\\[\\]{}\":,a-z0-9. -]{0,48}") {
            let cursor = URL_SAFE_NO_PAD.encode(&json);
            if let Ok(c) = IdCursor::decode(&cursor) {
                // Only the exact shape decodes.
                prop_assert_eq!(serde_json::from_str::<serde_json::Value>(&json).ok(), Some(serde_json::json!({"id": c.id})));
            }
        }

        #[test]
        fn cursors_decode_to_what_was_encoded(
            micros in -62_000_000_000_000_000_i64..250_000_000_000_000_000,
            score in proptest::num::f64::NORMAL | proptest::num::f64::ZERO | proptest::num::f64::SUBNORMAL,
            rank: i32,
            id: i64,
        ) {
            let at = chrono::DateTime::from_timestamp_micros(micros).unwrap().naive_utc();
            let cursor = Mixed { at, score, rank, id };
            let encoded = cursor.encode();
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            prop_assert_eq!(Mixed::decode(&encoded).ok(), Some(cursor));
            prop_assert_eq!(IdCursor::decode(&IdCursor { id }.encode()).ok(), Some(IdCursor { id }));
        }
    }

    #[test]
    fn a_cursor_of_another_list_or_order_is_refused() {
        let mixed = Mixed {
            at: NaiveDateTime::default(),
            score: 1.5,
            rank: 0,
            id: 7,
        }
        .encode();
        assert!(refused::<IdCursor>(&mixed));
        assert!(refused::<Mixed>(&IdCursor { id: 7 }.encode()));
        for garbage in [
            "",
            "garbage",
            "!!!",
            "bm90LWEtY3Vyc29y",
            "e30",
            "eyJpZCI6IjcifQ",
        ] {
            assert!(refused::<IdCursor>(garbage), "{garbage}");
        }
        assert_eq!(after_id(None).ok(), Some(None));
        assert_eq!(
            after_id(Some(&IdCursor { id: 3 }.encode())).ok(),
            Some(Some(3))
        );
        assert!(after_id(Some("garbage")).is_err());
    }
}
