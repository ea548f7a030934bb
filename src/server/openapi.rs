//! The OpenAPI 3.1 document, generated from the handlers' annotations and served at
//! `/api/openapi.json`.

use std::sync::OnceLock;

use actix_web::dev::ResourceDef;
use actix_web::{HttpResponse, get};
use serde_json::Value;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::accounts::routes as accounts;
use crate::accounts::security::routes as security;
use crate::forum::bookmarks::routes as bookmarks;
use crate::forum::routes as forum;
use crate::http::pagination::MAX_LIMIT;
use crate::http::ratelimit::RateLimitDocs;
use crate::messages::routes as messages;
use crate::moderation::routes as moderation;
use crate::notify::routes as notifications;
use crate::privacy::routes as privacy;
use crate::relations::routes as relations;
use crate::server::health;
use crate::trials::precheck::routes as precheck;
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

/// Operations whose body is read whatever its content type (so never answer 415).
const ANY_CONTENT_TYPE: &[(&str, &str)] = &[("post", "/api/v1/trials/import")];

/// Documents the answers that come from the shared HTTP layer rather than from a handler, on
/// every operation they can reach, so that no handler can forget them:
/// - 400 everywhere: a NUL character in the address (`reject_nul`), and for operations with a
///   query string a query that cannot be read or a cursor that is not one of ours;
/// - 404 for path parameters that do not parse (`path_config`);
/// - 400, 413, 415 and 422 for JSON bodies (`json_config` and the one extractor);
/// - 422 for `limit` outside 1–100 (`pagination::limit`);
/// - 401 where an access token is read (a bad token is refused even where one is optional);
/// - 503 for every API operation: the database is busy or unreachable (`Retry-After`), and 507
///   for every write: the disk under the database is full.
///
/// A handler's own description of the same status is kept.
struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;

        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                ("get", item.get.as_mut()),
                ("put", item.put.as_mut()),
                ("post", item.post.as_mut()),
                ("delete", item.delete.as_mut()),
                ("patch", item.patch.as_mut()),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else {
                    continue;
                };
                for parameter in operation.parameters.iter_mut().flatten() {
                    if parameter.parameter_in == ParameterIn::Query {
                        query_schema(parameter);
                    }
                }
                let parameters = operation.parameters.as_deref().unwrap_or_default();
                let has = |place: ParameterIn| parameters.iter().any(|p| p.parameter_in == place);
                let in_query = has(ParameterIn::Query);
                let in_path = has(ParameterIn::Path);
                let limit = parameters
                    .iter()
                    .any(|p| p.parameter_in == ParameterIn::Query && p.name == "limit");
                let body = operation.request_body.is_some();
                let token = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let api = path.starts_with("/api/");

                let mut add = |status: &str, description: &str| {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem(description));
                };
                add(
                    "400",
                    match (body, in_query) {
                        (true, _) => {
                            "Malformed request: the body is not JSON or has a key twice in one object, or the address holds a NUL character"
                        }
                        (false, true) => {
                            "Malformed request: a query string that cannot be read, a cursor that is not one of ours, or a NUL character in the address"
                        }
                        (false, false) => "Malformed request: a NUL character in the address",
                    },
                );
                if in_path {
                    add("404", "Nothing exists at this address");
                }
                if token {
                    add("401", "No valid access token");
                }
                if body {
                    add("413", "The body is larger than 64 KiB");
                    if !ANY_CONTENT_TYPE.contains(&(method, path.as_str())) {
                        add(
                            "415",
                            "The body is not sent as `Content-Type: application/json` (the only JSON type accepted; a `charset` must be UTF-8)",
                        );
                    }
                    add("422", "Invalid fields: `errors` names each one");
                }
                if limit {
                    add(
                        "422",
                        "Invalid parameters, such as `limit` outside 1–100: `errors` names each one",
                    );
                }
                if api {
                    add(
                        "503",
                        "The database is busy or unreachable: try again after `Retry-After` seconds",
                    );
                    if method != "get" {
                        add(
                            "507",
                            "The disk under the database is full: try again after `Retry-After` seconds",
                        );
                    }
                }
            }
        }
    }
}

/// A query string has no `null`: an optional parameter is absent, never null (utoipa writes
/// `Option<T>` as nullable). `limit` is 1 to [`MAX_LIMIT`], as `pagination::limit` enforces.
fn query_schema(parameter: &mut utoipa::openapi::path::Parameter) {
    let Some(schema) = parameter.schema.take() else {
        return;
    };
    let mut value = serde_json::to_value(&schema).unwrap_or_default();
    if let Some(Value::Array(types)) = value.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            value["type"] = types[0].clone();
        }
    }
    if let Some(Value::Array(choices)) = value.get("oneOf") {
        let rest: Vec<&Value> = choices.iter().filter(|c| c["type"] != "null").collect();
        if let [only] = rest.as_slice() {
            value = (*only).clone();
        }
    }
    if parameter.name == "limit" {
        value["minimum"] = Value::from(1);
        value["maximum"] = Value::from(MAX_LIMIT);
    }
    parameter.schema = Some(serde_json::from_value(value).unwrap_or(schema));
}

/// A problem+json answer.
fn problem(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Butterfly API",
        description = "REST API of Butterfly, a moderated community for people living with lupus. \
            Errors are `application/problem+json` (RFC 9457). No text may hold a NUL character: one \
            in the address is refused with 400, one anywhere in a body (keys included) with 422. \
            Bodies are JSON objects of at most 64 KiB (study records for import: 2 MiB). \
            Content about treatments is health education only, never medical advice."
    ),
    paths(
        health::live,
        health::ready,
        crate::server::metrics::get_metrics,
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
        security::complete_sign_in,
        security::list_sessions,
        security::revoke_session,
        security::revoke_other_sessions,
        security::two_factor_status,
        security::enrol,
        security::confirm,
        security::disable,
        security::regenerate,
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
        forum::track_thread,
        forum::track_board,
        forum::mark_read,
        forum::digest_settings,
        forum::choose_digest,
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
        relations::list_ignored,
        relations::ignore_member,
        relations::unignore_member,
        bookmarks::list_bookmarks,
        bookmarks::create_bookmark,
        bookmarks::update_bookmark,
        bookmarks::delete_bookmark,
        messages::get_settings,
        messages::update_settings,
        messages::list_conversations,
        messages::start_conversation,
        messages::get_conversation,
        messages::list_messages,
        messages::send_message,
        messages::mark_read,
        messages::accept,
        messages::decline,
        messages::leave,
        messages::report_message,
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
        trials::list_revisions,
        trials::watch_notice,
        trials::unwatch_notice,
        trials::my_answers,
        trials::list_alerts,
        trials::create_alert,
        trials::delete_alert,
        precheck::get_profile,
        precheck::put_profile,
        precheck::delete_profile,
        precheck::pre_check,
    ),
    // Schemas that only parameters refer to, which utoipa does not collect by itself.
    components(schemas(crate::http::error::Problem, crate::forum::model::ThreadSort)),
    // The shared answers first, so that the rate-limit headers are documented on them too.
    modifiers(&BearerAuth, &ProblemResponses, &RateLimitDocs),
    tags(
        (name = "accounts", description = "Registration, email verification, password reset"),
        (name = "sessions", description = "Log in (with a second step when two-factor authentication is on), refresh, log out; one's sessions, revoking one or every other"),
        (name = "two-factor", description = "Two-factor authentication (TOTP) with single-use recovery codes: enrol, confirm, turn off, new recovery codes"),
        (name = "profile", description = "One's own account and public profiles"),
        (name = "privacy", description = "Privacy rights: export of everything Butterfly holds about you, account erasure, and administrators' logged reads of private data"),
        (name = "forum", description = "Boards, threads, posts, reactions and search"),
        (name = "moderation", description = "Flags, the moderation queue, sanctions, watched words, logs and appeals"),
        (name = "notifications", description = "In-app notifications"),
        (name = "following", description = "Watching, tracking and muting threads and boards; what one has read"),
        (name = "bookmarks", description = "One's private bookmarks of threads and posts, with notes and reminders"),
        (name = "ignore", description = "Ignoring members: their posts collapsed, their notifications and messages stopped, without telling them"),
        (name = "messages", description = "Private messages: requests that the recipient accepts or declines, who may write to you, unread counts, reports to the moderators (who see the reported message and the three before it, nothing else)"),
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

#[cfg(test)]
mod tests {
    use actix_web::http::Method;

    use crate::http::ratelimit::LIMITED_ROUTES;

    #[test]
    fn every_limited_route_is_a_documented_operation_with_its_429() {
        use utoipa::OpenApi;
        let doc = super::ApiDoc::openapi();
        for (method, pattern, rule) in LIMITED_ROUTES {
            let item = doc
                .paths
                .paths
                .get(*pattern)
                .unwrap_or_else(|| panic!("{pattern} ({}) is not a route", rule.name()));
            let operation = match *method {
                Method::GET => item.get.as_ref(),
                Method::POST => item.post.as_ref(),
                _ => None,
            }
            .unwrap_or_else(|| panic!("{method} {pattern} is not a route"));
            assert!(
                operation.responses.responses.contains_key("429"),
                "{method} {pattern} does not document its 429"
            );
        }
    }
}
