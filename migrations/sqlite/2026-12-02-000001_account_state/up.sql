-- Account state derived, never overwritten: an account exists only once its address is
-- confirmed (a registration waits in `registrations` until then), its sanction in force is kept
-- in `sanction`/`sanction_until` (written only from the sanctions table), and erasure is
-- `deleted_at`. Display names are compared by their confusable skeleton (UTS #39).
ALTER TABLE users ADD COLUMN sanction TEXT NOT NULL DEFAULT 'none'
    CHECK (sanction IN ('none', 'silenced', 'suspended', 'banned'));
ALTER TABLE users ADD COLUMN sanction_until TIMESTAMP;
ALTER TABLE users ADD COLUMN deleted_at TIMESTAMP;
-- Recomputed from the names by the server right after this migration (see db::seeds).
ALTER TABLE users ADD COLUMN display_name_skeleton TEXT NOT NULL DEFAULT '';

UPDATE users SET sanction = state, sanction_until = state_until
    WHERE state IN ('silenced', 'suspended', 'banned');
UPDATE users SET deleted_at = updated_at WHERE state = 'deleted';

-- Accounts that never confirmed their address are closed as an erasure closes one: the address
-- and the name become free for a new registration; the row stays for what refers to it.
DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE state = 'unverified');
DELETE FROM user_tokens WHERE user_id IN (SELECT id FROM users WHERE state = 'unverified');
UPDATE users SET
    email = 'unconfirmed-' || id || '@invalid',
    email_lower = 'unconfirmed-' || id || '@invalid',
    password_hash = 'erased',
    display_name = 'Former member #u' || id,
    display_name_lower = 'former member #u' || id,
    bio = '',
    deleted_at = updated_at
    WHERE state = 'unverified';
DELETE FROM user_tokens WHERE purpose = 'verify_email';

-- A unique placeholder until the server computes the real skeletons.
UPDATE users SET display_name_skeleton = '#' || id;
CREATE UNIQUE INDEX users_display_name_skeleton_key ON users (display_name_skeleton);

ALTER TABLE users DROP COLUMN state;
ALTER TABLE users DROP COLUMN state_until;

-- A registration waiting for its address to be confirmed. Every registration writes one,
-- whether or not the address has an account, so that nothing a stranger can observe (the name
-- it holds, for how long, the ids of accounts) tells the two apart; only the owner of a new
-- address receives the link that turns it into an account.
CREATE TABLE registrations (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    email_lower TEXT NOT NULL,
    display_name TEXT NOT NULL,
    display_name_skeleton TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    locale TEXT NOT NULL CHECK (locale IN ('en', 'zh-CN')),
    token_hash TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX registrations_token_hash_key ON registrations (token_hash);
CREATE UNIQUE INDEX registrations_display_name_skeleton_key ON registrations (display_name_skeleton);
CREATE INDEX registrations_email_lower_idx ON registrations (email_lower);
CREATE INDEX registrations_expires_at_idx ON registrations (expires_at);
