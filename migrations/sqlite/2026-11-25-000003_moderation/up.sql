-- Moderation: flags, the queue, the append-only log, sanctions, watched words, member notes
-- and appeals.
CREATE TABLE flags (
    id INTEGER PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts (id),
    reporter_id BIGINT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL CHECK (reason IN ('spam', 'harassment', 'misinformation', 'self_harm', 'personal_info', 'off_topic', 'other')),
    note TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'actioned', 'dismissed')),
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
CREATE UNIQUE INDEX flags_open_key ON flags (post_id, reporter_id) WHERE status = 'open';
CREATE INDEX flags_reporter_idx ON flags (reporter_id, status);

CREATE TABLE mod_items (
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
CREATE UNIQUE INDEX mod_items_open_subject_key ON mod_items (kind, subject_id) WHERE status = 'open';
CREATE INDEX mod_items_queue_idx ON mod_items (status, sort_key, id);

CREATE TABLE mod_log (
    id INTEGER PRIMARY KEY,
    actor_id BIGINT,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id BIGINT NOT NULL,
    reason TEXT,
    before_text TEXT,
    after_text TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX mod_log_target_idx ON mod_log (target_kind, target_id);

CREATE TABLE sanctions (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('warn', 'silence', 'suspend', 'ban')),
    reason TEXT NOT NULL,
    ends_at TIMESTAMP,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    lifted_at TIMESTAMP,
    lifted_by BIGINT REFERENCES users (id)
);
CREATE INDEX sanctions_user_idx ON sanctions (user_id, id);

CREATE TABLE watched_words (
    id INTEGER PRIMARY KEY,
    pattern TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('block', 'hold', 'flag')),
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX watched_words_pattern_key ON watched_words (pattern);

CREATE TABLE member_notes (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX member_notes_user_idx ON member_notes (user_id, id);

CREATE TABLE appeals (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('decision', 'sanction')),
    subject_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'upheld', 'overturned')),
    acted_by BIGINT REFERENCES users (id),
    decided_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP
);
CREATE UNIQUE INDEX appeals_subject_key ON appeals (subject_kind, subject_id);
