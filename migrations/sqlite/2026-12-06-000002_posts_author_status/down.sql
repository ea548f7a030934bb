DROP INDEX posts_author_idx;
CREATE INDEX posts_author_idx ON posts (author_id, created_at);
