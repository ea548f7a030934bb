//! HTTP handlers of the pre-check: her own health profile (`/me/health-profile`: there is no
//! route to anyone else's, for staff neither) and the pre-check of one notice. Configured from
//! the trials' `routes.rs`.

use actix_web::{HttpResponse, delete, get, put, web};

use super::model::{HealthProfile, HealthProfileRequest, PreCheck};
use super::service;
use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::Json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_profile)
        .service(put_profile)
        .service(delete_profile)
        .service(pre_check);
}

/// Your private health profile, for the eligibility pre-check. Only you can read it: no staff
/// route shows it, and administrators' copies of your data leave it out.
#[utoipa::path(tag = "trials", security(("bearer" = [])), responses(
    (status = 200, body = HealthProfile),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "You have no health profile"),
))]
#[get("/api/v1/me/health-profile")]
pub async fn get_profile(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<HealthProfile>, ApiError> {
    Ok(web::Json(service::get_profile(&state, &caller).await?))
}

/// Create or replace your whole health profile (fields left out are left unsaid).
#[utoipa::path(tag = "trials", security(("bearer" = [])), request_body = HealthProfileRequest, responses(
    (status = 200, body = HealthProfile),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields (`errors` names them): an implausible year, a nephritis class without nephritis, more than 9 treatments in a list, a place too long"),
))]
#[put("/api/v1/me/health-profile")]
pub async fn put_profile(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<HealthProfileRequest>,
) -> Result<web::Json<HealthProfile>, ApiError> {
    Ok(web::Json(
        service::put_profile(&state, &caller, body.into_inner()).await?,
    ))
}

/// Delete your health profile (whether or not you had one). Pre-checks you attached to
/// answers stay with those answers until you withdraw them.
#[utoipa::path(tag = "trials", security(("bearer" = [])), responses(
    (status = 204, description = "No health profile"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
))]
#[delete("/api/v1/me/health-profile")]
pub async fn delete_profile(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    service::delete_profile(&state, &caller).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Your private pre-check of a notice: each of its criteria against your health profile as
/// `likely`, `unclear` or `unlikely`, quoting the criterion and saying why, and an overall
/// verdict (any `unlikely` → `unlikely`; any `unclear` → `unclear`; else `likely`). Computed
/// now, never stored, never shown to anyone else unless you attach it to your answer. Only
/// the trial team decides eligibility.
#[utoipa::path(tag = "trials", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 200, body = PreCheck),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such notice, or not visible"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "You have no health profile yet: create it with PUT /api/v1/me/health-profile"),
))]
#[get("/api/v1/trials/{id}/pre-check")]
pub async fn pre_check(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<PreCheck>, ApiError> {
    Ok(web::Json(
        service::pre_check(&state, &caller, id.into_inner()).await?,
    ))
}
