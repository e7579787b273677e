-- Marketing opt-outs: see the SQLite migration 0022.
ALTER TABLE contacts ADD COLUMN opted_out_at BIGINT;
ALTER TABLE contacts ADD COLUMN opted_out_by TEXT;
