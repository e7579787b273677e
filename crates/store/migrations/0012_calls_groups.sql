-- Calls and groups (issue 14).

-- Every event of a WhatsApp call, once: Meta reports a call (`wacid.…`) as several events
-- (connect, terminate, statuses RINGING/ACCEPTED/…), each possibly delivered more than once.
-- The call itself is one message row (wamid = the call id, origin 'call') whose text is what
-- these events add up to. SDP session bodies are not kept: the raw delivery is in the journal.
CREATE TABLE call_events (
    number_id        INTEGER NOT NULL REFERENCES numbers(id),
    call_id          TEXT NOT NULL,
    event            TEXT NOT NULL,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    at               INTEGER NOT NULL,
    direction        TEXT CHECK (direction IN ('in', 'out')),
    outcome          TEXT,
    duration         INTEGER,
    start_time       INTEGER,
    end_time         INTEGER,
    journal_id       INTEGER,
    PRIMARY KEY (number_id, call_id, event)
) WITHOUT ROWID;

-- A WhatsApp group (Meta's Groups API) of a tenant. A group's conversation is filed under a
-- contact of its own (contacts.user_id = 'group:' || group_id), one per number as any contact's.
CREATE TABLE whatsapp_groups (
    contact_id  INTEGER PRIMARY KEY REFERENCES contacts(id),
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    group_id    TEXT NOT NULL,
    subject     TEXT,
    UNIQUE (tenant_id, group_id)
);

-- Who wrote a message in a group: the participant's own contact.
ALTER TABLE messages ADD COLUMN author_contact_id INTEGER REFERENCES contacts(id);
