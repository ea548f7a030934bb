//! The rate limits in the OpenAPI document: the 429 answer and the `RateLimit-*` headers on
//! every limited operation, from the same table the middleware uses.

use actix_web::http::Method;

use super::LIMITED_ROUTES;

/// Documents the 429 answer and the `RateLimit-*` headers on every limited operation, from
/// the same table the middleware uses.
pub struct RateLimitDocs;

impl utoipa::Modify for RateLimitDocs {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::{ContentBuilder, Object, Ref, RefOr, ResponseBuilder, Type};

        let integer = |description: &str| {
            HeaderBuilder::new()
                .schema(Object::with_type(Type::Integer))
                .description(Some(description))
                .build()
        };
        let quota_headers = [
            (
                "RateLimit-Limit",
                integer(
                    "Requests allowed per window, and the largest burst (the tightest limit that applies)",
                ),
            ),
            (
                "RateLimit-Remaining",
                integer(
                    "Requests that may be sent at once now; one more comes back every window ÷ limit",
                ),
            ),
            (
                "RateLimit-Reset",
                integer("Seconds until the whole allowance is back"),
            ),
        ];
        for (method, pattern, rule) in LIMITED_ROUTES {
            let Some(item) = openapi.paths.paths.get_mut(*pattern) else {
                continue;
            };
            let operation = match *method {
                Method::GET => item.get.as_mut(),
                Method::POST => item.post.as_mut(),
                _ => None,
            };
            let Some(operation) = operation else {
                continue;
            };
            let responses = &mut operation.responses.responses;
            let mut too_many = ResponseBuilder::new()
                .description(format!(
                    "Too many requests from this client or account (`rate_limits.{}`); wait `Retry-After` seconds",
                    rule.name()
                ))
                .header(
                    "Retry-After",
                    integer("Seconds until one more request is allowed"),
                )
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                );
            for (name, header) in &quota_headers {
                too_many = too_many.header(*name, header.clone());
            }
            responses.insert("429".into(), RefOr::T(too_many.build()));
            for response in responses.values_mut() {
                if let RefOr::T(response) = response {
                    for (name, header) in &quota_headers {
                        response
                            .headers
                            .entry((*name).to_owned())
                            .or_insert_with(|| header.clone());
                    }
                }
            }
        }
    }
}
