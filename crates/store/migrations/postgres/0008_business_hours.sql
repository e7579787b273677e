-- A queue's business hours, holidays and the away replies sent: see the SQLite migration 0021.
CREATE TABLE queue_hours (
    queue_id    BIGINT PRIMARY KEY REFERENCES queues(id) ON DELETE CASCADE,
    zone        TEXT NOT NULL,
    week        TEXT NOT NULL,
    away_text   TEXT,
    updated_at  BIGINT NOT NULL
);
CREATE TABLE queue_holidays (
    queue_id  BIGINT NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
    day       TEXT NOT NULL,
    PRIMARY KEY (queue_id, day)
);
CREATE TABLE away_replies (
    conversation_id  BIGINT NOT NULL REFERENCES conversations(id),
    period           BIGINT NOT NULL,
    message_id       BIGINT,
    sent_at          BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, period)
);
