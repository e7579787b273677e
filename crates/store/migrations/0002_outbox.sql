-- Sending: every outgoing message is a row here, committed before any network call.

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    number_id        INTEGER NOT NULL REFERENCES numbers(id),
    -- The outgoing message as the conversation shows it (wamid 'wabox.outbox.<id>' until sent).
    message_id       INTEGER NOT NULL REFERENCES messages(id),
    kind             TEXT NOT NULL CHECK (kind IN ('text', 'template')),
    -- The request body, complete but for nothing: what is POSTed to /{phone-number-id}/messages.
    request          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'uncertain')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    -- Unix milliseconds: when the next attempt may go.
    next_attempt_at  INTEGER NOT NULL,
    error_code       INTEGER,
    error_text       TEXT,
    wamid            TEXT,
    requested_by     TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox(next_attempt_at, id) WHERE state = 'queued';
CREATE UNIQUE INDEX outbox_by_message ON outbox(message_id);

-- The synced template, as wabox.domain.template.TemplateSpec JSON.
ALTER TABLE templates ADD COLUMN spec TEXT;
