-- What a member sees of her sessions, one row per session family (a sign-in and the refreshes
-- that followed it; `sessions` keeps one row per refresh token): the client it signed in from
-- (a short name read from the User-Agent), the network it came from (an IPv4 /24 or an IPv6
-- /48, never the full address), and when it was last refreshed. Revocation stays on the
-- `sessions` rows.
CREATE TABLE session_families (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id TEXT NOT NULL,
    client TEXT NOT NULL,
    network TEXT,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX session_families_family_id_key ON session_families (family_id);
CREATE INDEX session_families_user_id_idx ON session_families (user_id);

-- The sessions open before this migration: their client and network were never recorded.
INSERT INTO session_families (user_id, family_id, client, network, created_at, last_used_at)
    SELECT user_id, family_id, 'Unknown client', NULL, MIN(created_at), MAX(created_at)
    FROM sessions GROUP BY user_id, family_id;

-- Two-factor authentication (TOTP, RFC 6238): one row per account that started enrolling;
-- `enabled_at` is set once a first code confirmed it. `last_step` is the time step of the
-- last code accepted: a code of that step or an earlier one is refused (no replay).
CREATE TABLE two_factor (
    user_id BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    enabled_at TIMESTAMP,
    last_step BIGINT,
    created_at TIMESTAMP NOT NULL
);

-- Single-use recovery codes, stored hashed (SHA-256 of 80 random bits).
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX recovery_codes_user_id_code_hash_key ON recovery_codes (user_id, code_hash);

-- The second step of a sign-in with two-factor authentication: the right password gives a
-- short-lived challenge (stored hashed), which a code or a recovery code turns into a session.
CREATE TABLE sign_in_challenges (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX sign_in_challenges_token_hash_key ON sign_in_challenges (token_hash);
CREATE INDEX sign_in_challenges_user_id_idx ON sign_in_challenges (user_id);
