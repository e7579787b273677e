-- Media of inbound messages, downloaded by the engine (Meta's media ids expire after 7 days).

CREATE TABLE media (
    message_id       INTEGER PRIMARY KEY REFERENCES messages(id),
    number_id        INTEGER NOT NULL REFERENCES numbers(id),
    media_id         TEXT NOT NULL,
    mime_type        TEXT,
    -- base64 of the SHA-256 Meta announced; the download must match it.
    sha256           TEXT,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'downloaded', 'failed')),
    bytes            INTEGER,
    -- Relative to the data dir.
    path             TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL DEFAULT 0,
    error            TEXT
);
CREATE INDEX media_pending ON media(next_attempt_at) WHERE state = 'pending';
