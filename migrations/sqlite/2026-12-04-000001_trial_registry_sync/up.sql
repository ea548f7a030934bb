-- Notices imported from ClinicalTrials.gov follow their registry record (`trials::sync`).
--
-- `trial_registry_sync`: the import source of a notice (its NCT id, written by
-- `POST /api/v1/trials/import`; hand-written notices have no row), when its record was last
-- read, and until when one sync pass holds it (`claimed_until`: a pass claims a notice by a
-- conditional update, so that two instances never sync one notice at the same time). A table of
-- its own rather than columns of `trials`, which is at the width the schema allows.
CREATE TABLE trial_registry_sync (
    trial_id BIGINT PRIMARY KEY REFERENCES trials (id) ON DELETE CASCADE,
    source_nct TEXT NOT NULL,
    synced_at TIMESTAMP,
    claimed_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

-- What the registry changed on a notice, one row per change applied: `changes` is the JSON of
-- `trials::sync::NoticeDiff` (each field with its value before and after, and the sites that
-- opened or closed); `origin` says where the change came from (`registry`). Listed newest
-- first per notice.
CREATE TABLE trial_revisions (
    id INTEGER PRIMARY KEY,
    trial_id BIGINT NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
    origin TEXT NOT NULL,
    changes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX trial_revisions_trial_idx ON trial_revisions (trial_id, id);
