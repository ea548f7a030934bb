-- Privacy rights: the insert-only log of administrators' reads of a member's private data
-- (the private profile with the email address, the data export). No code path updates or
-- deletes its rows, and erasing an account leaves them: they name people by id only, and
-- `what` is one of a fixed set of words, so no row ever holds an address or a name.
CREATE TABLE access_log (
    id INTEGER PRIMARY KEY,
    actor_id BIGINT NOT NULL REFERENCES users (id),
    subject_user_id BIGINT NOT NULL REFERENCES users (id),
    what TEXT NOT NULL CHECK (what IN ('private_profile', 'export')),
    created_at TIMESTAMP NOT NULL
);
-- The reads of one member's data (the member's own export lists them).
CREATE INDEX access_log_subject_idx ON access_log (subject_user_id, id);

-- A member's appeals, for the export and for erasure.
CREATE INDEX appeals_user_idx ON appeals (user_id, id);
