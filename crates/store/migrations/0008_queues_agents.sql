-- Queues and agents: every conversation lands in its number's queue; agents see their queues'.
CREATE TABLE queues (
    id           INTEGER PRIMARY KEY,
    tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
    name         TEXT NOT NULL,
    -- Round-robin assignment among the queue's agents who have an inbox open.
    auto_assign  INTEGER NOT NULL DEFAULT 0,
    last_assigned TEXT,
    created_at   INTEGER NOT NULL,
    UNIQUE (tenant_id, name)
);

ALTER TABLE numbers ADD COLUMN queue_id INTEGER REFERENCES queues(id);
ALTER TABLE numbers ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE numbers ADD COLUMN alias TEXT;
ALTER TABLE numbers ADD COLUMN updated_at INTEGER;
CREATE INDEX numbers_by_display ON numbers(display_phone);

ALTER TABLE conversations ADD COLUMN queue_id INTEGER REFERENCES queues(id);
ALTER TABLE conversations ADD COLUMN assignee TEXT;
-- No (queue_id, last_message_at) index: every message would rewrite it (webhook throughput
-- fell 17% with it and the unread index); a queue's list walks conversations_by_recent instead.
CREATE INDEX conversations_by_assignee ON conversations(assignee, last_message_at DESC)
    WHERE assignee IS NOT NULL;

-- People who use wabox, by Unix user name. Admins of a tenant (or of all, without one), agents
-- of the queues they belong to.
CREATE TABLE agents (
    user         TEXT PRIMARY KEY,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
    tenant_id    INTEGER REFERENCES tenants(id),
    created_at   INTEGER NOT NULL
);
CREATE TABLE agent_queues (
    user      TEXT NOT NULL REFERENCES agents(user) ON DELETE CASCADE,
    queue_id  INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
    PRIMARY KEY (user, queue_id)
) WITHOUT ROWID;

-- Who did what: admin actions, and acting as another agent.
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    as_user  TEXT,
    action   TEXT NOT NULL,
    detail   TEXT NOT NULL
);

-- A conversation's history of hands: claimed, assigned, moved, with the internal note.
CREATE TABLE conversation_events (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    at               INTEGER NOT NULL,
    actor            TEXT NOT NULL,
    kind             TEXT NOT NULL,
    detail           TEXT NOT NULL,
    note             TEXT
);
CREATE INDEX conversation_events_by_conversation ON conversation_events(conversation_id, at);
