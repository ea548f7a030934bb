-- A member's posts counted by status (the moderation queue's author history) are answered
-- from the index alone: `status` joins the author index, which keeps serving the author's posts
-- in date order.
DROP INDEX posts_author_idx;
CREATE INDEX posts_author_idx ON posts (author_id, created_at, status);
