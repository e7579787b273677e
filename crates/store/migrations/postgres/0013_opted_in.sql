-- As SQLite's 0026: when a contact was last opted back in to marketing.
ALTER TABLE contacts ADD COLUMN opted_in_at BIGINT;
