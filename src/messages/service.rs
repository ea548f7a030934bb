//! The rules of private messages: who may write to whom, requests and their answers, sending
//! with screening, delivery (notifications and emails), reading with unread counts, and
//! reports to the moderators.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::model::{
    ConversationCursor, ConversationPage, ConversationView, DELETED_TEXT, ListQuery, MemberState,
    MessageNotice, MessageRow, MessageSettings, MessageStatus, MessageView, NewConversation,
    Participant, REMOVED_TEXT, ReportMessageRequest, ReportReason, ReportReceipt,
    SendMessageRequest, StartConversationRequest, UpdateMessageSettings, WhoMayWrite,
};
use super::store::{self, ListRow};
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::model::{AuthorSummary, Locale, Role};
use crate::auth::policy::{self, Action, authorize};
use crate::db::{self, AnyConnection, utc};
use crate::filters::screen::{self, HoldReason};
use crate::http::error::ApiError;
use crate::http::pagination::{self, Cursor, IdCursor, Page};
use crate::markdown;
use crate::notify::inapp::{self, NewNotification, NotificationKind};
use crate::notify::outbox;
use crate::notify::templates::{Email, MailVars, Template};
use crate::queue::{self, ItemKind};

pub const BODY_MAX: usize = 20_000;
/// Participants of a conversation, its starter included.
pub const MAX_PARTICIPANTS: usize = 10;
/// Links a new member (trust level 0) may put in a message, as in a post.
const NEW_MEMBER_LINKS: usize = 2;
const NOTE_MAX: usize = 1_000;

pub(super) fn no_such_conversation() -> ApiError {
    ApiError::NotFound("no such conversation".into())
}

fn no_such_message() -> ApiError {
    ApiError::NotFound("no such message".into())
}

fn refused() -> ApiError {
    ApiError::Forbidden("this member does not accept messages from you".into())
}

// ---- settings -----------------------------------------------------------------------------

/// `GET /me/message-settings`.
pub async fn get_settings(state: &AppState, caller: &Caller) -> Result<MessageSettings, ApiError> {
    authorize(caller, Action::ReadOwnMessages)?;
    let me = caller.user_id;
    state
        .db
        .read(move |conn| Ok::<_, ApiError>(store::settings(conn, me)?))
        .await
}

/// `PATCH /me/message-settings`: the fields given change.
pub async fn update_settings(
    state: &AppState,
    caller: &Caller,
    req: UpdateMessageSettings,
) -> Result<MessageSettings, ApiError> {
    authorize(caller, Action::ReadOwnMessages)?;
    let me = caller.user_id;
    state
        .db
        .write(move |conn| {
            let mut settings = store::settings(conn, me)?;
            if let Some(who) = req.who_may_write {
                settings.who_may_write = who;
            }
            if let Some(email) = req.email {
                settings.email = email;
            }
            store::save_settings(conn, me, &settings)?;
            Ok::<_, ApiError>(settings)
        })
        .await
}

// ---- views --------------------------------------------------------------------------------

fn summary(id: i64, name: String, role: Role) -> AuthorSummary {
    AuthorSummary::new(id, name, role, false, true)
}

pub(super) fn message_view(row: MessageRow, notice: Option<MessageNotice>) -> MessageView {
    let (body, body_html) = match row.status {
        MessageStatus::Removed => (REMOVED_TEXT.to_owned(), format!("<p>{REMOVED_TEXT}</p>")),
        MessageStatus::Deleted => (DELETED_TEXT.to_owned(), format!("<p>{DELETED_TEXT}</p>")),
        MessageStatus::Delivered | MessageStatus::Held => (row.body, row.body_html),
    };
    MessageView {
        id: row.id,
        conversation_id: row.conversation_id,
        sender: summary(row.sender_id, row.sender_name, row.sender_role),
        body,
        body_html,
        status: row.status,
        created_at: utc(row.created_at),
        notice,
    }
}

/// The views of a page of `me`'s conversations: three queries for the whole page.
fn conversation_views(
    conn: &mut AnyConnection,
    me: i64,
    rows: Vec<ListRow>,
) -> Result<Vec<ConversationView>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.conversation_id).collect();
    let unread = store::unread_counts(conn, me, Some(&ids))?;
    let mut participants: HashMap<i64, Vec<Participant>> = HashMap::new();
    for (conversation, user, state, name, role) in store::participants(conn, &ids)? {
        // Another's declined request looks pending; who left is told.
        let shown = match state {
            MemberState::Declined if user != me => MemberState::Requested,
            other => other,
        };
        participants
            .entry(conversation)
            .or_default()
            .push(Participant {
                member: summary(user, name, role),
                state: shown,
            });
    }
    let creators: Vec<i64> = rows.iter().map(|r| r.created_by).collect();
    let people = store::people(conn, &creators)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (name, role) = people
                .get(&r.created_by)
                .cloned()
                .unwrap_or_else(|| (crate::auth::model::FORMER_MEMBER.into(), Role::Member));
            ConversationView {
                id: r.conversation_id,
                started_by: summary(r.created_by, name, role),
                participants: participants.remove(&r.conversation_id).unwrap_or_default(),
                my_state: r.state,
                unread: unread.get(&r.conversation_id).copied().unwrap_or(0),
                last_activity_at: utc(r.last_activity_at),
                created_at: utc(r.created_at),
            }
        })
        .collect())
}

/// One conversation as `me` sees it, or 404.
fn conversation_view(
    conn: &mut AnyConnection,
    me: i64,
    conversation_id: i64,
) -> Result<ConversationView, ApiError> {
    let rows = store::conversation_page(conn, me, None, Some(conversation_id), 1)?;
    conversation_views(conn, me, rows)?
        .pop()
        .ok_or_else(no_such_conversation)
}

/// `me`'s participation, if she may see the conversation (requested or accepted, and not a
/// request from someone she ignores); otherwise 404, whether or not it exists.
fn visible_membership(
    conn: &mut AnyConnection,
    me: i64,
    conversation_id: i64,
) -> Result<store::ListRow, ApiError> {
    store::conversation_page(conn, me, None, Some(conversation_id), 1)?
        .pop()
        .ok_or_else(no_such_conversation)
}

// ---- reading ------------------------------------------------------------------------------

/// `GET /conversations`: newest activity first, with unread counts.
pub async fn list_conversations(
    state: &AppState,
    caller: &Caller,
    query: ListQuery,
) -> Result<ConversationPage, ApiError> {
    authorize(caller, Action::ReadOwnMessages)?;
    let limit = pagination::limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(ConversationCursor::decode)
        .transpose()?
        .map(|c| (c.last_activity_at, c.id));
    let me = caller.user_id;
    state
        .db
        .read(move |conn| {
            let rows = store::conversation_page(conn, me, after, None, limit)?;
            let keys: Vec<ConversationCursor> = rows
                .iter()
                .map(|r| ConversationCursor {
                    last_activity_at: r.last_activity_at,
                    id: r.conversation_id,
                })
                .collect();
            let more = rows.len() as i64 > limit;
            let mut items = conversation_views(conn, me, rows)?;
            items.truncate(limit as usize);
            let unread_total = store::unread_counts(conn, me, None)?.values().sum();
            Ok::<_, ApiError>(ConversationPage {
                items,
                next_cursor: if more {
                    keys.get(limit as usize - 1).map(Cursor::encode)
                } else {
                    None
                },
                unread_total,
            })
        })
        .await
}

/// `GET /conversations/{id}`.
pub async fn get_conversation(
    state: &AppState,
    caller: &Caller,
    conversation_id: i64,
) -> Result<ConversationView, ApiError> {
    authorize(caller, Action::ReadOwnMessages)?;
    let me = caller.user_id;
    state
        .db
        .read(move |conn| conversation_view(conn, me, conversation_id))
        .await
}

/// `GET /conversations/{id}/messages`: oldest first.
pub async fn list_messages(
    state: &AppState,
    caller: &Caller,
    conversation_id: i64,
    query: ListQuery,
) -> Result<Page<MessageView>, ApiError> {
    authorize(caller, Action::ReadOwnMessages)?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::after_id(query.cursor.as_deref())?;
    let me = caller.user_id;
    let rows = state
        .db
        .read(move |conn| {
            visible_membership(conn, me, conversation_id)?;
            Ok::<_, ApiError>(store::message_page(
                conn,
                conversation_id,
                me,
                after,
                limit,
            )?)
        })
        .await?;
    Ok(pagination::page(
        rows,
        limit,
        |r| IdCursor { id: r.id }.encode(),
        |r| message_view(r, None),
    ))
}

/// `POST /conversations/{id}/read`: everything in it read, and the next message may email.
pub async fn mark_read(
    state: &AppState,
    caller: &Caller,
    conversation_id: i64,
) -> Result<(), ApiError> {
    authorize(caller, Action::ReadOwnMessages)?;
    let me = caller.user_id;
    state
        .db
        .write(move |conn| {
            visible_membership(conn, me, conversation_id)?;
            let latest = store::latest_message_id(conn, conversation_id)?;
            store::mark_read(conn, conversation_id, me, latest)?;
            Ok(())
        })
        .await
}

// ---- answering requests, leaving ----------------------------------------------------------

/// `POST /conversations/{id}/accept`: a request becomes a conversation (accepting twice
/// changes nothing).
pub async fn accept(
    state: &AppState,
    caller: &Caller,
    conversation_id: i64,
) -> Result<ConversationView, ApiError> {
    authorize(caller, Action::SendMessages)?;
    let me = caller.user_id;
    state
        .db
        .write(move |conn| {
            visible_membership(conn, me, conversation_id)?;
            store::change_state(
                conn,
                conversation_id,
                me,
                &[MemberState::Requested],
                MemberState::Accepted,
            )?;
            conversation_view(conn, me, conversation_id)
        })
        .await
}

/// `POST /conversations/{id}/decline`: the request disappears for her; its sender keeps
/// seeing it pending.
pub async fn decline(
    state: &AppState,
    caller: &Caller,
    conversation_id: i64,
) -> Result<(), ApiError> {
    authorize(caller, Action::ReadOwnMessages)?;
    let me = caller.user_id;
    state
        .db
        .write(move |conn| {
            visible_membership(conn, me, conversation_id)?;
            // The conditional update decides: an accept that lands first (another tab, at the
            // same moment) is answered 409, never hidden behind a 204.
            let declined = store::change_state(
                conn,
                conversation_id,
                me,
                &[MemberState::Requested],
                MemberState::Declined,
            )?;
            if !declined
                && let Some(row) =
                    store::conversation_page(conn, me, None, Some(conversation_id), 1)?.pop()
                && row.state == MemberState::Accepted
            {
                return Err(ApiError::Conflict(
                    "you accepted this conversation; leave it instead".into(),
                ));
            }
            Ok(())
        })
        .await
}

/// `POST /conversations/{id}/leave`: she no longer sees it nor gets its messages. Leaving a
/// request is declining it (its sender keeps seeing it pending).
pub async fn leave(
    state: &AppState,
    caller: &Caller,
    conversation_id: i64,
) -> Result<(), ApiError> {
    authorize(caller, Action::ReadOwnMessages)?;
    let me = caller.user_id;
    state
        .db
        .write(move |conn| {
            visible_membership(conn, me, conversation_id)?;
            store::change_state(
                conn,
                conversation_id,
                me,
                &[MemberState::Requested],
                MemberState::Declined,
            )?;
            store::change_state(
                conn,
                conversation_id,
                me,
                &[MemberState::Accepted],
                MemberState::Left,
            )?;
            Ok(())
        })
        .await
}

// ---- writing ------------------------------------------------------------------------------

fn check_body(body: &str) -> Result<String, ApiError> {
    if body.trim().is_empty() {
        return Err(ApiError::invalid("body", "must not be empty"));
    }
    if body.chars().count() > BODY_MAX {
        return Err(ApiError::invalid(
            "body",
            format!("must be at most {BODY_MAX} characters"),
        ));
    }
    markdown::render(body).map_err(|e| ApiError::invalid("body", e.to_string()))
}

/// Screens a message as posts are: a blocked phrase is 422 (nothing stored); a watched word
/// to hold holds it; crisis language gives its sender support resources, and nothing goes to
/// the staff. Personal information does not hold a private message (sharing one's contact
/// privately is what messages are for), and `flag` rules do not apply (no one else reads it).
fn screen_message(
    state: &AppState,
    conn: &mut AnyConnection,
    caller: &Caller,
    trust_level: i32,
    body: &str,
) -> Result<(MessageStatus, Option<MessageNotice>), ApiError> {
    if trust_level == 0
        && !policy::is_moderator(caller)
        && markdown::count_links(body) > NEW_MEMBER_LINKS
    {
        return Err(ApiError::invalid(
            "body",
            format!("new members may include at most {NEW_MEMBER_LINKS} links in a message"),
        ));
    }
    let screening = screen::screen(conn, caller.user_id, body, false)?;
    let held = matches!(screening.hold, Some(HoldReason::WatchedWord(_)));
    if !held && !screening.crisis {
        return Ok((MessageStatus::Delivered, None));
    }
    let locale = store::locale(conn, caller.user_id)?;
    let notice = MessageNotice {
        held,
        message: held.then(|| held_text(locale).to_owned()),
        support_resources: if screening.crisis {
            match locale {
                Locale::En => state.settings.crisis.resources_en.clone(),
                Locale::ZhCn => state.settings.crisis.resources_zh_cn.clone(),
            }
        } else {
            Vec::new()
        },
    };
    let status = if held {
        MessageStatus::Held
    } else {
        MessageStatus::Delivered
    };
    Ok((status, Some(notice)))
}

fn held_text(locale: Locale) -> &'static str {
    match locale {
        Locale::En => {
            "Your message contains a phrase our moderators check; it will be delivered once a \
             moderator has looked at it."
        }
        Locale::ZhCn => "您的私信包含需要版主查看的词语，版主审核后才会送达。",
    }
}

/// Stores a screened message; a held one goes to the moderation queue, a delivered one is
/// delivered. Returns its id.
fn store_message(
    state: &AppState,
    conn: &mut AnyConnection,
    m: &store::NewMessage<'_>,
) -> Result<i64, ApiError> {
    let id = store::insert_message(conn, m)?;
    if m.status == MessageStatus::Held {
        queue::open_item(
            conn,
            ItemKind::HeldMessage,
            id,
            Some("watched_word"),
            queue::severity(ItemKind::HeldMessage, Some("watched_word")),
        )?;
    } else {
        deliver(state, conn, m.conversation_id, id, m.sender_id, m.now)?;
    }
    Ok(id)
}

/// What follows a delivered message (when sent, or when a moderator releases it): the
/// conversation moves up the lists of those who see it, who get a notification (a request
/// for a first message to someone who has not accepted) and, if they asked, one email until
/// they read it. Nothing of it reaches a participant who ignores the sender.
pub(super) fn deliver(
    state: &AppState,
    conn: &mut AnyConnection,
    conversation_id: i64,
    message_id: i64,
    sender_id: i64,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    store::touch(conn, conversation_id, sender_id, now)?;
    let first = store::first_message_id(conn, conversation_id)? == Some(message_id);
    for member in store::members(conn, conversation_id)? {
        if member.user_id == sender_id {
            continue;
        }
        let kind = match member.state {
            MemberState::Accepted => NotificationKind::Message,
            MemberState::Requested if first => NotificationKind::MessageRequest,
            _ => continue,
        };
        if crate::relations::store::ignores(conn, member.user_id, sender_id)? {
            continue;
        }
        store::touch(conn, conversation_id, member.user_id, now)?;
        inapp::record_event(
            conn,
            &NewNotification {
                user_id: member.user_id,
                kind,
                subject_id: conversation_id,
                thread_id: None,
                actor_id: Some(sender_id),
                detail: None,
            },
        )?;
        maybe_email(state, conn, conversation_id, member.user_id, now)?;
    }
    Ok(())
}

/// An email with a link only (never the text or who wrote it), if she asked for them and
/// none went out for this conversation since she last read it.
fn maybe_email(
    state: &AppState,
    conn: &mut AnyConnection,
    conversation_id: i64,
    user_id: i64,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if !store::settings(conn, user_id)?.email {
        return Ok(());
    }
    let Some((email, locale, display_name)) = store::email_recipient(conn, user_id, now)? else {
        return Ok(());
    };
    if !store::claim_email(conn, conversation_id, user_id)? {
        return Ok(());
    }
    outbox::enqueue(
        conn,
        &Email {
            to: email,
            locale,
            template: Template::NewMessage,
            vars: MailVars {
                display_name,
                link: Some(format!(
                    "{}/messages/{conversation_id}",
                    state.settings.public_url.trim_end_matches('/')
                )),
            },
        },
    )?;
    Ok(())
}

/// Whether `recipient`'s settings let `sender` start a conversation with her.
fn accepts_from(conn: &mut AnyConnection, recipient: i64, sender: i64) -> Result<bool, ApiError> {
    Ok(match store::settings(conn, recipient)?.who_may_write {
        WhoMayWrite::Nobody => false,
        WhoMayWrite::TalkedWith => store::talked_with(conn, recipient, sender)?,
        WhoMayWrite::Everyone => true,
    })
}

/// `POST /conversations`: a conversation with its first message, a request to each recipient.
/// A recipient who ignores the sender never sees it, and the sender is not told: for him it
/// is a request that stays pending.
pub async fn start_conversation(
    state: &AppState,
    caller: &Caller,
    req: StartConversationRequest,
) -> Result<NewConversation, ApiError> {
    authorize(caller, Action::SendMessages)?;
    let me = caller.user_id;
    let mut recipients = req.recipients.clone();
    recipients.sort_unstable();
    recipients.dedup();
    if recipients.contains(&me) {
        return Err(ApiError::invalid(
            "recipients",
            "you cannot write to yourself",
        ));
    }
    if recipients.is_empty() || recipients.len() + 1 > MAX_PARTICIPANTS {
        return Err(ApiError::invalid(
            "recipients",
            format!("name one to {} members", MAX_PARTICIPANTS - 1),
        ));
    }
    let body_html = check_body(&req.body)?;
    let app = state.clone();
    let who = caller.clone();
    let (conversation, message) = state
        .db
        .write(move |conn| {
            let now = db::now();
            let trust = store::trust_level(conn, me)?
                .ok_or_else(|| ApiError::Unauthorized("this account no longer exists".into()))?;
            policy::may_start_conversations(&who, trust)?;
            let mut states = Vec::new();
            for &recipient in &recipients {
                if store::trust_level(conn, recipient)?.is_none() {
                    return Err(ApiError::NotFound("no such member".into()));
                }
                if !accepts_from(conn, recipient, me)? {
                    return Err(refused());
                }
                let state = if crate::relations::store::ignores(conn, recipient, me)? {
                    MemberState::Declined
                } else {
                    MemberState::Requested
                };
                states.push((recipient, state));
            }
            let (status, notice) = screen_message(&app, conn, &who, trust, &req.body)?;
            let conversation = store::insert_conversation(conn, me, now)?;
            store::insert_member(conn, conversation, me, MemberState::Accepted, now)?;
            for (recipient, state) in states {
                store::insert_member(conn, conversation, recipient, state, now)?;
            }
            let id = store_message(
                &app,
                conn,
                &store::NewMessage {
                    conversation_id: conversation,
                    sender_id: me,
                    body: &req.body,
                    body_html: &body_html,
                    status,
                    now,
                },
            )?;
            let message = store::message(conn, id)?.ok_or_else(no_such_message)?;
            Ok::<_, ApiError>((
                conversation_view(conn, me, conversation)?,
                message_view(message, notice),
            ))
        })
        .await?;
    Ok(NewConversation {
        conversation,
        message,
    })
}

/// `POST /conversations/{id}/messages`: only once someone else has accepted (until then, the
/// first message is all a request holds).
pub async fn send_message(
    state: &AppState,
    caller: &Caller,
    conversation_id: i64,
    req: SendMessageRequest,
) -> Result<MessageView, ApiError> {
    authorize(caller, Action::SendMessages)?;
    let body_html = check_body(&req.body)?;
    let me = caller.user_id;
    let app = state.clone();
    let who = caller.clone();
    state
        .db
        .write(move |conn| {
            let now = db::now();
            // Messages of a conversation take turns: each delivery updates every participant's
            // row, which two at once would lock in different orders.
            store::lock_conversation(conn, conversation_id)?;
            let mine = visible_membership(conn, me, conversation_id)?;
            if mine.state == MemberState::Requested {
                return Err(ApiError::Conflict(
                    "accept this conversation before you write in it".into(),
                ));
            }
            let others_accepted = store::members(conn, conversation_id)?
                .iter()
                .any(|m| m.user_id != me && m.state == MemberState::Accepted);
            if !others_accepted {
                return Err(ApiError::Conflict(
                    "your request has not been accepted yet: you can write again once it is".into(),
                ));
            }
            let trust = store::trust_level(conn, me)?
                .ok_or_else(|| ApiError::Unauthorized("this account no longer exists".into()))?;
            let (status, notice) = screen_message(&app, conn, &who, trust, &req.body)?;
            let id = store_message(
                &app,
                conn,
                &store::NewMessage {
                    conversation_id,
                    sender_id: me,
                    body: &req.body,
                    body_html: &body_html,
                    status,
                    now,
                },
            )?;
            let message = store::message(conn, id)?.ok_or_else(no_such_message)?;
            Ok(message_view(message, notice))
        })
        .await
}

// ---- reports ------------------------------------------------------------------------------

/// `POST /messages/{id}/report`: a participant who sees a message from someone else reports
/// it; the moderators see it with the few messages before it, nothing more. Reporting it
/// again changes nothing.
pub async fn report(
    state: &AppState,
    caller: &Caller,
    message_id: i64,
    req: ReportMessageRequest,
) -> Result<ReportReceipt, ApiError> {
    authorize(caller, Action::ProtectOneself)?;
    let note = req
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > NOTE_MAX) {
        return Err(ApiError::invalid(
            "note",
            format!("must be at most {NOTE_MAX} characters"),
        ));
    }
    if req.reason == ReportReason::Other && note.is_none() {
        return Err(ApiError::invalid("note", "say what is wrong"));
    }
    let me = caller.user_id;
    let reason = req.reason;
    state
        .db
        .write(move |conn| {
            let message = store::message(conn, message_id)?.ok_or_else(no_such_message)?;
            let seen =
                store::message_page(conn, message.conversation_id, me, Some(message_id - 1), 1)?
                    .first()
                    .is_some_and(|m| m.id == message_id);
            if !seen || visible_membership(conn, me, message.conversation_id).is_err() {
                return Err(no_such_message());
            }
            if message.sender_id == me {
                return Err(ApiError::invalid(
                    "message",
                    "you cannot report your own message",
                ));
            }
            if message.status != MessageStatus::Delivered {
                return Err(ApiError::Conflict("this message is no longer shown".into()));
            }
            queue::lock_subject(conn, ItemKind::ReportedMessage, message_id)?;
            if store::insert_report(conn, message_id, me, reason, note.as_deref(), db::now())? {
                queue::open_item(
                    conn,
                    ItemKind::ReportedMessage,
                    message_id,
                    Some(reason.as_str()),
                    queue::severity(ItemKind::ReportedMessage, Some(reason.as_str())),
                )?;
            }
            Ok(ReportReceipt { message_id, reason })
        })
        .await
}
