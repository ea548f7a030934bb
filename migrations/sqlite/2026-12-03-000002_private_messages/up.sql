-- Private messages between members. A conversation has two to ten participants; a
-- participant's `state` is `requested` until she accepts (or `declined`, or `left`); her
-- `last_activity_at` orders her list (messages she cannot see do not move it),
-- `last_read_message_id` counts her unread messages, and `email_pending` keeps her to one
-- email per conversation until she reads it. Messages are never indexed by search.
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE conversation_members (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    last_read_message_id BIGINT NOT NULL DEFAULT 0,
    last_activity_at TIMESTAMP NOT NULL,
    email_pending BOOLEAN NOT NULL DEFAULT FALSE,
    joined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_members_list_idx
    ON conversation_members (user_id, last_activity_at, conversation_id);

-- `status`: `delivered`, `held` (screening: waits for a moderator), `removed` (by a
-- moderator) or `deleted` (its sender erased her account; the body is gone).
CREATE TABLE private_messages (
    id INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sender_id BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX private_messages_conversation_idx ON private_messages (conversation_id, id);
CREATE INDEX private_messages_sender_idx ON private_messages (sender_id);

-- Who may write to a member, and whether she wants an email; no row means the defaults.
CREATE TABLE message_settings (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    who_may_write TEXT NOT NULL,
    email BOOLEAN NOT NULL
);

-- Reports of a message by a participant; one per reporter and message.
CREATE TABLE message_reports (
    id INTEGER PRIMARY KEY,
    message_id BIGINT NOT NULL REFERENCES private_messages (id) ON DELETE CASCADE,
    reporter_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (message_id, reporter_id)
);
CREATE INDEX message_reports_reporter_idx ON message_reports (reporter_id);

-- The moderation queue takes held and reported messages (SQLite changes a CHECK by rebuilding
-- the table).
CREATE TABLE mod_items_rebuilt (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('flagged_post', 'held_post', 'crisis', 'trial_notice', 'coordinator_application', 'appeal', 'held_message', 'reported_message')),
    subject_id BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    reason TEXT,
    base_score DOUBLE PRECISION NOT NULL,
    sort_key DOUBLE PRECISION NOT NULL,
    claimed_by BIGINT REFERENCES users (id),
    claimed_until TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    resolution TEXT,
    resolved_by BIGINT REFERENCES users (id),
    resolved_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO mod_items_rebuilt SELECT id, kind, subject_id, status, reason, base_score, sort_key,
    claimed_by, claimed_until, version, resolution, resolved_by, resolved_at, created_at
    FROM mod_items;
DROP TABLE mod_items;
ALTER TABLE mod_items_rebuilt RENAME TO mod_items;
CREATE UNIQUE INDEX mod_items_open_subject_key ON mod_items (kind, subject_id) WHERE status = 'open';
CREATE INDEX mod_items_queue_idx ON mod_items (status, sort_key, id);
