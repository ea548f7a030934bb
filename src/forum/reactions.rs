//! Reactions on posts (support, helpful, hug): idempotent, never on one's own post.

use super::model::{ReactionCounts, ReactionKind};
use super::service::{not_found_post, post_view};
use super::store;
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::content::PostStatus;
use crate::auth::policy::{self, Action, authorize};
use crate::db;
use crate::http::error::ApiError;

/// The reactions of a post after a change.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PostReactions {
    pub post_id: i64,
    pub reactions: ReactionCounts,
    pub my_reactions: Vec<ReactionKind>,
}

/// `PUT` / `DELETE /posts/{id}/reactions/{kind}`: idempotent; never on one's own post.
pub async fn set_reaction(
    state: &AppState,
    caller: &Caller,
    post_id: i64,
    kind: &str,
    on: bool,
) -> Result<PostReactions, ApiError> {
    authorize(caller, Action::Contribute)?;
    let kind = ReactionKind::parse(kind)
        .ok_or_else(|| ApiError::NotFound("reactions are support, helpful or hug".into()))?;
    let who = caller.clone();
    state
        .db
        .write(move |conn| {
            let post = store::post_ref(conn, post_id)?
                .filter(|p| policy::may_see(Some(&who), p.author_id, p.status))
                .ok_or_else(not_found_post)?;
            if post.author_id == who.user_id {
                return Err(ApiError::Forbidden(
                    "you cannot react to your own post".into(),
                ));
            }
            if post.status != PostStatus::Published {
                return Err(ApiError::Conflict(format!(
                    "this post is {} and takes no reactions",
                    post.status
                )));
            }
            if on {
                store::add_reaction(conn, &post, who.user_id, kind, db::now())?;
            } else {
                store::remove_reaction(conn, &post, who.user_id, kind)?;
            }
            Ok(())
        })
        .await?;
    let view = post_view(state, caller, post_id).await?;
    Ok(PostReactions {
        post_id,
        reactions: view.reactions,
        my_reactions: view.my_reactions,
    })
}
