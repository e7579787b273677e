-- New messages are queued for search once a statement instead of once a row: the writer stores
-- a batch's customers' messages in one statement (`apply::together`), and a row trigger ran a
-- PL/pgSQL call and an INSERT for each of them. A changed text is still queued row by row
-- (PostgreSQL allows no transition table on a trigger with a column list).
CREATE FUNCTION wabox_queue_search_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_queue (message_id) SELECT id FROM added ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
DROP TRIGGER messages_queue_search ON messages;
CREATE TRIGGER messages_queue_search_added AFTER INSERT ON messages
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION wabox_queue_search_added();
CREATE TRIGGER messages_queue_search AFTER UPDATE OF text ON messages
    FOR EACH ROW EXECUTE FUNCTION wabox_queue_search();
