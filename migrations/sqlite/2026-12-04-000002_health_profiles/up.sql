-- The private eligibility pre-check (issue 13).
--
-- A member's own health profile: one row per member, read and written only by her (no staff
-- route reads it), in her own export, deleted with erasure (and with the account row).
-- Treatments are space-separated names from the closed list (`hydroxychloroquine`,
-- `glucocorticoids`, `mycophenolate`, `cyclophosphamide`, `azathioprine`, `belimumab`,
-- `anifrolumab`, `rituximab`, `car_t`); every other field may be left unsaid (NULL).
CREATE TABLE health_profiles (
    user_id BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    birth_year INTEGER,
    sex TEXT,
    diagnosis_year INTEGER,
    lupus_nephritis BOOLEAN,
    nephritis_class TEXT,
    current_treatments TEXT NOT NULL DEFAULT '',
    past_treatments TEXT NOT NULL DEFAULT '',
    pregnancy_plans TEXT,
    country TEXT,
    city TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- A notice's structured criteria beside its free text: one row per notice that has any, in
-- a table of their own (`trials` is at the 32 columns diesel is built for). Space-separated
-- condition and treatment names, required or excluded. An import proposes them from the
-- registry's text (`confirmed` false) and its coordinator confirms them before review;
-- criteria written by hand have nothing to confirm.
CREATE TABLE trial_criteria (
    trial_id BIGINT NOT NULL PRIMARY KEY REFERENCES trials (id) ON DELETE CASCADE,
    required_conditions TEXT NOT NULL DEFAULT '',
    excluded_conditions TEXT NOT NULL DEFAULT '',
    required_treatments TEXT NOT NULL DEFAULT '',
    excluded_treatments TEXT NOT NULL DEFAULT '',
    confirmed BOOLEAN NOT NULL DEFAULT TRUE
);

-- The pre-check a member chose to attach to her answer, as it was then (JSON); erased when
-- she withdraws the answer.
ALTER TABLE trial_interests ADD COLUMN pre_check TEXT;
