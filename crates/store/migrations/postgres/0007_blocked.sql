-- A customer the business blocked on this number (Meta's Block Users API): see the SQLite
-- migration 0020.
ALTER TABLE conversations ADD COLUMN blocked_at BIGINT;
ALTER TABLE conversations ADD COLUMN blocked_by TEXT;
