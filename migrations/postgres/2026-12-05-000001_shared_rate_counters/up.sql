-- Rate-limit and wrong-password counters shared by every server on this database
-- (src/http/ratelimit/shared.rs). UNLOGGED: counters write no WAL, and a crash empties them,
-- which forgives at most one window's counts. Keys are HMACs: no address or email is stored.

-- Request limits (GCRA): the theoretical arrival time of each key's next request, in
-- microseconds since the Unix epoch. A row whose time has passed holds a whole allowance.
CREATE UNLOGGED TABLE rate_counters (
    key BIGINT PRIMARY KEY,
    tat BIGINT NOT NULL
);

-- Wrong passwords: events counted in a fixed window per key, which ends at `ends_at`
-- (microseconds since the Unix epoch).
CREATE UNLOGGED TABLE throttle_windows (
    key BIGINT PRIMARY KEY,
    count INTEGER NOT NULL,
    ends_at BIGINT NOT NULL
);
