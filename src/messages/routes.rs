//! HTTP handlers of private messages: extract, call the service, respond.

use actix_web::{HttpResponse, get, patch, post, web};

use super::model::{
    ConversationPage, ConversationView, ListQuery, MessageSettings, MessageView, NewConversation,
    ReportMessageRequest, ReportReceipt, SendMessageRequest, StartConversationRequest,
    UpdateMessageSettings,
};
use super::service;
use crate::app::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::http::pagination::Page;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_settings)
        .service(update_settings)
        .service(list_conversations)
        .service(start_conversation)
        .service(get_conversation)
        .service(list_messages)
        .service(send_message)
        .service(mark_read)
        .service(accept)
        .service(decline)
        .service(leave)
        .service(report_message);
}

/// Who may write to the caller, and whether she gets an email when a message arrives.
#[utoipa::path(tag = "messages", security(("bearer" = [])), responses(
    (status = 200, body = MessageSettings),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
))]
#[get("/api/v1/me/message-settings")]
pub async fn get_settings(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<MessageSettings>, ApiError> {
    Ok(web::Json(service::get_settings(&state, &caller).await?))
}

/// Change who may write to the caller (`nobody`, `talked_with`, `everyone`) and the emails.
#[utoipa::path(tag = "messages", security(("bearer" = [])), request_body = UpdateMessageSettings, responses(
    (status = 200, body = MessageSettings),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields"),
))]
#[patch("/api/v1/me/message-settings")]
pub async fn update_settings(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<UpdateMessageSettings>,
) -> Result<web::Json<MessageSettings>, ApiError> {
    Ok(web::Json(
        service::update_settings(&state, &caller, body.into_inner()).await?,
    ))
}

/// The caller's conversations and requests, newest activity first, with unread counts.
#[utoipa::path(tag = "messages", security(("bearer" = [])), params(ListQuery), responses(
    (status = 200, body = ConversationPage),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "Invalid cursor"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid limit"),
))]
#[get("/api/v1/conversations")]
pub async fn list_conversations(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<web::Json<ConversationPage>, ApiError> {
    Ok(web::Json(
        service::list_conversations(&state, &caller, query.into_inner()).await?,
    ))
}

/// Write to one or more members. To each it is a request until she accepts; until someone
/// accepts, this first message is all you can send.
#[utoipa::path(tag = "messages", security(("bearer" = [])), request_body = StartConversationRequest, responses(
    (status = 201, body = NewConversation),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "A new member, a read-only account, or a member who does not accept messages from you"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such member"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields, or a blocked phrase"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many messages"),
))]
#[post("/api/v1/conversations")]
pub async fn start_conversation(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<StartConversationRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = service::start_conversation(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// One of the caller's conversations (404 to anyone else, staff included).
#[utoipa::path(tag = "messages", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 200, body = ConversationView),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such conversation"),
))]
#[get("/api/v1/conversations/{id}")]
pub async fn get_conversation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<ConversationView>, ApiError> {
    Ok(web::Json(
        service::get_conversation(&state, &caller, id.into_inner()).await?,
    ))
}

/// The messages of a conversation, oldest first (none from members you ignore).
#[utoipa::path(tag = "messages", security(("bearer" = [])), params(("id" = i64, Path), ListQuery), responses(
    (status = 200, body = Page<MessageView>),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "Invalid cursor"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such conversation"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid limit"),
))]
#[get("/api/v1/conversations/{id}/messages")]
pub async fn list_messages(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    query: web::Query<ListQuery>,
) -> Result<web::Json<Page<MessageView>>, ApiError> {
    Ok(web::Json(
        service::list_messages(&state, &caller, id.into_inner(), query.into_inner()).await?,
    ))
}

/// Write in a conversation. Screened as posts are: the answer may say it is held for a
/// moderator, or carry support resources.
#[utoipa::path(tag = "messages", security(("bearer" = [])), params(("id" = i64, Path)), request_body = SendMessageRequest, responses(
    (status = 201, body = MessageView),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "A read-only account"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such conversation"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Not accepted yet (by you, or by anyone else)"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields, or a blocked phrase"),
    (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many messages"),
))]
#[post("/api/v1/conversations/{id}/messages")]
pub async fn send_message(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<SendMessageRequest>,
) -> Result<HttpResponse, ApiError> {
    let message =
        service::send_message(&state, &caller, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(message))
}

/// Mark a conversation read.
#[utoipa::path(tag = "messages", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 204, description = "Read"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such conversation"),
))]
#[post("/api/v1/conversations/{id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    service::mark_read(&state, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Accept a message request.
#[utoipa::path(tag = "messages", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 200, body = ConversationView),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "A read-only account"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such conversation"),
))]
#[post("/api/v1/conversations/{id}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<web::Json<ConversationView>, ApiError> {
    Ok(web::Json(
        service::accept(&state, &caller, id.into_inner()).await?,
    ))
}

/// Decline a message request: it disappears for you; its sender is not told.
#[utoipa::path(tag = "messages", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 204, description = "Declined"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such conversation"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "Accepted already: leave instead"),
))]
#[post("/api/v1/conversations/{id}/decline")]
pub async fn decline(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    service::decline(&state, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Leave a conversation: you no longer see it or get its messages.
#[utoipa::path(tag = "messages", security(("bearer" = [])), params(("id" = i64, Path)), responses(
    (status = 204, description = "Left"),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such conversation"),
))]
#[post("/api/v1/conversations/{id}/leave")]
pub async fn leave(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    service::leave(&state, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Report a message to the moderators: they see it and the three messages before it, nothing
/// else of the conversation.
#[utoipa::path(tag = "messages", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ReportMessageRequest, responses(
    (status = 201, body = ReportReceipt),
    (status = 401, body = Problem, content_type = "application/problem+json", description = "Not signed in"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such message"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "The message is no longer shown"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "Invalid fields, or your own message"),
))]
#[post("/api/v1/messages/{id}/report")]
pub async fn report_message(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    body: Json<ReportMessageRequest>,
) -> Result<HttpResponse, ApiError> {
    let receipt = service::report(&state, &caller, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(receipt))
}
