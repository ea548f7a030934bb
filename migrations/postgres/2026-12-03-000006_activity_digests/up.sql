-- The email digest of followed activity a member chose (no row: none). `last_period` is the
-- day (`2026-12-03`) or ISO week (`2026-W49`) of the last digest: a server claims a member's
-- digest for a period by setting it, so none is sent twice in one period, even by two
-- servers. `since`: activity after it goes into the next digest.
CREATE TABLE activity_digests (
    user_id BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    frequency TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    last_period TEXT,
    since TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
