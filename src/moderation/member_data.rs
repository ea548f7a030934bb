//! Moderation's part of a member's privacy rights: what the data export shows of the flags
//! the member made, the sanctions and appeals, and moderators' notes about the member (never
//! who wrote, placed or decided them), and what erasing the account does to them. `privacy`
//! composes these with the other parts; no other module reads these tables for it.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{AppealStatus, AppealSubjectKind, FlagReason, FlagStatus, SanctionKind};
use crate::db::schema::{appeals, flags, member_notes, sanctions};
use crate::db::{AnyConnection, utc, utc_opt};
use crate::queue::{self, ItemKind, Resolution};

/// The moderation sections of a member's export.
pub struct ModerationRecords {
    pub flags: Vec<ExportFlag>,
    pub sanctions: Vec<ExportSanction>,
    pub appeals: Vec<ExportAppeal>,
    pub notes: Vec<ExportNote>,
}

/// The member's flags, sanctions, appeals and the notes about the member.
pub fn export(conn: &mut AnyConnection, id: i64) -> QueryResult<ModerationRecords> {
    Ok(ModerationRecords {
        flags: flags_of(conn, id)?,
        sanctions: sanctions_of(conn, id)?,
        appeals: appeals_of(conn, id)?,
        notes: notes_of(conn, id)?,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportFlag {
    pub id: i64,
    pub post_id: i64,
    pub reason: FlagReason,
    pub note: Option<String>,
    pub status: FlagStatus,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportSanction {
    pub id: i64,
    pub kind: SanctionKind,
    pub reason: String,
    pub ends_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub lifted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportAppeal {
    pub id: i64,
    pub subject_kind: AppealSubjectKind,
    pub subject_id: i64,
    pub text: String,
    pub status: AppealStatus,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportNote {
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Index `flags_reporter_idx` (reporter_id, status).
fn flags_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportFlag>> {
    type Row = (
        i64,
        i64,
        FlagReason,
        Option<String>,
        FlagStatus,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = flags::table
        .filter(flags::reporter_id.eq(id))
        .order(flags::id.asc())
        .select((
            flags::id,
            flags::post_id,
            flags::reason,
            flags::note,
            flags::status,
            flags::created_at,
            flags::resolved_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ExportFlag {
            id: r.0,
            post_id: r.1,
            reason: r.2,
            note: r.3,
            status: r.4,
            created_at: utc(r.5),
            resolved_at: utc_opt(r.6),
        })
        .collect())
}

/// Index `sanctions_user_idx` (user_id, id). Who placed or lifted them is left out.
fn sanctions_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportSanction>> {
    type Row = (
        i64,
        SanctionKind,
        String,
        Option<NaiveDateTime>,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = sanctions::table
        .filter(sanctions::user_id.eq(id))
        .order(sanctions::id.asc())
        .select((
            sanctions::id,
            sanctions::kind,
            sanctions::reason,
            sanctions::ends_at,
            sanctions::created_at,
            sanctions::lifted_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ExportSanction {
            id: r.0,
            kind: r.1,
            reason: r.2,
            ends_at: utc_opt(r.3),
            created_at: utc(r.4),
            lifted_at: utc_opt(r.5),
        })
        .collect())
}

/// Index `appeals_user_idx` (user_id, id).
fn appeals_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportAppeal>> {
    type Row = (
        i64,
        AppealSubjectKind,
        i64,
        String,
        AppealStatus,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = appeals::table
        .filter(appeals::user_id.eq(id))
        .order(appeals::id.asc())
        .select((
            appeals::id,
            appeals::subject_kind,
            appeals::subject_id,
            appeals::body,
            appeals::status,
            appeals::created_at,
            appeals::decided_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ExportAppeal {
            id: r.0,
            subject_kind: r.1,
            subject_id: r.2,
            text: r.3,
            status: r.4,
            created_at: utc(r.5),
            decided_at: utc_opt(r.6),
        })
        .collect())
}

/// Index `member_notes_user_idx` (user_id, id). The note's author is left out.
fn notes_of(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportNote>> {
    let rows: Vec<(String, NaiveDateTime)> = member_notes::table
        .filter(member_notes::user_id.eq(id))
        .order(member_notes::id.asc())
        .select((member_notes::body, member_notes::created_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(body, at)| ExportNote {
            body,
            created_at: utc(at),
        })
        .collect())
}

/// Erases the member's moderation data in the caller's transaction: notes about the member
/// go; flags keep their reason without the note; appeals keep their outcome without the text;
/// open queue items about the member's appeals are resolved as `resolution`, and the items
/// the member had claimed are let go.
pub fn erase(conn: &mut AnyConnection, id: i64, resolution: Resolution) -> QueryResult<()> {
    diesel::delete(member_notes::table.filter(member_notes::user_id.eq(id))).execute(conn)?;
    diesel::update(flags::table.filter(flags::reporter_id.eq(id)))
        .set(flags::note.eq(None::<String>))
        .execute(conn)?;
    let open_appeals: Vec<i64> = appeals::table
        .filter(appeals::user_id.eq(id))
        .filter(appeals::status.eq(AppealStatus::Open))
        .select(appeals::id)
        .load(conn)?;
    for appeal_id in open_appeals {
        queue::resolve_subject(conn, ItemKind::Appeal, appeal_id, id, resolution)?;
    }
    diesel::update(appeals::table.filter(appeals::user_id.eq(id)))
        .set(appeals::body.eq(""))
        .execute(conn)?;
    queue::release_claims_of(conn, id)?;
    Ok(())
}
