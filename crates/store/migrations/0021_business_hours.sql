-- A queue's business hours (issue 19): its IANA zone, its week (`mon-fri 09:00-18:00, ...`, as
-- `domain::hours::Week` reads it) and the away reply sent outside them; its holidays, each a
-- local date closed whole.
CREATE TABLE queue_hours (
    queue_id    INTEGER PRIMARY KEY REFERENCES queues(id) ON DELETE CASCADE,
    zone        TEXT NOT NULL,
    week        TEXT NOT NULL,
    away_text   TEXT,
    updated_at  INTEGER NOT NULL
);
CREATE TABLE queue_holidays (
    queue_id  INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
    day       TEXT NOT NULL,
    PRIMARY KEY (queue_id, day)
);
-- One away reply per conversation per closed period (named by the opening that ends it): the
-- row and the reply's send are written together, so a restart never sends it twice.
CREATE TABLE away_replies (
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    period           INTEGER NOT NULL,
    message_id       INTEGER,
    sent_at          INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, period)
);
