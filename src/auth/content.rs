//! The states of what members write and coordinators publish, as the permission policy reads
//! them: posts and threads ([`PostStatus`]) and trial notices ([`NoticeState`]). The features
//! store and send them; `auth::policy` decides who may see each.

crate::db::text_enum! {
    /// Where a post or a thread stands.
    pub enum PostStatus {
        /// Visible to everyone.
        Published = "published",
        /// Waiting for a moderator before others can see it.
        Held = "held",
        /// Hidden pending review (flagged); a moderator may show it again.
        Hidden = "hidden",
        /// Taken down by a moderator.
        Removed = "removed",
        /// Deleted by its author: a `[deleted]` placeholder stays in its place.
        Deleted = "deleted",
    }
}

crate::db::text_enum! {
    /// Where a notice is in its lifecycle.
    pub enum NoticeState {
        /// Being written; seen by its coordinator (and admins) only.
        Draft = "draft",
        /// Submitted; waiting in the moderation queue.
        PendingReview = "pending_review",
        /// Approved and searchable.
        Published = "published",
        /// Closed by its coordinator, or automatically when recruitment ended.
        Closed = "closed",
    }
}
