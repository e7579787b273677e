-- Tokens that let a user reach the engine from elsewhere (`/api` on the listener). Only each
-- token's SHA-256 is kept: the token itself is shown once, when it is made. `holder` is the
-- wabox user it acts as; what they may see is their agent record's, read at each request.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    holder        TEXT NOT NULL,
    name          TEXT,
    secret_sha256 BLOB NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    expires_at    INTEGER,
    revoked_at    INTEGER,
    revoked_by    TEXT,
    last_used_at  INTEGER
);
CREATE INDEX api_tokens_by_holder ON api_tokens(holder);
