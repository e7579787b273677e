-- Search words kept beside the messages and filled by the writer when it has nothing else to
-- do, as SQLite's FTS5 table is: computing a message's words (`to_tsvector` of its text
-- without accents) in the transaction that stores it was a quarter of a delivery's time. A
-- message is queued by a trigger when it is stored or its text changes; whichever engine is
-- idle takes a batch of the queue (`search::index_pending`). Unlike SQLite's high-water mark,
-- a queue is safe with several engines, whose ids do not commit in order.
CREATE TABLE message_search_words (
    message_id  BIGINT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    words       TSVECTOR NOT NULL
);
CREATE INDEX message_search_words_gin ON message_search_words USING gin (words);

CREATE TABLE search_queue (message_id BIGINT PRIMARY KEY);

CREATE FUNCTION wabox_queue_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_queue (message_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_queue_search AFTER INSERT OR UPDATE OF text ON messages
    FOR EACH ROW EXECUTE FUNCTION wabox_queue_search();

-- What the old index covered is queued: engines index it when idle.
INSERT INTO search_queue (message_id) SELECT id FROM messages;
DROP INDEX messages_search;
