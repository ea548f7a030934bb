//! HTTP handlers of clinical trials: coordinator applications, notices, search, import,
//! interest and saved searches. Extract, authorise, call the service, respond.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, guard, patch, post, put, web};
use futures_util::StreamExt;

use super::alerts::{self, Alert, AlertPageQuery, AlertRequest};
use super::coordinators::{
    self, Application, ApplicationQuery, ApplicationRequest, DecisionRequest,
};
use super::follow::{self, MyAnswer, MyAnswersQuery, Watch, WatchRequest};
use super::import::{self, MAX_RECORD_BYTES};
use super::interest::{self, InterestQuery, InterestRequest, InterestStatusRequest, InterestView};
use super::model::{
    CloseRequest, MinePageQuery, MyInterest, Notice, NoticePatch, NoticeRequest, NoticeSummary,
    TrialSearchQuery,
};
use super::service;
use super::sync::{self, NoticeRevision, RevisionsQuery};
use crate::app::AppState;
use crate::app::caller::MaybeCaller;
use crate::auth::Caller;
use crate::auth::policy::{Action, authorize};
use crate::http::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::http::pagination::Page;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(apply)
        .service(list_applications)
        .service(decide_application)
        .service(search)
        .service(create)
        .service(
            // Guarded as a whole, like the attribute routes: other methods go on to the
            // routes after it.
            web::resource("/api/v1/trials/import")
                .guard(guard::Post())
                .to(import_record),
        )
        .service(mine)
        .service(get_notice)
        .service(update)
        .service(delete_notice)
        .service(submit)
        .service(close)
        .service(express_interest)
        .service(withdraw_interest)
        .service(list_interests)
        .service(set_interest_status)
        .service(list_revisions)
        .service(watch_notice)
        .service(unwatch_notice)
        .service(my_answers)
        .service(list_alerts)
        .service(create_alert)
        .service(delete_alert)
        .configure(super::precheck::routes::configure);
}

/// Apply to become a trial coordinator (verified members). An administrator decides.
#[utoipa::path(tag = "trials", security(("bearer" = [])), request_body = ApplicationRequest, responses(
    (status = 201, body = Application),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Email not confirmed, silenced or suspended"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "An application is pending already, or the account is not a member account"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields (registry ids included)"),
))]
#[post("/api/v1/coordinator-applications")]
pub async fn apply(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<ApplicationRequest>,
) -> Result<HttpResponse, ApiError> {
    let application = coordinators::apply(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(application))
}

/// Coordinator applications by status, oldest first (administrators).
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(ApplicationQuery), responses(
    (status = 200, body = Page<Application>),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad cursor"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an administrator"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Unknown status or bad limit"),
))]
#[get("/api/v1/admin/coordinator-applications")]
pub async fn list_applications(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ApplicationQuery>,
) -> Result<web::Json<Page<Application>>, ApiError> {
    Ok(web::Json(
        coordinators::list(&state, &caller, query.into_inner()).await?,
    ))
}

/// Approve (grants the coordinator role) or reject an application, with a reason
/// (administrators). Resolves its moderation queue item.
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(("id" = i64, Path)), request_body = DecisionRequest, responses(
    (status = 200, body = Application),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an administrator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such application"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Decided already"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Reason missing or too long"),
))]
#[post("/api/v1/admin/coordinator-applications/{id}/decision")]
pub async fn decide_application(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<DecisionRequest>,
) -> Result<web::Json<Application>, ApiError> {
    Ok(web::Json(
        coordinators::decide(&state, &caller, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Search published notices: text (English or Chinese), condition, phase, status, country,
/// distance from a point and age. With `near`, nearest first; otherwise recruiting notices
/// first, newest first. Signed-in members with a health profile may also filter and sort by
/// their private pre-check (`pre_check`, `sort=pre_check`; visitors 401, no profile 409).
#[utoipa::path(tag = "trials", params(TrialSearchQuery), responses(
    (status = 200, body = Page<NoticeSummary>),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad cursor or query string"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Invalid access token, or `pre_check`/`sort=pre_check` without signing in"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`pre_check`/`sort=pre_check` without a health profile"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid filters (`errors` names them)"),
))]
#[get("/api/v1/trials")]
pub async fn search(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    query: web::Query<TrialSearchQuery>,
) -> Result<web::Json<Page<NoticeSummary>>, ApiError> {
    let query = query.into_inner();
    if super::precheck::service::wanted(&query) {
        return Ok(web::Json(
            super::precheck::service::search(&state, caller.0.as_ref(), query).await?,
        ));
    }
    Ok(web::Json(super::search::search(&state, query).await?))
}

/// Write a new draft notice (coordinators).
#[utoipa::path(tag = "trials", security(("bearer" = [])), request_body = NoticeRequest, responses(
    (status = 201, body = Notice),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a coordinator, or cannot write"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "The coordinator has an open notice for this registry id"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields, such as a registry id in no known format"),
))]
#[post("/api/v1/trials")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<NoticeRequest>,
) -> Result<HttpResponse, ApiError> {
    let notice = service::create(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(notice))
}

/// How study records are read: through the one JSON extractor (so a NUL character is refused
/// as everywhere), but up to 2 MiB, with or without a JSON content type, and a record that is
/// not JSON is answered with the line and column where it breaks.
/// Import a ClinicalTrials.gov API v2 study record (as served by `/api/v2/studies/{nctId}`,
/// up to 2 MiB) into a new draft notice (coordinators).
#[utoipa::path(post, path = "/api/v1/trials/import", tag = "trials", security(("bearer" = [])),
    request_body(content = serde_json::Value, content_type = "application/json", description = "A ClinicalTrials.gov API v2 study record"),
    responses(
        (status = 201, body = Notice),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a coordinator, or cannot write"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "A notice holds one of the record's registry ids already (named when the caller may see it)"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "Record larger than 2 MiB"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Malformed JSON (with line and column), no NCT id, a NUL character, or a part of the wrong shape (named by its JSON path)"),
))]
pub async fn import_record(
    state: web::Data<AppState>,
    caller: Caller,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller, Action::PublishTrials)?;
    // A record is read as it is served, whatever content type the client gives it, up to its
    // own limit (records are larger than other bodies).
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::BadRequest(format!("the request body cannot be read: {e}")))?;
        if body.len() + chunk.len() > MAX_RECORD_BYTES {
            return Err(ApiError::PayloadTooLarge(format!(
                "a study record may be at most {MAX_RECORD_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    let request = import::parse_record(&body)?;
    let notice = service::import(&state, &caller, request).await?;
    Ok(HttpResponse::Created().json(notice))
}

/// The caller's own notices in every state, newest first (coordinators).
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(MinePageQuery), responses(
    (status = 200, body = Page<NoticeSummary>),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad cursor"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a coordinator"),
))]
#[get("/api/v1/me/trials")]
pub async fn mine(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<MinePageQuery>,
) -> Result<web::Json<Page<NoticeSummary>>, ApiError> {
    Ok(web::Json(
        service::mine(&state, &caller, query.into_inner()).await?,
    ))
}

/// One notice, with the health-education disclaimer in the caller's language (their account's
/// locale, else `Accept-Language`, else English). Drafts and notices under review only for
/// their coordinator, moderators and administrators.
#[utoipa::path(tag = "trials", params(
    ("id" = i64, Path),
    ("Accept-Language" = Option<String>, Header, description = "`zh-CN` or `en`, for visitors"),
), responses(
    (status = 200, body = Notice),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Invalid access token"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such notice, or not visible"),
))]
#[get("/api/v1/trials/{id}")]
pub async fn get_notice(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<i64>,
    req: HttpRequest,
) -> Result<web::Json<Notice>, ApiError> {
    let language = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok(web::Json(
        service::get(&state, caller.0.as_ref(), id.into_inner(), language).await?,
    ))
}

/// Change a notice (its coordinator or an administrator). A published notice goes back to
/// review unless only its recruitment status or end date changed; `completed`, `terminated`
/// or `withdrawn` close it.
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(("id" = i64, Path)), request_body = NoticePatch, responses(
    (status = 200, body = Notice),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not this notice's coordinator (published notices)"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such notice, or a draft of someone else"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Closed, or the registry id is used by another open notice"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields"),
))]
#[patch("/api/v1/trials/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<NoticePatch>,
) -> Result<web::Json<Notice>, ApiError> {
    Ok(web::Json(
        service::update(&state, &caller, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Delete a draft that was never published (its coordinator or an administrator).
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 204, description = "Deleted"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not this notice's coordinator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such notice"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Not a never-published draft"),
))]
#[delete("/api/v1/trials/{id}")]
pub async fn delete_notice(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    service::delete(&state, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Submit a complete draft for review; it becomes a `trial_notice` moderation queue item.
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 200, body = Notice),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not this notice's coordinator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such notice"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Not a draft"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Incomplete: `errors` says what is missing"),
))]
#[post("/api/v1/trials/{id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<Notice>, ApiError> {
    Ok(web::Json(
        service::submit(&state, &caller, id.into_inner()).await?,
    ))
}

/// Close a published notice (its coordinator or an administrator).
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(("id" = i64, Path)), request_body = CloseRequest, responses(
    (status = 200, body = Notice),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not this notice's coordinator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such notice"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Not published"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Reason too long"),
))]
#[post("/api/v1/trials/{id}/close")]
pub async fn close(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<CloseRequest>,
) -> Result<web::Json<Notice>, ApiError> {
    Ok(web::Json(
        service::close(&state, &caller, id.into_inner(), body.into_inner()).await?,
    ))
}

/// "I'm interested": answer a published notice, with explicit consent to share the chosen
/// contact with its coordinator (verified members; one answer per notice).
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(("id" = i64, Path)), request_body = InterestRequest, responses(
    (status = 201, body = MyInterest),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Email not confirmed, silenced or suspended"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such notice"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Answered already, own notice, or not recruiting"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "No consent, nothing to reach the member by, `attach_pre_check` without a health profile, or invalid fields"),
))]
#[post("/api/v1/trials/{id}/interest")]
pub async fn express_interest(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<InterestRequest>,
) -> Result<HttpResponse, ApiError> {
    let answer = interest::express(&state, &caller, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(answer))
}

/// Withdraw one's answer: the details shared with the coordinator are erased.
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 204, description = "Withdrawn"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No answer to withdraw"),
))]
#[delete("/api/v1/trials/{id}/interest")]
pub async fn withdraw_interest(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    interest::withdraw(&state, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The answers to one's own notice, oldest first (its coordinator only).
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(("id" = i64, Path), InterestQuery), responses(
    (status = 200, body = Page<InterestView>),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad cursor"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not this notice's coordinator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such notice"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Unknown status"),
))]
#[get("/api/v1/trials/{id}/interests")]
pub async fn list_interests(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    query: web::Query<InterestQuery>,
) -> Result<web::Json<Page<InterestView>>, ApiError> {
    Ok(web::Json(
        interest::list(&state, &caller, id.into_inner(), query.into_inner()).await?,
    ))
}

/// Record where an answer stands: `new`, `contacted`, `not_eligible`, `enrolled_elsewhere`
/// (the notice's coordinator).
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(("id" = i64, Path), ("interest_id" = i64, Path)), request_body = InterestStatusRequest, responses(
    (status = 200, body = InterestView),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not this notice's coordinator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such notice or answer"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "The member withdrew"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Status not settable"),
))]
#[patch("/api/v1/trials/{id}/interests/{interest_id}")]
pub async fn set_interest_status(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
    body: Json<InterestStatusRequest>,
) -> Result<web::Json<InterestView>, ApiError> {
    let (id, interest_id) = path.into_inner();
    Ok(web::Json(
        interest::set_status(&state, &caller, id, interest_id, body.into_inner()).await?,
    ))
}

/// What ClinicalTrials.gov changed on an imported notice (recruitment status, sites,
/// eligibility, dates, contact), each with its values before and after and the sites that
/// opened or closed, newest first (the notice's coordinator and administrators).
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(("id" = i64, Path), RevisionsQuery), responses(
    (status = 200, body = Page<NoticeRevision>),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad cursor"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Not this notice's coordinator or an administrator"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such notice, or not visible"),
))]
#[get("/api/v1/trials/{id}/revisions")]
pub async fn list_revisions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    query: web::Query<RevisionsQuery>,
) -> Result<web::Json<Page<NoticeRevision>>, ApiError> {
    Ok(web::Json(
        sync::revisions(&state, &caller, id.into_inner(), query.into_inner()).await?,
    ))
}

/// The caller's saved trial searches.
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(AlertPageQuery), responses(
    (status = 200, body = Page<Alert>),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "Bad cursor"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
))]
#[get("/api/v1/me/trial-alerts")]
pub async fn list_alerts(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AlertPageQuery>,
) -> Result<web::Json<Page<Alert>>, ApiError> {
    Ok(web::Json(
        alerts::list(&state, &caller, query.into_inner()).await?,
    ))
}

/// Save a search: newly published notices it finds are announced in-app and by email (at most
/// one email a day). At most 20 per member.
#[utoipa::path(tag = "trials", security(("bearer" = [])), request_body = AlertRequest, responses(
    (status = 201, body = Alert),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Email not confirmed"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Too many saved searches"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid name or filters (`filters.*`)"),
))]
#[post("/api/v1/me/trial-alerts")]
pub async fn create_alert(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<AlertRequest>,
) -> Result<HttpResponse, ApiError> {
    let alert = alerts::create(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(alert))
}

/// Delete a saved search.
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 204, description = "Deleted"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such saved search of the caller"),
))]
#[delete("/api/v1/me/trial-alerts/{id}")]
pub async fn delete_alert(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    alerts::delete(&state, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Watch a notice without answering it: you are told (in-app, and by email if you ask) when
/// its recruitment status changes or it closes. Watching again changes only the email choice.
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(("id" = i64, Path)), request_body = WatchRequest, responses(
    (status = 200, body = Watch),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such notice, or not visible"),
))]
#[put("/api/v1/trials/{id}/watch")]
pub async fn watch_notice(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<WatchRequest>,
) -> Result<web::Json<Watch>, ApiError> {
    Ok(web::Json(
        follow::watch(&state, &caller, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Stop watching a notice (whether or not you did).
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 204, description = "Not watching"),
))]
#[delete("/api/v1/trials/{id}/watch")]
pub async fn unwatch_notice(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    follow::unwatch(&state, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Your answers to trial notices, newest first: where each stands (as its coordinator marked
/// it) and where its notice stands now.
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(MyAnswersQuery), responses(
    (status = 200, body = Page<MyAnswer>),
))]
#[get("/api/v1/me/trial-interests")]
pub async fn my_answers(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<MyAnswersQuery>,
) -> Result<web::Json<Page<MyAnswer>>, ApiError> {
    Ok(web::Json(
        follow::my_answers(&state, &caller, query.into_inner()).await?,
    ))
}
