-- A message's text and payload together pass the 2 KB at which PostgreSQL compresses a row's
-- largest values, and its default method (pglz) was 1.3% of the machine in `wabox bench ingest
-- --store`; lz4 does the same work several times faster. A server built without lz4 keeps
-- pglz: nothing else depends on the method.
DO $$
BEGIN
    ALTER TABLE messages ALTER COLUMN text SET COMPRESSION lz4,
                         ALTER COLUMN payload SET COMPRESSION lz4;
    ALTER TABLE journal ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not built into this server: values stay compressed with pglz';
END
$$;
