-- A customer who opted out of marketing (a stop word, or an agent on their behalf): when, and
-- who (`customer`, or the wabox user). Broadcasts skip them; the contact panel says so.
ALTER TABLE contacts ADD COLUMN opted_out_at INTEGER;
ALTER TABLE contacts ADD COLUMN opted_out_by TEXT;
