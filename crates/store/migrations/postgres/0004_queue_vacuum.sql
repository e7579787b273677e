-- Tables used as queues: the journal (each row pending, then processed: an update that leaves
-- the old row's entries in `journal_not_processed` and `journal_pending_by_partition`), the
-- search queue and the shared events (rows deleted soon after they are written). Every claim
-- and every "anything pending?" walks over the entries of rows dead since the last vacuum: on a
-- journal of 1,000,000 rows with 10,000 of them processed since, a claim took 9.8 ms, and 0.02
-- ms after a vacuum. PostgreSQL vacuums a table once a fifth of it is dead by default, which
-- for a journal of millions of rows is hundreds of thousands of entries: here, after a fixed
-- number of changes whatever the table's size.
ALTER TABLE journal SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000,
                         autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE search_queue SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);
ALTER TABLE store_events SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);
