-- The counters PostgreSQL servers share (src/http/ratelimit/shared.rs). On SQLite one process
-- serves and counts in memory, so these tables stay empty; they exist so that both backends
-- have one schema.

CREATE TABLE rate_counters (
    key BIGINT PRIMARY KEY,
    tat BIGINT NOT NULL
);

CREATE TABLE throttle_windows (
    key BIGINT PRIMARY KEY,
    count INTEGER NOT NULL,
    ends_at BIGINT NOT NULL
);
