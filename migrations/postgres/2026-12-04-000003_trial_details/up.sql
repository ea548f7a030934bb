-- One trial, several registries: every registry id of a notice, its main one (`trials.registry_id`)
-- at position 0 and the others (NCT, ChiCTR, EU CT, EudraCT) after it. Searched by id to find
-- a notice by any of them, and by the import to refuse a second notice for one trial.
CREATE TABLE trial_registry_ids (
    trial_id BIGINT NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    registry_id TEXT NOT NULL,
    PRIMARY KEY (trial_id, position)
);
CREATE INDEX trial_registry_ids_id_idx ON trial_registry_ids (registry_id);
INSERT INTO trial_registry_ids (trial_id, position, registry_id)
SELECT id, 0, registry_id FROM trials;

-- What taking part asks of a patient and what the trial offers, as the coordinator states it.
-- NULL is "not stated"; one row per notice that states anything.
CREATE TABLE trial_practical (
    trial_id BIGINT PRIMARY KEY REFERENCES trials (id) ON DELETE CASCADE,
    visits INTEGER,
    visit_minutes INTEGER,
    remote_visits BOOLEAN,
    travel_support BOOLEAN,
    accommodation_support BOOLEAN,
    compensation BOOLEAN,
    placebo_possible BOOLEAN,
    treatment_weeks INTEGER,
    notes TEXT
);

-- Registry ids are searchable words of a notice (`ChiCTR-TRC-12002345` → `chictr trc 12002345`).
UPDATE trials SET search_text = search_text || ' ' || lower(replace(registry_id, '-', ' '));
