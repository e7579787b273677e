-- Reactions from us go through the outbox like every send: the kind list gains 'reaction'.
-- SQLite cannot change a CHECK in place, so the table is rebuilt as 0006 did, with its indexes.
-- A quoted reply needs no column here: its request carries `context.message_id`, and the
-- message row has `reply_to`.

CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    number_id        INTEGER NOT NULL REFERENCES numbers(id),
    message_id       INTEGER NOT NULL REFERENCES messages(id),
    kind             TEXT NOT NULL
                     CHECK (kind IN ('text', 'template', 'image', 'document', 'audio', 'video',
                                     'sticker', 'reaction')),
    request          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'uncertain')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    error_code       INTEGER,
    error_text       TEXT,
    wamid            TEXT,
    requested_by     TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    media_id         TEXT
);
INSERT INTO outbox_new (id, conversation_id, number_id, message_id, kind, request, state, attempts,
                        next_attempt_at, error_code, error_text, wamid, requested_by, created_at,
                        updated_at, media_id)
SELECT id, conversation_id, number_id, message_id, kind, request, state, attempts, next_attempt_at,
       error_code, error_text, wamid, requested_by, created_at, updated_at, media_id
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(next_attempt_at, id) WHERE state = 'queued';
CREATE UNIQUE INDEX outbox_by_message ON outbox(message_id);
CREATE INDEX outbox_due_by_number ON outbox(number_id, next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX outbox_open_by_conversation ON outbox(conversation_id, id)
    WHERE state IN ('queued', 'sending');
