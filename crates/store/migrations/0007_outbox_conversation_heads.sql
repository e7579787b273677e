-- A conversation's messages leave in the order they were queued: only the oldest queued (or
-- sending) message of a conversation may go. This index finds whether one is ahead of a row.
CREATE INDEX outbox_open_by_conversation ON outbox(conversation_id, id)
    WHERE state IN ('queued', 'sending');
