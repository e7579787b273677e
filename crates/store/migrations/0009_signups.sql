-- Connecting numbers through a browser: Meta's Embedded Signup or a Kapso setup link. Each
-- attempt is a signup with a random state bound to the tenant and the admin who started it; the
-- callback that carries it is accepted once, before it expires. The state is looked up by its
-- SHA-256; the URL that carries it is kept so the wizard can show it again.
CREATE TABLE signups (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    path            TEXT NOT NULL CHECK (path IN ('meta', 'kapso')),
    state_sha256    BLOB NOT NULL UNIQUE,
    created_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    -- waiting → choose (token received, a number to pick) → connected; or failed / revoked.
    status          TEXT NOT NULL DEFAULT 'waiting'
                    CHECK (status IN ('waiting', 'choose', 'connected', 'failed', 'revoked')),
    used_at         INTEGER,
    url             TEXT NOT NULL,
    -- A short code for {public_url}/c/{code}, which redirects to `url`: a QR code of the long
    -- dialog URL would not fit an 80x24 terminal.
    short_code      TEXT NOT NULL UNIQUE,
    -- What the admin asked for: coexistence (the Business app stays) or a dedicated number.
    coexistence     INTEGER NOT NULL DEFAULT 0,
    -- The path's choices as JSON, to make the same link again.
    options         TEXT NOT NULL DEFAULT '{}',
    queue           TEXT,
    kapso_link_id   TEXT,
    -- The business token from the code exchange, sealed, until a number is chosen.
    token_sealed    BLOB,
    token_expires_at INTEGER,
    -- The numbers the token reaches, as JSON, for the admin to pick from.
    candidates      TEXT,
    error           TEXT,
    error_code      TEXT,
    number_id       INTEGER REFERENCES numbers(id),
    -- What connecting it found (ConnectReport as JSON), for the summary.
    report          TEXT,
    finished_at     INTEGER
);
CREATE INDEX signups_by_tenant ON signups(tenant_id, created_at DESC);
CREATE UNIQUE INDEX signups_by_kapso_link ON signups(kapso_link_id) WHERE kapso_link_id IS NOT NULL;

-- The tenant's customer on Kapso, created once and reused by every setup link.
ALTER TABLE tenants ADD COLUMN kapso_customer_id TEXT;

-- When the number's token stops working (unix seconds; 0 = never; NULL = not known yet), as
-- debug_token reports it, and when that was last asked.
ALTER TABLE numbers ADD COLUMN token_expires_at INTEGER;
ALTER TABLE numbers ADD COLUMN token_checked_at INTEGER;
-- How the number was connected: manual, meta (Embedded Signup), kapso, import.
ALTER TABLE numbers ADD COLUMN connected_via TEXT;
