-- Who ignores whom: `user_id` ignores `ignored_id`. Her posts are collapsed for him, and
-- nothing of hers reaches him (notifications, private messages); she is not told. The index
-- on `ignored_id` counts, for moderators, how many members ignore someone.
CREATE TABLE member_ignores (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ignored_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, ignored_id),
    CHECK (user_id <> ignored_id)
);
CREATE INDEX member_ignores_ignored_idx ON member_ignores (ignored_id);
