-- When a signup's number began to be connected (NULL: it is not being connected). One finisher
-- at a time: the engine connecting a single Business-app number by itself, or an admin's
-- `wabox connect finish`, claims the signup first; the other waits for the outcome.
ALTER TABLE signups ADD COLUMN finishing_at BIGINT;
