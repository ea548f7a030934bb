DELETE FROM mod_items WHERE kind IN ('held_message', 'reported_message');
CREATE TABLE mod_items_rebuilt (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('flagged_post', 'held_post', 'crisis', 'trial_notice', 'coordinator_application', 'appeal')),
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
DROP TABLE message_reports;
DROP TABLE message_settings;
DROP TABLE private_messages;
DROP TABLE conversation_members;
DROP TABLE conversations;
