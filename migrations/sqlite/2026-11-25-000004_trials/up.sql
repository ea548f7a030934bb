-- Clinical trials: coordinator applications, recruitment notices with their conditions,
-- interventions and sites, members' interest, saved searches (alerts), the alerts that fired
-- and the daily alert-email ledger.
--
-- Dates without a time of day (start_date, recruitment_ends) are ISO 8601 text (YYYY-MM-DD),
-- which sorts and compares correctly as text on both backends. Ages are whole months.
CREATE TABLE coordinator_applications (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    organization TEXT NOT NULL,
    job_title TEXT NOT NULL,
    evidence TEXT NOT NULL,
    -- Registry ids the applicant works on, space-separated (validated).
    registry_ids TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    reason TEXT,
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX coordinator_applications_pending_key ON coordinator_applications (user_id) WHERE status = 'pending';
CREATE INDEX coordinator_applications_status_idx ON coordinator_applications (status, id);
CREATE INDEX coordinator_applications_user_idx ON coordinator_applications (user_id, id);

CREATE TABLE trials (
    id INTEGER PRIMARY KEY,
    coordinator_id BIGINT NOT NULL REFERENCES users (id),
    registry_id TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    summary_html TEXT NOT NULL DEFAULT '',
    -- The conditions for display, one per line (trial_conditions serves the filter).
    conditions TEXT NOT NULL DEFAULT '',
    -- Title, summary, conditions, interventions and sponsor, normalised with a space around
    -- every CJK character (see db::search::index_text), plus English/Chinese glossary terms.
    search_text TEXT NOT NULL DEFAULT '',
    phase TEXT NOT NULL CHECK (phase IN ('early_phase1', 'phase1', 'phase1_2', 'phase2', 'phase2_3', 'phase3', 'phase4', 'not_applicable')),
    recruitment_status TEXT NOT NULL CHECK (recruitment_status IN ('not_yet_recruiting', 'recruiting', 'enrolling_by_invitation', 'active_not_recruiting', 'suspended', 'completed', 'terminated', 'withdrawn')),
    -- 0 for recruiting notices, 1 for the others: recruiting notices list first.
    status_rank INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'pending_review', 'published', 'closed')),
    min_age_months INTEGER,
    max_age_months INTEGER,
    sex TEXT NOT NULL CHECK (sex IN ('all', 'female', 'male')),
    healthy_volunteers BOOLEAN NOT NULL DEFAULT FALSE,
    criteria TEXT NOT NULL DEFAULT '',
    sponsor TEXT NOT NULL DEFAULT '',
    contact_name TEXT,
    contact_email TEXT,
    contact_phone TEXT,
    start_date TEXT,
    recruitment_ends TEXT,
    source_url TEXT,
    -- Why a reviewer returned the notice to draft (cleared on publication).
    review_note TEXT,
    closed_reason TEXT,
    demo BOOLEAN NOT NULL DEFAULT FALSE,
    published_at TIMESTAMP,
    closed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX trials_listing_idx ON trials (state, status_rank, published_at DESC, id DESC);
CREATE INDEX trials_coordinator_idx ON trials (coordinator_id, id);
CREATE INDEX trials_expiry_idx ON trials (state, recruitment_ends);
CREATE INDEX trials_registry_idx ON trials (registry_id);

CREATE TABLE trial_conditions (
    trial_id BIGINT NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    -- Lower-cased, whitespace collapsed: what the `condition` filter compares with.
    name_key TEXT NOT NULL,
    PRIMARY KEY (trial_id, position)
);
CREATE INDEX trial_conditions_key_idx ON trial_conditions (name_key, trial_id);

CREATE TABLE trial_interventions (
    trial_id BIGINT NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('drug', 'device', 'biological', 'procedure', 'radiation', 'behavioral', 'genetic', 'dietary_supplement', 'combination_product', 'diagnostic_test', 'other')),
    name TEXT NOT NULL,
    PRIMARY KEY (trial_id, position)
);

CREATE TABLE trial_sites (
    trial_id BIGINT NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    facility TEXT NOT NULL,
    city TEXT NOT NULL,
    region TEXT,
    country TEXT NOT NULL,
    -- Lower-cased country name (common aliases folded): what the `country` filter compares with.
    country_key TEXT NOT NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    status TEXT CHECK (status IN ('not_yet_recruiting', 'recruiting', 'enrolling_by_invitation', 'active_not_recruiting', 'suspended', 'completed', 'terminated', 'withdrawn')),
    PRIMARY KEY (trial_id, position)
);
CREATE INDEX trial_sites_geo_idx ON trial_sites (lat, lon);
CREATE INDEX trial_sites_country_idx ON trial_sites (country_key, trial_id);

CREATE TABLE trial_interests (
    id INTEGER PRIMARY KEY,
    trial_id BIGINT NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    message TEXT,
    share_email BOOLEAN NOT NULL DEFAULT FALSE,
    share_phone TEXT,
    status TEXT NOT NULL CHECK (status IN ('new', 'contacted', 'not_eligible', 'enrolled_elsewhere', 'withdrawn')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX trial_interests_member_key ON trial_interests (trial_id, user_id);
CREATE INDEX trial_interests_trial_idx ON trial_interests (trial_id, id);
CREATE INDEX trial_interests_user_idx ON trial_interests (user_id, id);

CREATE TABLE trial_alerts (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- The search filters as JSON text (the same fields as GET /api/v1/trials).
    filters TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX trial_alerts_user_idx ON trial_alerts (user_id, id);

-- One row per (alert, notice) that fired: an alert never fires twice for the same notice.
CREATE TABLE trial_alert_hits (
    alert_id BIGINT NOT NULL REFERENCES trial_alerts (id) ON DELETE CASCADE,
    trial_id BIGINT NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- When the hit went out by email (in a digest); NULL while it waits for the daily limit.
    emailed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (alert_id, trial_id)
);
CREATE INDEX trial_alert_hits_pending_idx ON trial_alert_hits (user_id) WHERE emailed_at IS NULL;

-- When each member last got an alert email: at most one a day.
CREATE TABLE trial_alert_ledger (
    user_id BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_sent_at TIMESTAMP NOT NULL
);

-- Full-text search (SQLite only): trials.search_text indexed by FTS5 with the unicode61
-- tokenizer; rowid = trials.id. Kept in step by the trials store in the same transaction.
CREATE VIRTUAL TABLE trial_search USING fts5(search_text, tokenize = 'unicode61 remove_diacritics 2');
