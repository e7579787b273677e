-- The partition of the work a delivery belongs to (its tenant's), which several engines sharing
-- a PostgreSQL store use to tell whose it is to apply. A SQLite store has one engine and leaves
-- it empty; it is here so both stores have the same columns.
ALTER TABLE journal ADD COLUMN partition INTEGER;
