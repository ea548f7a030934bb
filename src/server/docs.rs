//! The browsable API documentation at `/api/docs`: Swagger UI reading `/api/openapi.json`.
//!
//! Swagger UI comes from the `utoipa-swagger-ui` crate with its `vendored` feature (the files
//! are taken from the `utoipa-swagger-ui-vendored` crate, not downloaded when building) and
//! `debug-embed` (embedded in debug builds as in release ones), so the page works with no
//! internet access. We serve the files ourselves rather than through the crate's actix-web
//! service, to keep the page at `/api/docs` itself, serve only the files the page uses, and send
//! a strict Content-Security-Policy: scripts and styles from this server only, nothing inline,
//! no third-party request (the online spec validator is switched off).

use std::sync::{Arc, OnceLock};

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use utoipa_swagger_ui::Config;

use crate::http::error::ApiError;

/// What the page may load: its own scripts, styles and images (Swagger UI's stylesheet draws
/// its icons as `data:` SVGs) and requests to this server (the document, "Try it out").
/// No inline script or style element, no `eval`, no frames, no other origin.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The page: Swagger UI's own `index.html` minus the relative links (so it can be served at
/// `/api/docs` without a trailing slash) and with a fallback for browsers without JavaScript.
const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Butterfly API</title>
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
  <link rel="stylesheet" href="/api/docs/index.css">
  <link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="/api/docs/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <noscript>This page needs JavaScript. The API description itself is at
    <a href="/api/openapi.json">/api/openapi.json</a>.</noscript>
  <div id="swagger-ui"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script src="/api/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/api/docs/swagger-initializer.js"></script>
</body>
</html>
"#;

/// The Swagger UI files the page uses; the rest of the bundle (source maps, ES module builds)
/// is not served.
const ASSETS: &[&str] = &[
    "swagger-ui.css",
    "index.css",
    "favicon-32x32.png",
    "favicon-16x16.png",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "swagger-initializer.js",
];

/// Swagger UI's settings, written into `swagger-initializer.js`.
fn config() -> Arc<Config<'static>> {
    static CONFIG: OnceLock<Arc<Config<'static>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            Arc::new(
                Config::new(["/api/openapi.json"])
                    // No top bar: it only holds Swagger's logo (an SVG with an inline
                    // `<style>`, which the policy refuses) and a box for loading other
                    // documents, which the policy would refuse too.
                    .use_base_layout()
                    .validator_url("none")
                    .display_request_duration(true)
                    .filter(true),
            )
        })
        .clone()
}

/// Registers the page and its assets.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(page).service(asset);
}

/// The page, with the headers every docs response carries.
#[get("/api/docs")]
pub async fn page() -> HttpResponse {
    html()
}

fn html() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(PAGE)
}

/// One of the page's files; `/api/docs/` is the page itself.
#[get("/api/docs/{file:.*}")]
pub async fn asset(file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let file = file.into_inner();
    if file.is_empty() || file == "index.html" {
        return Ok(html());
    }
    if !ASSETS.contains(&file.as_str()) {
        return Err(ApiError::NotFound("nothing exists at this address".into()));
    }
    let served = utoipa_swagger_ui::serve(&file, config())
        .map_err(|e| ApiError::Internal(format!("cannot serve the docs file {file}: {e}")))?
        .ok_or_else(|| ApiError::Internal(format!("the docs file {file} is not bundled")))?;
    // The initializer carries the configuration; the rest only changes with the crate.
    let cache = if file == "swagger-initializer.js" {
        "no-cache"
    } else {
        "public, max-age=3600"
    };
    Ok(HttpResponse::Ok()
        .content_type(served.content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(served.bytes.into_owned()))
}
