-- Files of a coexistence history import are fetched in the background, after customers' live
-- ones: each file is in a lane, and the downloader serves the live lane first.
ALTER TABLE media ADD COLUMN lane TEXT NOT NULL DEFAULT 'live' CHECK (lane IN ('live', 'history'));
DROP INDEX media_pending;
CREATE INDEX media_pending ON media(lane, next_attempt_at) WHERE state = 'pending';
-- Progress of a number's history files (fetched, failed, waiting) is counted per number.
CREATE INDEX media_history ON media(number_id, state) WHERE lane = 'history';
