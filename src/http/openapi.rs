//! The OpenAPI 3.1 document, generated from the handlers' annotations and served at
//! `/api/openapi.json`.

use std::sync::OnceLock;

use actix_web::dev::ResourceDef;
use actix_web::{HttpResponse, get};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::accounts::privacy::routes as privacy;
use crate::accounts::routes as accounts;
use crate::forum::routes as forum;
use crate::http::health;
use crate::http::ratelimit::RateLimitDocs;
use crate::moderation::routes as moderation;
use crate::notify::routes as notifications;
use crate::trials::routes as trials;

/// Adds the bearer-token security scheme.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Butterfly API",
        description = "REST API of Butterfly, a moderated community for people living with lupus. \
            Errors are `application/problem+json` (RFC 9457). Content about treatments is health \
            education only, never medical advice."
    ),
    paths(
        health::live,
        health::ready,
        crate::http::metrics::get_metrics,
        accounts::register,
        accounts::verify,
        accounts::resend_verification,
        accounts::login,
        accounts::refresh,
        accounts::logout,
        accounts::logout_everywhere,
        accounts::request_reset,
        accounts::confirm_reset,
        accounts::me,
        accounts::update_me,
        accounts::change_password,
        accounts::public_profile,
        privacy::export,
        privacy::erase,
        privacy::admin_user,
        privacy::admin_export,
        privacy::access_log,
        forum::list_boards,
        forum::create_board,
        forum::get_board,
        forum::update_board,
        forum::list_threads,
        forum::create_thread,
        forum::get_thread,
        forum::moderate_thread,
        forum::list_posts,
        forum::create_post,
        forum::edit_post,
        forum::delete_post,
        forum::revisions,
        forum::add_reaction,
        forum::remove_reaction,
        forum::search_posts,
        moderation::flag_post,
        moderation::queue,
        moderation::queue_item,
        moderation::claim,
        moderation::release,
        moderation::decide,
        moderation::list_sanctions,
        moderation::place_sanction,
        moderation::lift_sanction,
        moderation::list_notes,
        moderation::add_note,
        moderation::list_words,
        moderation::add_word,
        moderation::delete_word,
        moderation::log,
        moderation::public_log,
        moderation::appeal,
        notifications::list,
        notifications::mark_read,
        trials::apply,
        trials::list_applications,
        trials::decide_application,
        trials::search,
        trials::create,
        trials::import_record,
        trials::mine,
        trials::get_notice,
        trials::update,
        trials::delete_notice,
        trials::submit,
        trials::close,
        trials::express_interest,
        trials::withdraw_interest,
        trials::list_interests,
        trials::set_interest_status,
        trials::list_alerts,
        trials::create_alert,
        trials::delete_alert,
    ),
    // Schemas that only parameters refer to, which utoipa does not collect by itself.
    components(schemas(crate::http::error::Problem, crate::forum::model::ThreadSort)),
    modifiers(&BearerAuth, &RateLimitDocs),
    tags(
        (name = "accounts", description = "Registration, email verification, password reset"),
        (name = "sessions", description = "Log in, refresh, log out"),
        (name = "profile", description = "One's own account and public profiles"),
        (name = "privacy", description = "Privacy rights: export of everything Butterfly holds about you, account erasure, and administrators' logged reads of private data"),
        (name = "forum", description = "Boards, threads, posts, reactions and search"),
        (name = "moderation", description = "Flags, the moderation queue, sanctions, watched words, logs and appeals"),
        (name = "notifications", description = "In-app notifications"),
        (name = "trials", description = "Clinical trials: coordinator applications, recruitment notices, search, import from ClinicalTrials.gov, interest and saved searches. Trials are research: eligibility is decided by the trial's physicians"),
        (name = "health", description = "Probes"),
        (name = "operations", description = "Prometheus metrics for operators (loopback or metrics token only)"),
    )
)]
pub struct ApiDoc;

/// Route patterns of the document with their methods, for telling 405 from 404.
fn route_table() -> &'static [(ResourceDef, String)] {
    static TABLE: OnceLock<Vec<(ResourceDef, String)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        ApiDoc::openapi()
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = serde_json::to_value(item)
                    .ok()
                    .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()))
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|k| HTTP_METHODS.contains(&k.as_str()))
                    .map(|k| k.to_uppercase())
                    .collect::<Vec<_>>()
                    .join(", ");
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect()
    })
}

const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The methods allowed on `path`, if some documented route has that shape.
pub fn methods_for(path: &str) -> Option<String> {
    route_table()
        .iter()
        .find(|(def, _)| def.is_match(path))
        .map(|(_, methods)| methods.clone())
}

/// The OpenAPI document.
#[get("/api/openapi.json")]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
