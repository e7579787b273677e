-- A queue's first-response target and closes read by kind: see the SQLite migration 0023.
ALTER TABLE queues ADD COLUMN sla_minutes BIGINT;
CREATE INDEX conversation_events_by_kind ON conversation_events(kind, conversation_id, at);
