-- How closely a member follows a thread or a board: `watching` (a notification for every new
-- post, or every new thread of a board), `tracking` (unread counts), `normal` (replies to
-- her and mentions), `muted` (nothing at all). A thread without its own level takes its
-- board's; NULL in `thread_tracking.level` means just that (the row then only keeps what she
-- read). `read_count` is how many visible posts she had read, so that the unread count of a
-- thread is its visible posts (`reply_count` + 1) minus it, with no count at read time.
CREATE TABLE thread_tracking (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_id BIGINT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    level TEXT CHECK (level IN ('watching', 'tracking', 'normal', 'muted')),
    last_read_post_id BIGINT NOT NULL DEFAULT 0,
    read_count INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, thread_id)
);
-- The watchers of a thread, when a post is published.
CREATE INDEX thread_tracking_thread_idx ON thread_tracking (thread_id, level);

CREATE TABLE board_tracking (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    board_id BIGINT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    level TEXT NOT NULL CHECK (level IN ('watching', 'tracking', 'normal', 'muted')),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, board_id)
);
CREATE INDEX board_tracking_board_idx ON board_tracking (board_id, level);

-- Authors watch the threads they started (as every reply already notified them), and have
-- read what they wrote.
INSERT INTO thread_tracking (user_id, thread_id, level, updated_at)
    SELECT author_id, id, 'watching', CURRENT_TIMESTAMP FROM threads;
