//! Reading answers: ids, lists and pages of JSON, and the small text checks stories make.
//! Each helper fails the test, showing the value, when the shape is not what it expects.

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

/// Whether the text has a Chinese character in it.
pub fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Percent-encodes a query parameter value.
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
