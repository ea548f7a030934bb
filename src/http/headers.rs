//! Security headers on every response, and CORS.
//!
//! [`security_headers`] (the outermost middleware) adds `X-Content-Type-Options: nosniff`,
//! `Referrer-Policy: no-referrer` and `X-Frame-Options: DENY` everywhere; a strict
//! `Content-Security-Policy` unless the response brought its own (the docs page does); and
//! `Cache-Control: no-store` on every answer to a request that carried credentials and on
//! everything under `/api/v1/me`, so no shared cache keeps a member's data. An error that
//! reached it unanswered, or a bare error from the CORS layer, becomes problem+json first.
//!
//! [`cors`] builds the CORS layer from `cors.allowed_origins`; with none configured there is
//! no CORS layer at all and browsers keep to same-origin.

use actix_cors::Cors;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};

use crate::config::{ConfigError, CorsSettings};
use crate::http::error::ApiError;

/// The policy of every response that does not set its own: load nothing, be framed nowhere.
pub const STRICT_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Whether the request carries credentials, or asks for the caller's own data.
fn private(req: &ServiceRequest) -> bool {
    let path = req.path();
    req.headers().contains_key(header::AUTHORIZATION)
        || path == "/api/v1/me"
        || path.starts_with("/api/v1/me/")
}

fn add_security_headers(headers: &mut HeaderMap, private: bool) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(STRICT_CSP),
        );
    }
    if private {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// An error answer that is neither problem+json nor a page: only the CORS layer, which sits
/// outside the problem rewriting of the inner layers, produces these.
fn bare_error(status: StatusCode, headers: &HeaderMap) -> bool {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    status.is_client_error()
        && !content_type.starts_with(b"application/problem+json")
        && !content_type.starts_with(b"text/html")
}

/// The problem answer for a bare error, keeping its other headers (`Vary`, `Allow`).
fn as_problem(status: StatusCode, headers: &HeaderMap, cross_origin: bool) -> HttpResponse {
    let error = match status {
        StatusCode::BAD_REQUEST if cross_origin => {
            ApiError::BadRequest("this cross-origin request is not allowed from this origin".into())
        }
        StatusCode::NOT_FOUND => ApiError::NotFound("nothing exists at this address".into()),
        _ => ApiError::BadRequest(
            status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_lowercase(),
        ),
    };
    let mut response = error.error_response();
    *response.status_mut() = status;
    for (name, value) in headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    response
}

/// Middleware (outermost): the security headers on every response.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody, impl MessageBody>>, actix_web::Error> {
    let private = private(&req);
    let cross_origin = req.headers().contains_key(header::ORIGIN);
    match next.call(req).await {
        Ok(res) if bare_error(res.status(), res.headers()) => {
            let response = as_problem(res.status(), res.headers(), cross_origin);
            let mut res = res.into_response(response).map_into_left_body();
            add_security_headers(res.headers_mut(), private);
            Ok(res)
        }
        Ok(mut res) => {
            add_security_headers(res.headers_mut(), private);
            Ok(res.map_into_right_body())
        }
        // An error no layer answered: the server turns it into a response later; make that
        // one a problem with the same headers.
        Err(mut e) => {
            e.add_response_mapper(move |response| {
                let mut response = if bare_error(response.status(), response.headers()) {
                    as_problem(response.status(), response.headers(), cross_origin)
                } else {
                    response
                };
                add_security_headers(response.headers_mut(), private);
                response
            });
            Err(e)
        }
    }
}

/// Headers a cross-origin page may read from answers.
const EXPOSED: [&str; 5] = [
    "x-request-id",
    "retry-after",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
];

/// Checks `cors.allowed_origins`: each `*` or a bare origin (`scheme://host[:port]`).
pub fn check_cors(settings: &CorsSettings) -> Result<(), ConfigError> {
    for origin in &settings.allowed_origins {
        if origin == "*" {
            continue;
        }
        let parsed = url::Url::parse(origin).ok();
        let bare = parsed.as_ref().is_some_and(|url| {
            matches!(url.scheme(), "http" | "https")
                && url.host().is_some()
                && url.origin().ascii_serialization() == *origin
        });
        if !bare {
            return Err(ConfigError(format!(
                "cors.allowed_origins: `{origin}` is not an origin such as https://app.example.org (scheme, host and port only, no trailing slash)"
            )));
        }
    }
    Ok(())
}

/// The CORS layer, or `None` when no origin is allowed. Call [`check_cors`] first.
pub fn cors(settings: &CorsSettings) -> Option<Cors> {
    if settings.allowed_origins.is_empty() {
        return None;
    }
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers(EXPOSED)
        .max_age(settings.max_age_secs)
        // A refused origin's simple requests go through without CORS headers (the browser
        // hides the answer); only its preflights are refused. Same-origin pages such as the
        // docs page send an `Origin` too and must keep working.
        .block_on_origin_mismatch(false);
    for origin in &settings.allowed_origins {
        cors = if origin == "*" {
            cors.allow_any_origin().send_wildcard()
        } else {
            cors.allowed_origin(origin)
        };
    }
    Some(cors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_must_be_bare() {
        let check = |origins: &[&str]| {
            check_cors(&CorsSettings {
                allowed_origins: origins.iter().map(|s| (*s).to_owned()).collect(),
                ..CorsSettings::default()
            })
        };
        assert!(check(&["https://app.example.org", "http://localhost:3000", "*"]).is_ok());
        assert!(check(&["https://app.example.org/"]).is_err());
        assert!(check(&["app.example.org"]).is_err());
        assert!(check(&["https://app.example.org/path"]).is_err());
    }
}
