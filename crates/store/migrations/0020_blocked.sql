-- A customer the business blocked on this number (Meta's Block Users API): they cannot write to
-- it, and it cannot write to them, until unblocked. Kept on the conversation (one per number and
-- customer): when, and by whom.
ALTER TABLE conversations ADD COLUMN blocked_at INTEGER;
ALTER TABLE conversations ADD COLUMN blocked_by TEXT;
