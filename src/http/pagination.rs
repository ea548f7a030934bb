//! Keyset pagination: list limits, opaque cursors, and the `{items, next_cursor}` page shape.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
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

/// Encodes the sort key of the last item of a page.
pub fn encode(parts: &[String]) -> String {
    URL_SAFE_NO_PAD.encode(parts.join("|"))
}

/// Decodes a cursor made by [`encode`] with `count` parts.
pub fn decode(cursor: &str, count: usize) -> Result<Vec<String>, ApiError> {
    let invalid =
        || ApiError::BadRequest("the cursor is invalid; start from the first page".into());
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let parts: Vec<String> = text.split('|').map(str::to_owned).collect();
    if parts.len() != count {
        return Err(invalid());
    }
    Ok(parts)
}

/// Decodes one integer part of a cursor.
pub fn int(part: &str) -> Result<i64, ApiError> {
    part.parse().map_err(|_| {
        ApiError::BadRequest("the cursor is invalid; start from the first page".into())
    })
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
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_cursor_is_decoded_or_refused_with_400(cursor in ".{0,64}", count in 1usize..4) {
            match decode(&cursor, count) {
                Ok(parts) => prop_assert_eq!(parts.len(), count),
                Err(e) => prop_assert!(matches!(e, ApiError::BadRequest(_))),
            }
        }

        #[test]
        fn cursors_decode_to_what_was_encoded(parts in proptest::collection::vec("[^|]{0,24}", 1..4)) {
            let cursor = encode(&parts);
            prop_assert_eq!(decode(&cursor, parts.len()).ok(), Some(parts));
        }

        #[test]
        fn integer_parts_round_trip(n in any::<i64>(), junk in "[^0-9-]{1,8}") {
            prop_assert_eq!(int(&n.to_string()).ok(), Some(n));
            prop_assert!(int(&junk).is_err());
        }
    }
}
