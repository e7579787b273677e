-- Several engines on one store (PostgreSQL only): who is alive, who owns which partition of the
-- work, and the events they pass each other. Times here are the database's clock, which every
-- engine shares; a lease is never judged by an engine's own clock.

ALTER TABLE journal ADD COLUMN partition BIGINT;
-- The pending deliveries of the partitions an engine owns, oldest first.
CREATE INDEX journal_pending_by_partition ON journal(partition, id) WHERE state = 'pending';

CREATE TABLE engines (
    id          TEXT PRIMARY KEY,
    host        TEXT NOT NULL,
    pid         BIGINT NOT NULL,
    listen      TEXT,
    started_at  BIGINT NOT NULL,
    seen_at     TIMESTAMPTZ NOT NULL,
    stopped     BIGINT NOT NULL DEFAULT 0
);

-- One row per partition (tenant id modulo 64): its owner while `expires_at` is ahead, and the
-- epoch, one more at each change of owner, which every claim and mark names.
CREATE TABLE partition_leases (
    partition   BIGINT PRIMARY KEY,
    owner       TEXT,
    epoch       BIGINT NOT NULL DEFAULT 0,
    expires_at  TIMESTAMPTZ NOT NULL DEFAULT 'epoch'
);
INSERT INTO partition_leases (partition) SELECT generate_series(0, 63);

-- Events written in the writer's transaction; one NOTIFY per commit wakes the other engines,
-- which forward them to their own subscribers. Kept a few minutes.
CREATE TABLE store_events (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    engine  TEXT NOT NULL,
    event   TEXT NOT NULL
);
