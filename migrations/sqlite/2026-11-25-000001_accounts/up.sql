-- Accounts, sessions, one-time tokens and the email outbox.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    email_lower TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    display_name_lower TEXT NOT NULL,
    locale TEXT NOT NULL CHECK (locale IN ('en', 'zh-CN')),
    bio TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL CHECK (role IN ('member', 'coordinator', 'moderator', 'admin')),
    state TEXT NOT NULL CHECK (state IN ('unverified', 'active', 'silenced', 'suspended', 'banned', 'deleted')),
    state_until TIMESTAMP,
    trust_level INTEGER NOT NULL DEFAULT 0 CHECK (trust_level BETWEEN 0 AND 2),
    email_verified_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_email_lower_key ON users (email_lower);
CREATE UNIQUE INDEX users_display_name_lower_key ON users (display_name_lower);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id TEXT NOT NULL,
    refresh_hash TEXT NOT NULL,
    replaced_by BIGINT,
    revoked_at TIMESTAMP,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX sessions_refresh_hash_key ON sessions (refresh_hash);
CREATE INDEX sessions_family_id_idx ON sessions (family_id);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE user_tokens (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    token_hash TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX user_tokens_token_hash_key ON user_tokens (token_hash);
CREATE INDEX user_tokens_user_id_idx ON user_tokens (user_id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    to_addr TEXT NOT NULL,
    locale TEXT NOT NULL CHECK (locale IN ('en', 'zh-CN')),
    template TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_status_next_attempt_idx ON outbox (status, next_attempt_at);
