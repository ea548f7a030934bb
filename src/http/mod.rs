//! HTTP foundations shared by every feature: errors as problem+json, request-body limits and
//! their errors, pagination, rate limiting, security headers, CORS, and the request metrics.
//! (The authenticated-caller extractor reads the application state, so it lives in
//! `app::caller`; the route table, the OpenAPI document, the `/metrics` endpoint and health
//! are the composition root's: `server`.)

pub mod error;
pub mod headers;
pub mod json;
pub mod metrics;
pub mod pagination;
pub mod ratelimit;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, QueryPayloadError};
use actix_web::http::header;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, ResponseError, web};

use self::error::ApiError;

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// For a handler that would take actix's own `web::Json`: 64 KiB, every failure as
/// problem+json. The handlers here take [`json::Json`], which reads bodies itself and accepts
/// `application/json` alone; this keeps any other one within the same limits.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(MAX_BODY_BYTES)
        .error_handler(|err, _req| json_error(err).into())
}

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => {
            ApiError::PayloadTooLarge(format!("the request body is larger than {limit} bytes"))
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType(
            "send the request body as JSON with `Content-Type: application/json`".into(),
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => match missing_field(&e) {
            Some(field) => ApiError::invalid(&field, "is required"),
            None => ApiError::Unprocessable(format!("the JSON has a wrong value: {e}")),
        },
        JsonPayloadError::Deserialize(e) => {
            ApiError::BadRequest(format!("the JSON is malformed: {e}"))
        }
        other => ApiError::BadRequest(format!("the request body cannot be read: {other}")),
    }
}

pub(crate) fn missing_field(e: &serde_json::Error) -> Option<String> {
    let message = e.to_string();
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_owned())
}

/// Query strings: every failure as a 400 problem.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req: &HttpRequest| {
        ApiError::BadRequest(format!("the query string is invalid: {err}")).into()
    })
}

/// Middleware: a NUL character in the path or query string (`%00`) is refused with 400 before
/// any handler sees it; no stored text can hold one.
pub async fn reject_nul(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<EitherBody<BoxBody, impl MessageBody>>, actix_web::Error>
{
    let uri = req.uri().to_string();
    if uri.contains('\0') || uri.to_ascii_lowercase().contains("%00") {
        let response = ApiError::BadRequest(
            "the address contains a NUL character (%00), which is not allowed".into(),
        )
        .error_response();
        return Ok(req.into_response(response).map_into_left_body());
    }
    Ok(next.call(req).await?.map_into_right_body())
}

/// Rewrites any error response the framework produced itself (405, extractor failures) into
/// problem+json, leaving ours untouched.
pub fn problem_for_framework_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let error = match status.as_u16() {
        404 => ApiError::NotFound("nothing exists at this address".into()),
        405 => ApiError::MethodNotAllowed {
            allowed: String::new(),
        },
        413 => ApiError::PayloadTooLarge("the request body is too large".into()),
        415 => ApiError::UnsupportedMediaType("this content type is not accepted here".into()),
        400..=499 => ApiError::BadRequest(
            status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_lowercase(),
        ),
        _ => ApiError::Internal(format!("framework error {status}")),
    };
    let (req, _) = res.into_parts();
    let response: actix_web::HttpResponse<BoxBody> = error.error_response();
    let response = ServiceResponse::new(req, response).map_into_right_body::<B>();
    Ok(ErrorHandlerResponse::Response(
        response.map_body(|_, body: EitherBody<B, BoxBody>| body),
    ))
}
