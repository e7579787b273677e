-- wabox store, first schema. Times are unix seconds (UTC). Migrations are append-only.

CREATE TABLE tenants (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at  INTEGER NOT NULL
);

-- A business phone number, known only by Meta's phone_number_id.
CREATE TABLE numbers (
    id                   INTEGER PRIMARY KEY,
    tenant_id            INTEGER NOT NULL REFERENCES tenants(id),
    phone_number_id      TEXT NOT NULL UNIQUE,
    waba_id              TEXT NOT NULL,
    display_phone        TEXT NOT NULL,
    connection           TEXT NOT NULL CHECK (connection IN ('coexistence', 'dedicated')),
    access_token_sealed  BLOB,
    created_at           INTEGER NOT NULL
);
CREATE INDEX numbers_by_waba ON numbers(waba_id);

-- A customer of one tenant, by wa_id and/or business-scoped user id (BSUID).
CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    wa_id       TEXT,
    user_id     TEXT,
    name        TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CHECK (wa_id IS NOT NULL OR user_id IS NOT NULL)
);
CREATE UNIQUE INDEX contacts_by_wa_id ON contacts(tenant_id, wa_id) WHERE wa_id IS NOT NULL;
CREATE UNIQUE INDEX contacts_by_user_id ON contacts(tenant_id, user_id) WHERE user_id IS NOT NULL;

-- One thread per number and contact; the last message is kept here so listings never scan messages.
CREATE TABLE conversations (
    id                 INTEGER PRIMARY KEY,
    number_id          INTEGER NOT NULL REFERENCES numbers(id),
    contact_id         INTEGER NOT NULL REFERENCES contacts(id),
    state              TEXT NOT NULL DEFAULT 'open'
                       CHECK (state IN ('open', 'pending', 'closed', 'snoozed')),
    unread             INTEGER NOT NULL DEFAULT 0,
    last_inbound_at    INTEGER,
    referral_at        INTEGER,
    last_message_at    INTEGER,
    last_message_text  TEXT,
    created_at         INTEGER NOT NULL,
    UNIQUE (number_id, contact_id)
);
CREATE INDEX conversations_by_recent ON conversations(last_message_at DESC);
CREATE INDEX conversations_by_number_recent ON conversations(number_id, last_message_at DESC);

CREATE TABLE messages (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    wamid            TEXT NOT NULL UNIQUE,
    direction        TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    origin           TEXT NOT NULL,
    type             TEXT NOT NULL,
    text             TEXT NOT NULL,
    at               INTEGER NOT NULL,
    status           TEXT,
    error_code       INTEGER,
    error_title      TEXT,
    reply_to         TEXT,
    forwarded        INTEGER NOT NULL DEFAULT 0,
    edited           INTEGER NOT NULL DEFAULT 0,
    revoked          INTEGER NOT NULL DEFAULT 0,
    referral         TEXT,
    payload          TEXT,
    journal_id       INTEGER
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, at, id);

-- Every status report, once per (wamid, status); messages.status holds the highest reached.
CREATE TABLE statuses (
    wamid         TEXT NOT NULL,
    status        TEXT NOT NULL,
    at            INTEGER NOT NULL,
    recipient_id  TEXT,
    error_code    INTEGER,
    error_title   TEXT,
    error_detail  TEXT,
    pricing       TEXT,
    callback_data TEXT,
    journal_id    INTEGER,
    PRIMARY KEY (wamid, status)
) WITHOUT ROWID;

-- Edits and deletions keep what the message said before. message_id is null while the original
-- has not arrived yet; it is filled in when it does.
CREATE TABLE message_revisions (
    id              INTEGER PRIMARY KEY,
    revision_wamid  TEXT NOT NULL UNIQUE,
    original_wamid  TEXT NOT NULL,
    message_id      INTEGER REFERENCES messages(id),
    kind            TEXT NOT NULL CHECK (kind IN ('edit', 'revoke')),
    new_text        TEXT,
    new_type        TEXT,
    previous_text   TEXT,
    at              INTEGER NOT NULL
);
CREATE INDEX message_revisions_by_original ON message_revisions(original_wamid);

-- The current reaction of each side on a message; an empty emoji is a removed reaction, kept so
-- that a late repeat of the old reaction cannot bring it back.
CREATE TABLE reactions (
    message_wamid   TEXT NOT NULL,
    reactor         TEXT NOT NULL CHECK (reactor IN ('customer', 'business')),
    emoji           TEXT NOT NULL,
    reaction_wamid  TEXT NOT NULL,
    at              INTEGER NOT NULL,
    PRIMARY KEY (message_wamid, reactor)
) WITHOUT ROWID;

-- Raw signed deliveries, written before the 200; processed from here, in order of arrival.
CREATE TABLE journal (
    id            INTEGER PRIMARY KEY,
    received_at   INTEGER NOT NULL,
    body          BLOB NOT NULL,
    body_sha256   BLOB NOT NULL UNIQUE,
    deliveries    INTEGER NOT NULL DEFAULT 1,
    state         TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'processed', 'invalid', 'unrouted')),
    detail        TEXT,
    processed_at  INTEGER
);
CREATE INDEX journal_not_processed ON journal(state, id) WHERE state != 'processed';

CREATE TABLE history_progress (
    number_id    INTEGER NOT NULL REFERENCES numbers(id),
    phase        INTEGER NOT NULL,
    chunk_order  INTEGER NOT NULL,
    progress     INTEGER,
    error_code   INTEGER,
    error_title  TEXT,
    at           INTEGER NOT NULL,
    PRIMARY KEY (number_id, phase, chunk_order)
);

CREATE TABLE templates (
    id           INTEGER PRIMARY KEY,
    tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
    waba_id      TEXT NOT NULL,
    template_id  TEXT NOT NULL,
    name         TEXT,
    language     TEXT,
    status       TEXT NOT NULL,
    category     TEXT,
    reason       TEXT,
    updated_at   INTEGER NOT NULL,
    UNIQUE (waba_id, template_id)
);

-- Account and number events (account_update, quality, fields we only record), per change.
CREATE TABLE account_events (
    id               INTEGER PRIMARY KEY,
    journal_id       INTEGER NOT NULL,
    change_index     INTEGER NOT NULL,
    tenant_id        INTEGER REFERENCES tenants(id),
    waba_id          TEXT,
    phone_number_id  TEXT,
    field            TEXT NOT NULL,
    event            TEXT,
    payload          TEXT NOT NULL,
    at               INTEGER NOT NULL,
    UNIQUE (journal_id, change_index)
);
