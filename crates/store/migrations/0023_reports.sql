-- Reports (issue 19): a queue's first-response target in minutes (its SLA; none when unset),
-- and the closes that end threads, read by kind (`conversation_events.kind = 'closed'`).
ALTER TABLE queues ADD COLUMN sla_minutes INTEGER;
CREATE INDEX conversation_events_by_kind ON conversation_events(kind, conversation_id, at);
