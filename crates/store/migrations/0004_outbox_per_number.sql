-- The outbox worker reads each number's queue on its own, so that a slow number's backlog never
-- hides a fast number's messages.
CREATE INDEX outbox_due_by_number ON outbox(number_id, next_attempt_at, id) WHERE state = 'queued';
