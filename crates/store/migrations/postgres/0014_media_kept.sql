-- As SQLite's 0027: when a file was downloaded, for `[media] keep_days`.
ALTER TABLE media ADD COLUMN downloaded_at BIGINT;
UPDATE media SET downloaded_at = CAST(extract(epoch FROM now()) AS BIGINT) WHERE state = 'downloaded';
