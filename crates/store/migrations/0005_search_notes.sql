-- Search over every message's text (SQLite FTS5). Accents are folded so `envio` finds `envío`;
-- prefixes of 2 and 3 characters are indexed so the word being typed matches at once.
-- New messages are indexed by the engine's writer when it has nothing else to do (indexing each
-- on arrival halved webhook throughput), up to `search_progress.indexed_upto`; edits and
-- deletions of indexed messages are kept in step by triggers.
CREATE VIRTUAL TABLE message_search USING fts5(
    text,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE TABLE search_progress (indexed_upto INTEGER NOT NULL);
INSERT INTO search_progress (indexed_upto) VALUES (0);

CREATE TRIGGER message_search_delete AFTER DELETE ON messages
WHEN old.id <= (SELECT indexed_upto FROM search_progress) BEGIN
    INSERT INTO message_search (message_search, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER message_search_update AFTER UPDATE OF text ON messages
WHEN old.id <= (SELECT indexed_upto FROM search_progress) BEGIN
    INSERT INTO message_search (message_search, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO message_search (rowid, text) VALUES (new.id, new.text);
END;

-- What agents know about a contact that the customer never sees.
CREATE TABLE contact_labels (
    contact_id  INTEGER NOT NULL REFERENCES contacts(id),
    label       TEXT NOT NULL,
    PRIMARY KEY (contact_id, label)
) WITHOUT ROWID;

CREATE TABLE contact_notes (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts(id),
    author      TEXT NOT NULL,
    text        TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX contact_notes_by_contact ON contact_notes(contact_id, at);

-- No index serves the numbers pane's waiting counts: any index holding `unread` is rewritten by
-- every inbound message, which cost 10-15% of webhook throughput. The engine caches the counts
-- for a second instead.

-- A snoozed conversation comes back at this time (or when the customer writes).
ALTER TABLE conversations ADD COLUMN snoozed_until INTEGER;
