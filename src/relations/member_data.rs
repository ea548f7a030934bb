//! Relations' part of a member's privacy rights: the members she ignores in her data export
//! (who ignores her is never shown, not even to her), and erasure of every relation she is
//! part of, on either side.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use serde::Serialize;
use utoipa::ToSchema;

use super::store;
use crate::db::{AnyConnection, utc};

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportIgnored {
    pub user_id: i64,
    pub since: DateTime<Utc>,
}

pub fn export(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<ExportIgnored>> {
    Ok(store::ignored_by_member(conn, id)?
        .into_iter()
        .map(|(user_id, since)| ExportIgnored {
            user_id,
            since: utc(since),
        })
        .collect())
}

pub fn erase(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    store::erase(conn, id)
}
