//! Answers for requests no route takes as asked: 405 with `Allow` where the address exists with
//! other methods (as the OpenAPI document lists them), else 404; and the same for a path
//! parameter that does not parse.

use actix_web::error::PathError;
use actix_web::{HttpRequest, web};

use super::openapi;
use crate::http::error::ApiError;

/// Path parameters: a malformed id names nothing that exists; but where the address is a route
/// of its own that does not take this method (`PATCH /api/v1/trials/import`, which only the
/// `{id}` route took), the answer is 405, as for any other method a route does not take.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err: PathError, req: &HttpRequest| {
        match openapi::methods_for(req.path()) {
            Some(allowed) if !allowed.split(", ").any(|m| m == req.method().as_str()) => {
                ApiError::MethodNotAllowed { allowed }
            }
            _ => ApiError::NotFound("nothing exists at this address".into()),
        }
        .into()
    })
}

/// Fallback for requests no route took: 405 when the path exists with other methods (as the
/// OpenAPI document lists them), else 404.
pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    match openapi::methods_for(req.path()) {
        Some(allowed) => Err(ApiError::MethodNotAllowed { allowed }),
        None => Err(ApiError::NotFound("nothing exists at this address".into())),
    }
}
