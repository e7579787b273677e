-- Sequences: a conversation enrolled in a sequence (its definition is a TOML file). Where it
-- stands (step, waiting_since, reply_after) and when it runs next (due_at) are written in the
-- same transaction as what the step did (the message queued in the outbox), so after a crash
-- every step has run exactly once or not at all.
CREATE TABLE enrollments (
    id               INTEGER PRIMARY KEY,
    tenant_id        INTEGER NOT NULL REFERENCES tenants(id),
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    -- The sequence's file name without .toml.
    sequence         TEXT NOT NULL,
    state            TEXT NOT NULL
                     CHECK (state IN ('active', 'waiting_reply', 'paused', 'done', 'stopped')),
    step             INTEGER NOT NULL DEFAULT 0,
    -- The step's id, when it has one: an edit that moves the step still finds it.
    step_id          TEXT,
    waiting_since    INTEGER,
    reply_after      INTEGER,
    -- When it runs next; null while it waits for a reply with no deadline, or is paused.
    due_at           INTEGER,
    -- Why it is paused, or how it ended.
    reason           TEXT,
    -- A user, or `first message` / `keyword` for a trigger.
    enrolled_by      TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX enrollments_due ON enrollments(due_at)
    WHERE state IN ('active', 'waiting_reply') AND due_at IS NOT NULL;
CREATE INDEX enrollments_by_conversation ON enrollments(conversation_id);
-- One live enrollment per conversation and sequence: a trigger firing twice enrolls once.
CREATE UNIQUE INDEX enrollments_one_live ON enrollments(conversation_id, sequence)
    WHERE state IN ('active', 'waiting_reply', 'paused');

-- What each enrollment did, step by step (sent, skipped, assigned, paused, resumed, finished).
CREATE TABLE enrollment_log (
    id             INTEGER PRIMARY KEY,
    enrollment_id  INTEGER NOT NULL REFERENCES enrollments(id),
    at             INTEGER NOT NULL,
    step           INTEGER,
    what           TEXT NOT NULL,
    message_id     INTEGER
);
CREATE INDEX enrollment_log_by_enrollment ON enrollment_log(enrollment_id);

-- The last message the triggers and reply waits have looked at: each message is looked at once,
-- in the transaction that acts on it. Messages stored before sequences existed are not triggers.
CREATE TABLE sequence_cursor (last_message_id INTEGER NOT NULL);
INSERT INTO sequence_cursor SELECT COALESCE(MAX(id), 0) FROM messages;
