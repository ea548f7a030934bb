//! Boards: the list, one board, and administrators creating, renaming, reordering,
//! archiving them and making them members only.

use super::model::{Board, CreateBoardRequest, TrackingLevel, UpdateBoardRequest};
use super::service::chars;
use super::{store, tracking};
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::policy;
use crate::db;
use crate::http::error::{ApiError, FieldErrors};

/// Every board the viewer may read, in display order: visitors do not see the boards for
/// members only.
pub async fn list_boards(
    state: &AppState,
    caller: Option<&Caller>,
) -> Result<Vec<Board>, ApiError> {
    let me = caller.map(|c| c.user_id);
    let rows = state
        .db
        .read(move |conn| {
            Ok::<_, ApiError>(match me {
                Some(me) => tracking::boards_for(conn, me)?
                    .into_iter()
                    .map(|(row, level, unread)| (row, Some((level, unread))))
                    .collect(),
                None => store::boards(conn)?
                    .into_iter()
                    .map(|row| (row, None))
                    .collect::<Vec<_>>(),
            })
        })
        .await?;
    Ok(rows
        .into_iter()
        .filter(|(b, _)| policy::may_read_board(caller, b.members_only).is_ok())
        .map(|(row, followed)| {
            let mut board = Board::from(row);
            if let Some((level, unread)) = followed {
                board.tracking = Some(level.unwrap_or(TrackingLevel::Normal));
                board.unread_threads = Some(unread);
            }
            board
        })
        .collect())
}

/// One board; a board for members only asks a visitor to sign in (401).
pub async fn board(
    state: &AppState,
    caller: Option<&Caller>,
    slug: String,
) -> Result<Board, ApiError> {
    let board = find(state, slug).await?;
    policy::may_read_board(caller, board.members_only)?;
    Ok(board)
}

async fn find(state: &AppState, slug: String) -> Result<Board, ApiError> {
    state
        .db
        .read(move |conn| Ok::<_, ApiError>(store::board_by_slug(conn, &slug)?))
        .await?
        .map(Board::from)
        .ok_or_else(|| ApiError::NotFound("no such board".into()))
}

fn check_board_text(name: &str, description: &str, errors: &mut FieldErrors) {
    if !(2..=80).contains(&chars(name.trim())) {
        errors.insert("name".into(), "must be 2 to 80 characters".into());
    }
    if chars(description) > 500 {
        errors.insert(
            "description".into(),
            "must be at most 500 characters".into(),
        );
    }
}

/// `POST /boards` (admins).
pub async fn create_board(state: &AppState, req: CreateBoardRequest) -> Result<Board, ApiError> {
    let mut errors = FieldErrors::new();
    let slug = req.slug.trim().to_owned();
    let slug_ok = (2..=40).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !slug_ok {
        errors.insert(
            "slug".into(),
            "must be 2 to 40 lowercase letters, digits or `-`".into(),
        );
    }
    check_board_text(&req.name, &req.description, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let lookup = slug.clone();
    state
        .db
        .write(move |conn| {
            if store::board_by_slug(conn, &slug)?.is_some() {
                return Err(ApiError::Conflict(format!(
                    "a board `{slug}` exists already"
                )));
            }
            // Another admin may create it between the check and this write.
            db::unique_violation(store::insert_board(
                conn,
                &slug,
                req.name.trim(),
                req.description.trim(),
                req.position,
                req.members_only,
                db::now(),
            ))?
            .ok_or_else(|| ApiError::Conflict(format!("a board `{slug}` exists already")))?;
            Ok(())
        })
        .await?;
    find(state, lookup).await
}

/// `PATCH /boards/{slug}` (admins): rename, describe, reorder, archive or unarchive.
pub async fn update_board(
    state: &AppState,
    slug: String,
    req: UpdateBoardRequest,
) -> Result<Board, ApiError> {
    let lookup = slug.clone();
    state
        .db
        .write(move |conn| {
            let current = store::board_by_slug(conn, &slug)?
                .ok_or_else(|| ApiError::NotFound("no such board".into()))?;
            let name = req.name.unwrap_or(current.name);
            let description = req.description.unwrap_or(current.description);
            let mut errors = FieldErrors::new();
            check_board_text(&name, &description, &mut errors);
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            store::update_board(
                conn,
                current.id,
                &store::BoardSettings {
                    name: name.trim(),
                    description: description.trim(),
                    position: req.position.unwrap_or(current.position),
                    archived: req.archived.unwrap_or(current.archived),
                    members_only: req.members_only.unwrap_or(current.members_only),
                },
            )?;
            Ok(())
        })
        .await?;
    find(state, lookup).await
}
