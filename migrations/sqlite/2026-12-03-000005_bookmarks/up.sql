-- A member's private bookmarks of threads (`post_id` NULL) and posts (`thread_id` is then
-- the post's thread), with an optional note and reminder. Unique per member and thing: the
-- indexes decide when the same bookmark is made twice at once.
CREATE TABLE bookmarks (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_id BIGINT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    post_id BIGINT REFERENCES posts (id) ON DELETE CASCADE,
    note TEXT,
    -- When to remind the member; `reminded_at` is set when the reminder went out (once).
    remind_at TIMESTAMP,
    reminded_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX bookmarks_user_idx ON bookmarks (user_id, id);
CREATE UNIQUE INDEX bookmarks_thread_key ON bookmarks (user_id, thread_id) WHERE post_id IS NULL;
CREATE UNIQUE INDEX bookmarks_post_key ON bookmarks (user_id, post_id) WHERE post_id IS NOT NULL;
CREATE INDEX bookmarks_due_idx ON bookmarks (remind_at) WHERE reminded_at IS NULL AND remind_at IS NOT NULL;
