-- When a file was downloaded (or, for one already there, when this store learned to count):
-- `[media] keep_days` deletes a customer's file that many days after, not after the message's
-- own time, which a history import sets months back.
ALTER TABLE media ADD COLUMN downloaded_at INTEGER;
UPDATE media SET downloaded_at = CAST(strftime('%s', 'now') AS INTEGER) WHERE state = 'downloaded';
