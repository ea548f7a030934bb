//! The JSON body extractor of every handler. It reads the body once and decides everything
//! about it in one place:
//!
//! - the content type must be `application/json` (parameters allowed, a `charset` only
//!   `utf-8`); anything else, `text/json` and `…+json` types included, is 415;
//! - the body (decompressed if it was sent compressed) may hold at most
//!   [`MAX_BODY_BYTES`](super::MAX_BODY_BYTES), else 413;
//! - it must be one JSON document with no key twice in an object (which reader would win is
//!   anybody's guess), else 400;
//! - no string may hold a NUL character, which no text column of PostgreSQL can store and no
//!   member needs (422);
//! - on a route limited per account by the body's `email` (see
//!   [`AccountLimit`](super::ratelimit::AccountLimit)), the request is counted against the
//!   address the handler is about to act on.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::{Decompress, Payload};
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::error::ApiError;
use super::ratelimit::AccountLimit;
use super::{MAX_BODY_BYTES, missing_field};

/// A request body read as JSON into `T`.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// The one accepted content type: `application/json`, with no `charset` but UTF-8.
fn is_json(req: &HttpRequest) -> bool {
    let Ok(Some(mime)) = req.mime_type() else {
        return false;
    };
    mime.essence_str() == "application/json"
        && mime
            .get_param("charset")
            .is_none_or(|charset| charset.as_str().eq_ignore_ascii_case("utf-8"))
}

fn unsupported() -> ApiError {
    ApiError::UnsupportedMediaType(
        "send the request body as JSON with `Content-Type: application/json`".into(),
    )
}

fn too_large() -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "the request body is larger than {MAX_BODY_BYTES} bytes"
    ))
}

/// The body, decompressed, refused as soon as it outgrows the limit.
async fn read_body(req: &HttpRequest, payload: Payload) -> Result<Vec<u8>, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let mut stream = Decompress::from_headers(payload, req.headers());
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(MAX_BODY_BYTES));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::BadRequest(format!("the request body cannot be read: {e}")))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A JSON value read with duplicate keys refused.
struct Strict(Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "the key `{key}` appears twice in one object"
                )));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Parses one JSON document, refusing duplicate keys; every failure is a 400.
fn parse(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice::<Strict>(body)
        .map(|Strict(value)| value)
        .map_err(|e| ApiError::BadRequest(format!("the JSON is malformed: {e}")))
}

/// The path (`field` or `field.sub`) of the first string holding a NUL character.
fn nul_path(value: &Value, path: &str) -> Option<String> {
    let here = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::String(s) => s.contains('\0').then(|| path.to_owned()),
        Value::Array(items) => items.iter().find_map(|v| nul_path(v, path)),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                Some(here(k))
            } else {
                nul_path(v, &here(k))
            }
        }),
        _ => None,
    }
}

/// Refuses a document holding a NUL character in any string or key, naming where (422).
pub fn refuse_nul(value: &Value) -> Result<(), ApiError> {
    match nul_path(value, "") {
        None => Ok(()),
        Some(path) if path.is_empty() => {
            Err(ApiError::invalid("body", "must not contain NUL characters"))
        }
        Some(path) => Err(ApiError::invalid(&path, "must not contain NUL characters")),
    }
}

/// Reads, checks and converts the body (see the module documentation).
async fn extract<T: DeserializeOwned>(
    req: HttpRequest,
    payload: Payload,
    account: Option<AccountLimit>,
) -> Result<T, ApiError> {
    if !is_json(&req) {
        return Err(unsupported());
    }
    let body = read_body(&req, payload).await?;
    let value = parse(&body)?;
    // Every body is an object: without this, serde would read a struct from an array of its
    // fields' values (`[null, null]`), which no client means to send.
    if !value.is_object() {
        return Err(ApiError::invalid("body", "must be a JSON object"));
    }
    refuse_nul(&value)?;
    // The very string `T` gets as its `email`.
    let email = account.as_ref().and_then(|_| {
        value
            .get("email")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let parsed = serde_json::from_value::<T>(value).map_err(|e| match missing_field(&e) {
        Some(field) => ApiError::invalid(&field, "is required"),
        None => ApiError::Unprocessable(format!("the JSON has a wrong value: {e}")),
    })?;
    if let (Some(account), Some(email)) = (account, email) {
        account.count(&email).await?;
    }
    Ok(parsed)
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let account = req.extensions().get::<AccountLimit>().cloned();
        let (req, payload) = (req.clone(), payload.take());
        Box::pin(async move { extract(req, payload, account).await.map(Json) })
    }
}

/// `#[serde(deserialize_with = "object")]` for a nested struct: only a JSON object, never the
/// array of its fields' values that serde would otherwise read into a struct.
pub fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DeserializeOwned,
{
    use serde::de::{Deserialize, Error};
    let value = Value::deserialize(deserializer)?;
    if !value.is_object() {
        return Err(D::Error::custom("expected a JSON object"));
    }
    T::deserialize(value).map_err(D::Error::custom)
}

/// [`object`] for an optional nested struct (`null` and absent read as `None`; pair it with
/// `#[serde(default)]`).
pub fn optional_object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DeserializeOwned,
{
    use serde::de::Deserialize;
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(value) => object(value).map(Some).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nul_characters_are_found_with_their_path() {
        assert_eq!(
            nul_path(&json!({"a": "ok", "b": {"c": "x\u{0}"}}), ""),
            Some("b.c".into())
        );
        assert_eq!(
            nul_path(&json!({"tags": ["ok", "\u{0}"]}), ""),
            Some("tags".into())
        );
        assert_eq!(nul_path(&json!({"a": "fine", "n": 1}), ""), None);
    }

    #[test]
    fn duplicate_keys_are_refused_at_any_depth_and_the_rest_reads_as_serde_json_does() {
        for body in [
            r#"{"email": "a@example.org", "email": "b@example.org"}"#,
            r#"{"outer": {"k": 1, "k": 2}}"#,
            r#"[{"k": 1}, {"k": 1, "k": 1}]"#,
        ] {
            let error = parse(body.as_bytes()).expect_err(body);
            assert!(
                matches!(error, ApiError::BadRequest(ref m) if m.contains("twice")),
                "{body}: {error:?}"
            );
        }
        let body =
            r#"{"a": [1, -2, 3.5, true, null, "x"], "b": {"c": {}}, "d": 18446744073709551615}"#;
        assert_eq!(
            parse(body.as_bytes()).expect("valid"),
            serde_json::from_str::<Value>(body).expect("valid")
        );
        // Equal keys in different objects are fine.
        assert!(parse(br#"{"a": {"k": 1}, "b": {"k": 1}}"#).is_ok());
        assert!(matches!(parse(b"{\"a\": 1"), Err(ApiError::BadRequest(_))));
        assert!(matches!(parse(b"{} {}"), Err(ApiError::BadRequest(_))));
    }
}
