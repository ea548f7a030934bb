//! Private messages' part of a member's privacy rights: her export holds the messages she
//! sent (with their conversation and time) and her message settings, never what others wrote
//! to her (their data); erasure empties the bodies of the messages she sent (the others see
//! "[message deleted]" from "Former member"), closes the queue items about them, and removes
//! her participations, her reports and her settings.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{MessageSettings, MessageStatus};
use super::store;
use crate::db::{AnyConnection, utc};
use crate::queue::{self, ItemKind, Resolution};

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportMessage {
    pub id: i64,
    pub conversation_id: i64,
    pub body: String,
    pub status: MessageStatus,
    pub created_at: DateTime<Utc>,
}

/// Her part of the export.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportMessages {
    /// The private messages she sent (left out of an administrator's copy: reading private
    /// messages is no staff power).
    pub sent: Vec<ExportMessage>,
    pub settings: MessageSettings,
}

pub fn export(conn: &mut AnyConnection, id: i64) -> QueryResult<ExportMessages> {
    Ok(ExportMessages {
        sent: store::sent_by(conn, id)?
            .into_iter()
            .map(|(id, conversation_id, body, status, at)| ExportMessage {
                id,
                conversation_id,
                body,
                status,
                created_at: utc(at),
            })
            .collect(),
        settings: store::settings(conn, id)?,
    })
}

pub fn erase(conn: &mut AnyConnection, id: i64, resolution: Resolution) -> QueryResult<()> {
    let sent = store::sent_ids(conn, id)?;
    queue::resolve_open_about(
        conn,
        &[ItemKind::HeldMessage, ItemKind::ReportedMessage],
        &sent,
        id,
        resolution,
    )?;
    store::erase(conn, id)
}
