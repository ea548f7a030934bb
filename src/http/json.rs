//! The JSON body extractor of every handler: `web::Json` limits and errors (see
//! `http::json_config`), plus a refusal of NUL characters anywhere in the document, which no
//! text column of PostgreSQL can store and no member needs.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::ApiError;
use super::missing_field;

/// A request body read as JSON into `T`.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
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

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let value = body.await?.into_inner();
            // Every body is an object: without this, serde would read a struct from an array
            // of its fields' values (`[null, null]`), which no client means to send.
            if !value.is_object() {
                return Err(ApiError::invalid("body", "must be a JSON object").into());
            }
            if let Some(path) = nul_path(&value, "") {
                let field = if path.is_empty() {
                    "body".to_owned()
                } else {
                    path
                };
                return Err(ApiError::invalid(&field, "must not contain NUL characters").into());
            }
            serde_json::from_value::<T>(value).map(Json).map_err(|e| {
                match missing_field(&e) {
                    Some(field) => ApiError::invalid(&field, "is required"),
                    None => ApiError::Unprocessable(format!("the JSON has a wrong value: {e}")),
                }
                .into()
            })
        })
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
    use super::nul_path;
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
}
