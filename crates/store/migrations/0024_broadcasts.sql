-- Broadcasts (issue 19): one approved template to a segment of customers, from one number.
-- The recipients are resolved once, at create, each once (UNIQUE (broadcast_id, wa_id)); the
-- engine's broadcast task moves pending ones into the outbox in the transaction that marks
-- them queued with their message, so each is sent once across crashes. A recipient's delivery
-- is read from its message, not copied. (0023 is the reports migration of another branch.)
CREATE TABLE broadcasts (
    id            INTEGER PRIMARY KEY,
    tenant_id     INTEGER NOT NULL REFERENCES tenants(id),
    number_id     INTEGER NOT NULL REFERENCES numbers(id),
    template      TEXT NOT NULL,
    language      TEXT NOT NULL,
    category      TEXT NOT NULL,
    segment       TEXT NOT NULL,
    -- The `--param KEY=SOURCE` given, as JSON (`domain::broadcast::ParamSpec`).
    params        TEXT NOT NULL,
    -- draft | running | paused | cancelled | done | stopped
    state         TEXT NOT NULL,
    stop_reason   TEXT,
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER,
    -- The newest account event when it last started: a quality drop after it stops it.
    quality_mark  INTEGER NOT NULL DEFAULT 0,
    -- CSV rows that are nobody to send to (a number twice, not a number), by reason as JSON
    -- (`protocol::broadcasts::SkippedCount`): they have no recipient row to count.
    skipped_rows  TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE broadcast_recipients (
    id            INTEGER PRIMARY KEY,
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    wa_id         TEXT NOT NULL,
    -- No foreign keys: contacts merge and conversations go; the wa_id is what counts.
    contact_id    INTEGER,
    name          TEXT,
    -- The template's values for this customer, in order, as JSON.
    params        TEXT NOT NULL,
    -- pending | skipped | queued
    state         TEXT NOT NULL,
    skip_reason   TEXT,
    message_id    INTEGER,
    queued_at     INTEGER,
    -- Queued while the customer's window was closed: counts against the number's tier.
    outside_window INTEGER NOT NULL DEFAULT 0,
    UNIQUE (broadcast_id, wa_id)
);
CREATE INDEX broadcast_recipients_state ON broadcast_recipients (broadcast_id, state, id);
CREATE INDEX broadcast_recipients_tier ON broadcast_recipients (queued_at) WHERE outside_window = 1;
CREATE INDEX broadcasts_state ON broadcasts (state);
