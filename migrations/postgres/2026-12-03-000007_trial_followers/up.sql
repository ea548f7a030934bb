-- Members who follow a notice without answering it: they hear when its recruitment status
-- changes or it closes, as those who answered do. `email`: also by email (a link only).
CREATE TABLE trial_watches (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    trial_id BIGINT NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
    email BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, trial_id)
);
CREATE INDEX trial_watches_trial_idx ON trial_watches (trial_id);

-- A member who answered a notice may ask to hear of it by email too (her answer's status,
-- the notice's recruitment status); in-app she always does.
ALTER TABLE trial_interests ADD COLUMN email_updates BOOLEAN NOT NULL DEFAULT FALSE;
