//! What moderation needs to act on private messages (its port): the view of a held or
//! reported message in the queue, which is all the staff ever see of a conversation (the
//! message, for a report the three messages before it with their senders' names, and the
//! reports), and the decisions: release a held message, or remove a message.

use std::collections::HashMap;

use diesel::QueryResult;
use serde_json::{Value, json};

use super::model::{MessageRow, MessageStatus};
use super::service::deliver;
use super::store;
use crate::app::AppState;
use crate::auth::model::AuthorSummary;
use crate::db::{self, AnyConnection, utc};
use crate::http::error::ApiError;
use crate::queue::{self, ItemKind, Resolution};

/// Messages of context shown with a reported message.
const CONTEXT: i64 = 3;

fn message_json(m: &MessageRow) -> Value {
    let sender = AuthorSummary::new(
        m.sender_id,
        m.sender_name.clone(),
        m.sender_role,
        false,
        true,
    );
    let (body, body_html) = match m.status {
        MessageStatus::Delivered | MessageStatus::Held => (m.body.clone(), m.body_html.clone()),
        MessageStatus::Removed => (super::model::REMOVED_TEXT.to_owned(), String::new()),
        MessageStatus::Deleted => (super::model::DELETED_TEXT.to_owned(), String::new()),
    };
    json!({
        "id": m.id,
        "sender": sender,
        "body": body,
        "body_html": body_html,
        "status": m.status,
        "created_at": utc(m.created_at),
    })
}

/// The queue's view of held and reported messages, by message id, with the sender (for the
/// member's history). A held message is shown alone; a reported one with its context and its
/// reports. The context is one query per reported item.
pub fn queue_subjects(
    conn: &mut AnyConnection,
    kind: ItemKind,
    message_ids: &[i64],
) -> QueryResult<HashMap<i64, (Value, Option<i64>)>> {
    if message_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let messages = store::messages_by_ids(conn, message_ids)?;
    let mut reports: HashMap<i64, Vec<Value>> = HashMap::new();
    if kind == ItemKind::ReportedMessage {
        for (message, reporter, name, reason, note, at) in store::reports_of(conn, message_ids)? {
            reports.entry(message).or_default().push(json!({
                "reporter": {"id": reporter, "display_name": name},
                "reason": reason,
                "note": note,
                "created_at": utc(at),
            }));
        }
    }
    let mut found = HashMap::new();
    for m in messages {
        let view = if kind == ItemKind::ReportedMessage {
            let context: Vec<Value> =
                store::context_before(conn, m.conversation_id, m.id, CONTEXT)?
                    .iter()
                    .map(message_json)
                    .collect();
            json!({
                "message": message_json(&m),
                "context": context,
                "reports": reports.remove(&m.id).unwrap_or_default(),
            })
        } else {
            json!({ "message": message_json(&m) })
        };
        found.insert(m.id, (view, Some(m.sender_id)));
    }
    Ok(found)
}

/// Who reported a message (to tell them the outcome).
pub fn reporters(conn: &mut AnyConnection, message_id: i64) -> QueryResult<Vec<i64>> {
    store::reporters(conn, message_id)
}

/// A moderator's decision on a held or reported message: `remove` removes it (a placeholder
/// for the participants) and closes its other items; otherwise a held message is delivered
/// and a report dismissed. Returns the sender, or 404 if the message is gone.
pub fn decide(
    state: &AppState,
    conn: &mut AnyConnection,
    kind: ItemKind,
    message_id: i64,
    remove: bool,
    actor_id: i64,
) -> Result<i64, ApiError> {
    store::lock_message(conn, message_id)?;
    let message = store::message(conn, message_id)?
        .ok_or_else(|| ApiError::NotFound("no such message".into()))?;
    if remove {
        if matches!(
            message.status,
            MessageStatus::Delivered | MessageStatus::Held
        ) {
            store::set_status(conn, message_id, MessageStatus::Removed)?;
        }
        for other in [ItemKind::HeldMessage, ItemKind::ReportedMessage] {
            if other != kind {
                queue::resolve_subject(conn, other, message_id, actor_id, Resolution::Remove)?;
            }
        }
    } else if kind == ItemKind::HeldMessage && message.status == MessageStatus::Held {
        store::lock_conversation(conn, message.conversation_id)?;
        store::set_status(conn, message_id, MessageStatus::Delivered)?;
        deliver(
            state,
            conn,
            message.conversation_id,
            message_id,
            message.sender_id,
            db::now(),
        )?;
    }
    Ok(message.sender_id)
}
