-- Outbound media: the outbox sends images, documents, audio, video and stickers too. SQLite cannot
-- change a CHECK in place, so the table is rebuilt with the wider kind list and one new column.

CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    number_id        INTEGER NOT NULL REFERENCES numbers(id),
    message_id       INTEGER NOT NULL REFERENCES messages(id),
    kind             TEXT NOT NULL
                     CHECK (kind IN ('text', 'template', 'image', 'document', 'audio', 'video', 'sticker')),
    -- The request body; for media, without the media id, which only exists once uploaded.
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
    -- Meta's id for the uploaded file, kept so that a retried send never uploads it twice.
    media_id         TEXT
);
INSERT INTO outbox_new (id, conversation_id, number_id, message_id, kind, request, state, attempts,
                        next_attempt_at, error_code, error_text, wamid, requested_by, created_at,
                        updated_at)
SELECT id, conversation_id, number_id, message_id, kind, request, state, attempts, next_attempt_at,
       error_code, error_text, wamid, requested_by, created_at, updated_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(next_attempt_at, id) WHERE state = 'queued';
CREATE UNIQUE INDEX outbox_by_message ON outbox(message_id);
CREATE INDEX outbox_due_by_number ON outbox(number_id, next_attempt_at, id) WHERE state = 'queued';

-- The file's name, for documents (shown to the customer) and uploads. An outbound file is stored
-- in the data dir when queued, so its media row starts as 'downloaded' (the file is here).
ALTER TABLE media ADD COLUMN filename TEXT;
