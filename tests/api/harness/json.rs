//! Reading and writing JSON: ids, lists and pages, a body with some fields changed, the
//! parts of a token, and the small text checks stories make.
//! Each helper fails the test, showing the value, when the shape is not what it expects.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// The integer `id` of an object.
#[track_caller]
pub fn id_of(value: &Value) -> i64 {
    value["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no integer id in {value}"))
}

/// The ids of some objects, in order.
#[track_caller]
pub fn ids(values: &[Value]) -> Vec<i64> {
    values.iter().map(id_of).collect()
}

/// A JSON array, as a list.
#[track_caller]
pub fn list(value: &Value) -> Vec<Value> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("expected a list, got {value}"))
        .clone()
}

/// The `items` of a page.
#[track_caller]
pub fn items(page: &Value) -> Vec<Value> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {page}"))
        .clone()
}

/// The ids of a page's items, in order.
#[track_caller]
pub fn page_ids(page: &Value) -> Vec<i64> {
    ids(&items(page))
}

/// The strings of a JSON array (none when it is not one).
pub fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// `base` with the top-level fields of `changes` set; a `null` change removes the field.
pub fn with(base: &Value, changes: Value) -> Value {
    let mut value = base.clone();
    let object = value.as_object_mut().expect("the base is an object");
    for (key, change) in changes.as_object().expect("the changes are an object") {
        if change.is_null() {
            object.remove(key);
        } else {
            object.insert(key.clone(), change.clone());
        }
    }
    value
}

/// Fails unless the value is an RFC 3339 time.
#[track_caller]
pub fn assert_rfc3339(value: &Value) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("expected an RFC 3339 time, got {value}"));
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text} is not RFC 3339: {e}"));
}

/// The header and claims of a token the server issued, decoded without checking anything.
#[track_caller]
pub fn token_parts(token: &str) -> (Value, Value) {
    let mut pieces = token.split('.');
    let mut decode = |what: &str| -> Value {
        let piece = pieces
            .next()
            .unwrap_or_else(|| panic!("the token has no {what}"));
        let bytes = URL_SAFE_NO_PAD
            .decode(piece)
            .unwrap_or_else(|e| panic!("the token's {what} is not base64url: {e}"));
        serde_json::from_slice(&bytes).expect("the token's parts are JSON")
    };
    let header = decode("header");
    let claims = decode("claims");
    (header, claims)
}

/// Whether the text has a Chinese character in it.
pub fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Percent-encodes a query parameter value.
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
